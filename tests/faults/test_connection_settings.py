"""Connection settings and HTTP answers, through real playbooks at ``-vvvv`` against the emulator.

An API key that cannot travel in an HTTP header (a line break, characters outside Latin-1) is
refused before any request, and no piece of it shows anywhere; option values that would crash a
library get a clear error naming the option; ``api_url`` written as SendGrid's docs write it
(``.../v3``) works; a redirect is an error naming the target host, never followed; with
``region: eu`` and ``api_url`` (the EU host), an operation only the global host serves fails
before any write, naming the operation.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_support import (  # noqa: E402  pylint: disable=wrong-import-position
    TRACEBACK,
    Harness,
    Var,
    describe,
    lookup_task,
    task,
    writes,
)

DEMO_IPS = ["192.0.2.10", "192.0.2.11", "192.0.2.20", "192.0.2.21", "192.0.2.30", "192.0.2.31", "192.0.2.32",
            "192.0.2.40", "192.0.2.41"]


def bad_keys() -> dict[str, str]:
    return {
        "crlf_key": f"SG.{secrets.token_hex(12)}\r\n{secrets.token_hex(12)}",
        "lf_key": f"SG.{secrets.token_hex(12)}\n",  # a trailing newline is stripped: sent, it is a key SendGrid refuses
        "inner_lf_key": f"SG.{secrets.token_hex(12)}\n{secrets.token_hex(12)}",
        "latin_key": f"SG.{secrets.token_hex(12)}\u2013{secrets.token_hex(12)}",
    }


@pytest.mark.parametrize("pipelining", ["false", "true"])
def test_an_api_key_that_cannot_be_sent_is_refused_and_never_printed(sg: Harness, pipelining: str) -> None:
    keys = bad_keys()
    tasks = [
        task("crlf module", "sendgrid_ip_info", {"api_key": "{{ crlf_key }}"}, ignore_errors=True),
        task("inner lf module", "sendgrid_subuser_ips",
             {"api_key": "{{ inner_lf_key }}", "subuser": "newsletter", "ips": ["192.0.2.31"]}, ignore_errors=True),
        task("latin module", "sendgrid_ip_pool_info", {"api_key": "{{ latin_key }}"}, ignore_errors=True),
        lookup_task("crlf lookup", {"api_key": Var("crlf_key")}, ignore_errors=True),
        lookup_task("latin lookup", {"api_key": Var("latin_key")}, ignore_errors=True),
        task("trailing newline", "sendgrid_ip_info", {"api_key": "{{ lf_key }}"}, ignore_errors=True),
    ]
    run = sg.run(f"bad-keys-pipelining-{pipelining}", tasks, secret_vars=keys,
                 extra_env={"ANSIBLE_PIPELINING": pipelining})

    for name in ("crlf module", "inner lf module", "crlf lookup"):
        message = run.failed(name)["msg"]
        assert "api_key holds a line break" in message and "the key is not shown" in message, message
    for name in ("latin module", "latin lookup"):
        message = run.failed(name)["msg"]
        assert "api_key holds characters outside Latin-1" in message, message
    # stripped, then sent: the emulator refuses a key it does not know (and the message does not show it)
    assert "HTTP 401" in run.failed("trailing newline")["msg"]
    log = sg.log()
    assert [entry["status"] for entry in log] == [401], describe(log)
    assert TRACEBACK not in run.output


@pytest.mark.parametrize("plugin, args, fragment", [
    ("sendgrid_ip_info", {"timeout": -1}, "timeout must be a number of seconds greater than 0, got -1.0"),
    ("sendgrid_ip_info", {"timeout": 0}, "timeout must be a number of seconds greater than 0, got 0.0"),
    ("sendgrid_ip_pool_info", {"max_retries": -1}, "max_retries must be 0 or more, got -1"),
    ("sendgrid_subuser_info", {"retry_budget": -2}, "retry_budget must be a number of seconds, 0 or more, got -2.0"),
    ("lookup", {"timeout": -1}, "timeout must be a number of seconds greater than 0, got -1.0"),
    ("lookup", {"max_retries": -3}, "max_retries must be 0 or more, got -3"),
], ids=["timeout-negative", "timeout-zero", "max_retries-negative", "retry_budget-negative", "lookup-timeout",
        "lookup-max_retries"])
def test_option_values_that_would_crash_a_library_are_clear_errors(
        sg: Harness, plugin: str, args: dict[str, Any], fragment: str) -> None:
    step = (lookup_task("case", args, ignore_errors=True) if plugin == "lookup"
            else task("case", plugin, args, ignore_errors=True))
    run = sg.run(f"option-{plugin}", [step])
    message = run.failed("case")["msg"]
    assert fragment in message, message
    assert sg.log() == [], describe(sg.log())


def test_api_url_ending_in_v3_is_accepted(sg: Harness) -> None:
    run = sg.run("api-url-v3", [
        task("module", "sendgrid_ip_info", {"api_url": "{{ sendgrid_api_url }}/v3/", "fields": ["subusers"]}),
        lookup_task("lookup", {"api_url": Var("sendgrid_api_url ~ '/v3'")}),
    ])
    assert [entry["ip"] for entry in run.ok("module")["ips"]] == DEMO_IPS
    assert run.ok("lookup")["ansible_facts"]["lookup_result"] == DEMO_IPS
    assert all(entry["path"].startswith("/v3/") and not entry["path"].startswith("/v3/v3") for entry in sg.log())


def test_a_redirect_is_an_error_naming_the_host_and_is_not_followed(sg: Harness) -> None:
    sg.add_fault(method="GET", path="/v3/ips", count=1, action="status", status=302,
                 headers={"Location": "https://login.example.net/v3/ips"})
    sg.add_fault(method="PUT", path="/v3/subusers/newsletter/ips", count=1, action="status", status=307,
                 headers={"Location": "https://login.example.net/v3/subusers/newsletter/ips"})
    run = sg.run("redirects", [
        task("list", "sendgrid_ip_info", {"fields": ["subusers"]}, ignore_errors=True),
        # state=exact: the PUT of the whole list (present adds with subusers:batchAdd)
        task("subuser ips", "sendgrid_subuser_ips",
             {"subuser": "newsletter", "ips": ["192.0.2.20", "192.0.2.21", "192.0.2.31"], "state": "exact"},
             ignore_errors=True),
    ])
    listing = run.failed("list")
    assert "GET /v3/ips returned HTTP 302" in listing["msg"] and "redirect to login.example.net" in listing["msg"]
    assert "ips" not in listing or not listing["ips"]
    write = run.failed("subuser ips")
    assert "PUT /v3/subusers/newsletter/ips returned HTTP 307" in write["msg"], write["msg"]
    puts = writes(sg.log())
    assert [entry["status"] for entry in puts] == [307], describe(puts)


def test_region_eu_with_api_url_refuses_global_only_operations_before_any_write(sg: Harness) -> None:
    # api_url with region eu is the EU host: the subusers of an IP are served only by api.sendgrid.com.
    run = sg.run("eu-host", [
        task("settings and subusers", "sendgrid_ip", {"region": "eu", "ip": "192.0.2.31", "is_auto_warmup": True,
                                                      "subusers": ["newsletter"]}, ignore_errors=True),
        task("pool info still works", "sendgrid_ip_pool_info", {"region": "eu"}),
    ])
    message = run.failed("settings and subusers")["msg"]
    for operation in ("UpdateIp", "ListSubUserAssignedToIp", "AddSubUsersToIp", "DeleteSubUsersFromIp"):
        assert operation in message, message
    assert "are served only by the global host https://api.sendgrid.com" in message, message
    assert "region: global" in message
    # before any request, not only before any write
    assert not [entry for entry in sg.log() if entry["path"].startswith("/v3/send_ips/ips/192.0.2.31")], \
        describe(sg.log())
    assert not writes(sg.log()), describe(writes(sg.log()))
    assert run.ok("pool info still works")["pools"]
