"""A connection dropped (or a 5xx sent) AFTER the emulator applied a write (fault ``when: after``).

The client cannot know whether the write happened. A write that is safe to repeat is sent again:
an idempotent PUT simply succeeds; a repeat that the API refuses as already done ("not found in
pool", "already in warmup", "already exists", 404 for a warmup that is not running) is confirmed
by one read and counts as done. In every case running the play again reports the right
``changed`` and the account is right.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    TRACEBACK,
    Harness,
    PlaybookRun,
    describe,
    ip_record,
    pools_by_name,
    subuser_ips,
    task,
    to_path,
    writes,
)

DEMO_POOLS = {"marketing": ["192.0.2.20"], "transactional": ["192.0.2.10", "192.0.2.11"]}


def drop_after(sg: Harness, method: str, path: str) -> None:
    sg.add_fault(method=method, path=path, count=1, action="drop", when="after")


def twice(write_task: dict[str, Any]) -> list[dict[str, Any]]:
    """The task, then the same task again (a re-run within the play)."""
    return [write_task, {**write_task, "name": "apply again"}]


def run_with_drop_after(sg: Harness, method: str, path: str, module: str,
                        args: dict[str, Any]) -> tuple[list[dict[str, Any]], PlaybookRun]:
    """Drop the connection after the first ``method path`` is applied, and run the module's task twice."""
    drop_after(sg, method, path)
    tasks = twice(task("apply", module, args))
    return tasks, sg.run(f"{module}-dropped-after", tasks)


def rerun_changes_nothing(sg: Harness, tasks: list[dict[str, Any]]) -> PlaybookRun:
    sg.clear_log()
    run = sg.run("rerun", tasks)
    for record in run.records:
        assert record["status"] == "ok" and record["result"]["changed"] is False, record
    assert not writes(sg.log()), describe(writes(sg.log()))
    return run


def test_put_dropped_after_apply_is_retried_and_succeeds(sg: Harness) -> None:
    path = "/v3/subusers/newsletter/ips"
    # state=exact: the PUT of the whole list (present adds with subusers:batchAdd, see the layout test below)
    tasks, run = run_with_drop_after(sg, "PUT", path, "sendgrid_subuser_ips",
                                     {"subuser": "newsletter", "ips": ["192.0.2.20", "192.0.2.21", "192.0.2.31"],
                                      "state": "exact"})
    applied = run.ok("apply")
    assert applied["changed"] is True and applied["added"] == ["192.0.2.31"]
    assert run.ok("apply again")["changed"] is False
    log = sg.log()
    puts = to_path(log, "PUT", path)
    # Applied and dropped, then sent again (PUT is idempotent) and answered.
    assert [call["status"] for call in puts] == [None, 200], describe(puts)
    assert puts[0]["fault"]["when"] == "after"
    assert puts[0]["body"] == puts[1]["body"] == ["192.0.2.20", "192.0.2.21", "192.0.2.31"]
    assert describe(writes(log)) == describe(puts)
    assert subuser_ips(sg.state(), "newsletter") == ["192.0.2.20", "192.0.2.21", "192.0.2.31"]

    rerun_changes_nothing(sg, tasks)
    assert subuser_ips(sg.state(), "newsletter") == ["192.0.2.20", "192.0.2.21", "192.0.2.31"]


def test_pool_create_dropped_after_apply_is_retried_and_confirmed(sg: Harness) -> None:
    path = "/v3/send_ips/pools"
    tasks, run = run_with_drop_after(sg, "POST", path, "sendgrid_ip_pool", {"pool": "fresh-pool", "ips": ["192.0.2.31"]})
    applied = run.ok("apply")
    assert applied["changed"] is True
    assert run.ok("apply again")["changed"] is False
    log = sg.log()
    posts = to_path(log, "POST", path)
    # Applied and dropped; the repeat is refused (the name exists); a read confirms the pool with its IPs.
    assert [call["status"] for call in posts] == [None, 400], describe(posts)
    assert len(writes(log)) == 2, describe(writes(log))
    state = sg.state()
    assert [pool["name"] for pool in state["pools"]].count("fresh-pool") == 1
    assert pools_by_name(state) == {**DEMO_POOLS, "fresh-pool": ["192.0.2.31"]}

    rerun = rerun_changes_nothing(sg, tasks)
    assert rerun.ok("apply")["ips"] == ["192.0.2.31"]


def test_pool_create_with_a_server_error_after_apply_is_retried_and_confirmed(sg: Harness) -> None:
    path = "/v3/send_ips/pools"
    sg.add_fault(method="POST", path=path, count=1, action="status", status=500, when="after")
    run = sg.run("pool-create-500-after", [task("apply", "sendgrid_ip_pool", {"pool": "fresh-pool"})])
    assert run.ok("apply")["changed"] is True
    assert [call["status"] for call in to_path(sg.log(), "POST", path)] == [500, 400]
    assert [pool["name"] for pool in sg.state()["pools"]].count("fresh-pool") == 1


def test_pool_ip_removal_dropped_after_apply_is_done(sg: Harness) -> None:
    path = "/v3/send_ips/pools/1/ips:batchDelete"
    tasks, run = run_with_drop_after(sg, "POST", path, "sendgrid_ip_pool",
                                     {"pool": "transactional", "ips": ["192.0.2.11"], "ips_state": "absent"})
    applied = run.ok("apply")
    assert applied["changed"] is True and applied["removed"] == ["192.0.2.11"]
    assert run.ok("apply again")["changed"] is False
    calls = to_path(sg.log(), "POST", path)
    assert [call["status"] for call in calls] == [None, 400], describe(calls)
    assert pools_by_name(sg.state())["transactional"] == ["192.0.2.10"]
    rerun_changes_nothing(sg, tasks)


