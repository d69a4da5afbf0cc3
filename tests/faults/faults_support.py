"""Shared machinery of tests/faults: real ``ansible-playbook`` runs against a local emulator.

A ``Harness`` writes a playbook (one play on localhost, connection local, with
``module_defaults`` for ``group/mailops.sendgrid.sendgrid`` pointing at the emulator),
runs it with the venv's ``ansible-playbook`` at ``-vvvv`` and returns a ``PlaybookRun``:
exit code, output, elapsed time and every task result (from the ``fault_results``
callback in ``callback_plugins/``, with the times each task started and ended).

Every run is checked: neither the API key nor the deliberately wrong key may appear in
stdout, stderr or the recorded results, and no Python traceback may appear in the output.
The key reaches the playbook only through an ``-e @vars.yml`` file (``-vvvv`` prints
command-line extra vars, and a failed template shows its source line).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FAULTS_DIR = Path(__file__).resolve().parent
EMULATOR_DIR = FAULTS_DIR.parent / "emulator"
sys.path.insert(0, str(EMULATOR_DIR))
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS_PATH_ENV = "SENDGRID_TEST_COLLECTIONS_PATH"
COLLECTION = ("mailops", "sendgrid")
GROUP = "group/mailops.sendgrid.sendgrid"
TRACEBACK = "Traceback (most recent call last)"
PLAYBOOK_TIMEOUT = 240
# Emulator log times are rounded to the millisecond.
CLOCK_SLACK = 0.002


def new_api_key(tag: str = "") -> str:
    return f"SG.faulttest-{tag}{secrets.token_hex(12)}"


def collections_path() -> Path:
    """The collections dir holding ansible_collections/mailops/sendgrid, from the environment; fails clearly."""
    value = os.environ.get(COLLECTIONS_PATH_ENV, "").strip()
    if not value:
        raise LookupError(
            f"{COLLECTIONS_PATH_ENV} is not set. tests/faults runs real playbooks against the collection as staged or"
            f" installed: set {COLLECTIONS_PATH_ENV} to a collections dir that holds ansible_collections/mailops/sendgrid"
            " (for example the Makefile's install dir, or /tmp/ct with /tmp/ct/ansible_collections/mailops/sendgrid"
            " -> the work tree)")
    path = Path(value).resolve()
    plugins = path.joinpath("ansible_collections", *COLLECTION, "plugins", "modules")
    if not plugins.is_dir():
        raise LookupError(f"{COLLECTIONS_PATH_ENV}={value}: {plugins} does not exist;"
                          " it must be a collections dir holding ansible_collections/mailops/sendgrid")
    return path


def collection_root(path: Path) -> Path:
    return path.joinpath("ansible_collections", *COLLECTION)


def ansible_playbook_path() -> str:
    beside = Path(sys.executable).parent / "ansible-playbook"
    if beside.exists():
        return str(beside)
    found = shutil.which("ansible-playbook")
    if not found:
        raise LookupError(f"no ansible-playbook beside {sys.executable} nor on PATH")
    return found


@dataclass
class PlaybookRun:
    """What one ``ansible-playbook`` run did."""

    name: str
    rc: int
    stdout: str
    stderr: str
    started: float
    ended: float
    records: list[dict[str, Any]]
    log_path: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def elapsed(self) -> float:
        return self.ended - self.started

    def record(self, task: str) -> dict[str, Any]:
        found = [record for record in self.records if record["task"] == task]
        assert len(found) == 1, f"expected one result of task {task!r} in {self.log_path}, got {len(found)}"
        return found[0]

    def result(self, task: str) -> dict[str, Any]:
        return self.record(task)["result"]

    def ok(self, task: str) -> dict[str, Any]:
        record = self.record(task)
        assert record["status"] == "ok", f"task {task!r} did not succeed ({self.log_path}): {record['result']}"
        return record["result"]

    def failed(self, task: str) -> dict[str, Any]:
        record = self.record(task)
        assert record["status"] == "failed", f"task {task!r} did not fail ({self.log_path}): {record['result']}"
        return record["result"]

    def requests_during(self, task: str, log: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The emulator log entries made while ``task`` ran (tasks run one after the other on one host)."""
        record = self.record(task)
        start, end = record["start"], record["end"]
        return [entry for entry in log if start - CLOCK_SLACK <= entry["time"] <= end + CLOCK_SLACK]

    def __repr__(self) -> str:  # the dataclass one would print the whole output
        return f"PlaybookRun({self.name!r}, rc={self.rc}, log={self.log_path})"


