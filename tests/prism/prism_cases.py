"""What the collection must do against Prism serving Twilio's examples: one case per task of one playbook.

Prism is stateless: every answer is the example of the operation's first declared success response
in ``ip-endpoints.json`` / ``ip-lifecycle-endpoints.json``, whatever the request's path, query or body
(Prism does check the request against the spec). So each case is designed around the example data,
and its expected result is worked out from the spec (ENDPOINTS.md §1, §9, §11 and issue 7), not from
what the collection returns today. The examples the cases rely on:

``GET /v3/ips`` (which IPs exist, ENDPOINTS.md §11)
    192.168.1.1 (subusers [tim@sendgrid.net], pools [pool1, pool2], no rdns, whitelabeled false) and
    208.115.214.22 (no subuser, no pool, rdns o1.email.example.com, whitelabeled true); both
    warmup false, start_date 1409616000.
``GET /v3/send_ips/ips``
    one IP, 127.0.0.1 (leased, enabled, parent-assigned, auto warmup, region us), which ``GET /v3/ips``
    lacks; the examples of the two listings have no IP in common.
``GET /v3/send_ips/ips/{ip}``
    the 127.0.0.1 record above, for any ``{ip}``; ``…/subusers``: ids 12345 and 67890.
``GET /v3/subusers``
    example_subuser and example_subuser2, both with id 1234 (sic), no region, enabled.
``GET /v3/send_ips/pools``
    transactional_pool (id 12345, total_ip_count 2) and marketing_pool (id 67890, 3);
    ``GET /v3/send_ips/pools/{poolid}/ips``: one IP, 127.0.0.1, for any pool.
``GET /v3/ips/warmup``
    0.0.0.0 since 1409616000; ``POST /v3/ips/warmup`` answers the same list whatever IP it starts.
``GET /v3/subusers/reputations``
    example_subuser 99, example_subuser2 95.2.
``GET /v3/ips/remaining``
    2 more IPs this month at 20 per IP; ``POST /v3/ips`` answers 1.2.3.4 and 1.2.3.5 (1 remaining),
    ``POST /v3/send_ips/ips`` answers 127.0.0.1, whatever is asked.
``POST /v3/subusers``
    the subuser example_subuser (id 1234, example@example.com), whatever username is asked.
``GET /v3/whitelabel/ips``
    record 1 of 192.168.1.1 and record 2 of 192.168.1.2 (domain example.com, subdomain email, both valid);
    ``POST /v3/whitelabel/ips`` answers record 1 of 192.168.1.1, whatever IP is asked (Prism 5.14.2 serves the
    ``ReverseDns`` schema's own example there, not the response's example of record 123).
``GET /v3/partners/accounts/{accountID}/ips``
    174.0.2.1 (us) and 192.0.0.1 (eu), ``pages.last`` 192.0.0.1 for every offset; ``POST`` answers
    192.168.1.1 and 192.168.1.2 (us).

Each case says which part of the result is checked; ``writes`` is the exact set of write requests
(operation path and body), ``reads`` the read operations the task must make (not an exact list:
the fixes of issue 7 may add a confirming page request). Operations the collection does not use are
listed in ``NOT_REACHED`` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLE_TASK = "Converge the SendGrid account to the IP layout"
ROLE_SUMMARY_TASK = "Summarize what the IP layout changed, or would change in check mode"
EXTENDED_NULL = {"is_auto_warmup": None, "is_parent_assigned": None, "is_enabled": None, "is_leased": None,
                 "added_at": None, "updated_at": None, "region": None}
IP_1 = {"ip": "192.168.1.1", "subusers": ["tim@sendgrid.net"], "pools": ["pool1", "pool2"], "warmup": False,
        "start_date": 1409616000, "rdns": None, "whitelabeled": False}
IP_2 = {"ip": "208.115.214.22", "subusers": [], "pools": [], "warmup": False, "start_date": 1409616000,
        "rdns": "o1.email.example.com", "whitelabeled": True}
SUBUSER_1 = {"username": "example_subuser", "id": 1234, "email": "example@example.com", "disabled": False,
             "region": None, "ips": [], "reputation": 99.0}
SUBUSER_2 = {"username": "example_subuser2", "id": 1234, "email": "example2@example.com", "disabled": False,
             "region": None, "ips": [], "reputation": 95.2}
SEND_IP = {"ip": "127.0.0.1", "is_auto_warmup": True, "is_parent_assigned": True, "is_enabled": True,
           "is_leased": True}
LAYOUT = {"pools": {"transactional_pool": ["192.168.1.1"]}, "subusers": {"example_subuser": ["208.115.214.22"]},
          "warmup": ["208.115.214.22"]}
LAYOUT_CHANGES = {
    "subusers": {"example_subuser": {"added": ["208.115.214.22"], "removed": []}},
    "pools": {"transactional_pool": {"created": False, "added": ["192.168.1.1"], "removed": []}},
    "warmup": {"started": ["208.115.214.22"], "stopped": []},
}
ACCOUNT_IPS = ["192.168.1.1", "208.115.214.22"]
LEGACY_PURCHASE = {"count": 2, "ip_region": None, "price_per_ip": 20, "period": "month", "subusers": [],
                   "is_auto_warmup": False, "is_parent_assigned": None, "endpoint": "POST /v3/ips"}
RDNS_1 = {"record_id": 1, "ip": "192.168.1.1", "rdns": "o1.email.example.com", "domain": "example.com",
          "subdomain": "email", "valid": True, "legacy": False, "last_validation_attempt_at": None,
          "users": ["jane@example.com", "john@example.com"],
          "a_record": {"host": "o1.email.example.com", "type": "A", "data": "192.168.1.1", "valid": True}}
RDNS_2 = {"record_id": 2, "ip": "192.168.1.2", "rdns": "o2.email.example.com", "domain": "example.com",
          "subdomain": "email", "valid": True, "legacy": False, "last_validation_attempt_at": None,
          "users": ["jane@example2.com", "john@example.com"],
          "a_record": {"host": "o2.email.example.com", "type": "A", "data": "192.168.1.2", "valid": True}}
PARTNER = "sg-customer-1"
PARTNER_IPS = {"account_id": PARTNER, "ips": ["174.0.2.1", "192.0.0.1"],
               "ips_by_region": {"eu": ["192.0.0.1"], "us": ["174.0.2.1"]}}
LAYOUT_WRITES = [
    ("POST /v3/send_ips/pools/12345/ips:batchAdd", {"ips": ["192.168.1.1"]}),
    ("POST /v3/send_ips/ips/208.115.214.22/subusers:batchAdd", {"subusers": ["1234"]}),
    ("POST /v3/ips/warmup", {"ip": "208.115.214.22"}),
]


@dataclass
class Case:
    """One task and what its result and its requests must be."""

    id: str
    plugin: str                      # a module name, "lookup" or "role"
    args: dict[str, Any]
    why: str                         # what the case proves and where the expected result comes from
    status: str = "ok"
    changed: bool | None = None
    check_mode: bool = False
    result: dict[str, Any] = field(default_factory=dict)   # dotted key of the result -> expected value
    warnings_name: tuple[str, ...] = ()                    # each must appear in one of the task's warnings
    msg_has: tuple[str, ...] = ()
    writes: list[tuple[str, Any]] | None = None            # exact (METHOD path, body) set; None: not checked
    reads: tuple[str, ...] = ()                            # operations ("GET /v3/ips") the task must make
    no_reads: tuple[str, ...] = ()                         # operations it must not make
    check: Callable[[dict[str, Any], list[tuple[str, Any]]], list[str]] | None = None  # (record, writes)
    task_name: str = ""                                    # the recorded task, when not the case id (role)

    role_summary_has: str = ""                             # a line of the ip_layout role's summary message

    def __post_init__(self) -> None:
        self.task_name = self.task_name or self.id


@dataclass
class CollectionRun:
    """The one playbook run of every case (a tests/faults ``PlaybookRun``), Prism's exchanges during it, and the
    error and warning lines Prism's own log gained meanwhile."""

    run: Any
    exchanges: list[dict[str, Any]]
    prism_logged: list[str]

    def record(self, case: Case) -> dict[str, Any]:
        return self.run.record(case.task_name)

    def during(self, case: Case) -> list[dict[str, Any]]:
        return self.run.requests_during(case.task_name, self.exchanges)