def test_pool_ip_addition_with_a_server_error_after_apply_is_done(sg: Harness) -> None:
    path = "/v3/send_ips/pools/2/ips:batchAdd"
    sg.add_fault(method="POST", path=path, count=1, action="status", status=503, when="after")
    tasks = twice(task("apply", "sendgrid_ip_pool", {"pool": "marketing", "ips": ["192.0.2.31"]}))
    run = sg.run("pool-add-503-after", tasks)
    assert run.ok("apply")["changed"] is True
    assert run.ok("apply again")["changed"] is False
    assert [call["status"] for call in to_path(sg.log(), "POST", path)][0] == 503
    assert pools_by_name(sg.state())["marketing"] == ["192.0.2.20", "192.0.2.31"]


def test_warmup_start_dropped_after_apply_is_retried_and_confirmed(sg: Harness) -> None:
    path = "/v3/ips/warmup"
    tasks, run = run_with_drop_after(sg, "POST", path, "sendgrid_ip_warmup", {"ip": "192.0.2.31"})
    applied = run.ok("apply")
    assert applied["changed"] is True and applied["warmup"] is True
    assert run.ok("apply again")["changed"] is False
    posts = to_path(sg.log(), "POST", path)
    assert [call["status"] for call in posts] == [None, 400], describe(posts)
    started = ip_record(sg.state(), "192.0.2.31")
    assert started["warmup"] is True and started["start_date"]
    # the start date of the applied attempt, read back to confirm it
    assert applied["start_date"] == started["start_date"]

    rerun = rerun_changes_nothing(sg, tasks)
    assert rerun.ok("apply")["warmup"] is True
    assert ip_record(sg.state(), "192.0.2.31")["start_date"] == started["start_date"]


def test_warmup_stop_dropped_after_apply_is_done(sg: Harness) -> None:
    path = "/v3/ips/warmup/192.0.2.21"
    tasks, run = run_with_drop_after(sg, "DELETE", path, "sendgrid_ip_warmup", {"ip": "192.0.2.21", "state": "stopped"})
    assert run.ok("apply")["changed"] is True
    assert run.ok("apply again")["changed"] is False
    deletes = to_path(sg.log(), "DELETE", path)
    assert [call["status"] for call in deletes] == [None, 404], describe(deletes)
    assert ip_record(sg.state(), "192.0.2.21")["warmup"] is False
    rerun_changes_nothing(sg, tasks)


def test_ip_subusers_dropped_after_apply_are_done(sg: Harness) -> None:
    path = "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd"
    tasks, run = run_with_drop_after(sg, "POST", path, "sendgrid_ip", {"ip": "192.0.2.31", "subusers": ["newsletter"]})
    assert run.ok("apply")["changed"] is True
    assert run.ok("apply again")["changed"] is False
    assert [call["status"] for call in to_path(sg.log(), "POST", path)][0] is None
    assert "newsletter" in ip_record(sg.state(), "192.0.2.31")["subusers"]
    rerun_changes_nothing(sg, tasks)


def test_layout_with_writes_dropped_after_apply(sg: Harness) -> None:
    layout = {
        "pools": {"fresh-pool": ["192.0.2.31"]},
        "subusers": {"newsletter": ["192.0.2.20", "192.0.2.21", "192.0.2.31"]},
        "warmup": ["192.0.2.21", "192.0.2.31"],
    }
    batch_add = "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd"
    drop_after(sg, "POST", "/v3/send_ips/pools")
    drop_after(sg, "POST", batch_add)
    drop_after(sg, "POST", "/v3/ips/warmup")
    tasks = twice(task("apply", "sendgrid_ip_layout", layout))

    run = sg.run("layout-dropped-after", tasks)
    applied = run.ok("apply")
    assert applied["changed"] is True
    assert run.ok("apply again")["changed"] is False
    assert TRACEBACK not in run.output
    log = sg.log()
    # Each write was applied, its answer lost, and repeated: the addition (an idempotent batchAdd) simply
    # again, the pool creation and the warmup start refused as already done and confirmed by a read.
    assert [call["status"] for call in to_path(log, "POST", batch_add)] == [None, 200]
    assert [call["status"] for call in to_path(log, "POST", "/v3/send_ips/pools")] == [None, 400]
    assert [call["status"] for call in to_path(log, "POST", "/v3/ips/warmup")] == [None, 400]
    assert not to_path(log, "PUT", "/v3/subusers/newsletter/ips")
    assert len(writes(log)) == 6, describe(writes(log))

    def check(state: dict[str, Any]) -> None:
        assert pools_by_name(state) == {**DEMO_POOLS, "fresh-pool": ["192.0.2.31"]}
        assert subuser_ips(state, "newsletter") == ["192.0.2.20", "192.0.2.21", "192.0.2.31"]
        assert sorted(record["ip"] for record in state["ips"] if record["warmup"]) == ["192.0.2.21", "192.0.2.31"]

    check(sg.state())
    rerun = rerun_changes_nothing(sg, tasks)
    assert rerun.ok("apply")["summary"]["writes"] == 0
    check(sg.state())
