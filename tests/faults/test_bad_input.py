"""Bad input to every module and the lookup: a clear message, no write, no traceback, no API key.

The table below holds one case per line: the plugin, its arguments, the fragments the error
message must contain, and which requests the case may make (``none``: the input is rejected
before any request; ``reads``: only GETs, to find out that a subuser, pool or IP is unknown;
``401``: exactly one request, refused for the wrong key).  All cases run as the tasks of one
playbook at ``-vvvv`` (``ignore_errors``), and each test checks its own task's result and the
emulator requests made while that task ran.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    TRACEBACK,
    Harness,
    PlaybookRun,
    Var,
    collection_root,
    describe,
    lookup_task,
    task,
    writes,
)

LOOKUP = "lookup"
HTTP_URL = {"api_url": "http://api.example.com"}
HTTP_MESSAGE = ("uses plain http:// for the non-loopback host 'api.example.com'", "only https:// is accepted")
WRONG_KEY = {"api_key": "{{ sendgrid_wrong_key }}"}
WRONG_KEY_MESSAGE = ("authentication error", "HTTP 401", "authorization required")
IPV6 = "is an IPv6 address; SendGrid accepts only IPv4 addresses here"
UNKNOWN_IP = "198.51.100.99"  # not on the demo account


def case(case_id: str, plugin: str, args: dict[str, Any], fragments: tuple[str, ...] | str,
         requests: str = "none") -> Any:
    if isinstance(fragments, str):
        fragments = (fragments,)
    return pytest.param(plugin, args, fragments, requests, id=case_id)


def connection_cases(plugin: str, args: dict[str, Any]) -> list[Any]:
    """Plain http:// to a non-loopback host, and a wrong API key (HTTP 401)."""
    prefix = plugin.removeprefix("sendgrid_")
    wrong_key = {"api_key": Var("sendgrid_wrong_key")} if plugin == LOOKUP else WRONG_KEY
    return [
        case(f"{prefix}-http-non-loopback", plugin, {**args, **HTTP_URL}, HTTP_MESSAGE),
        case(f"{prefix}-wrong-key", plugin, {**args, **wrong_key}, WRONG_KEY_MESSAGE, "401"),
    ]


