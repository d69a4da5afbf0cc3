"""Run the SendGrid emulator as a subprocess (shared by the emulator and contract tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
# SENDGRID_EMULATOR_SCRIPT runs the suites against another emulator build (an older commit's, say).
EMULATOR_SCRIPT = Path(os.environ.get("SENDGRID_EMULATOR_SCRIPT") or HERE / "sendgrid_emulator.py")
OTHER_BUILD = EMULATOR_SCRIPT != HERE / "sendgrid_emulator.py"     # may not know --eu-port-file
DEMO_SEED_PATH = HERE / "seeds" / "demo.json"
START_TIMEOUT = 10.0


def demo_seed() -> dict[str, Any]:
    return json.loads(DEMO_SEED_PATH.read_text(encoding="utf-8"))


class EmulatorProcess:
    """``with EmulatorProcess(tmp_path) as emu:`` starts the emulator on a free port."""

    def __init__(self, workdir: Path, *, api_key: str = "SG.test-key", seed: Path = DEMO_SEED_PATH,
                 log: Path | None = None, latency_ms: int = 0):
        self.workdir = Path(workdir)
        self.api_key = api_key
        self.seed = seed
        self.log = log
        self.latency_ms = latency_ms
        self.port_file = self.workdir / "emulator.port"
        self.eu_port_file = self.workdir / "emulator.eu-port"
        self.stderr_path = self.workdir / "emulator.stderr"
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.eu_port: int | None = None
        self.control_session = requests.Session()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def eu_url(self) -> str:
        """The listener that stands for api.eu.sendgrid.com."""
        return f"http://127.0.0.1:{self.eu_port}"

    def command(self) -> list[str]:
        command = [sys.executable, str(EMULATOR_SCRIPT), "--host", "127.0.0.1", "--port", "0",
                   "--port-file", str(self.port_file), "--api-key", self.api_key, "--seed", str(self.seed)]
        if not OTHER_BUILD:
            command += ["--eu-port-file", str(self.eu_port_file)]
        if self.log is not None:
            command += ["--log", str(self.log)]
        if self.latency_ms:
            command += ["--latency-ms", str(self.latency_ms)]
        return command

    def start(self) -> EmulatorProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(self.command(), stderr=stderr)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.port_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.process.returncode}: {self.stderr()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"emulator did not write {self.port_file} within {START_TIMEOUT}s")
            time.sleep(0.02)
        self.port = int(self.port_file.read_text(encoding="utf-8"))
        if self.eu_port_file.exists():                                     # written before the port file
            self.eu_port = int(self.eu_port_file.read_text(encoding="utf-8"))
        return self

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop the process this object started and return its exit code."""
        self.control_session.close()
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace") if self.stderr_path.exists() else ""

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- API and control helpers -------------------------------------------

    def api_session(self, api_key: str | None = None, on_behalf_of: str | None = None) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {api_key or self.api_key}"
        if on_behalf_of is not None:
            session.headers["on-behalf-of"] = on_behalf_of
        return session

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.control_session.request(method, f"{self.url}/_emulator/{path}", timeout=10, **kwargs)

    def reset(self, seed: dict[str, Any] | None = None, clear_log: bool = True, account: str | None = None) -> None:
        params = {"clear_log": "true"} if clear_log else {}
        if account is not None:
            params["account"] = account
        response = self.control("POST", "reset", json=demo_seed() if seed is None else seed, params=params)
        if response.status_code != 200:
            raise RuntimeError(f"POST /_emulator/reset: {response.status_code} {response.text}")

    def state(self, account: str | None = None) -> dict[str, Any]:
        return self.control("GET", "state", params={"account": account} if account else {}).json()

    def requests_log(self, **filters: Any) -> list[dict[str, Any]]:
        """The request log; ``account=``, ``host=`` or ``since=`` filter it."""
        return self.control("GET", "requests", params=filters).json()
