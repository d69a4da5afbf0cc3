"""Fixtures of tests/faults: one emulator per test module, a clean account for every test.

Run (after staging or installing the collection):

    SENDGRID_TEST_COLLECTIONS_PATH=/path/to/collections .venv/bin/python -m pytest tests/faults

where /path/to/collections holds ansible_collections/mailops/sendgrid.  The playbooks run with
the ``ansible-playbook`` beside the Python that runs pytest, and that Python runs the modules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    EmulatorProcess,
    Harness,
    ansible_playbook_path,
    collections_path,
    new_api_key,
)


@pytest.fixture(scope="session")
def collections() -> Path:
    try:
        path = collections_path()
        ansible_playbook_path()
    except LookupError as error:
        pytest.exit(f"tests/faults cannot run: {error}", returncode=2)
    return path


@pytest.fixture(scope="module")
def harness(collections: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    workdir = tmp_path_factory.mktemp("faults")
    with EmulatorProcess(workdir / "emulator", api_key=new_api_key()) as emulator:
        yield Harness(emulator, workdir, collections, wrong_key=new_api_key("wrong-"))


@pytest.fixture
def sg(harness: Harness) -> Harness:
    """The module's harness, with the emulator back at the demo seed, no faults and an empty log."""
    harness.reset()
    return harness