CASES = [
    # ---- sendgrid_ip_info
    case("ip_info-malformed-cidr", "sendgrid_ip_info", {"ip": "192.0.2.0/33"}, "is not a valid CIDR network"),
    case("ip_info-malformed-filter", "sendgrid_ip_info", {"ip": "mail.example.com"},
         "is neither an IP address, a CIDR network nor an address prefix"),
    case("ip_info-empty-subuser", "sendgrid_ip_info", {"subuser": " "}, "subuser: must not be empty"),
    case("ip_info-empty-pool", "sendgrid_ip_info", {"pool": ""}, "pool: must not be empty"),
    case("ip_info-unknown-subuser", "sendgrid_ip_info", {"subuser": "nobody"},
         "subuser: unknown subuser(s) on this account: nobody", "reads"),
    case("ip_info-pool-and-parent-assigned", "sendgrid_ip_info", {"pool": "marketing", "is_parent_assigned": True},
         "mutually exclusive: pool|is_parent_assigned"),
    case("ip_info-malformed-date", "sendgrid_ip_info", {"added_after": "last tuesday"},
         "added_after: expected a Unix timestamp or an ISO 8601 date"),
    case("ip_info-unknown-field", "sendgrid_ip_info", {"fields": ["colour"]}, ("fields", "colour")),
    *connection_cases("sendgrid_ip_info", {}),
    # ---- sendgrid_subuser_ips
    case("subuser_ips-malformed-ip", "sendgrid_subuser_ips", {"subuser": "newsletter", "ips": ["192.0.2.300"]},
         "ips: '192.0.2.300' is not a valid IP address"),
    case("subuser_ips-ipv6", "sendgrid_subuser_ips", {"subuser": "newsletter", "ips": ["2001:db8::1"]},
         f"ips: '2001:db8::1' {IPV6}"),
    case("subuser_ips-empty-ip", "sendgrid_subuser_ips", {"subuser": "newsletter", "ips": [""]},
         "an empty string is not an IP address"),
    case("subuser_ips-empty-subuser", "sendgrid_subuser_ips", {"subuser": "  ", "ips": ["192.0.2.31"]},
         "subuser: must not be empty"),
    case("subuser_ips-unknown-subuser", "sendgrid_subuser_ips", {"subuser": "nobody", "ips": ["192.0.2.31"]},
         "subuser: unknown subuser(s) on this account: nobody", "reads"),
    case("subuser_ips-unknown-ip", "sendgrid_subuser_ips", {"subuser": "newsletter", "ips": [UNKNOWN_IP]},
         f"ips: not on this SendGrid account: {UNKNOWN_IP}", "reads"),
    case("subuser_ips-ips-and-all_ips", "sendgrid_subuser_ips",
         {"subuser": "newsletter", "ips": ["192.0.2.31"], "all_ips": True}, "mutually exclusive: ips|all_ips"),
    case("subuser_ips-all_ips-absent", "sendgrid_subuser_ips",
         {"subuser": "newsletter", "all_ips": True, "ips_state": "absent"},
         "all_ips=true cannot be combined with ips_state=absent"),
    case("subuser_ips-nothing-requested", "sendgrid_subuser_ips", {"subuser": "newsletter"},
         "ips is required unless all_ips=true"),
    # Without ips, ips_state=exact must not be taken as "take every IP away".
    case("subuser_ips-exact-without-ips", "sendgrid_subuser_ips", {"subuser": "newsletter", "ips_state": "exact"},
         "ips is required unless all_ips=true"),
    *connection_cases("sendgrid_subuser_ips", {"subuser": "newsletter", "ips": ["192.0.2.31"]}),
    # ---- sendgrid_ip_pool
    case("ip_pool-empty-name", "sendgrid_ip_pool", {"pool": " "}, "pool: must not be empty"),
    case("ip_pool-long-name", "sendgrid_ip_pool", {"pool": "p" * 65}, ("must be 2 to 64 characters long", "65")),
    case("ip_pool-dot-name", "sendgrid_ip_pool", {"pool": ".hidden"}, ("pool: ", "'.hidden'", "must not start with")),
    case("ip_pool-bad-new-name", "sendgrid_ip_pool", {"pool": "marketing", "new_name": ".x"},
         ("new_name: ", "must not start with")),
    case("ip_pool-absent-with-ips", "sendgrid_ip_pool", {"pool": "marketing", "state": "absent", "ips": ["192.0.2.20"]},
         "state=absent deletes the pool and takes neither new_name nor ips"),
    case("ip_pool-malformed-ip", "sendgrid_ip_pool", {"pool": "marketing", "ips": ["192.0.2.1.5"]},
         "ips: '192.0.2.1.5' is not a valid IP address"),
    case("ip_pool-unknown-ip", "sendgrid_ip_pool", {"pool": "marketing", "ips": [UNKNOWN_IP]},
         f"ips: not on this SendGrid account: {UNKNOWN_IP}", "reads"),
    case("ip_pool-rename-onto-existing", "sendgrid_ip_pool", {"pool": "marketing", "new_name": "transactional"},
         "a pool named 'transactional' already exists", "reads"),
    case("ip_pool-rename-unknown", "sendgrid_ip_pool", {"pool": "ghost", "new_name": "phantom"},
         "cannot rename pool 'ghost' to 'phantom': no pool has either name", "reads"),
    *connection_cases("sendgrid_ip_pool", {"pool": "fresh-pool"}),
    # ---- sendgrid_ip_pool_info
    case("ip_pool_info-unknown-option", "sendgrid_ip_pool_info", {"pools": "marketing"},
         ("Unsupported parameters", "pools")),
    case("ip_pool_info-bad-region", "sendgrid_ip_pool_info", {"region": "mars"},
         "value of region must be one of: global, eu"),
    case("ip_pool_info-bad-timeout", "sendgrid_ip_pool_info", {"timeout": "soon"}, ("timeout", "float")),
    *connection_cases("sendgrid_ip_pool_info", {}),
    # ---- sendgrid_ip
    case("ip-malformed-ip", "sendgrid_ip", {"ip": "192.0.2", "is_auto_warmup": True},
         "ip: '192.0.2' is not a valid IP address"),
    case("ip-ipv6", "sendgrid_ip", {"ip": "2001:db8::10", "is_auto_warmup": True}, f"ip: '2001:db8::10' {IPV6}"),
    case("ip-empty-ip", "sendgrid_ip", {"ip": "", "is_auto_warmup": True}, "ip: an empty string is not an IP address"),
    case("ip-unknown-ip", "sendgrid_ip", {"ip": UNKNOWN_IP, "is_auto_warmup": True},
         f"ip: {UNKNOWN_IP} is not on this SendGrid account", "reads"),
    case("ip-nothing-requested", "sendgrid_ip", {"ip": "192.0.2.31"},
         "one of the following is required: is_auto_warmup, is_parent_assigned, is_enabled, subusers"),
    case("ip-is_enabled-on-leased-ip", "sendgrid_ip", {"ip": "192.0.2.10", "is_enabled": False},
         "is_enabled: 192.0.2.10 is leased from SendGrid", "reads"),
    case("ip-unknown-subuser", "sendgrid_ip", {"ip": "192.0.2.31", "subusers": ["nobody", "newsletter"]},
         "subusers: unknown subuser(s) on this account: nobody", "reads"),
    case("ip-empty-subuser", "sendgrid_ip", {"ip": "192.0.2.31", "subusers": [""]},
         "subusers: a name must not be empty"),
    *connection_cases("sendgrid_ip", {"ip": "192.0.2.31", "is_auto_warmup": True}),
    # ---- sendgrid_ip_warmup
    case("ip_warmup-malformed-ip", "sendgrid_ip_warmup", {"ip": "not-an-ip"}, "ip: 'not-an-ip' is not a valid IP address"),
    case("ip_warmup-ipv6", "sendgrid_ip_warmup", {"ip": "::1"}, f"ip: '::1' {IPV6}"),
    case("ip_warmup-empty-ip", "sendgrid_ip_warmup", {"ip": " "}, "ip: an empty string is not an IP address"),
    case("ip_warmup-unknown-ip", "sendgrid_ip_warmup", {"ip": UNKNOWN_IP},
         f"ip: {UNKNOWN_IP} is not on this SendGrid account", "reads"),
    case("ip_warmup-bad-state", "sendgrid_ip_warmup", {"ip": "192.0.2.31", "state": "paused"},
         "value of state must be one of: started, stopped"),
    *connection_cases("sendgrid_ip_warmup", {"ip": "192.0.2.31"}),
    # ---- sendgrid_subuser_info
    case("subuser_info-bad-region", "sendgrid_subuser_info", {"subuser_region": "mars"},
         "value of subuser_region must be one of: global, eu"),
    case("subuser_info-bad-bool", "sendgrid_subuser_info", {"disabled": "maybe"}, ("disabled", "bool")),
    *connection_cases("sendgrid_subuser_info", {}),
    # ---- sendgrid_ip_layout (reads the account before it names every problem at once)
    case("ip_layout-bad-pool-name", "sendgrid_ip_layout", {"pools": {"x": ["192.0.2.31"]}},
         ("nothing was written", "pool name 'x' must be 2 to 64 characters long"), "reads"),
    case("ip_layout-ipv6-for-subuser", "sendgrid_ip_layout", {"subusers": {"newsletter": ["2001:db8::1"]}},
         f"subusers.newsletter: '2001:db8::1' {IPV6}", "reads"),
    case("ip_layout-malformed-warmup-ip", "sendgrid_ip_layout", {"warmup": ["192.0.2.999"]},
         "warmup: '192.0.2.999' is not a valid IP address", "reads"),
    case("ip_layout-pool-ips-not-a-list", "sendgrid_ip_layout", {"pools": {"marketing": "192.0.2.20"}},
         "pools.marketing: must be a list of IP addresses", "reads"),
    case("ip_layout-empty-subuser", "sendgrid_ip_layout", {"subusers": {"": ["192.0.2.31"]}},
         "subusers: a name must not be empty", "reads"),
    case("ip_layout-unknown-subuser", "sendgrid_ip_layout", {"subusers": {"nobody": ["192.0.2.31"]}},
         "subusers: unknown subuser(s) on this account: nobody", "reads"),
    case("ip_layout-unknown-ip", "sendgrid_ip_layout", {"pools": {"marketing": [UNKNOWN_IP]}},
         f"pools.marketing: not on this SendGrid account: {UNKNOWN_IP}", "reads"),
    case("ip_layout-exact-empty-subuser", "sendgrid_ip_layout",
         {"subusers": {"newsletter": []}, "ips_state": "exact"}, "an empty list with ips_state: exact", "reads"),
    case("ip_layout-every-problem-at-once", "sendgrid_ip_layout",
         {"pools": {".p": ["192.0.2.999"]}, "subusers": {"nobody": ["::1"]}},
         ("has 4 problems", "pool name '.p'", "'192.0.2.999' is not a valid IP address", IPV6, "nobody"), "reads"),
    case("ip_layout-zero-concurrency", "sendgrid_ip_layout",
         {"subusers": {"newsletter": ["192.0.2.31"]}, "concurrency": 0}, "concurrency must be at least 1, got 0"),
    *connection_cases("sendgrid_ip_layout", {"subusers": {"newsletter": ["192.0.2.31"]}}),
    # ---- the sendgrid_ips lookup
    case("lookup-terms", LOOKUP, {"terms": ["192.0.2.10"]}, "takes no terms"),
    case("lookup-fields-without-details", LOOKUP, {"fields": ["subusers"]}, "fields can only be used with details=true"),
    case("lookup-malformed-filter", LOOKUP, {"ip": "mail.example.com"},
         "is neither an IP address, a CIDR network nor an address prefix"),
    case("lookup-empty-pool", LOOKUP, {"pool": " "}, "pool: must not be empty"),
    case("lookup-unknown-subuser", LOOKUP, {"subuser": "nobody"},
         "subuser: unknown subuser(s) on this account: nobody", "reads"),
    case("lookup-pool-and-parent-assigned", LOOKUP, {"pool": "marketing", "is_parent_assigned": True},
         "pool and is_parent_assigned cannot be used together"),
    # ansible-core's own words: 'Invalid value "bogus" for configuration option "... setting: status "' up to 2.18,
    # "Invalid value 'bogus' for config 'status' ..." from 2.19.
    case("lookup-bad-status", LOOKUP, {"status": "bogus"}, ("Invalid value", "bogus", "status")),
    case("lookup-malformed-date", LOOKUP, {"added_before": "soon"}, "added_before: expected a Unix timestamp"),
    *connection_cases(LOOKUP, {}),
    # ---- the IP lifecycle modules (issue 8)
    case("account_ips-zero-count", "sendgrid_account_ips", {"count": 0}, "count: must be at least 1, got 0"),
    case("account_ips-unknown-subuser", "sendgrid_account_ips", {"count": 1, "subusers": ["nobody"]},
         "subusers: unknown subuser(s) on this account: nobody", "reads"),
    *connection_cases("sendgrid_account_ips", {"count": 1}),
    case("subuser-empty-name", "sendgrid_subuser", {"subuser": "   "}, "subuser: must not be empty"),
    case("subuser-bad-email", "sendgrid_subuser", {"subuser": "acme", "email": "not-an-address"},
         "email: 'not-an-address' is not an email address"),
    *connection_cases("sendgrid_subuser", {"subuser": "acme"}),
    case("reverse_dns-malformed-ip", "sendgrid_reverse_dns", {"ip": "192.0.2.300", "domain": "example.com"},
         "ip: '192.0.2.300' is not a valid IP address"),
    case("reverse_dns-empty-domain", "sendgrid_reverse_dns", {"ip": "192.0.2.31", "domain": "   "},
         "domain: must not be empty"),
    *connection_cases("sendgrid_reverse_dns", {"ip": "192.0.2.31", "domain": "example.com"}),
    case("reverse_dns_info-empty-ip", "sendgrid_reverse_dns_info", {"ip": "  "}, "ip: the filter must not be empty"),
    *connection_cases("sendgrid_reverse_dns_info", {}),
    case("partner_ips-empty-account", "sendgrid_partner_ips", {"account_id": "  ", "count": 1, "ip_region": "us"},
         "account_id: must not be empty"),
    case("partner_ips-count-without-region", "sendgrid_partner_ips", {"account_id": "acct-1", "count": 2},
         "missing parameter(s) required by 'count': ip_region"),
    *connection_cases("sendgrid_partner_ips", {"account_id": "acct-1", "count": 1, "ip_region": "us"}),
    case("partner_ips_info-empty-account", "sendgrid_partner_ips_info", {"account_ids": ["acct-1", " "]},
         "account_ids: a name must not be empty"),
    *connection_cases("sendgrid_partner_ips_info", {"account_ids": ["acct-1"]}),
]


