"""Tests of the SendGrid emulator itself (run: python -m pytest tests/emulator -q)."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import ALL_DEMO_IPS, Api, add_fault, ip_state
from emulator_process import EMULATOR_SCRIPT, EmulatorProcess

TOO_MANY = {"errors": [{"field": None, "message": "too many requests"}]}


def pool_names(emulator: EmulatorProcess) -> list[str]:
    return [p["name"] for p in emulator.state()["pools"]]


# ---------------------------------------------------------------------------
# Auth, routing, bodies
# ---------------------------------------------------------------------------


def test_auth_is_required_with_sendgrid_error_bodies(api: Api) -> None:
    missing = requests.get(api.emulator.url + "/v3/ips", timeout=10)
    wrong = requests.get(api.emulator.url + "/v3/send_ips/ips", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert missing.status_code == 401
    assert missing.json() == {"errors": [{"field": None, "message": "authorization required"}]}
    # /v3/send_ips declares 401 with a string-typed field, so the emulator sends "" there.
    assert wrong.status_code == 401
    assert wrong.json() == {"errors": [{"field": "", "message": "authorization required"}]}
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(wrong.headers)
    assert api.get("/v3/ips").status_code == 200


def test_unknown_path_wrong_method_and_malformed_json(api: Api) -> None:
    unknown = api.get("/v3/nothing/here")
    assert (unknown.status_code, unknown.json()) == (404, {"errors": [{"field": None, "message": "resource not found"}]})
    wrong_method = api("DELETE", "/v3/ips")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"errors": [{"field": None, "message": "method not allowed"}]}
    assert set(wrong_method.headers["Allow"].split(", ")) == {"GET", "POST"}
    malformed = api("POST", "/v3/send_ips/pools", data=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json() == {"errors": [{"field": "", "message": "failed to parse the request body as a JSON "
                                                                    "payload"}]}


def test_connections_are_kept_alive(api: Api) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", api.emulator.port, timeout=10)
    headers = {"Authorization": f"Bearer {api.emulator.api_key}"}
    connection.request("GET", "/v3/ips/pools", headers=headers)
    first = connection.getresponse()
    first.read()
    socket_used = connection.sock
    connection.request("GET", "/v3/subusers", headers=headers)
    second = connection.getresponse()
    second.read()
    assert (first.status, second.status) == (200, 200)
    assert connection.sock is socket_used and socket_used is not None
    connection.close()


# ---------------------------------------------------------------------------
# Pagination
# ---------------------------------------------------------------------------


def test_offset_pagination_stops_on_short_page(api: Api) -> None:
    seen, pages, offset = [], 0, 0
    while True:
        page = api.get("/v3/ips", limit=4, offset=offset).json()
        pages += 1
        seen += [item["ip"] for item in page]
        if len(page) < 4:
            break
        offset += 4
    assert (pages, seen) == (3, ALL_DEMO_IPS)
    assert [i["ip"] for i in api.get("/v3/ips", limit=100, sort_by_direction="desc").json()] == ALL_DEMO_IPS[::-1]
    assert len(api.get("/v3/ips").json()) == 9          # default limit 10
    assert api.get("/v3/ips", limit=0).status_code == 400


def test_legacy_ip_list_filters_and_fields(api: Api) -> None:
    by_ip = {i["ip"]: i for i in api.get("/v3/ips", limit=50).json()}
    assert by_ip["192.0.2.10"]["rdns"] == "o1.mail.example.com" and by_ip["192.0.2.10"]["whitelabeled"]
    assert "rdns" not in by_ip["192.0.2.11"]
    assert by_ip["192.0.2.21"]["warmup"] is True and by_ip["192.0.2.21"]["start_date"] == 1735689600
    assert all("assigned_at" in item for item in by_ip.values())
    assert [i["ip"] for i in api.get("/v3/ips", subuser="newsletter").json()] == ["192.0.2.20", "192.0.2.21"]
    assert [i["ip"] for i in api.get("/v3/ips", ip="192.0.2.3").json()] == ["192.0.2.30", "192.0.2.31", "192.0.2.32"]
    assert "192.0.2.10" not in [i["ip"] for i in api.get("/v3/ips", exclude_whitelabels="true", limit=50).json()]
    subusers = api.get("/v3/subusers", include_region="true", region="eu").json()
    assert subusers == [{"disabled": False, "id": 1005, "username": "eu-shop", "email": "eu-shop@example.com",
                         "region": "eu"}]
    assert "region" not in api.get("/v3/subusers", username="shop-eu").json()[0]


def walk_cursor(api: Api, path: str, limit: int) -> tuple[list[Any], int, dict[str, Any]]:
    items: list[Any] = []
    params: dict[str, Any] = {"limit": limit}
    pages = 0
    while True:
        body = api.get(path, **params).json()
        pages += 1
        items += body["result"]
        next_params = body["_metadata"]["next_params"]
        if next_params["after_key"] is None:
            return items, pages, next_params
        params["after_key"] = next_params["after_key"]


def test_cursor_pagination_walks_every_page(api: Api) -> None:
    items, pages, last = walk_cursor(api, "/v3/send_ips/ips", limit=2)
    assert [i["ip"] for i in items] == ALL_DEMO_IPS and pages == 5
    assert last["limit"] == "2" and last["before_key"] is not None
    previous = api.get("/v3/send_ips/ips", limit=2, before_key=last["before_key"]).json()["result"]
    assert [i["ip"] for i in previous] == ["192.0.2.32", "192.0.2.40"]
    pools, pool_pages = walk_cursor(api, "/v3/send_ips/pools", limit=1)[:2]
    assert [p["name"] for p in pools] == ["transactional", "marketing"] and pool_pages == 2

    ids = ["1001", "1002", "1003", "1004"]
    added = api("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd", json={"subusers": ids})
    assert added.json() == {"ip": "192.0.2.31", "subusers": ids}
    subusers, subuser_pages = walk_cursor(api, "/v3/send_ips/ips/192.0.2.31/subusers", limit=3)[:2]
    assert subusers == ids and subuser_pages == 2


def test_cursor_filters_and_spec_error_messages(api: Api) -> None:
    eu = api.get("/v3/send_ips/ips", region="eu", include_region="true").json()
    assert [(i["ip"], i["region"]) for i in eu["result"]] == [("192.0.2.41", "eu")]
    assert eu["_metadata"]["next_params"]["region"] == "eu"
    in_pool = api.get("/v3/send_ips/ips", pool="1").json()["result"]
    assert [i["ip"] for i in in_pool] == ["192.0.2.10", "192.0.2.11"]
    owned = api.get("/v3/send_ips/ips", is_leased="false").json()["result"]
    assert [(i["ip"], i["is_enabled"]) for i in owned] == [("192.0.2.32", True)]

    def error(path: str, **params: Any) -> Any:
        response = api.get(path, **params)
        assert response.status_code == 400
        return response.json()["errors"][0]

    assert error("/v3/send_ips/pools", limit=101) == {"field": "limit", "message": "should be > 0 and <= 100"}
    assert error("/v3/send_ips/pools/1/ips", limit=0) == {"field": "limit", "message": "should be > 0 and <= 100"}
    assert error("/v3/send_ips/ips", limit=5001) == {"field": "limit", "message": "should be > 0 and \u2264 5000"}
    assert error("/v3/send_ips/ips", pool="1", is_parent_assigned="true") == {
        "field": "pool", "message": "cannot be used with \u2018is_parent_assigned\u2019"}
    assert error("/v3/send_ips/ips", after_key="x") == {"field": "after_key", "message": "must be a numeric value"}
    both_keys = error("/v3/send_ips/ips", after_key="1", before_key="2")
    assert both_keys == {"field": "after_key", "message": "cannot be used with \u2018before_key\u2019"}
    assert error("/v3/send_ips/ips", pool="99") == {"field": "pool", "message": "not found"}
    assert error("/v3/send_ips/ips", is_leased="yes") == {"field": "is_leased",
                                                          "message": "must be one of the following: true, false"}


# ---------------------------------------------------------------------------
# Faults and rate limits
# ---------------------------------------------------------------------------


def test_fault_status_before_changes_nothing(api: Api) -> None:
    fault = add_fault(api.emulator, method="POST", path="/v3/ips/pools", status=503, when="before")
    response = api("POST", "/v3/ips/pools", json={"name": "blocked"})
    assert response.status_code == 503
    assert response.json() == {"errors": [{"field": None, "message": "internal server error"}]}
    assert "blocked" not in pool_names(api.emulator)
    entry = api.emulator.requests_log()[-1]
    assert entry["fault"]["id"] == fault["id"] and entry["status"] == 503
    assert api.emulator.control("GET", "faults").json() == []
    assert api("POST", "/v3/ips/pools", json={"name": "blocked"}).status_code == 200


def test_fault_status_after_applies_the_write(api: Api) -> None:
    add_fault(api.emulator, method="POST", path="/v3/send_ips/pools", status=500, when="after")
    response = api("POST", "/v3/send_ips/pools", json={"name": "after-fault"})
    assert response.status_code == 500
    assert response.json() == {"errors": [{"field": "", "message": "internal server error"}]}
    assert "after-fault" in pool_names(api.emulator)


@pytest.mark.parametrize("when, applied", [("before", False), ("after", True)])
def test_fault_drop_closes_the_connection(api: Api, when: str, applied: bool) -> None:
    add_fault(api.emulator, method="PATCH", path="/v3/send_ips/ips/*", action="drop", when=when)
    with pytest.raises(requests.ConnectionError):
        requests.patch(api.emulator.url + "/v3/send_ips/ips/192.0.2.31", json={"is_auto_warmup": True},
                       headers={"Authorization": f"Bearer {api.emulator.api_key}"}, timeout=10)
    assert ip_state(api.emulator, "192.0.2.31")["is_auto_warmup"] is applied
    entry = api.emulator.requests_log()[-1]
    assert entry["status"] is None and entry["response_body"] is None
    assert entry["fault"]["action"] == "drop" and entry["fault"]["when"] == when


def test_fault_prefix_count_and_extra_headers(api: Api) -> None:
    add_fault(api.emulator, method=None, path="/v3/send_ips/*", count=2, status=429,
              headers={"Retry-After": "1", "X-RateLimit-Reset": "3"})
    for _attempt in range(2):
        limited = api.get("/v3/send_ips/pools")
        assert limited.status_code == 429
        assert limited.json() == {"errors": [{"field": "", "message": "too many requests"}]}
        assert (limited.headers["Retry-After"], limited.headers["X-RateLimit-Reset"]) == ("1", "3")
    assert api.get("/v3/send_ips/pools").status_code == 200
    add_fault(api.emulator, path="/v3/ips", status=502, body={"errors": [{"field": None, "message": "bad gateway"}]})
    assert api.emulator.control("GET", "faults").json()[0]["remaining"] == 1
    assert api.emulator.control("DELETE", "faults").status_code == 200
    assert api.get("/v3/ips").status_code == 200
    assert api.emulator.control("POST", "faults", json={"path": "/v3/ips", "stauts": 500}).status_code == 400


@pytest.mark.parametrize("reset_form", ["epoch", "delta"])
def test_rate_limit_429_for_the_rest_of_the_window(api: Api, reset_form: str) -> None:
    rule = {"method": "GET", "path": "/v3/ips/pools", "limit": 2, "window_seconds": 30, "reset_form": reset_form}
    assert api.emulator.control("POST", "rate_limits", json=rule).status_code == 200
    remaining = [api.get("/v3/ips/pools").headers["X-RateLimit-Remaining"] for _attempt in range(2)]
    limited = api.get("/v3/ips/pools")
    assert remaining == ["1", "0"]
    assert limited.status_code == 429 and limited.json() == TOO_MANY
    assert limited.headers["X-RateLimit-Limit"] == "2" and limited.headers["X-RateLimit-Remaining"] == "0"
    reset = int(limited.headers["X-RateLimit-Reset"])
    if reset_form == "epoch":
        assert time.time() < reset <= time.time() + 31
    else:
        assert 0 < reset <= 30
    assert api.get("/v3/ips").headers["X-RateLimit-Limit"] == "10000"      # other endpoints unaffected
    assert api("POST", "/v3/ips/pools", json={"name": "other-method"}).status_code == 200
    assert api.emulator.control("DELETE", "rate_limits").status_code == 200
    assert api.get("/v3/ips/pools").status_code == 200


# ---------------------------------------------------------------------------
# Seeds and the control API
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed, message", [
    ({"ips": [{"ip": "192.0.2.1", "warmpu": True}]}, "warmpu"),
    ({"ips": [{"ip": "192.0.2.1", "subusers": ["ghost"]}]}, "unknown subuser 'ghost'"),
    ({"ips": [{"ip": "192.0.2.1"}, {"ip": "192.0.2.1"}]}, "duplicate ip"),
    ({"subusers": [{"username": "a", "id": 1}, {"username": "b", "id": 1}]}, "duplicate id"),
    ({"pools": [{"name": "p1", "id": "1"}], "ips": [{"ip": "192.0.2.1", "pools": ["p2"]}]}, "unknown pool 'p2'"),
    ({"subusers": [{"username": "e", "id": 1, "region": "eu"}], "ips": [{"ip": "192.0.2.1", "subusers": ["e"]}]},
     "region"),
    ({"ips": [{"ip": "192.0.2.1", "is_enabled": True}]}, "is_enabled"),
    ({"ipz": []}, "ipz"),
])
def test_reset_rejects_invalid_seed_and_keeps_state(api: Api, seed: dict[str, Any], message: str) -> None:
    api("POST", "/v3/ips/pools", json={"name": "keep-me"})
    before = api.emulator.state()
    response = api.emulator.control("POST", "reset", json=seed)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert api.emulator.state() == before


def test_state_round_trips_through_reset(api: Api) -> None:
    api("PUT", "/v3/subusers/shop-eu/ips", json=["192.0.2.10", "192.0.2.31"])
    state = api.emulator.state()
    api.emulator.reset(state)
    assert api.emulator.state() == state
    assert api.emulator.control("GET", "health").status_code == 200


def test_cli_refuses_an_invalid_seed(tmp_path: Path) -> None:
    seed = tmp_path / "bad.json"
    seed.write_text(json.dumps({"subusers": [{"username": "x", "id": 1, "emial": "x@example.com"}]}))
    result = subprocess.run([sys.executable, str(EMULATOR_SCRIPT), "--api-key", "k", "--seed", str(seed),
                             "--port-file", str(tmp_path / "port")], capture_output=True, text=True, timeout=20,
                            check=False)
    assert result.returncode != 0
    assert "emial" in result.stderr
    assert not (tmp_path / "port").exists()


@pytest.mark.parametrize("sig", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")])
def test_process_exits_cleanly_and_honours_latency(tmp_path: Path, sig: int) -> None:
    emulator = EmulatorProcess(tmp_path, latency_ms=150).start()
    try:
        client = Api(emulator)
        started = time.monotonic()
        assert client.get("/v3/ips/remaining").json() == {
            "results": [{"remaining": 2, "period": "month", "price_per_ip": 20}]}
        assert time.monotonic() - started >= 0.15
        started = time.monotonic()
        assert emulator.control("GET", "health").status_code == 200
        assert time.monotonic() - started < 0.15                       # control calls have no latency
        client.close()
    finally:
        assert emulator.stop(sig) == 0
    assert not emulator.port_file.exists()


# ---------------------------------------------------------------------------
# Endpoint behaviour
# ---------------------------------------------------------------------------


def test_pool_names_with_spaces_are_percent_decoded(api: Api) -> None:
    assert api("POST", "/v3/ips/pools", json={"name": "Test Pool"}).json() == {"name": "Test Pool"}
    added = api("POST", "/v3/ips/pools/Test%20Pool/ips", json={"ip": "192.0.2.31"})
    assert added.status_code == 201
    assert added.json() == {"ip": "192.0.2.31", "pools": ["Test Pool"], "start_date": 0, "warmup": False}
    assert api.get("/v3/ips/pools/Test%20Pool").json() == {"pool_name": "Test Pool", "ips": ["192.0.2.31"]}
    assert api("PUT", "/v3/ips/pools/Test%20Pool", json={"name": "Renamed Pool"}).json() == {"name": "Renamed Pool"}
    assert api("DELETE", "/v3/ips/pools/Renamed%20Pool/ips/192.0.2.31").status_code == 204
    assert api("DELETE", "/v3/ips/pools/Renamed%20Pool").status_code == 204
    gone = api("DELETE", "/v3/ips/pools/Renamed%20Pool")
    assert (gone.status_code, gone.json()) == (404, {"error": "Unable to locate specified IPs Pool"})
    missing = api.get("/v3/ips/pools/Renamed%20Pool")
    assert missing.json() == {"errors": [{"field": "error", "message": "Unable to locate specified IPs Pool"}]}
    assert "/v3/ips/pools/Test%20Pool/ips" in [e["path"] for e in api.emulator.requests_log()]


def test_put_subuser_ips_replaces_and_refuses_empty(api: Api) -> None:
    empty = api("PUT", "/v3/subusers/shop-eu/ips", json=[])
    assert empty.status_code == 400
    assert empty.json() == {"errors": [{"field": "ips", "message": "at least one ip address is required"}]}
    assert ip_state(api.emulator, "192.0.2.10")["subusers"] == ["shop-eu"]

    replaced = api("PUT", "/v3/subusers/shop-eu/ips", json=["192.0.2.31", "192.0.2.11"])
    assert replaced.json() == {"ips": ["192.0.2.11", "192.0.2.31"]}
    assert [i["ip"] for i in api.get("/v3/ips", subuser="shop-eu").json()] == ["192.0.2.11", "192.0.2.31"]
    assert ip_state(api.emulator, "192.0.2.10")["updated_at"] is not None

    assert api("PUT", "/v3/subusers/shop-eu/ips", json=["not-an-ip"]).status_code == 400
    unknown = api("PUT", "/v3/subusers/shop-eu/ips", json=["192.0.2.99"])
    assert unknown.status_code == 400 and "192.0.2.99" in unknown.json()["errors"][0]["message"]
    assert api("PUT", "/v3/subusers/shop-eu/ips", json=["192.0.2.41"]).status_code == 400    # eu IP
    assert api("PUT", "/v3/subusers/nobody/ips", json=["192.0.2.31"]).status_code == 404


def test_send_ips_batches_are_all_or_nothing(api: Api) -> None:
    bad_ids = api("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd", json={"subusers": ["1002", "9999"]})
    assert bad_ids.json() == {"errors": [{"field": "subusers", "message": "unverified subusers: 9999"}]}
    assert ip_state(api.emulator, "192.0.2.31")["subusers"] == []
    too_many = api("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd",
                   json={"subusers": [str(n) for n in range(1001)]})
    assert too_many.json()["errors"][0]["message"] == "cannot assign more than 1000 subusers per call"
    bad_ip = api("POST", "/v3/send_ips/pools/2/ips:batchAdd", json={"ips": ["192.0.2.31", "192.0.2.99"]})
    assert bad_ip.json() == {"errors": [{"field": "ips",
                                         "message": "unable to verify IPs assignability: 192.0.2.99"}]}
    assert ip_state(api.emulator, "192.0.2.31")["pools"] == []
    not_member = api("POST", "/v3/send_ips/pools/2/ips:batchDelete", json={"ips": ["192.0.2.20", "192.0.2.10"]})
    assert not_member.json()["errors"][0]["message"] == "not found in pool \u2018marketing\u2019: 192.0.2.10"
    assert ip_state(api.emulator, "192.0.2.20")["pools"] == ["marketing"]
    for name, message in [("marketing", "already exists"), (".hidden", "cannot start with a dot or a space"),
                          ("x", "needs to be between 2 to 64 characters long")]:
        response = api("POST", "/v3/send_ips/pools", json={"name": name})
        assert response.json() == {"errors": [{"field": "name", "message": message}]}


def test_patch_ip_rules(api: Api) -> None:
    empty = api("PATCH", "/v3/send_ips/ips/192.0.2.31", json={})
    assert empty.json() == {"errors": [{"field": "", "message": "at least one of the following is required: "
                                                                "is_enabled, is_auto_warmup, is_parent_assigned"}]}
    leased = api("PATCH", "/v3/send_ips/ips/192.0.2.31", json={"is_enabled": False})
    assert leased.status_code == 400 and leased.json()["errors"][0]["field"] == "is_enabled"
    owned = api("PATCH", "/v3/send_ips/ips/192.0.2.32", json={"is_enabled": False, "is_auto_warmup": True})
    assert owned.json() == {"ip": "192.0.2.32", "is_auto_warmup": True, "is_parent_assigned": True}
    detail = api.get("/v3/send_ips/ips/192.0.2.32").json()
    assert detail["is_enabled"] is False and detail["updated_at"] is not None
    assert api.get("/v3/send_ips/ips/999.1.1.1").json() == {"errors": [{"field": "ip",
                                                                        "message": "invalid IP address"}]}


def test_warmup_is_reflected_in_ip_list(api: Api) -> None:
    started = api("POST", "/v3/ips/warmup", json={"ip": "192.0.2.31"})
    assert started.status_code == 200 and started.json()[0]["ip"] == "192.0.2.31"
    listed = api.get("/v3/ips", ip="192.0.2.31").json()[0]
    assert listed["warmup"] is True and listed["start_date"] == started.json()[0]["start_date"]
    assert [w["ip"] for w in api.get("/v3/ips/warmup").json()] == ["192.0.2.21", "192.0.2.31"]
    assert api.get("/v3/ips/warmup/192.0.2.31").json() == started.json()
    assert api("DELETE", "/v3/ips/warmup/192.0.2.31").status_code == 204
    assert api.get("/v3/ips", ip="192.0.2.31").json()[0]["warmup"] is False
    assert api.get("/v3/ips/warmup/192.0.2.31").status_code == 404
    assert api("DELETE", "/v3/ips/warmup/192.0.2.31").status_code == 404


def test_request_log_entries(api: Api) -> None:
    api.emulator.control("DELETE", "requests")
    api("POST", "/v3/send_ips/pools", params={"x": ["1", "2"]}, json={"name": "logged", "ips": ["192.0.2.31"]})
    [entry] = api.emulator.requests_log()
    assert entry["method"] == "POST" and entry["path"] == "/v3/send_ips/pools"
    assert entry["query"] == {"x": ["1", "2"]}
    assert entry["headers"]["Authorization"] == "Bearer ***"
    assert entry["body"] == {"name": "logged", "ips": ["192.0.2.31"]}
    assert entry["status"] == 201 and entry["response_body"]["name"] == "logged"
    assert entry["response_headers"]["Content-Type"] == "application/json"
    assert entry["fault"] is None and entry["duration_ms"] >= 0 and entry["seq"] >= 1
    lines = [json.loads(line) for line in api.emulator.log.read_text().splitlines()]
    assert lines[-1] == entry                      # --log gets the same entry, one JSON line each
    assert api.emulator.control("DELETE", "requests").json() == {"ok": True}
    assert api.emulator.requests_log() == []
