"""Servers that serve fewer items per page than asked: every module still sees every item (issue 7, section 1).

The unit tests pin the client's rule (a page shorter than the limit asked is confirmed by one more read). Here the
emulator caps ``GET /v3/ips`` at 100 and ``GET /v3/subusers`` at 50 items per page (its ``page_caps``), below the
limits the collection asks for, and real playbooks list, look up and converge a layout whose subusers and IPs lie
beyond the first capped page. Concluding "last page" from a short page would drop IPs, call a subuser unknown, or
plan writes for IPs the subuser already holds.
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

SUBUSERS = [f"u{n:03d}" for n in range(1, 131)]                     # 130 subusers: three pages of 50
IPS = [f"10.20.{n // 250}.{n % 250 + 1}" for n in range(260)]        # 260 IPs: three pages of 100


def capped_seed() -> dict:
    return {
        "page_caps": {"/v3/ips": 100, "/v3/subusers": 50},
        "subusers": [{"username": name, "id": 5000 + index} for index, name in enumerate(SUBUSERS)],
        "ips": [{"ip": ip, "subusers": [SUBUSERS[index // 2]]} for index, ip in enumerate(IPS)],
    }


def test_listing_lookup_and_subusers_see_every_item_past_a_capped_page(sg: Harness) -> None:
    sg.reset(capped_seed())
    run = sg.run("page-caps-listing", [
        task("info", "sendgrid_ip_info", {"fields": ["subusers"]}),
        task("subusers", "sendgrid_subuser_info"),
        lookup_task("lookup", {"status": "taken"}),
    ])

    assert sorted(entry["ip"] for entry in run.ok("info")["ips"]) == sorted(IPS)
    assert sorted(entry["username"] for entry in run.ok("subusers")["subusers"]) == SUBUSERS
    assert sorted(run.ok("lookup")["ansible_facts"]["lookup_result"]) == sorted(IPS)
    # Each listing went past its first short page: at least three pages of /v3/ips, three of /v3/subusers.
    assert len(to_path(sg.log(), "GET", "/v3/ips")) >= 3
    assert len(to_path(sg.log(), "GET", "/v3/subusers")) >= 3


def test_layout_finds_subusers_and_ips_past_a_capped_page(sg: Harness) -> None:
    sg.reset(capped_seed())
    last, first = SUBUSERS[-1], SUBUSERS[0]
    layout = {"subusers": {last: IPS[-2:] + [IPS[0]], first: IPS[:2]}}
    run = sg.run("page-caps-layout", [
        task("converge", "sendgrid_ip_layout", layout),
        task("again", "sendgrid_ip_layout", layout),
    ])

    converge = run.ok("converge")
    assert converge["changed"] is True
    assert converge["summary"]["writes"] == 1           # the one IP u130 gains; u001 already holds its two
    assert [entry["path"] for entry in writes(sg.log())] == [f"/v3/send_ips/ips/{IPS[0]}/subusers:batchAdd"]
    assert run.ok("again")["changed"] is False
    assert sorted(subuser_ips(sg.state(), last)) == sorted([IPS[0]] + IPS[-2:])
