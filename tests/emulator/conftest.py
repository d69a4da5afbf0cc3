"""Fixtures of tests/emulator: one emulator per test module, the demo account for every test.

    .venv/bin/python -m pytest tests/emulator

``SENDGRID_EMULATOR_SCRIPT=/path/to/sendgrid_emulator.py`` runs the suite against another
emulator build (to show that a new test fails on an older emulator).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

ALL_DEMO_IPS = ["192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.21", "192.0.2.30", "192.0.2.31",
                "192.0.2.32", "192.0.2.40", "192.0.2.41"]


class Api:
    """Authenticated client of one emulator host, on a keep-alive session."""

    def __init__(self, emulator: EmulatorProcess, api_key: str | None = None, on_behalf_of: str | None = None,
                 eu: bool = False):
        self.emulator = emulator
        self.base = emulator.eu_url if eu else emulator.url
        self.session = emulator.api_session(api_key, on_behalf_of)

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=10, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self("GET", path, params=params)

    def close(self) -> None:
        self.session.close()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    workdir = tmp_path_factory.mktemp("emulator")
    with EmulatorProcess(workdir, log=workdir / "requests.jsonl") as emu:
        yield emu


@pytest.fixture
def api(emulator: EmulatorProcess) -> Iterator[Api]:
    emulator.reset()
    client = Api(emulator)
    yield client
    client.close()


def add_fault(emulator: EmulatorProcess, **fault: Any) -> dict[str, Any]:
    response = emulator.control("POST", "faults", json=fault)
    assert response.status_code == 200, response.text
    return response.json()["fault"]


def ip_state(emulator: EmulatorProcess, ip: str, account: str | None = None) -> dict[str, Any]:
    state = emulator.state(account)
    return next(r for r in state["ips"] if r["ip"] == ip)


def error_of(response: requests.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    [item] = response.json()["errors"]
    return item
