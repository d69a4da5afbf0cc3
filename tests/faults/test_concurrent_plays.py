"""Two plays at once on the same subusers: additions with ``ips_state: present`` are never lost (issue 7, section 3).

Two real ``ansible-playbook`` processes run the ``sendgrid_ip_layout`` module at the same time against one
emulator, each giving every one of 30 subusers one more IP (a different one per play), with
``ips_state: present``. The emulator answers every request after a delay, so that both plays read the
account before either writes. A layout that reads each subuser's IPs and ``PUT``s the whole list back makes
the second play undo the first one's additions; additive calls (``subusers:batchAdd``) keep both.

Prints ``additions kept: N of 30`` (read it with ``pytest -s``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    EmulatorProcess,
    Harness,
    PlaybookRun,
    describe,
    new_api_key,
    subuser_ips,
    task,
    writes,
)

SUBUSERS = 30
LATENCY_MS = 200  # per request: both plays' reads (about a second) overlap whatever their start-up skew


def name(index: int) -> str:
    return f"conc-{index:02d}"


def base_ip(index: int) -> str:
    return f"198.18.0.{index + 1}"


def play_ip(play: int, index: int) -> str:
    return f"198.18.{play}.{index + 1}"


def seed() -> dict[str, Any]:
    ips = [{"ip": base_ip(i), "subusers": [name(i)]} for i in range(SUBUSERS)]
    ips += [{"ip": play_ip(play, i)} for play in (1, 2) for i in range(SUBUSERS)]
    return {"subusers": [{"username": name(i), "id": 3001 + i} for i in range(SUBUSERS)], "pools": [], "ips": ips}


@pytest.fixture(scope="module")
def slow(collections: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    workdir = tmp_path_factory.mktemp("concurrent")
    with EmulatorProcess(workdir / "emulator", api_key=new_api_key(), latency_ms=LATENCY_MS) as emulator:
        yield Harness(emulator, workdir, collections, wrong_key=new_api_key("wrong-"))


def run_both(harness: Harness, layouts: dict[int, dict[str, list[str]]]) -> dict[int, PlaybookRun]:
    runs: dict[int, PlaybookRun] = {}
    errors: list[BaseException] = []

    def run(play: int) -> None:
        try:
            runs[play] = harness.run(f"play-{play}", [task("converge", "sendgrid_ip_layout", {
                "subusers": layouts[play], "ips_state": "present", "concurrency": 4})], verbosity=0)
        except BaseException as error:  # pylint: disable=broad-exception-caught  # re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(play,)) for play in layouts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return runs


def test_two_plays_at_once_keep_every_addition(slow: Harness) -> None:
    slow.reset(seed())
    layouts = {play: {name(i): [play_ip(play, i)] for i in range(SUBUSERS)} for play in (1, 2)}
    runs = run_both(slow, layouts)

    for play, run in runs.items():
        result = run.ok("converge")
        assert result["changed"] is True, f"play {play}: {result}"
        assert result["summary"]["subusers_changed"] == SUBUSERS
    state = slow.state()
    kept = sum(subuser_ips(state, name(i)) == sorted([base_ip(i), play_ip(1, i), play_ip(2, i)])
               for i in range(SUBUSERS))
    print(f"\nadditions kept: {kept} of {SUBUSERS}")
    # Both plays read before either wrote (the premise of the race), and neither wrote a whole list.
    log = slow.log()
    first_write = min(entry["time"] for entry in writes(log))
    reads = [entry for entry in log if entry["method"] == "GET" and entry["path"] == "/v3/ips"]
    listings = [entry for entry in reads if entry["query"].get("offset") == ["0"]]
    # one listing per play, each short page confirmed by one more read (the server may cap the limit asked)
    assert len(listings) == 2 and len(reads) == 4, describe(reads)
    assert all(entry["time"] < first_write for entry in reads), describe(reads)
    assert [entry for entry in writes(log) if entry["method"] == "PUT"] == []
    assert kept == SUBUSERS