def leaked(harness: Harness, text: str) -> list[str]:
    """Which secrets ``text`` holds, by name only (an assertion message must not print them)."""
    return [name for name, secret in zip(("api key", "wrong key"), harness.secrets) if secret in text]


def case_task(case_id: str, plugin: str, args: dict[str, Any]) -> dict[str, Any]:
    if plugin == LOOKUP:
        options = dict(args)
        terms = tuple(options.pop("terms", ()))
        return lookup_task(case_id, options, terms, ignore_errors=True)
    return task(case_id, plugin, args, ignore_errors=True)


@pytest.fixture(scope="module")
def bad_input_run(harness: Harness) -> tuple[PlaybookRun, list[dict[str, Any]]]:
    """Every case as one task of one playbook, run once at -vvvv; returns the run and the emulator log."""
    harness.reset()
    tasks = [case_task(param.id, *param.values[:2]) for param in CASES]
    run = harness.run("bad-input", tasks)
    return run, harness.log()


def test_every_module_is_covered(collections: Path) -> None:
    plugins = {param.values[0] for param in CASES}
    modules = {path.stem for path in (collection_root(collections) / "plugins" / "modules").glob("sendgrid_*.py")}
    assert "sendgrid_ip_layout" in modules
    assert modules | {LOOKUP} <= plugins, f"no bad-input case for {sorted(modules | {LOOKUP} - plugins)}"


