"""HTTP 429 storms: the modules wait as told, never hot-loop, and give up clearly when the budget is spent.

Each test runs a real playbook against the emulator, whose faults answer the first requests
to one path with 429 and a given ``X-RateLimit-Reset`` (a Unix time or a number of seconds)
or ``Retry-After``; the emulator's request log then shows how many requests were made and
when.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    CLOCK_SLACK,
    TRACEBACK,
    Harness,
    describe,
    lookup_task,
    pools_by_name,
    task,
    to_path,
    writes,
)

POOLS = "/v3/send_ips/pools"
SUBUSERS = "/v3/subusers"
IPS = "/v3/ips"
POOL_IPS_ENDPOINT = "GET /v3/send_ips/pools/{poolid}/ips"
DEMO_POOLS = {"marketing": ["192.0.2.20"], "transactional": ["192.0.2.10", "192.0.2.11"]}


def gaps(entries: list[dict]) -> list[float]:
    return [later["time"] - earlier["time"] for earlier, later in zip(entries, entries[1:])]


def test_429_storm_with_epoch_reset_waits_until_the_announced_time(sg: Harness) -> None:
    # The emulator fixes the reset time (a Unix time) when the fault first answers: 3 s after the module's own
    # first request, however long the play took to get there. The log keeps the header the fault sent.
    sg.add_fault(method="GET", path=POOLS, count=3, action="status", status=429,
                 headers={"X-RateLimit-Remaining": "0"}, epoch_headers={"X-RateLimit-Reset": 3})
    run = sg.run("429-epoch", [task("pool info", "sendgrid_ip_pool_info")])

    result = run.ok("pool info")
    assert {pool["name"]: pool["ips"] for pool in result["pools"]} == DEMO_POOLS
    calls = to_path(sg.log(), "GET", POOLS)
    assert [call["status"] for call in calls] == [429, 429, 429, 200], describe(calls)
    reset_at = int(calls[0]["fault"]["headers"]["X-RateLimit-Reset"])
    assert {call["fault"]["headers"]["X-RateLimit-Reset"] for call in calls[:3]} == {str(reset_at)}
    announced_wait = reset_at - calls[0]["time"]
    assert announced_wait >= 2.5, f"the announced wait is too short to prove anything: {announced_wait:.3f} s"
    # No retry before the announced reset; the first retry came after the whole announced wait.
    assert calls[1]["time"] - calls[0]["time"] >= announced_wait - CLOCK_SLACK
    assert all(call["time"] >= reset_at - CLOCK_SLACK for call in calls[1:]), describe(calls)
    assert run.elapsed >= announced_wait
    assert not writes(sg.log())


def test_429_storm_with_delta_reset_waits_between_every_attempt(sg: Harness) -> None:
    sg.add_fault(method="GET", path=SUBUSERS, count=3, action="status", status=429,
                 headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"})
    run = sg.run("429-delta", [task("subuser info", "sendgrid_subuser_info", {"subuser": "newsletter"})])

    result = run.ok("subuser info")
    assert [(entry["username"], entry["ips"]) for entry in result["subusers"]] == [
        ("newsletter", ["192.0.2.20", "192.0.2.21"])]
    calls = to_path(sg.log(), "GET", SUBUSERS)
    # then one more read confirms the short list (the server may cap the limit asked)
    assert [call["status"] for call in calls] == [429, 429, 429, 200, 200], describe(calls)
    assert all(gap >= 1.0 - CLOCK_SLACK for gap in gaps(calls[:4])), gaps(calls)
    assert calls[-1]["time"] - calls[0]["time"] >= 3.0 - CLOCK_SLACK
    assert run.elapsed >= 3.0


def test_429_storm_with_retry_after_in_the_lookup(sg: Harness) -> None:
    # X-RateLimit-Reset says "now" (0 seconds): Retry-After must win.
    sg.add_fault(method="GET", path=IPS, count=3, action="status", status=429,
                 headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0", "Retry-After": "1"})
    run = sg.run("429-retry-after", [lookup_task("free ips", {"status": "free"})])

    assert run.ok("free ips")["ansible_facts"]["lookup_result"] == ["192.0.2.11", "192.0.2.31", "192.0.2.32"]
    calls = to_path(sg.log(), "GET", IPS)
    # then one more read confirms the short list (the server may cap the limit asked)
    assert [call["status"] for call in calls] == [429, 429, 429, 200, 200], describe(calls)
    assert all(gap >= 1.0 - CLOCK_SLACK for gap in gaps(calls[:4])), gaps(calls)
    assert run.elapsed >= 3.0


@pytest.mark.parametrize("reset_form", ["epoch", "delta"])
def test_emulated_rate_limit_window_is_waited_out(sg: Harness, reset_form: str) -> None:
    # One request per 2 s window on the pool-members endpoint: the second pool's listing gets the emulator's
    # own 429 and must wait for the window to end.
    sg.add_rate_limit(method="GET", path="/v3/send_ips/pools/{poolid}/ips", limit=1, window_seconds=2,
                      reset_form=reset_form)
    run = sg.run(f"rate-limit-{reset_form}", [task("pool info", "sendgrid_ip_pool_info")])

    result = run.ok("pool info")
    assert {pool["name"]: pool["ips"] for pool in result["pools"]} == DEMO_POOLS
    calls = [entry for entry in sg.log() if entry["endpoint"] == POOL_IPS_ENDPOINT]
    assert [call["status"] for call in calls] == [200, 429, 200], describe(calls)
    limited, retry = calls[1], calls[2]
    assert limited["path"] == retry["path"]
    announced = int(limited["response_headers"]["X-RateLimit-Reset"])
    if reset_form == "epoch":
        assert announced > 1_000_000_000
        assert retry["time"] >= announced - CLOCK_SLACK
    else:
        assert 1 <= announced <= 2
        assert retry["time"] - limited["time"] >= announced - CLOCK_SLACK


def test_retry_budget_spent_fails_clearly_without_hot_loop(sg: Harness) -> None:
    sg.add_fault(method="GET", path=POOLS, count=50, action="status", status=429,
                 headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"})
    run = sg.run("429-budget", [task("pool info", "sendgrid_ip_pool_info", {"retry_budget": 2.8, "max_retries": 10})])

    result = run.failed("pool info")
    message = result["msg"]
    assert "rate limit" in message and "HTTP 429" in message and f"GET {POOLS}" in message, message
    assert "retry budget 2.8 s" in message, message
    calls = to_path(sg.log(), "GET", POOLS)
    # 1 s waits in a 2.8 s budget: the first try and two retries, then the next wait would overrun the budget.
    assert len(calls) == 3, describe(calls)
    attempts = int(re.search(r"gave up after (\d+) attempts", message).group(1))
    assert attempts == len(calls)
    assert all(gap >= 1.0 - CLOCK_SLACK for gap in gaps(calls)), gaps(calls)
    assert result["status"] == 429
    assert TRACEBACK not in run.output


def test_max_retries_spent_fails_clearly(sg: Harness) -> None:
    sg.add_fault(method="GET", path=POOLS, count=50, action="status", status=429,
                 headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"})
    run = sg.run("429-max-retries", [task("pool info", "sendgrid_ip_pool_info", {"max_retries": 2})])

    message = run.failed("pool info")["msg"]
    assert "HTTP 429" in message and "max_retries 2" in message and "gave up after 3 attempts" in message, message
    calls = to_path(sg.log(), "GET", POOLS)
    assert len(calls) == 3, describe(calls)
    # Even a reset of "now" is not retried in a hot loop.
    assert all(gap >= 0.1 - CLOCK_SLACK for gap in gaps(calls)), gaps(calls)


def test_429_on_pool_creation_is_retried_and_creates_one_pool(sg: Harness) -> None:
    # A 429 means SendGrid did not process the request, so even a POST is repeated (after the wait).
    sg.add_fault(method="POST", path=POOLS, count=2, action="status", status=429,
                 headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"})
    create = task("create", "sendgrid_ip_pool", {"pool": "burst", "ips": ["192.0.2.31"]})
    run = sg.run("429-create", [create, {**create, "name": "create again"}])

    assert run.ok("create")["changed"] is True
    again = run.ok("create again")
    assert again["changed"] is False
    log = sg.log()
    posts = to_path(log, "POST", POOLS)
    assert [call["status"] for call in posts] == [429, 429, 201], describe(posts)
    assert all(call["body"] == {"name": "burst", "ips": ["192.0.2.31"]} for call in posts)
    assert all(gap >= 1.0 - CLOCK_SLACK for gap in gaps(posts)), gaps(posts)
    assert not writes(run.requests_during("create again", log))
    assert pools_by_name(sg.state()) == {**DEMO_POOLS, "burst": ["192.0.2.31"]}