def pool_add_legacy_ip(record: dict[str, Any], writes: list[tuple[str, Any]]) -> list[str]:
    """192.168.1.1 is on the account (GET /v3/ips lists it); only its is_parent_assigned is unknown."""
    message = str(record["result"].get("msg", ""))
    if record["status"] == "failed":
        if "not on this SendGrid account" in message:
            return [f"says 192.168.1.1 is not on the account, although GET /v3/ips lists it: {message}"]
        return [] if not writes else [f"failed after writing {writes}: {message}"]
    expected = [("POST /v3/send_ips/pools/12345/ips:batchAdd", {"ips": ["192.168.1.1"]})]
    return [] if writes == expected else [f"succeeded, so expected the writes {expected}, got {writes}"]


def pool_info_counts(record: dict[str, Any], writes: list[tuple[str, Any]]) -> list[str]:
    """The pool listing says 2 and 3 IPs, each pool's IP listing yields 1: the answer must not be silent."""
    warnings = " ".join(record["result"].get("warnings") or ())
    missing = [name for name in ("transactional_pool", "marketing_pool") if name not in warnings]
    if missing:
        return [f"GET /v3/send_ips/pools gives total_ip_count 2 and 3, GET …/pools/{{id}}/ips lists 1 IP for each;"
                f" expected a warning naming each pool whose IP list and count disagree, missing: {missing};"
                f" warnings: {record['result'].get('warnings')}"]
    return []