class Harness:
    """One emulator (shared by a test module) and the means to run playbooks against it."""

    def __init__(self, emulator: EmulatorProcess, workdir: Path, collections: Path, wrong_key: str) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.collections = collections
        self.wrong_key = wrong_key
        self.runs = 0
        self.vars_file = workdir / "sendgrid_vars.yml"
        self.vars_file.write_text(yaml.safe_dump({
            "sendgrid_api_url": emulator.url,
            "sendgrid_api_key": emulator.api_key,
            "sendgrid_wrong_key": wrong_key,
        }), encoding="utf-8")
        self.vars_file.chmod(0o600)
        self.ansible_home = workdir / "ansible_home"
        self.ansible_home.mkdir(exist_ok=True)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.emulator.api_key, self.wrong_key)

    # -- emulator control -------------------------------------------------------------

    def reset(self, seed: dict[str, Any] | None = None) -> None:
        """Back to the seed (demo by default), no faults, no rate-limit rules, empty request log."""
        self.emulator.reset(seed)

    def add_fault(self, **fault: Any) -> None:
        response = self.emulator.control("POST", "faults", json=fault)
        assert response.status_code == 200, response.text

    def add_rate_limit(self, **rule: Any) -> None:
        response = self.emulator.control("POST", "rate_limits", json=rule)
        assert response.status_code == 200, response.text

    def pending_faults(self) -> list[dict[str, Any]]:
        return self.emulator.control("GET", "faults").json()

    def log(self) -> list[dict[str, Any]]:
        return self.emulator.requests_log()

    def clear_log(self) -> None:
        assert self.emulator.control("DELETE", "requests").status_code == 200

    def state(self) -> dict[str, Any]:
        return self.emulator.state()

    # -- playbooks --------------------------------------------------------------------

    def write_playbook(self, name: str, tasks: list[dict[str, Any]]) -> Path:
        play = {
            "name": name,
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "module_defaults": {GROUP: {
                "api_url": "{{ sendgrid_api_url }}",
                "api_key": "{{ sendgrid_api_key }}",
            }},
            "tasks": tasks,
        }
        path = self.workdir / f"{name}.yml"
        path.write_text(yaml.safe_dump([play], sort_keys=False, width=200), encoding="utf-8")
        return path

    def environment(self, results_file: Path) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("ANSIBLE_", "SENDGRID_API_")) and key != "FAULT_RESULTS_FILE"}
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_HOME": str(self.ansible_home),
            "ANSIBLE_LOCAL_TEMP": str(self.ansible_home / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(self.ansible_home / "remote_tmp"),
            "ANSIBLE_CALLBACK_PLUGINS": str(FAULTS_DIR / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "fault_results",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_PIPELINING": "true",  # fewer round trips per task: the suite is mostly task overhead
            "ANSIBLE_NOCOLOR": "true",
            "ANSIBLE_FORCE_COLOR": "false",
            "FAULT_RESULTS_FILE": str(results_file),
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        return env

    def run(self, name: str, tasks: list[dict[str, Any]], verbosity: int = 4,
            extra_env: dict[str, str] | None = None, secret_vars: dict[str, str] | None = None,
            check_traceback: bool = True) -> PlaybookRun:
        """Run the tasks as a playbook; fails if a secret or a traceback shows in any output.

        ``secret_vars`` are more variables holding secrets (an API key with a line break, say): they reach
        the play through a vars file of their own, and neither they nor any 8-character piece of them
        may show in the output either.
        """
        self.runs += 1
        label = f"{self.runs:02d}-{name}"
        playbook = self.write_playbook(label, tasks)
        results_file = self.workdir / f"{label}.results.json"
        log_path = self.workdir / f"{label}.log"
        command = [ansible_playbook_path(), "-i", "localhost,", "-e", f"@{self.vars_file}", str(playbook)]
        if secret_vars:
            secret_file = self.workdir / f"{label}.secrets.json"
            secret_file.write_text(json.dumps(secret_vars), encoding="utf-8")
            secret_file.chmod(0o600)
            command[-1:-1] = ["-e", f"@{secret_file}"]
        if verbosity:
            command.insert(1, "-" + "v" * verbosity)
        started = time.time()
        completed = subprocess.run(command, env={**self.environment(results_file), **(extra_env or {})}, cwd=self.workdir,
                                   capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
        ended = time.time()
        log_path.write_text(f"$ {' '.join(command)}\n# rc={completed.returncode}\n# --- stdout\n{completed.stdout}"
                            f"\n# --- stderr\n{completed.stderr}", encoding="utf-8")
        records_text = results_file.read_text(encoding="utf-8") if results_file.exists() else "[]"
        run = PlaybookRun(label, completed.returncode, completed.stdout, completed.stderr, started, ended,
                          json.loads(records_text), log_path)
        self.assert_no_secret(run, records_text, pieces(secret_vars.values()) if secret_vars else ())
        if check_traceback and TRACEBACK in run.output:
            raise AssertionError(f"a Python traceback in the output of {log_path}")
        return run

    def assert_no_secret(self, run: PlaybookRun, records_text: str, more: tuple[str, ...] = ()) -> None:
        # Not a bare assert: pytest would print the text, key included, in its report.
        for secret in (*self.secrets, *more):
            for where, text in (("stdout", run.stdout), ("stderr", run.stderr), ("task results", records_text)):
                if secret in text:
                    raise AssertionError(f"an API key (or a piece of one) appears in the {where} of {run.log_path}")


def pieces(secrets: Any, size: int = 8) -> tuple[str, ...]:
    """Every run of ``size`` letters and digits in ``secrets``: a key shown escaped (repr) still shows them."""
    found: set[str] = set()
    for secret in secrets:
        for word in re.findall(r"[A-Za-z0-9]+", secret):
            found.update(word[start:start + size] for start in range(0, max(1, len(word) - size + 1)))
    return tuple(piece for piece in found if len(piece) == size)


# -- small helpers for the tests ----------------------------------------------------------


def task(name: str, module: str, args: dict[str, Any] | None = None, **keywords: Any) -> dict[str, Any]:
    """A task calling ``mailops.sendgrid.<module>``."""
    return {"name": name, f"mailops.sendgrid.{module}": dict(args or {}), **keywords}


class Var(str):
    """A variable name to use as such (unquoted) in a generated Jinja expression."""


def lookup_task(name: str, options: dict[str, Any], terms: tuple[str, ...] = (), **keywords: Any) -> dict[str, Any]:
    """A task that evaluates ``query('mailops.sendgrid.sendgrid_ips', ...)`` into the fact ``lookup_result``.

    The connection settings come from the vars file as variables (``Var``), never as literals in the playbook:
    ansible-core shows the source line of a failed template.
    """
    settings: dict[str, Any] = {"api_url": Var("sendgrid_api_url"), "api_key": Var("sendgrid_api_key"), **options}
    arguments = [json.dumps(term) for term in terms]
    arguments += [f"{key}={value if isinstance(value, Var) else json.dumps(value)}" for key, value in settings.items()]
    expression = "{{ query('mailops.sendgrid.sendgrid_ips', " + ", ".join(arguments) + ") }}"
    return {"name": name, "ansible.builtin.set_fact": {"lookup_result": expression}, **keywords}


def to_path(entries: list[dict[str, Any]], method: str, path: str) -> list[dict[str, Any]]:
    return [entry for entry in entries if entry["method"] == method and entry["path"] == path]


def writes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in entries if entry["method"] != "GET"]


def describe(entries: list[dict[str, Any]]) -> list[str]:
    """Short lines for assertion messages."""
    return [f"{entry['method']} {entry['path']} -> {entry['status']}{' (fault)' if entry.get('fault') else ''}"
            for entry in entries]


def pools_by_name(state: dict[str, Any]) -> dict[str, list[str]]:
    """Pool name -> sorted member IPs, from an emulator state document."""
    members: dict[str, list[str]] = {pool["name"]: [] for pool in state["pools"]}
    for record in state["ips"]:
        for pool in record.get("pools") or ():
            members[pool].append(record["ip"])
    return {name: sorted(ips) for name, ips in members.items()}


def ip_record(state: dict[str, Any], ip: str) -> dict[str, Any]:
    return next(record for record in state["ips"] if record["ip"] == ip)


def subuser_ips(state: dict[str, Any], username: str) -> list[str]:
    return sorted(record["ip"] for record in state["ips"] if username in (record.get("subusers") or ()))