@pytest.mark.parametrize(("plugin", "args", "fragments", "requests"), CASES)
def test_bad_input_fails_clearly_without_writing(bad_input_run: tuple[PlaybookRun, list[dict[str, Any]]],
                                                 request: pytest.FixtureRequest, plugin: str, args: dict[str, Any],
                                                 fragments: tuple[str, ...], requests: str) -> None:
    run, log = bad_input_run
    case_id = request.node.callspec.id
    result = run.failed(case_id)
    message = str(result.get("msg", ""))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message of {case_id}: {message}"
    assert "MODULE FAILURE" not in message
    assert not result.get("module_stderr"), result.get("module_stderr")
    assert TRACEBACK not in json.dumps(result)
    made = run.requests_during(case_id, log)
    assert not writes(made), describe(writes(made))
    if requests == "none":
        assert not made, f"{case_id} made requests before rejecting its input: {describe(made)}"
    elif requests == "401":
        assert [(entry["method"], entry["status"]) for entry in made] == [("GET", 401)], describe(made)
    else:
        assert made, f"{case_id} was expected to read the account"


def test_bad_input_run_as_a_whole(bad_input_run: tuple[PlaybookRun, list[dict[str, Any]]],
                                  harness: Harness) -> None:
    run, log = bad_input_run
    assert run.rc == 0, f"the play should end normally (every case ignores its error): {run.log_path}"
    assert len(run.records) == len(CASES)
    assert not writes(log), describe(writes(log))
    assert TRACEBACK not in run.output
    assert not leaked(harness, run.output)