CASES: list[Case] = [
    # ---- sendgrid_ip_info (issue 7 §1: /v3/ips decides which IPs exist, /v3/send_ips/ips only adds fields)
    Case("info-default", "sendgrid_ip_info", {},
         "the default listing returns both IPs of GET /v3/ips with their basic fields, the extended fields null"
         " (GET /v3/send_ips/ips does not list them) and a warning naming them (issue 7 §1)",
         changed=False, result={"ips": [{**IP_1, **EXTENDED_NULL}, {**IP_2, **EXTENDED_NULL}],
                                "usage": [{"ip": "192.168.1.1", "subuser": "tim@sendgrid.net"}]},
         warnings_name=("192.168.1.1", "208.115.214.22"), writes=[], reads=("GET /v3/ips", "GET /v3/send_ips/ips")),
    Case("info-basic-fields", "sendgrid_ip_info",
         {"fields": ["subusers", "pools", "warmup", "start_date", "rdns", "whitelabeled"]},
         "only the fields of GET /v3/ips: both IPs, and GET /v3/send_ips/ips is not read (documented)",
         changed=False, result={"ips": [IP_1, IP_2]}, writes=[], reads=("GET /v3/ips",),
         no_reads=("GET /v3/send_ips/ips",)),
    Case("info-free", "sendgrid_ip_info", {"status": "free", "fields": ["subusers", "pools"]},
         "free = no subuser: 208.115.214.22",
         result={"ips": [{"ip": "208.115.214.22", "subusers": [], "pools": []}], "usage": []}, writes=[]),
    Case("info-taken", "sendgrid_ip_info", {"status": "taken", "fields": ["subusers"]},
         "taken = held by a subuser: 192.168.1.1 (tim@sendgrid.net)",
         result={"ips": [{"ip": "192.168.1.1", "subusers": ["tim@sendgrid.net"]}]}, writes=[]),
    Case("info-available", "sendgrid_ip_info", {"status": "available", "fields": ["subusers"]},
         "available = free, or held only by disabled subusers; tim@sendgrid.net is not in GET /v3/subusers, so not"
         " known to be disabled: 208.115.214.22 only",
         result={"ips": [{"ip": "208.115.214.22", "subusers": []}]}, writes=[],
         reads=("GET /v3/ips", "GET /v3/subusers")),
    Case("info-network", "sendgrid_ip_info", {"ip": "192.168.1.0/24", "fields": ["pools"]},
         "a CIDR filter: 192.168.1.1 with its pools",
         result={"ips": [{"ip": "192.168.1.1", "pools": ["pool1", "pool2"]}]}, writes=[]),
    Case("info-subuser", "sendgrid_ip_info", {"subuser": "example_subuser", "fields": ["subusers"]},
         "example_subuser exists (GET /v3/subusers) and GET /v3/ips gives it no IP: an empty list",
         result={"ips": []}, writes=[], reads=("GET /v3/subusers", "GET /v3/ips")),
    Case("info-ip-management-filters", "sendgrid_ip_info",
         {"is_leased": True, "ip_region": "us", "added_after": "2022-01-01", "added_before": "2030-01-01T00:00:00Z",
          "fields": ["is_leased", "region"]},
         "explicit IP-management filters may exclude IPs: the filtered GET /v3/send_ips/ips lists only 127.0.0.1,"
         " which is not on the account (GET /v3/ips), so nothing matches; the query carries every filter",
         result={"ips": []}, writes=[], reads=("GET /v3/ips", "GET /v3/send_ips/ips")),
    # ---- the lookup (the same listing code)
    Case("lookup-addresses", "lookup", {},
         "the addresses of GET /v3/ips, sorted", result={"ansible_facts.lookup_result": ["192.168.1.1", "208.115.214.22"]},
         writes=[], no_reads=("GET /v3/send_ips/ips",)),
    Case("lookup-details", "lookup", {"details": True},
         "with details, the same records as the module's default listing (issue 7 §1: the lookup with details)",
         result={"ansible_facts.lookup_result": [{**IP_1, **EXTENDED_NULL}, {**IP_2, **EXTENDED_NULL}]}, writes=[]),
    Case("lookup-free", "lookup", {"status": "free"},
         "status=free: 208.115.214.22", result={"ansible_facts.lookup_result": ["208.115.214.22"]}, writes=[]),
    # ---- sendgrid_ip (GET /v3/send_ips/ips/{ip} answers the 127.0.0.1 example: the cases use that IP)
    Case("ip-settings-check", "sendgrid_ip", {"ip": "127.0.0.1", "is_auto_warmup": False, "is_parent_assigned": True},
         "check mode: is_auto_warmup would change (the example says true), is_parent_assigned already holds; no write",
         check_mode=True, changed=True, result={**SEND_IP, "is_auto_warmup": False}, writes=[]),
    Case("ip-settings", "sendgrid_ip", {"ip": "127.0.0.1", "is_auto_warmup": False, "is_parent_assigned": True},
         "one PATCH with only what differs", changed=True, result={**SEND_IP, "is_auto_warmup": False},
         writes=[("PATCH /v3/send_ips/ips/127.0.0.1", {"is_auto_warmup": False})],
         reads=("GET /v3/send_ips/ips/{ip}",)),
    Case("ip-subusers-exact", "sendgrid_ip",
         {"ip": "127.0.0.1", "subusers": ["example_subuser"], "subusers_state": "exact"},
         "the IP holds subuser ids 12345 and 67890, example_subuser is id 1234: one batchAdd and one batchDelete",
         changed=True, result={"subusers": ["example_subuser"]},
         writes=[("POST /v3/send_ips/ips/127.0.0.1/subusers:batchAdd", {"subusers": ["1234"]}),
                 ("POST /v3/send_ips/ips/127.0.0.1/subusers:batchDelete", {"subusers": ["12345", "67890"]})],
         reads=("GET /v3/subusers", "GET /v3/send_ips/ips/{ip}/subusers")),
    Case("ip-enabled-on-leased", "sendgrid_ip", {"ip": "127.0.0.1", "is_enabled": False},
         "is_enabled applies only to customer-owned IPs; the example IP is leased: an error before any write",
         status="failed", msg_has=("leased",), writes=[]),
    # ---- sendgrid_ip_warmup
    Case("warmup-already", "sendgrid_ip_warmup", {"ip": "0.0.0.0"},
         "GET /v3/ips/warmup lists 0.0.0.0 since 1409616000: nothing to do", changed=False,
         result={"warmup": True, "start_date": 1409616000}, writes=[], reads=("GET /v3/ips/warmup",)),
    Case("warmup-stop", "sendgrid_ip_warmup", {"ip": "0.0.0.0", "state": "stopped"},
         "stop the warmup of the warming IP: one DELETE", changed=True, result={"warmup": False, "start_date": None},
         writes=[("DELETE /v3/ips/warmup/0.0.0.0", None)]),
    Case("warmup-start", "sendgrid_ip_warmup", {"ip": "208.115.214.22"},
         "start the warmup of an IP that is not warming: one POST; its answer lists only 0.0.0.0, so the start date"
         " of 208.115.214.22 is unknown (null)",
         changed=True, result={"warmup": True, "start_date": None}, writes=[("POST /v3/ips/warmup", {"ip": "208.115.214.22"})]),
    # ---- sendgrid_subuser_info
    Case("subuser-info-all", "sendgrid_subuser_info", {},
         "both subusers of GET /v3/subusers (region absent: null); GET /v3/ips gives neither an IP",
         changed=False, result={"subusers": [SUBUSER_1, SUBUSER_2]}, writes=[], reads=("GET /v3/subusers", "GET /v3/ips")),
    Case("subuser-info-one", "sendgrid_subuser_info", {"subuser": "example_subuser2"},
         "Prism ignores the username query and answers both: the module keeps the exact match",
         result={"subusers": [SUBUSER_2]}, writes=[]),
    Case("subuser-info-disabled", "sendgrid_subuser_info", {"disabled": True},
         "no subuser is disabled: an empty list, and the IP listing is not read (documented)",
         result={"subusers": []}, writes=[], no_reads=("GET /v3/ips",)),
    # ---- sendgrid_subuser_ips
    Case("subuser-ips-add", "sendgrid_subuser_ips", {"subuser": "example_subuser", "ips": ["208.115.214.22"]},
         "state=present adds with the additive per-IP call (issue 7 §3: no read-modify-PUT), subuser id 1234",
         changed=True, result={"ips": ["208.115.214.22"], "added": ["208.115.214.22"], "removed": []},
         writes=[("POST /v3/send_ips/ips/208.115.214.22/subusers:batchAdd", {"subusers": ["1234"]})]),
    Case("subuser-ips-exact-check", "sendgrid_subuser_ips",
         {"subuser": "example_subuser", "ips": ["208.115.214.22", "192.168.1.1"], "ips_state": "exact"},
         "check mode: both IPs would be added, no write", check_mode=True, changed=True,
         result={"ips": ["192.168.1.1", "208.115.214.22"], "added": ["192.168.1.1", "208.115.214.22"]}, writes=[]),
    Case("subuser-ips-exact", "sendgrid_subuser_ips",
         {"subuser": "example_subuser", "ips": ["208.115.214.22", "192.168.1.1"], "ips_state": "exact"},
         "state=exact replaces the set: one PUT with the sorted list", changed=True,
         result={"ips": ["192.168.1.1", "208.115.214.22"], "added": ["192.168.1.1", "208.115.214.22"], "removed": []},
         writes=[("PUT /v3/subusers/example_subuser/ips", ["192.168.1.1", "208.115.214.22"])]),
    Case("subuser-ips-all", "sendgrid_subuser_ips", {"subuser": "example_subuser", "all_ips": True, "ips_state": "exact"},
         "all_ips: neither IP of GET /v3/ips has a known region (GET /v3/send_ips/ips lacks both), so neither may be"
         " handed out silently: a warning names them (issue 7 §1, §4); 127.0.0.1 is not on the account; no write",
         result={"subuser": "example_subuser"}, warnings_name=("192.168.1.1", "208.115.214.22"), writes=[],
         reads=("GET /v3/ips", "GET /v3/send_ips/ips")),
    Case("subuser-ips-unknown-ip", "sendgrid_subuser_ips", {"subuser": "example_subuser", "ips": ["127.0.0.1"]},
         "127.0.0.1 is not in GET /v3/ips: an error naming it, no write", status="failed",
         msg_has=("127.0.0.1", "not on this SendGrid account"), writes=[]),
    # ---- sendgrid_ip_pool (pools by id: transactional_pool 12345, marketing_pool 67890)
    Case("pool-noop", "sendgrid_ip_pool", {"pool": "transactional_pool", "ips": ["127.0.0.1"]},
         "127.0.0.1 is already in the pool (GET …/pools/12345/ips): nothing to do", changed=False,
         result={"pool": "transactional_pool", "pool_id": "12345", "ips": ["127.0.0.1"]}, writes=[],
         reads=("GET /v3/send_ips/pools", "GET /v3/send_ips/pools/{poolid}/ips")),
    Case("pool-empty", "sendgrid_ip_pool", {"pool": "transactional_pool", "ips": [], "ips_state": "exact"},
         "ips=[] exact empties the pool: one batchDelete", changed=True,
         result={"pool": "transactional_pool", "pool_id": "12345", "ips": [], "removed": ["127.0.0.1"]},
         writes=[("POST /v3/send_ips/pools/12345/ips:batchDelete", {"ips": ["127.0.0.1"]})]),
    Case("pool-add-legacy-ip", "sendgrid_ip_pool", {"pool": "transactional_pool", "ips": ["192.168.1.1"]},
         "192.168.1.1 is on the account (GET /v3/ips) but GET /v3/send_ips/ips lacks it: its is_parent_assigned is"
         " unknown, so the API decides (one batchAdd) or the task says it cannot verify it; it must not say the IP"
         " is not on the account (issue 7 §1)", check=pool_add_legacy_ip),
    Case("pool-create-check", "sendgrid_ip_pool", {"pool": "new-pool"},
         "check mode: a pool would be created, its id unknown, no write", check_mode=True, changed=True,
         result={"pool": "new-pool", "pool_id": None, "ips": []}, writes=[]),
    Case("pool-create", "sendgrid_ip_pool", {"pool": "new-pool"},
         "one POST; the answer's id (12345) is the new pool's", changed=True,
         result={"pool": "new-pool", "pool_id": "12345", "ips": []}, writes=[("POST /v3/send_ips/pools", {"name": "new-pool"})]),
    Case("pool-rename", "sendgrid_ip_pool", {"pool": "transactional_pool", "new_name": "transactional-2"},
         "one PUT on the pool's id", changed=True,
         result={"pool": "transactional-2", "pool_id": "12345", "ips": ["127.0.0.1"]},
         writes=[("PUT /v3/send_ips/pools/12345", {"name": "transactional-2"})]),
    Case("pool-delete", "sendgrid_ip_pool", {"pool": "marketing_pool", "state": "absent"},
         "one DELETE on the pool's id; its IPs are returned as removed", changed=True,
         result={"pool": "marketing_pool", "pool_id": None, "ips": [], "removed": ["127.0.0.1"]}, writes=[("DELETE /v3/send_ips/pools/67890", None)]),
    Case("pool-absent-missing", "sendgrid_ip_pool", {"pool": "ghost-pool", "ips": ["127.0.0.1"], "ips_state": "absent"},
         "ips_state=absent on a pool that does not exist must not create it (issue 7 §4): no write, no change",
         changed=False, writes=[]),
    # ---- sendgrid_ip_pool_info
    Case("pool-info-all", "sendgrid_ip_pool_info", {},
         "both pools with the IPs their listing gives (127.0.0.1 for each), sorted by name",
         changed=False, writes=[],
         result={"pools": [{"name": "marketing_pool", "id": "67890", "ips": ["127.0.0.1"], "ip_count": 1},
                           {"name": "transactional_pool", "id": "12345", "ips": ["127.0.0.1"], "ip_count": 1}]},
         reads=("GET /v3/send_ips/pools", "GET /v3/send_ips/pools/{poolid}/ips")),
    Case("pool-info-counts", "sendgrid_ip_pool_info", {},
         "total_ip_count (2, 3) and the pools' IP listings (1 each) disagree: the answer says so in a warning"
         " (charter: never a silent wrong answer)", check=pool_info_counts, task_name="pool-info-all"),
    Case("pool-info-one", "sendgrid_ip_pool_info", {"pool": "marketing_pool"},
         "one pool by name", result={"pools": [{"name": "marketing_pool", "id": "67890", "ips": ["127.0.0.1"],
                                               "ip_count": 1}]}, writes=[]),
    # ---- sendgrid_ip_layout
    Case("layout-check", "sendgrid_ip_layout", dict(LAYOUT),
         "check mode: the full plan from the account's lists, no write", check_mode=True, changed=True,
         result={"check_mode": True, "changes": LAYOUT_CHANGES, "summary.writes": 3}, writes=[],
         reads=("GET /v3/ips", "GET /v3/subusers", "GET /v3/send_ips/pools")),
    Case("layout-apply", "sendgrid_ip_layout", dict(LAYOUT),
         "ips_state=present: a batchAdd to pool 12345, the additive per-IP subuser call (issue 7 §3) and one warmup"
         " start", changed=True,
         result={"changes": LAYOUT_CHANGES,
                 "summary": {"subusers_changed": 1, "pools_created": 0, "pools_changed": 1, "ips_added": 2,
                             "ips_removed": 0, "warmup_started": 1, "warmup_stopped": 0, "ip_settings_changed": 0,
                             "reverse_dns_created": 0, "reverse_dns_deleted": 0, "writes": 3}},
         writes=LAYOUT_WRITES),
    Case("layout-create-pool", "sendgrid_ip_layout", {"pools": {"new-pool": ["208.115.214.22"]}},
         "a pool GET /v3/send_ips/pools does not list is created with its IPs in the same call", changed=True,
         result={"changes.pools": {"new-pool": {"created": True, "added": ["208.115.214.22"], "removed": []}},
                 "summary.pools_created": 1, "summary.writes": 1},
         writes=[("POST /v3/send_ips/pools", {"name": "new-pool", "ips": ["208.115.214.22"]})]),
    Case("layout-problems", "sendgrid_ip_layout",
         {"pools": {"transactional_pool": ["127.0.0.1"]}, "subusers": {"nobody": ["192.168.1.1"]}},
         "every problem in one error, nothing written: 127.0.0.1 is not on the account, nobody is no subuser",
         status="failed", msg_has=("127.0.0.1", "nobody", "nothing was written"), writes=[]),
    Case("layout-ips-rdns", "sendgrid_ip_layout",
         {"ips": {"192.168.1.1": {"reverse_dns": {"domain": "example.com", "subdomain": "email"}},
                  "208.115.214.22": {"reverse_dns": {"domain": "example.com", "subdomain": "mail"}}}},
         "per IP (issue 8): one read of GET /v3/whitelabel/ips; record 1 already fits 192.168.1.1, so one POST for"
         " 208.115.214.22. Its answer is record 1 of 192.168.1.1: a warning says so (never a silent answer)",
         changed=True, warnings_name=("208.115.214.22", "192.168.1.1"),
         result={"summary.reverse_dns_created": 1, "summary.writes": 1},
         reads=("GET /v3/ips", "GET /v3/whitelabel/ips"),
         writes=[("POST /v3/whitelabel/ips", {"ip": "208.115.214.22", "domain": "example.com", "subdomain": "mail"})]),
    Case("layout-ips-settings-unlisted", "sendgrid_ip_layout", {"ips": {"192.168.1.1": {"is_auto_warmup": True}}},
         "GET /v3/send_ips/ips lists only 127.0.0.1, not 192.168.1.1 of GET /v3/ips: its settings cannot be"
         " compared, so one error and no write (never a guess)",
         status="failed", msg_has=("192.168.1.1", "cannot be compared", "nothing was written"), writes=[]),
    # ---- sendgrid_account_ips (issue 8: buying IPs; GET /v3/ips lists 2 IPs, 2 more may be bought at 20)
    Case("account-ips-enough", "sendgrid_account_ips", {"count": 2},
         "the account has 2 IPs (GET /v3/ips): nothing to buy, and the price is not even asked for", changed=False,
         result={"ips": ACCOUNT_IPS, "count": 2, "bought": [], "purchase": None, "remaining": None}, writes=[],
         reads=("GET /v3/ips",), no_reads=("GET /v3/ips/remaining",)),
    Case("account-ips-buy-check", "sendgrid_account_ips", {"count": 4},
         "check mode: 2 IPs missing, 2 remaining at 20 per IP a month: the purchase is shown, nothing bought"
         " (check mode needs no allow_purchase)", check_mode=True, changed=True,
         result={"ips": ACCOUNT_IPS, "count": 4, "bought": [], "purchase": LEGACY_PURCHASE, "remaining": 0},
         writes=[], reads=("GET /v3/ips", "GET /v3/ips/remaining")),
    Case("account-ips-buy-refused", "sendgrid_account_ips", {"count": 4},
         "a purchase without allow_purchase fails before any write and says what it would cost",
         status="failed", msg_has=("would buy 2 IPs", "20 per IP (month), 40 in all", "allow_purchase"), writes=[]),
    Case("account-ips-buy", "sendgrid_account_ips", {"count": 4, "allow_purchase": True},
         "POST /v3/ips for the 2 missing IPs: its answer's IPs (1.2.3.4, 1.2.3.5) and remaining_ips (1)",
         changed=True, result={"ips": ["1.2.3.4", "1.2.3.5", *ACCOUNT_IPS], "count": 4,
                               "bought": ["1.2.3.4", "1.2.3.5"], "purchase": LEGACY_PURCHASE, "remaining": 1},
         writes=[("POST /v3/ips", {"count": 2})]),
    Case("account-ips-buy-send-ips", "sendgrid_account_ips",
         {"count": 3, "is_parent_assigned": True, "allow_purchase": True},
         "is_parent_assigned asks for POST /v3/send_ips/ips (one call per IP, region us by default): it answers"
         " 127.0.0.1; remaining is the quote's 2 less the one bought",
         changed=True, result={"ips": ["127.0.0.1", *ACCOUNT_IPS], "count": 3, "bought": ["127.0.0.1"],
                               "purchase.endpoint": "POST /v3/send_ips/ips", "purchase.ip_region": "us",
                               "remaining": 1},
         writes=[("POST /v3/send_ips/ips", {"is_auto_warmup": False, "is_parent_assigned": True, "region": "us",
                                            "include_region": True})]),
    Case("account-ips-region-unknown", "sendgrid_account_ips", {"count": 1, "ip_region": "us", "allow_purchase": True},
         "ip_region=us: GET /v3/send_ips/ips gives no region for either IP of GET /v3/ips, so whether one more us IP"
         " is needed cannot be known: refused, naming both, before any write (never a silent guess)",
         status="failed", msg_has=("192.168.1.1", "208.115.214.22", "refusing to buy"), writes=[]),
    # ---- sendgrid_subuser (issue 8: create, disable, add IPs, delete)
    Case("subuser-create", "sendgrid_subuser",
         {"subuser": "new-user", "email": "new@example.com", "password": "Prism-pass-1", "ips": ["192.168.1.1"]},
         "GET /v3/subusers has no new-user: one POST with the IPs (192.168.1.1 is on the account; its region is"
         " unknown: a warning, SendGrid decides). The answer names example_subuser (id 1234): the result takes its"
         " id and email, and a warning says the answer names another subuser",
         changed=True, result={"subuser": "new-user", "subuser_id": 1234, "email": "example@example.com",
                               "disabled": False, "subuser_region": "global", "ips": ["192.168.1.1"],
                               "added": ["192.168.1.1"]},
         warnings_name=("192.168.1.1", "example_subuser"),
         writes=[("POST /v3/subusers", {"username": "new-user", "email": "new@example.com", "password": "Prism-pass-1",
                                        "ips": ["192.168.1.1"]})]),
    Case("subuser-disable", "sendgrid_subuser", {"subuser": "example_subuser", "disabled": True},
         "an existing, enabled subuser: one PATCH", changed=True,
         result={"subuser": "example_subuser", "subuser_id": 1234, "disabled": True, "email": "example@example.com",
                 "ips": None}, writes=[("PATCH /v3/subusers/example_subuser", {"disabled": True})]),
    Case("subuser-add-ip", "sendgrid_subuser", {"subuser": "example_subuser2", "ips": ["192.168.1.1"]},
         "GET /v3/ips gives example_subuser2 no IP: 192.168.1.1 is added with the additive per-IP call (id 1234)",
         changed=True, result={"ips": ["192.168.1.1"], "added": ["192.168.1.1"]}, warnings_name=("192.168.1.1",),
         writes=[("POST /v3/send_ips/ips/192.168.1.1/subusers:batchAdd", {"subusers": ["1234"]})]),
    Case("subuser-delete-refused", "sendgrid_subuser", {"subuser": "example_subuser2", "state": "absent"},
         "deleting for good needs allow_delete: refused, no write", status="failed", msg_has=("allow_delete",),
         writes=[]),
    Case("subuser-delete", "sendgrid_subuser", {"subuser": "example_subuser2", "state": "absent", "allow_delete": True},
         "one DELETE", changed=True, result={"subuser": "example_subuser2", "subuser_id": None},
         writes=[("DELETE /v3/subusers/example_subuser2", None)]),
    # ---- sendgrid_reverse_dns_info and sendgrid_reverse_dns (issue 8)
    Case("rdns-info-all", "sendgrid_reverse_dns_info", {},
         "both records of GET /v3/whitelabel/ips, sorted by IP, with their users and A records", changed=False,
         result={"records": [RDNS_1, RDNS_2]}, writes=[], reads=("GET /v3/whitelabel/ips",)),
    Case("rdns-info-one", "sendgrid_reverse_dns_info", {"ip": "192.168.1.2", "valid": True},
         "Prism ignores the ip prefix query and answers both records: the module keeps the exact match",
         result={"records": [RDNS_2]}, writes=[]),
    Case("rdns-noop", "sendgrid_reverse_dns", {"ip": "192.168.1.1", "domain": "example.com", "subdomain": "email"},
         "record 1 already gives 192.168.1.1 this domain and subdomain: nothing to do", changed=False,
         result={**RDNS_1, "validation": None}, writes=[]),
    Case("rdns-other-domain", "sendgrid_reverse_dns", {"ip": "192.168.1.1", "domain": "example.org"},
         "192.168.1.1 has a record for another domain: without force, an error naming it, no write",
         status="failed", msg_has=("o1.email.example.com", "force"), writes=[]),
    Case("rdns-create", "sendgrid_reverse_dns", {"ip": "208.115.214.22", "domain": "example.com", "subdomain": "mail"},
         "no record for 208.115.214.22, which GET /v3/ips lists: one POST. The answer is record 1 of 192.168.1.1:"
         " the result is that record, and a warning says it names another IP (never a silent answer)",
         changed=True, result={**RDNS_1, "validation": None}, warnings_name=("208.115.214.22", "192.168.1.1"),
         writes=[("POST /v3/whitelabel/ips", {"ip": "208.115.214.22", "domain": "example.com", "subdomain": "mail"})]),
    Case("rdns-replace", "sendgrid_reverse_dns", {"ip": "192.168.1.1", "domain": "example.org", "force": True},
         "force replaces record 1 (another domain): its DELETE, then the POST (answered with record 1 again)",
         changed=True, result={"record_id": 1, "ip": "192.168.1.1"},
         writes=[("DELETE /v3/whitelabel/ips/1", None),
                 ("POST /v3/whitelabel/ips", {"ip": "192.168.1.1", "domain": "example.org"})]),
    Case("rdns-absent", "sendgrid_reverse_dns", {"ip": "192.168.1.2", "state": "absent"},
         "the record of 192.168.1.2 (id 2) is deleted", changed=True,
         result={"ip": "192.168.1.2", "record_id": None, "a_record": RDNS_2["a_record"]},
         writes=[("DELETE /v3/whitelabel/ips/2", None)]),
    # ---- sendgrid_partner_ips_info and sendgrid_partner_ips (issue 8; the listing's pages.last never changes)
    Case("partner-info", "sendgrid_partner_ips_info", {"account_ids": [PARTNER]},
         "both IPs of the customer account, each once, although every page answers the same example",
         changed=False, writes=[], reads=("GET /v3/partners/accounts/{accountID}/ips",),
         result={"ips": [{"account_id": PARTNER, "ip": "174.0.2.1", "region": "us"},
                         {"account_id": PARTNER, "ip": "192.0.0.1", "region": "eu"}],
                 "accounts": [{"account_id": PARTNER, "ips": ["174.0.2.1", "192.0.0.1"], "count": 2}]}),
    Case("partner-enough", "sendgrid_partner_ips", {"account_id": PARTNER, "count": 1, "ip_region": "us"},
         "one us IP (174.0.2.1) already: nothing to buy", changed=False,
         result={**PARTNER_IPS, "added": [], "removed": [], "purchase": None}, writes=[]),
    Case("partner-buy", "sendgrid_partner_ips",
         {"account_id": PARTNER, "count": 3, "ip_region": "us", "allow_purchase": True},
         "2 us IPs missing: one POST for 2; its answer's IPs are added to the result", changed=True,
         result={"ips": ["174.0.2.1", "192.0.0.1", "192.168.1.1", "192.168.1.2"],
                 "ips_by_region": {"eu": ["192.0.0.1"], "us": ["174.0.2.1", "192.168.1.1", "192.168.1.2"]},
                 "added": ["192.168.1.1", "192.168.1.2"],
                 "purchase": {"count": 2, "ip_region": "us", "price_per_ip": None, "period": None, "calls": 1,
                              "endpoint": "POST /v3/partners/accounts/{accountID}/ips"}},
         writes=[(f"POST /v3/partners/accounts/{PARTNER}/ips", {"count": 2, "region": "us"})]),
    Case("partner-remove", "sendgrid_partner_ips",
         {"account_id": PARTNER, "ips": ["192.0.0.1"], "ips_state": "absent", "allow_delete": True},
         "one DELETE with the IP in its body", changed=True,
         result={"ips": ["174.0.2.1"], "removed": ["192.0.0.1"], "ips_by_region": {"us": ["174.0.2.1"]}},
         writes=[(f"DELETE /v3/partners/accounts/{PARTNER}/ips", {"ips": ["192.0.0.1"]})]),
    # ---- the ip_layout role (the last task: it is an include_role)
    Case("role-ip-layout", "role", {"subusers": {"example_subuser2": ["192.168.1.1"]}, "ips_state": "exact"},
         "ips_state=exact sets the subuser's exact IPs: one PUT", changed=True, task_name=ROLE_TASK,
         role_summary_has="subuser example_subuser2: added [192.168.1.1]",
         result={"changes.subusers": {"example_subuser2": {"added": ["192.168.1.1"], "removed": []}}},
         writes=[("PUT /v3/subusers/example_subuser2/ips", ["192.168.1.1"])]),
]

