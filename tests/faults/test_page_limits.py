"""A server that refuses a large page of GET /v3/ips with a 400 (issue 9): the client asks 500, once, and goes on.

The collection reads ``GET /v3/ips`` 10,000 IPs per page (the spec gives ``limit`` no maximum). Here the emulator's
``max_limits`` option refuses a ``limit`` above 500, as a server with such a rule would: the first page is asked again
with 500, the listing is complete, and the same client does not ask 10,000 again.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import Harness, task, to_path  # noqa: E402  pylint: disable=wrong-import-position

DEMO_IPS = ["192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.21", "192.0.2.30", "192.0.2.31", "192.0.2.32",
            "192.0.2.40", "192.0.2.41"]


def pages(entries: list[dict]) -> list[tuple[str, str, int]]:
    return [(entry["query"]["limit"][0], entry["query"]["offset"][0], entry["status"])
            for entry in to_path(entries, "GET", "/v3/ips")]


def test_a_refused_large_page_falls_back_to_500_and_the_listing_is_complete(sg: Harness) -> None:
    response = sg.emulator.control("POST", "options", json={"max_limits": {"/v3/ips": 500}})
    assert response.status_code == 200, response.text
    run = sg.run("page-limits", [
        task("info", "sendgrid_ip_info", {"fields": ["subusers", "pools"]}),
        task("layout", "sendgrid_ip_layout", {"subusers": {"shop-eu": ["192.0.2.10"]}}),
    ])

    assert [entry["ip"] for entry in run.ok("info")["ips"]] == DEMO_IPS
    assert run.ok("layout")["changed"] is False
    # Each task is a module process with a client of its own: each is refused once, then reads 500 per page (the
    # short first page confirmed by one more read, as the server may cap the limit).
    assert pages(sg.log()) == [("10000", "0", 400), ("500", "0", 200), ("9", "9", 200)] * 2


def test_without_a_maximum_one_page_holds_every_ip(sg: Harness) -> None:
    run = sg.run("page-limits-none", [task("info", "sendgrid_ip_info", {"fields": ["subusers", "pools"]})])
    assert [entry["ip"] for entry in run.ok("info")["ips"]] == DEMO_IPS
    assert pages(sg.log()) == [("10000", "0", 200), ("9", "9", 200)]
