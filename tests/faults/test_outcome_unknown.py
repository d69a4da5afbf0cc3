"""A connection dropped AFTER the emulator applied a write (fault ``when: after``, ``action: drop``).

The client cannot know whether the write happened.  An idempotent PUT is simply sent again and
the task succeeds; a POST is not repeated and the task fails saying the outcome is unknown.  In
both cases running the play again reports the right ``changed`` and the account is right.
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

UNKNOWN = "the outcome is unknown"
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


def test_pool_create_dropped_after_apply_reports_unknown_outcome(sg: Harness) -> None:
    path = "/v3/send_ips/pools"
    tasks, run = run_with_drop_after(sg, "POST", path, "sendgrid_ip_pool", {"name": "fresh-pool", "ips": ["192.0.2.31"]})
    failure = run.failed("apply")
    assert UNKNOWN in failure["msg"] and f"POST {path}" in failure["msg"], failure["msg"]
    assert "run the task again" in failure["msg"]
    assert failure["outcome_unknown"] is True
    assert TRACEBACK not in run.output
    posts = to_path(sg.log(), "POST", path)
    assert [call["status"] for call in posts] == [None], describe(posts)
    # The emulator did create the pool before dropping the connection.
    assert pools_by_name(sg.state()) == {**DEMO_POOLS, "fresh-pool": ["192.0.2.31"]}

    rerun = rerun_changes_nothing(sg, tasks)
    assert rerun.ok("apply")["pool"]["ips"] == ["192.0.2.31"]
    state = sg.state()
    assert [pool["name"] for pool in state["pools"]].count("fresh-pool") == 1
    assert pools_by_name(state) == {**DEMO_POOLS, "fresh-pool": ["192.0.2.31"]}


def test_warmup_start_dropped_after_apply_reports_unknown_outcome(sg: Harness) -> None:
    path = "/v3/ips/warmup"
    tasks, run = run_with_drop_after(sg, "POST", path, "sendgrid_ip_warmup", {"ip": "192.0.2.31"})
    failure = run.failed("apply")
    assert UNKNOWN in failure["msg"] and f"POST {path}" in failure["msg"], failure["msg"]
    assert failure["outcome_unknown"] is True
    assert len(to_path(sg.log(), "POST", path)) == 1
    started = ip_record(sg.state(), "192.0.2.31")
    assert started["warmup"] is True and started["start_date"]

    rerun = rerun_changes_nothing(sg, tasks)
    assert rerun.ok("apply")["warmup"] is True
    # The re-run keeps the start date the dropped request set.
    assert ip_record(sg.state(), "192.0.2.31")["start_date"] == started["start_date"]


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
    failure = run.failed("apply")
    assert failure["changed"] is True  # the subuser's IPs were set
    assert len(failure["writes_applied"]) == 1 and "subuser newsletter" in failure["writes_applied"][0]
    assert len(failure["writes_failed"]) == 2, failure["writes_failed"]
    assert all(UNKNOWN in entry for entry in failure["writes_failed"]), failure["writes_failed"]
    assert any("create pool fresh-pool" in entry for entry in failure["writes_failed"])
    assert any("start warmup of 192.0.2.31" in entry for entry in failure["writes_failed"])
    assert UNKNOWN in failure["msg"] and "run the task again" in failure["msg"].lower(), failure["msg"]
    assert TRACEBACK not in run.output
    log = sg.log()
    # The addition (an idempotent batchAdd) was applied, dropped, sent again and answered.
    assert [call["status"] for call in to_path(log, "POST", batch_add)] == [None, 200]
    assert [call["status"] for call in to_path(log, "POST", "/v3/send_ips/pools")] == [None]
    assert [call["status"] for call in to_path(log, "POST", "/v3/ips/warmup")] == [None]
    assert len(writes(log)) == 4, describe(writes(log))

    def check(state: dict[str, Any]) -> None:
        assert pools_by_name(state) == {**DEMO_POOLS, "fresh-pool": ["192.0.2.31"]}
        assert subuser_ips(state, "newsletter") == ["192.0.2.20", "192.0.2.21", "192.0.2.31"]
        assert sorted(record["ip"] for record in state["ips"] if record["warmup"]) == ["192.0.2.21", "192.0.2.31"]

    check(sg.state())
    rerun = rerun_changes_nothing(sg, tasks)
    assert rerun.ok("apply")["summary"]["writes"] == 0
    check(sg.state())