# Operations of the two documents that no case reaches, and why. The phase fails when an operation
# is missing here and not reached, or listed here and reached (then this table is out of date).
NOT_REACHED: dict[str, str] = {
    "GET /v3/ips/assigned": "_api.list_assigned_ips has no caller",
    "GET /v3/ips/{ip_address}": "_api.get_ip has no caller",
    "GET /v3/ips/warmup/{ip_address}": "sendgrid_ip_warmup reads the whole warmup list instead",
    "POST /v3/ips/pools": "legacy pool API: the collection manages pools with /v3/send_ips/pools (by id)",
    "GET /v3/ips/pools": "legacy pool API: the collection manages pools with /v3/send_ips/pools (by id)",
    "GET /v3/ips/pools/{pool_name}": "legacy pool API: the collection manages pools with /v3/send_ips/pools (by id)",
    "PUT /v3/ips/pools/{pool_name}": "legacy pool API: the collection manages pools with /v3/send_ips/pools (by id)",
    "DELETE /v3/ips/pools/{pool_name}": "legacy pool API: the collection manages pools with /v3/send_ips/pools (by id)",
    "POST /v3/ips/pools/{pool_name}/ips": "legacy pool API: the collection uses /v3/send_ips/pools/{id}/ips:batchAdd",
    "DELETE /v3/ips/pools/{pool_name}/ips/{ip}": "legacy pool API: the collection uses …/ips:batchDelete",
    "GET /v3/send_ips/pools/{poolid}": "sendgrid_ip_pool_info reads the pool listing and each pool's IP listing",
    "GET /v3/whitelabel/ips/{id}": "read only to confirm a reverse DNS delete whose answer was lost (Prism always"
                                   " answers)",
    "POST /v3/whitelabel/ips/{id}/validate": "sendgrid_reverse_dns validates only a record that is not valid, and"
                                             " every record of the examples (listing and creation) is valid",
}