@pytest.mark.parametrize("pipelining", ["false", "true"])
def test_api_key_never_appears_at_vvvv(sg: Harness, pipelining: str) -> None:
    """Succeeding and failing tasks of every plugin, with changes and diffs, at -vvvv: the key is nowhere.

    Both ways a module gets its arguments: a file (Ansible's default) and stdin (pipelining).
    """
    tasks = [
        task("ip info", "sendgrid_ip_info"),
        task("subuser info", "sendgrid_subuser_info"),
        task("pool info", "sendgrid_ip_pool_info"),
        lookup_task("lookup", {"details": True}),
        task("subuser ips", "sendgrid_subuser_ips", {"subuser": "newsletter", "ips": ["192.0.2.31"]}, diff=True),
        task("pool", "sendgrid_ip_pool", {"pool": "fresh-pool", "ips": ["192.0.2.31"]}, diff=True),
        task("ip", "sendgrid_ip", {"ip": "192.0.2.31", "is_auto_warmup": True, "subusers": ["shop-eu"]}, diff=True),
        task("warmup", "sendgrid_ip_warmup", {"ip": "192.0.2.31"}, diff=True),
        task("layout", "sendgrid_ip_layout", {"subusers": {"shop-eu": ["192.0.2.10", "192.0.2.32"]},
                                              "pools": {"marketing": ["192.0.2.32"]}}, diff=True),
        task("wrong key", "sendgrid_ip_info", WRONG_KEY, ignore_errors=True),
        lookup_task("lookup wrong key", {"api_key": Var("sendgrid_wrong_key")}, ignore_errors=True),
        task("unknown subuser", "sendgrid_subuser_ips", {"subuser": "nobody", "ips": ["192.0.2.31"]},
             ignore_errors=True),
    ]
    # ansible-core 2.21 no longer adds the module arguments (`invocation`) to results unless asked to; earlier
    # releases ignore the setting.
    run = sg.run(f"vvvv-pipelining-{pipelining}", tasks,
                 extra_env={"ANSIBLE_PIPELINING": pipelining, "ANSIBLE_INJECT_INVOCATION": "true"})

    for name in ("ip info", "subuser info", "pool info", "lookup"):
        assert run.ok(name)["changed"] is False
    for name in ("subuser ips", "pool", "ip", "warmup", "layout"):
        assert run.ok(name)["changed"] is True
    for name in ("wrong key", "lookup wrong key", "unknown subuser"):
        run.failed(name)
    # The output is the -vvvv one: connection details and module arguments, the key masked by no_log.
    assert "ESTABLISH LOCAL CONNECTION" in run.output
    assert '"api_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.output
    # Without pipelining each module is copied to a file first (-vvvv shows the PUT); with it, nothing is copied.
    assert bool(re.search(r"^<localhost> PUT .*AnsiballZ_", run.output, re.MULTILINE)) is (pipelining == "false")
    assert not leaked(sg, run.output)
    # The key was really used: the emulator accepted it.
    assert any(entry["status"] == 200 for entry in sg.log())


def test_the_secret_check_catches_a_leak(sg: Harness) -> None:
    """The check every run gets does fail when the key is printed."""
    with pytest.raises(AssertionError, match="an API key appears in the stdout"):
        sg.run("leak", [{"name": "print the key", "ansible.builtin.debug": {"msg": "{{ sendgrid_api_key }}"}}])
