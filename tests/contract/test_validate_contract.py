"""Tests of the contract validator, and the proof that the emulator is faithful to the spec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CONTRACT_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CONTRACT_DIR))
sys.path.insert(0, str(CONTRACT_DIR.parent / "emulator"))
import validate_contract  # noqa: E402
from emulator_process import EmulatorProcess  # noqa: E402
# Importing the core registers the routes.
from sgemu import core  # noqa: E402,F401  pylint: disable=unused-import
from sgemu.routing import ROUTES  # noqa: E402

TOO_MANY = {"errors": [{"field": None, "message": "too many requests"}]}


@pytest.fixture(scope="module")
def spec_path() -> list[Path]:
    """Both documents (the name is kept from the days of one)."""
    paths = validate_contract.resolve_spec_paths(None)
    for path in paths:
        if not path.is_file():
            pytest.fail(f"OpenAPI document not found at {path} (set {validate_contract.SPEC_ENV}); the contract "
                        "test needs it")
    return paths


def entry(method: str, path: str, status: int | None, response_body: Any = None, *, body: Any = None,
          fault: dict[str, Any] | None = None, query: dict[str, list[str]] | None = None,
          host: str = "global", response_headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"seq": 1, "method": method, "path": path, "query": query or {},
            "headers": {"Authorization": "Bearer ***", "Content-Type": "application/json"}, "body": body,
            "status": status, "response_body": response_body,
            "response_headers": response_headers or ({"Content-Type": "application/json"}
                                                     if response_body is not None else {}),
            "fault": fault, "host": host}


def run_validator(tmp_path: Path, specs: list[Path], entries: list[dict[str, Any]],
                  capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in entries))
    spec_args = [arg for spec in specs for arg in ("--spec", str(spec))]
    code = validate_contract.main([*spec_args, "--log", str(log), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


WARMUP_OK = entry("GET", "/v3/ips/warmup", 200, [{"ip": "192.0.2.21", "start_date": 1735689600}])


# ---------------------------------------------------------------------------
# The validator on hand-made logs
# ---------------------------------------------------------------------------


def test_good_response_passes(tmp_path: Path, spec_path: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_validator(tmp_path, spec_path, [WARMUP_OK], capsys)
    assert code == 0, out
    assert "RESULT: PASS" in out and "ok  ListWarmUpIp" in out


def test_response_missing_a_required_field_fails(tmp_path: Path, spec_path: list[Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = entry("GET", "/v3/ips/warmup", 200, [{"ip": "192.0.2.21"}])
    code, out = run_validator(tmp_path, spec_path, [WARMUP_OK, bad], capsys)
    assert code == 1
    assert "FAIL #1 GET /v3/ips/warmup -> 200: response (ListWarmUpIp)" in out
    assert "'start_date' is a required property" in out


def test_invalid_request_and_unknown_operation_fail(tmp_path: Path, spec_path: list[Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad_body = entry("PUT", "/v3/subusers/shop-eu/ips", 200, {"ips": []}, body=["not-an-ip"])
    unknown = entry("GET", "/v3/ips/pools/x/nothing", 404, {"errors": [{"field": None, "message": "not found"}]})
    code, out = run_validator(tmp_path, spec_path, [bad_body, unknown], capsys)
    assert code == 1
    assert "PUT /v3/subusers/shop-eu/ips -> 200: request:" in out and "ipv4" in out
    assert "no such operation in ip-endpoints.json or ip-lifecycle-endpoints.json" in out


def test_operations_of_the_lifecycle_document_are_validated(tmp_path: Path, spec_path: list[Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    good = entry("GET", "/v3/subusers/reputations", 200, [{"username": "a", "reputation": 99.5}])
    bad = entry("DELETE", "/v3/subusers/shop-eu", 200, {"deleted": True})
    code, out = run_validator(tmp_path, spec_path, [good, bad], capsys)
    assert code == 1
    assert "ok  ListReputation" in out
    assert "success status 200 is not declared for DeleteSubuser" in out
    assert "operations: 45;" in out and "ip-lifecycle-endpoints.json" in out


def test_a_global_only_operation_sent_to_the_eu_host_fails(tmp_path: Path, spec_path: list[Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assigned = [{"ip": "192.0.2.10", "pools": [], "warmup": False, "start_date": 0}]
    served = entry("GET", "/v3/ips/assigned", 200, assigned, host="eu")
    allowed = entry("GET", "/v3/ips/remaining", 200,
                    {"results": [{"remaining": 1, "period": "month", "price_per_ip": 20}]}, host="eu")
    code, out = run_validator(tmp_path, spec_path, [served, allowed], capsys)
    assert code == 1
    assert ("host: ListAssignedIp is served only by https://api.sendgrid.com; this request went to the eu host "
            "(https://api.eu.sendgrid.com)") in out
    assert out.count("FAIL ") == 1


def test_undeclared_statuses_and_faults_need_error_shapes(tmp_path: Path, spec_path: list[Path],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    fault = {"id": 1, "action": "status", "status": 500, "when": "after"}
    drop = {"id": 2, "action": "drop", "status": None, "when": "before"}
    redirect = {"id": 3, "action": "status", "status": 302, "when": "before"}
    accepted = [
        entry("GET", "/v3/ips/pools", 429, TOO_MANY),                                   # undeclared, errors shape
        entry("DELETE", "/v3/ips/pools/Test%20Pool", 404, {"error": "Unable to locate specified IPs Pool"}),
        entry("GET", "/v3/ips/remaining", 500, {"errors": [{"field": None, "message": "boom"}]}, fault=fault),
        entry("GET", "/v3/ips/remaining", None, fault=drop),
        entry("GET", "/v3/ips", 302, None, fault=redirect, response_headers={"Location": "https://x.example/"}),
        entry("GET", "/v3/ips/192.0.2.99", 404, {"errors": [{"field": None, "message": "resource not found"}]}),
    ]
    code, out = run_validator(tmp_path, spec_path, accepted, capsys)
    assert code == 0, out
    assert "undeclared error statuses (documented emulator choices, error shape checked): 404 x1, 429 x1" in out
    assert "injected-fault responses (error shape checked): 2; dropped connections: 1" in out
    assert "GetIp " in out and "undeclared=404x1" in out

    rejected = [
        entry("GET", "/v3/ips/pools", 429, {"detail": "slow down"}),
        entry("POST", "/v3/send_ips/pools", 200, {"name": "p", "id": "3", "ips": []}, body={"name": "p"}),
        entry("GET", "/v3/ips/remaining", None),
        entry("GET", "/v3/ips/warmup", 404, {"errors": [{"field": None, "message": "resource not found"}]}),
    ]
    code, out = run_validator(tmp_path, spec_path, rejected, capsys)
    assert code == 1
    assert "not a SendGrid error body" in out
    assert "success status 200 is not declared for IpAddressManagementCreateIpPool" in out
    assert "no injected fault explains it" in out
    assert ("status 404 is not declared for ListWarmUpIp and is not one of the emulator's documented choices"
            in out)


def test_require_operations(tmp_path: Path, spec_path: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_validator(tmp_path, spec_path, [WARMUP_OK], capsys, "--require-operations", "ListWarmUpIp")
    assert code == 0, out
    code, out = run_validator(tmp_path, spec_path, [WARMUP_OK], capsys,
                              "--require-operations", "ListWarmUpIp,GetIpPool")
    assert code == 1 and "required operations never exercised: GetIpPool" in out
    code, out = run_validator(tmp_path, spec_path, [WARMUP_OK], capsys, "--require-operations", "NoSuchOp")
    assert code == 1 and "unknown operationId(s) ['NoSuchOp']" in out


def test_empty_log_fails(tmp_path: Path, spec_path: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_validator(tmp_path, spec_path, [], capsys)
    assert code == 1 and "no /v3 entries" in out


def test_missing_spec_fails_naming_the_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec_path: list[Path]) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(WARMUP_OK) + "\n")
    missing = tmp_path / "nowhere" / "ip-endpoints.json"
    script = CONTRACT_DIR / "validate_contract.py"
    result = subprocess.run([sys.executable, str(script), "--spec", str(missing), "--log", str(log)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert f"OpenAPI spec not found: {missing}" in result.stderr

    monkeypatch.setenv(validate_contract.SPEC_ENV, os.pathsep.join([str(spec_path[0]), str(missing)]))
    assert validate_contract.resolve_spec_paths(None) == [spec_path[0], missing]
    monkeypatch.delenv(validate_contract.SPEC_ENV)
    monkeypatch.setattr(validate_contract, "DEFAULT_SPECS", (missing,))
    assert validate_contract.main(["--log", str(log)]) == 1


def test_the_emulator_serves_each_operation_where_the_documents_do(spec_path: list[Path]) -> None:
    validator = validate_contract.validator_for(spec_path)
    assert {r.operation_id: f"{r.method} {r.template}" for r in ROUTES} == validator.operation_routes
    for route in ROUTES:
        assert route.global_only == (validator.hosts[route.operation_id] == {"global"}), route.operation_id


def test_default_specs_are_beside_the_repository() -> None:
    spec_dir = CONTRACT_DIR.parent.parent.parent / "shared" / "sendgrid-openapi"
    assert validate_contract.DEFAULT_SPECS == (spec_dir / "ip-endpoints.json", spec_dir / "ip-lifecycle-endpoints.json")


# ---------------------------------------------------------------------------
# The emulator, driven through every operation, must satisfy the contract
# ---------------------------------------------------------------------------


def drive_every_operation(emu: EmulatorProcess) -> None:
    """A representative call of each of the 45 operations, plus declared error responses,
    undeclared statuses that are documented emulator choices, calls to the EU host and
    on-behalf-of, an injected 500, a redirect and a dropped connection."""
    api = emu.api_session()

    def call(method: str, path: str, expected: int, session: Any = api, base: str = emu.url, **kwargs: Any) -> Any:
        response = session.request(method, base + path, timeout=10, allow_redirects=False, **kwargs)
        assert response.status_code == expected, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def walk(path: str, limit: int, **params: Any) -> None:
        query: dict[str, Any] = {"limit": limit, **params}
        while True:
            after_key = call("GET", path, 200, params=query)["_metadata"]["next_params"]["after_key"]
            if after_key is None:
                return
            query["after_key"] = after_key

    # Legacy /v3/ips
    call("POST", "/v3/ips", 201, json={"count": 1, "subusers": ["shop-eu"], "warmup": True})
    call("GET", "/v3/ips", 200, params={"limit": 4, "offset": 4, "sort_by_direction": "desc"})
    call("GET", "/v3/ips", 200, params={"subuser": "newsletter", "exclude_whitelabels": "true", "ip": "192.0.2."})
    call("GET", "/v3/ips/assigned", 200)
    call("GET", "/v3/ips/remaining", 200)
    call("GET", "/v3/ips/192.0.2.10", 200)
    call("GET", "/v3/ips/192.0.2.11", 200)
    call("GET", "/v3/ips/192.0.2.99", 404)                       # undeclared for GetIp: shape only
    # Legacy pools, addressed by name (with a space)
    call("POST", "/v3/ips/pools", 200, json={"name": "Legacy Pool"})
    call("GET", "/v3/ips/pools", 200)
    call("POST", "/v3/ips/pools/Legacy%20Pool/ips", 201, json={"ip": "192.0.2.31"})
    call("POST", "/v3/ips/pools/No%20Such/ips", 404, json={"ip": "192.0.2.31"})
    call("GET", "/v3/ips/pools/Legacy%20Pool", 200)
    call("GET", "/v3/ips/pools/No%20Such", 404)
    call("PUT", "/v3/ips/pools/Legacy%20Pool", 200, json={"name": "Legacy Renamed"})
    call("PUT", "/v3/ips/pools/No%20Such", 404, json={"name": "whatever"})
    call("DELETE", "/v3/ips/pools/Legacy%20Renamed/ips/192.0.2.31", 204)
    call("DELETE", "/v3/ips/pools/Legacy%20Renamed/ips/192.0.2.31", 404)
    call("DELETE", "/v3/ips/pools/Legacy%20Renamed", 204)
    call("DELETE", "/v3/ips/pools/Legacy%20Renamed", 404)
    # Warmup
    call("POST", "/v3/ips/warmup", 200, json={"ip": "192.0.2.31"})
    call("POST", "/v3/ips/warmup", 404, json={"ip": "192.0.2.99"})
    call("GET", "/v3/ips/warmup", 200)
    call("GET", "/v3/ips/warmup/192.0.2.31", 200)
    call("GET", "/v3/ips/warmup/192.0.2.11", 404)
    call("DELETE", "/v3/ips/warmup/192.0.2.31", 204)
    call("DELETE", "/v3/ips/warmup/192.0.2.31", 404)
    # /v3/send_ips/ips
    walk("/v3/send_ips/ips", 3, include_region="true", is_leased="true")
    call("GET", "/v3/send_ips/ips", 200, params={"pool": "1", "start_added_at": 0, "end_added_at": 2000000000,
                                                 "region": "us", "ip": "192.0.2.1"})
    last = call("GET", "/v3/send_ips/ips", 200, params={"limit": 2, "after_key": call(
        "GET", "/v3/send_ips/ips", 200, params={"limit": 7})["_metadata"]["next_params"]["after_key"]})
    before_key = last["_metadata"]["next_params"]["before_key"]
    call("GET", "/v3/send_ips/ips", 200, params={"limit": 2, "before_key": before_key})
    call("GET", "/v3/send_ips/ips", 400, params={"after_key": "3221226016"})         # not a cursor it returned
    call("GET", "/v3/send_ips/ips", 400, params={"limit": 0})
    call("POST", "/v3/send_ips/ips", 201, json={"is_auto_warmup": False, "is_parent_assigned": True,
                                                "subusers": ["1002"], "region": "us", "include_region": True})
    call("POST", "/v3/send_ips/ips", 400, json={"is_auto_warmup": False, "is_parent_assigned": True,
                                                "subusers": ["9999"]})
    call("GET", "/v3/send_ips/ips/192.0.2.41", 200, params={"include_region": "true"})
    call("GET", "/v3/send_ips/ips/192.0.2.99", 400)
    call("PATCH", "/v3/send_ips/ips/192.0.2.32", 200, json={"is_enabled": False, "is_auto_warmup": True})
    call("PATCH", "/v3/send_ips/ips/192.0.2.31", 400, json={})
    call("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd", 200, json={"subusers": ["1001", "1002", "1003"]})
    call("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd", 400, json={"subusers": ["1005"]})  # eu subuser
    walk("/v3/send_ips/ips/192.0.2.31/subusers", 2)
    call("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchDelete", 204, json={"subusers": ["1003"]})
    call("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchDelete", 400, json={"subusers": []})
    # /v3/send_ips/pools
    created = call("POST", "/v3/send_ips/pools", 201, json={"name": "send ips pool", "ips": ["192.0.2.31"]})
    call("POST", "/v3/send_ips/pools", 400, json={"name": "marketing"})
    pool = f"/v3/send_ips/pools/{created['id']}"
    walk("/v3/send_ips/pools", 2, include_region="true")
    call("GET", "/v3/send_ips/pools", 200, params={"region": "us", "ip": "192.0.2.10"})
    call("GET", pool, 200, params={"include_region": "true"})
    call("GET", "/v3/send_ips/pools/999", 400)
    call("PUT", pool, 200, json={"name": "renamed send ips pool"})
    call("POST", pool + "/ips:batchAdd", 200, json={"ips": ["192.0.2.11", "192.0.2.40"]})
    call("POST", pool + "/ips:batchAdd", 400, json={"ips": ["192.0.2.99"]})
    walk(pool + "/ips", 2, include_region="true")
    call("POST", pool + "/ips:batchDelete", 204, json={"ips": ["192.0.2.40"]})
    call("POST", pool + "/ips:batchDelete", 400, json={"ips": ["192.0.2.20"]})
    call("DELETE", pool, 204)
    call("DELETE", pool, 400)
    # Subusers
    call("GET", "/v3/subusers", 200, params={"limit": 2, "offset": 2, "include_region": "true", "region": "all"})
    call("GET", "/v3/subusers", 200, params={"username": "shop"})
    call("POST", "/v3/subusers", 200, json={"username": "new-sub", "email": "new-sub@example.com",
                                            "password": "correct-horse-1", "ips": ["192.0.2.31"],
                                            "region": "global", "include_region": True})
    call("POST", "/v3/subusers", 400, json={"username": "shop-eu", "email": "x@example.com", "password": "p",
                                            "ips": []})
    call("PATCH", "/v3/subusers/legacy-brand", 204, json={"disabled": False})
    call("PATCH", "/v3/subusers/nobody", 400, json={"disabled": True})
    call("PUT", "/v3/subusers/shop-eu/ips", 200, json=["192.0.2.10", "192.0.2.31"])
    call("PUT", "/v3/subusers/shop-eu/ips", 400, json=[])                   # undeclared: shape only
    call("GET", "/v3/subusers/reputations", 200)
    call("GET", "/v3/subusers/reputations", 200, params={"usernames": "newsletter"})
    call("DELETE", "/v3/subusers/new-sub", 204)
    call("DELETE", "/v3/subusers/new-sub", 400)                             # undeclared: a documented choice
    # Reverse DNS (ip-lifecycle-endpoints.json), also on-behalf-of a subuser and on the EU host
    record = call("POST", "/v3/whitelabel/ips", 201,
                  json={"ip": "192.0.2.20", "domain": "example.com", "subdomain": "mail"})
    call("POST", "/v3/whitelabel/ips", 201, json={"ip": "192.0.2.11", "domain": "example.com"})
    call("POST", "/v3/whitelabel/ips", 400, json={"ip": "192.0.2.20", "domain": "example.com"})
    call("GET", "/v3/whitelabel/ips", 200, params={"limit": 2, "offset": 1, "ip": "192.0.2."})
    call("GET", "/v3/whitelabel/ips", 200, session=emu.api_session(on_behalf_of="newsletter"))
    call("GET", f"/v3/whitelabel/ips/{record['id']}", 200, base=emu.eu_url)
    call("GET", "/v3/whitelabel/ips/999", 404)
    call("POST", f"/v3/whitelabel/ips/{record['id']}/validate", 200)
    emu.control("POST", "dns", json={record["a_record"]["host"]: "192.0.2.20"})
    call("POST", f"/v3/whitelabel/ips/{record['id']}/validate", 200)
    call("POST", "/v3/whitelabel/ips/999/validate", 404)
    call("DELETE", f"/v3/whitelabel/ips/{record['id']}", 204)
    call("DELETE", f"/v3/whitelabel/ips/{record['id']}", 404)
    # The EU host serves what is not global-only
    call("GET", "/v3/ips", 200, base=emu.eu_url)
    call("PUT", "/v3/subusers/eu-shop/ips", 200, base=emu.eu_url, json=["192.0.2.41"])
    # Partner IP provisioning: a partner account and its customer, added through the control API
    assert emu.control("POST", "accounts", json={"id": "sg-cust", "ips": [{"ip": "192.0.2.60"}]}).status_code == 200
    assert emu.control("POST", "accounts", json={"id": "partner", "api_key": "SG.partner",
                                                 "customers": ["sg-cust"]}).status_code == 200
    partner = emu.api_session("SG.partner")
    added = call("POST", "/v3/partners/accounts/sg-cust/ips", 201, session=partner, json={"count": 2, "region": "eu"})
    call("POST", "/v3/partners/accounts/sg-cust/ips", 400, session=partner, json={"count": 1, "region": "eu"})
    page = call("GET", "/v3/partners/accounts/sg-cust/ips", 200, session=partner, params={"limit": 2})
    call("GET", "/v3/partners/accounts/sg-cust/ips", 200, session=partner, params={"offset": page["pages"]["last"]})
    call("GET", "/v3/partners/accounts/nobody/ips", 404, session=partner)
    call("GET", "/v3/partners/accounts/sg-cust/ips", 403)                    # the main account is no partner
    call("DELETE", "/v3/partners/accounts/sg-cust/ips", 204, session=partner, json={"ips": added["ips"][:1]})
    call("DELETE", "/v3/partners/accounts/sg-cust/ips", 400, session=partner, json={"ips": ["192.0.2.99"]})
    call("GET", "/v3/ips", 200, session=emu.api_session("SG.partner", on_behalf_of="account-id sg-cust"))
    # Declared 401s (wrong key, so the request itself still carries a bearer token)
    for path in ("/v3/subusers", "/v3/send_ips/pools", "/v3/partners/accounts/sg-cust/ips"):
        response = api.get(emu.url + path, headers={"Authorization": "Bearer wrong"}, timeout=10)
        assert response.status_code == 401
    # Rate limit (undeclared 429), injected 500 after a write, dropped connection
    emu.control("POST", "rate_limits", json={"method": "GET", "path": "/v3/ips/pools", "limit": 1})
    call("GET", "/v3/ips/pools", 200)
    call("GET", "/v3/ips/pools", 429)
    emu.control("POST", "faults", json={"path": "/v3/send_ips/pools", "method": "POST", "status": 500,
                                        "when": "after"})
    call("POST", "/v3/send_ips/pools", 500, json={"name": "faulted pool"})
    emu.control("POST", "faults", json={"path": "/v3/ips/warmup", "method": "GET", "status": 307,
                                        "location": "https://elsewhere.example/v3/ips/warmup"})
    call("GET", "/v3/ips/warmup", 307)
    emu.control("POST", "faults", json={"path": "/v3/ips/remaining", "action": "drop"})
    with pytest.raises(Exception):
        api.get(emu.url + "/v3/ips/remaining", timeout=10)
    api.close()


def test_emulator_satisfies_the_contract_for_all_operations(
        tmp_path: Path, spec_path: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "emulator.jsonl"
    with EmulatorProcess(tmp_path, log=log) as emu:
        drive_every_operation(emu)
    spec_args = [arg for spec in spec_path for arg in ("--spec", str(spec))]
    code = validate_contract.main([*spec_args, "--log", str(log), "--require-operations", "all"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "operations exercised (request + declared response validated): 45/45" in out
    assert "undeclared error statuses (documented emulator choices, error shape checked): 400 x3, 404 x3, 429 x1" \
        in out
    assert "injected-fault responses (error shape checked): 2; dropped connections: 1" in out
    hosts = {json.loads(line)["host"] for line in log.read_text().splitlines()}
    assert hosts == {"global", "eu"}


def test_the_emulators_refusals_on_the_eu_host_are_flagged(tmp_path: Path, spec_path: list[Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The emulator refuses a global-only operation on the EU host; the validator flags the request."""
    log = tmp_path / "emulator.jsonl"
    with EmulatorProcess(tmp_path, log=log) as emu:
        response = emu.api_session().get(emu.eu_url + "/v3/ips/assigned", timeout=10)
        assert response.status_code == 404
    spec_args = [arg for spec in spec_path for arg in ("--spec", str(spec))]
    assert validate_contract.main([*spec_args, "--log", str(log)]) == 1
    assert "ListAssignedIp is served only by https://api.sendgrid.com" in capsys.readouterr().out
