"""Rate limits inside one run: eight parallel writes against a spent per-endpoint limit.

The emulator allows three ``PUT /v3/subusers/{name}/ips`` per three-second window and answers the
rest with 429 and an epoch ``X-RateLimit-Reset``. ``sendgrid_ip_layout`` with ``concurrency: 8``
moves 30 subusers to another IP (30 PUTs). Every write must land: the workers share one gate
that opens at the announced reset, and a 429 that says when to come back does not use up
``max_retries`` (only ``retry_budget`` bounds it).

Measured on this machine (2 CPUs), two runs each: before the fix 3 and 4 of the 30 writes failed
"gave up after 6 attempts in 20.0 s; retry budget 120 s, max_retries 5" (with 3 per 3 s: 2 of 30);
after it 0 of 30 fail, in 46 to 47 s with 69 to 75 answers of 429. The figures of a run are in the
assertion message, and printed with ``pytest -s``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    TRACEBACK,
    Harness,
    describe,
    subuser_ips,
    task,
    writes,
)

SUBUSERS = [f"user-{number:02d}" for number in range(1, 31)]
FROM_IP, TO_IP = "192.0.2.10", "192.0.2.11"
LIMIT, WINDOW = 2, 2


def seed() -> dict[str, Any]:
    return {
        "subusers": [{"username": name, "id": 2000 + number} for number, name in enumerate(SUBUSERS, 1)],
        "pools": [],
        "ips": [{"ip": FROM_IP, "subusers": list(SUBUSERS)}, {"ip": TO_IP}],
    }


def test_parallel_writes_under_a_spent_rate_limit_all_land(sg: Harness) -> None:
    sg.reset(seed())
    sg.add_rate_limit(method="PUT", path="/v3/subusers/*", limit=LIMIT, window_seconds=WINDOW, reset_form="epoch")
    layout = {"subusers": {name: [TO_IP] for name in SUBUSERS}, "ips_state": "exact", "concurrency": 8}
    run = sg.run("contention", [task("move every subuser", "sendgrid_ip_layout", layout, ignore_errors=True)])

    record = run.record("move every subuser")
    result = record["result"]
    log = sg.log()
    puts = [entry for entry in writes(log) if entry["method"] == "PUT"]
    limited = [entry for entry in puts if entry["status"] == 429]
    landed = {entry["path"].rsplit("/", 2)[1] for entry in puts if entry["status"] == 200}
    figures = (f"{len(result.get('writes_failed') or [])} of {len(SUBUSERS)} writes failed,"
               f" {len(limited)} answers were 429, {run.elapsed:.1f} s")
    assert record["status"] == "ok", f"{figures}: {result.get('writes_failed') or result.get('msg')}"
    assert result["changed"] is True
    assert sorted(landed) == SUBUSERS, figures
    assert limited, f"the rate limit was never hit, so this proves nothing: {describe(puts)}"
    for name in SUBUSERS:
        assert subuser_ips(sg.state(), name) == [TO_IP], name
    assert TRACEBACK not in run.output
    print(figures)
