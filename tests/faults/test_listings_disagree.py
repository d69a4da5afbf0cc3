"""GET /v3/ips and GET /v3/send_ips/ips disagree: no IP is dropped, and none is removed (issue 7, section 1).

The two listings are separate systems (ENDPOINTS.md section 11). Here the emulator answers
``GET /v3/send_ips/ips`` with a listing that lacks most of the demo account's IPs (a 200 fault, which the
contract validator of ``make integration`` would take for a wrong error body; hence a real playbook here).
``GET /v3/ips`` decides which IPs exist: the listing keeps every IP with null extended fields and a warning,
and ``all_ips`` never removes an IP whose region it cannot establish.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    Harness,
    lookup_task,
    subuser_ips,
    task,
    to_path,
    writes,
)

DEMO_IPS = ["192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.21", "192.0.2.30", "192.0.2.31", "192.0.2.32",
            "192.0.2.40", "192.0.2.41"]
LISTED = ["192.0.2.10", "192.0.2.31"]   # all that GET /v3/send_ips/ips lists


def send_ip(ip: str) -> dict:
    return {"ip": ip, "pools": [], "is_auto_warmup": False, "is_parent_assigned": True, "updated_at": None,
            "is_enabled": None, "is_leased": True, "added_at": 1700000000, "region": "us"}


def lacking_listing(count: int) -> dict:
    return {"method": "GET", "path": "/v3/send_ips/ips", "count": count, "action": "status", "status": 200,
            "body": {"result": [send_ip(ip) for ip in LISTED], "_metadata": {"next_params": {}}}}


def test_the_listing_and_the_lookup_keep_every_ip_of_v3_ips(sg: Harness) -> None:
    sg.add_fault(**lacking_listing(2))
    run = sg.run("listings-disagree", [
        task("info", "sendgrid_ip_info"),
        lookup_task("lookup", {"details": True, "fields": ["pools", "region"]}),
    ])

    info = run.ok("info")
    assert [entry["ip"] for entry in info["ips"]] == DEMO_IPS
    by_ip = {entry["ip"]: entry for entry in info["ips"]}
    assert by_ip["192.0.2.20"]["subusers"] == ["newsletter"] and by_ip["192.0.2.20"]["region"] is None
    assert by_ip["192.0.2.31"]["region"] == "us"
    assert info["warnings"] == [
        "7 IP(s) listed by GET /v3/ips are missing from GET /v3/send_ips/ips, so their is_auto_warmup,"
        " is_parent_assigned, is_enabled, is_leased, added_at, updated_at and region are null: 192.0.2.11,"
        " 192.0.2.20, 192.0.2.21, 192.0.2.30, 192.0.2.32, 192.0.2.40, 192.0.2.41"]
    looked_up = run.ok("lookup")["ansible_facts"]["lookup_result"]
    assert [entry["ip"] for entry in looked_up] == DEMO_IPS
    assert "[WARNING]: mailops.sendgrid.sendgrid_ips: 7 IP(s) listed by GET /v3/ips" in run.output


def test_all_ips_exact_never_removes_an_ip_whose_region_is_unknown(sg: Harness) -> None:
    # transactional-us holds 192.0.2.40, which the IP-management listing lacks: it stays, and is named.
    sg.add_fault(**lacking_listing(1))
    run = sg.run("all-ips-disagree", [task("all", "sendgrid_subuser_ips", {
        "subuser": "transactional-us", "all_ips": True, "state": "exact"})])

    result = run.ok("all")
    assert result["removed"] == []
    assert result["ips"] == ["192.0.2.10", "192.0.2.31", "192.0.2.40"]
    assert len(result["warnings"]) == 1
    assert result["warnings"][0].startswith("all_ips: the region of 192.0.2.11, 192.0.2.20")
    assert result["warnings"][0].endswith("so all_ips neither adds nor removes them (the subuser keeps 192.0.2.40)")
    assert subuser_ips(sg.state(), "transactional-us") == ["192.0.2.10", "192.0.2.31", "192.0.2.40"]
    assert [entry["path"] for entry in writes(sg.log())] == ["/v3/subusers/transactional-us/ips"]
    assert len(to_path(sg.log(), "GET", "/v3/send_ips/ips")) == 1
