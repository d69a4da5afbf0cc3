"""HTTP 5xx and dropped connections: reads are retried; so are creating a pool and starting a warmup.

A read (GET) that gets a 500/502/503 or a dropped connection is retried with backoff and the task
succeeds. A POST that creates something (an IP pool, a warmup) and gets a 503 or a dropped
connection before SendGrid applied it is sent again (SendGrid refuses a duplicate, so repeating
is safe; tests/faults/test_outcome_unknown.py covers a fault after the write was applied): the
task succeeds, running it again changes nothing, and nothing is lost or duplicated.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    CLOCK_SLACK,
    TRACEBACK,
    Harness,
    describe,
    ip_record,
    lookup_task,
    pools_by_name,
    task,
    to_path,
    writes,
)

DEMO_POOLS = {"marketing": ["192.0.2.20"], "transactional": ["192.0.2.10", "192.0.2.11"]}
# Limit/offset lists: a short page is confirmed by one more read (the server may cap the limit asked).
OFFSET_LISTS = ("/v3/ips", "/v3/subusers")
# The client's backoff: attempt n waits between half and all of 0.5 * 2^(n-1) seconds.
MIN_BACKOFF = (0.25, 0.5)


def check_ip_info(result: dict[str, Any]) -> None:
    assert len(result["ips"]) == 9 and result["ips"][0]["ip"] == "192.0.2.10"


def check_subuser_info(result: dict[str, Any]) -> None:
    assert [entry["username"] for entry in result["subusers"]] == [
        "eu-shop", "legacy-brand", "newsletter", "shop-eu", "transactional-us"]


def check_pool_info(result: dict[str, Any]) -> None:
    assert {pool["name"]: pool["ips"] for pool in result["pools"]} == DEMO_POOLS


def check_lookup(result: dict[str, Any]) -> None:
    assert result["ansible_facts"]["lookup_result"] == ["192.0.2.11", "192.0.2.31", "192.0.2.32"]


def check_ip(result: dict[str, Any]) -> None:
    assert result["changed"] is True and result["ip"] == "192.0.2.31" and result["is_auto_warmup"] is True


READ_FAULTS = [
    pytest.param(task("read", "sendgrid_ip_info"), "/v3/ips", {"status": 500}, check_ip_info, [], id="ip_info-500"),
    pytest.param(task("read", "sendgrid_subuser_info"), "/v3/subusers", {"status": 503}, check_subuser_info, [],
                 id="subuser_info-503"),
    pytest.param(task("read", "sendgrid_ip_pool_info"), "/v3/send_ips/pools", {"action": "drop"}, check_pool_info, [],
                 id="pool_info-drop"),
    pytest.param(lookup_task("read", {"status": "free"}), "/v3/ips", {"action": "drop"}, check_lookup, [],
                 id="lookup-drop"),
    # The read before a write: retried, and the write is still made exactly once.
    pytest.param(task("read", "sendgrid_ip", {"ip": "192.0.2.31", "is_auto_warmup": True}),
                 "/v3/send_ips/ips/192.0.2.31", {"status": 502}, check_ip, ["PATCH /v3/send_ips/ips/192.0.2.31 -> 200"],
                 id="ip-read-502"),
]


@pytest.mark.parametrize(("read_task", "path", "fault", "check", "expected_writes"), READ_FAULTS)
def test_failed_reads_are_retried_with_backoff(sg: Harness, read_task: dict[str, Any], path: str,
                                               fault: dict[str, Any], check: Any, expected_writes: list[str]) -> None:
    sg.add_fault(method="GET", path=path, count=2, **{"action": "status", **fault})
    run = sg.run("read-fault", [read_task])

    check(run.ok("read"))
    log = sg.log()
    calls = to_path(log, "GET", path)
    expected = fault.get("status")  # None: the connection was dropped
    confirmation = [200] if path in OFFSET_LISTS else []
    assert [call["status"] for call in calls] == [expected, expected, 200, *confirmation], describe(calls)
    assert all(call["fault"] for call in calls[:2])
    gaps = [later["time"] - earlier["time"] for earlier, later in zip(calls, calls[1:])]
    assert all(gap >= minimum - CLOCK_SLACK for gap, minimum in zip(gaps, MIN_BACKOFF)), gaps
    assert describe(writes(log)) == expected_writes


POOL_CREATE = task("apply", "sendgrid_ip_pool", {"pool": "fresh-pool", "ips": ["192.0.2.31"]})
WARMUP_START = task("apply", "sendgrid_ip_warmup", {"ip": "192.0.2.31", "state": "started"})


def strip_volatile(state: dict[str, Any]) -> dict[str, Any]:
    """The state without ``updated_at`` (the emulator stamps it on every write)."""
    return {**state, "ips": [{key: value for key, value in record.items() if key != "updated_at"}
                             for record in state["ips"]]}


WRITES = [
    pytest.param(POOL_CREATE, "/v3/send_ips/pools", id="pool-create"),
    pytest.param(WARMUP_START, "/v3/ips/warmup", id="warmup-start"),
]
FAULTS = [
    pytest.param({"action": "status", "status": 503}, id="503"),
    pytest.param({"action": "drop"}, id="drop"),
]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize(("write_task", "path"), WRITES)
def test_a_create_that_failed_before_it_was_applied_is_repeated_and_converges(
        sg: Harness, write_task: dict[str, Any], path: str, fault: dict[str, Any]) -> None:
    before = sg.state()
    sg.add_fault(method="POST", path=path, count=1, when="before", **fault)
    tasks = [write_task, {**write_task, "name": "apply again"}]

    run = sg.run("write-fault", tasks)
    assert run.ok("apply")["changed"] is True
    assert run.ok("apply again")["changed"] is False
    log = sg.log()
    posts = to_path(log, "POST", path)
    # the faulty attempt (not applied), then the repeat that applied it; nothing more
    assert [call["fault"] is not None for call in posts] == [True, False], describe(posts)
    assert len(writes(log)) == 2, describe(writes(log))
    assert not writes(run.requests_during("apply again", log))
    assert TRACEBACK not in run.output

    after = sg.state()
    if path == "/v3/send_ips/pools":
        assert pools_by_name(after) == {**DEMO_POOLS, "fresh-pool": ["192.0.2.31"]}
        expected_ips = [{**record, "pools": ["fresh-pool"]} if record["ip"] == "192.0.2.31" else record
                        for record in before["ips"]]
    else:
        assert pools_by_name(after) == DEMO_POOLS
        assert ip_record(after, "192.0.2.31")["warmup"] is True
        assert ip_record(after, "192.0.2.31")["start_date"]
        expected_ips = [{**record, "warmup": True, "start_date": ip_record(after, "192.0.2.31")["start_date"]}
                        if record["ip"] == "192.0.2.31" else record for record in before["ips"]]
    # Nothing else changed: the same subusers, and every other IP as it was.
    assert after["subusers"] == before["subusers"]
    assert strip_volatile(after)["ips"] == strip_volatile({"ips": expected_ips})["ips"]
