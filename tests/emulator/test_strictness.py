"""The emulator is at least as strict as the API (issue 7 section 6): each test failed on the
emulator before it was made strict (run them against an older build with SENDGRID_EMULATOR_SCRIPT)."""

from __future__ import annotations

import http.client
import ipaddress
import json
import threading
import time
from typing import Any

import pytest
import requests

from conftest import ALL_DEMO_IPS, Api, add_fault, error_of, ip_state
from emulator_process import EmulatorProcess, demo_seed


def many_ips_seed(ips: int, subusers: int = 0) -> dict[str, Any]:
    first = int(ipaddress.IPv4Address("10.1.0.1"))
    return {"subusers": [{"username": f"u{n:04d}", "id": 5000 + n} for n in range(subusers)],
            "ips": [{"ip": str(ipaddress.IPv4Address(first + n))} for n in range(ips)]}


def send_ips_listed(api: Api, **params: Any) -> list[str]:
    return [i["ip"] for i in api.get("/v3/send_ips/ips", limit=100, **params).json()["result"]]


def legacy_listed(api: Api) -> list[str]:
    return [i["ip"] for i in api.get("/v3/ips", limit=100).json()]


# ---------------------------------------------------------------------------
# The two IP listings can disagree
# ---------------------------------------------------------------------------


def test_send_ips_never_knows_an_ip_that_the_seed_says_it_lags(api: Api) -> None:
    seed = demo_seed()
    next(i for i in seed["ips"] if i["ip"] == "192.0.2.31")["send_ips_lag"] = "never"
    api.emulator.reset(seed)
    assert "192.0.2.31" in legacy_listed(api)
    assert "192.0.2.31" not in send_ips_listed(api)
    assert error_of(api.get("/v3/send_ips/ips/192.0.2.31")) == {"field": "ip", "message": "not found"}
    assert api.get("/v3/ips/192.0.2.31").status_code == 200
    assert ip_state(api.emulator, "192.0.2.31")["send_ips_lag"] == "never"


def test_send_ips_lags_by_a_number_of_requests(api: Api) -> None:
    response = api.emulator.control("POST", "options", params={"account": "main"},
                                    json={"send_ips_lag": {"192.0.2.31": {"requests": 2}, "192.0.2.40": "never"}})
    assert response.status_code == 200, response.text
    assert [("192.0.2.31" in send_ips_listed(api)) for _request in range(3)] == [False, False, True]
    assert "192.0.2.40" not in send_ips_listed(api)
    api.emulator.control("POST", "options", params={"account": "main"}, json={"send_ips_lag": {"192.0.2.40": None}})
    assert send_ips_listed(api) == ALL_DEMO_IPS


def test_send_ips_lags_until_a_time(api: Api) -> None:
    lags = {"192.0.2.31": {"until": int(time.time()) + 3600}, "192.0.2.32": {"until": int(time.time()) - 1}}
    assert api.emulator.control("POST", "options", params={"account": "main"},
                                json={"send_ips_lag": lags}).status_code == 200
    listed = send_ips_listed(api)
    assert "192.0.2.31" not in listed and "192.0.2.32" in listed
    bad = api.emulator.control("POST", "options", params={"account": "main"},
                               json={"send_ips_lag": {"192.0.2.99": "never"}})
    assert bad.status_code == 400 and "192.0.2.99" in bad.json()["error"]


# ---------------------------------------------------------------------------
# Cursors are opaque
# ---------------------------------------------------------------------------


def test_cursors_are_opaque_strings_that_only_this_list_accepts(api: Api) -> None:
    page = api.get("/v3/send_ips/ips", limit=2).json()
    after_key = page["_metadata"]["next_params"]["after_key"]
    last_ip = page["result"][-1]["ip"]
    assert isinstance(after_key, str) and after_key.isdigit()
    assert after_key != str(int(ipaddress.IPv4Address(last_ip)))            # not the IP as a number
    assert str(int(after_key)) != after_key                                   # an int round trip changes it
    following = api.get("/v3/send_ips/ips", limit=2, after_key=after_key).json()["result"]
    assert [i["ip"] for i in following] == ALL_DEMO_IPS[2:4]
    for derived in (str(int(after_key)), str(int(ipaddress.IPv4Address(last_ip))), "0"):
        assert error_of(api.get("/v3/send_ips/ips", limit=2, after_key=derived))["field"] == "after_key"
    # A cursor of another list is refused too, and pool and subuser lists use cursors, not ids.
    assert error_of(api.get("/v3/send_ips/pools", after_key=after_key))["field"] == "after_key"
    pools = api.get("/v3/send_ips/pools", limit=1).json()
    pool_cursor = pools["_metadata"]["next_params"]["after_key"]
    assert pool_cursor != pools["result"][0]["id"] and pool_cursor.startswith("0")
    api("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd", json={"subusers": ["1001", "1002"]})
    subusers = api.get("/v3/send_ips/ips/192.0.2.31/subusers", limit=1).json()
    assert subusers["_metadata"]["next_params"]["after_key"] not in ("1001", "1002", None)
    assert error_of(api.get("/v3/send_ips/ips/192.0.2.31/subusers", limit=1, after_key="1001"))["field"] == \
        "after_key"


# ---------------------------------------------------------------------------
# Page sizes: the spec's limits, and servers that serve fewer than asked
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path, params", [
    ("/v3/send_ips/ips", {"limit": 5001}),
    ("/v3/send_ips/ips", {"limit": 0}),
    ("/v3/send_ips/pools", {"limit": 101}),
    ("/v3/send_ips/pools/1/ips", {"limit": 101}),
    ("/v3/send_ips/ips/192.0.2.10/subusers", {"limit": 101}),
    ("/v3/ips", {"limit": 0}),
    ("/v3/ips", {"offset": -1}),
    ("/v3/subusers", {"limit": 0}),
    ("/v3/whitelabel/ips", {"limit": 0}),
    ("/v3/whitelabel/ips", {"offset": "x"}),
])
def test_every_page_size_limit_is_enforced(api: Api, path: str, params: dict[str, Any]) -> None:
    assert error_of(api.get(path, **params))["field"] in ("limit", "offset")


@pytest.mark.parametrize("limit", [0, 5001])
def test_partner_listing_limit_is_1_to_5000(emulator: EmulatorProcess, limit: int) -> None:
    emulator.reset({"accounts": [{"id": "partner", "customers": ["cust"]}, {"id": "cust", "ips": []}]})
    api = Api(emulator)
    assert error_of(api.get("/v3/partners/accounts/cust/ips", limit=limit))["field"] == "limit"
    assert api.get("/v3/partners/accounts/cust/ips", limit=5000).status_code == 200
    api.close()


def walk_offset(api: Api, path: str, limit: int, stop_on_short_page: bool) -> list[Any]:
    items: list[Any] = []
    while True:
        page = api.get(path, limit=limit, offset=len(items)).json()
        items += page
        if not page or (stop_on_short_page and len(page) < limit):
            return items


@pytest.mark.parametrize("path", ["/v3/ips", "/v3/subusers", "/v3/whitelabel/ips"])
def test_offset_lists_can_serve_fewer_than_asked(api: Api, path: str) -> None:
    seed = many_ips_seed(250, subusers=250)
    seed["reverse_dns"] = [{"id": n + 1, "ip": ip["ip"], "domain": "example.com", "subdomain": "mail",
                            "rdns": f"o{n + 1}.mail.example.com"} for n, ip in enumerate(seed["ips"])]
    api.emulator.reset(seed)
    response = api.emulator.control("POST", "options", json={"page_caps": {path: 100}})
    assert response.status_code == 200, response.text
    assert len(api.get(path, limit=500).json()) == 100
    assert len(walk_offset(api, path, 500, stop_on_short_page=True)) == 100      # the naive client loses 150
    assert len(walk_offset(api, path, 500, stop_on_short_page=False)) == 250
    api.emulator.control("POST", "options", json={"page_caps": {path: None}})
    assert len(api.get(path, limit=500).json()) == 250


@pytest.mark.parametrize("path", ["/v3/ips", "/v3/subusers"])
def test_offset_lists_can_refuse_a_limit_above_a_maximum(api: Api, path: str) -> None:
    api.emulator.reset(many_ips_seed(30, subusers=30))
    assert api.get(path, limit=10000).status_code == 200                        # no maximum by default
    response = api.emulator.control("POST", "options", json={"max_limits": {path: 20}})
    assert response.status_code == 200, response.text
    assert response.json()["options"]["main"]["max_limits"] == {path: 20}
    assert error_of(api.get(path, limit=21)) == {"field": "limit",
                                                 "message": "limit must be an integer >= 1 and <= 20"}
    assert len(api.get(path, limit=20, offset=0).json()) == 20
    api.emulator.control("POST", "options", json={"max_limits": {path: None}})
    assert api.get(path, limit=10000).status_code == 200


@pytest.mark.parametrize("body, problem", [
    ({"max_limits": {"/v3/ips": 0}}, "options.max_limits./v3/ips: expected an integer >= 1 or null, got 0"),
    ({"max_limits": {"/v3/send_ips/ips": 5}}, "options.max_limits: '/v3/send_ips/ips' is not a limit/offset list"),
    ({"max_limits": [500]}, "options.max_limits: expected an object {list path: cap}, got [500]"),
])
def test_max_limits_are_checked(api: Api, body: dict[str, Any], problem: str) -> None:
    response = api.emulator.control("POST", "options", json=body)
    assert response.status_code == 400 and problem in response.text, response.text


def test_subusers_serve_at_most_500_per_page_by_default(api: Api) -> None:
    api.emulator.reset(many_ips_seed(0, subusers=600))
    assert len(api.get("/v3/subusers", limit=1000).json()) == 500
    assert len(api.get("/v3/subusers", limit=1000, offset=500).json()) == 100


# ---------------------------------------------------------------------------
# The EU host
# ---------------------------------------------------------------------------

GLOBAL_ONLY = [
    ("POST", "/v3/ips", {"json": {"count": 1}}),
    ("GET", "/v3/ips/assigned", {}),
    ("GET", "/v3/ips/192.0.2.10", {}),
    ("POST", "/v3/send_ips/ips", {"json": {"is_auto_warmup": False, "is_parent_assigned": True}}),
    ("PATCH", "/v3/send_ips/ips/192.0.2.31", {"json": {"is_auto_warmup": True}}),
    ("GET", "/v3/send_ips/ips/192.0.2.10/subusers", {}),
    ("POST", "/v3/send_ips/ips/192.0.2.31/subusers:batchAdd", {"json": {"subusers": ["1001"]}}),
    ("POST", "/v3/send_ips/ips/192.0.2.10/subusers:batchDelete", {"json": {"subusers": ["1001"]}}),
]


@pytest.mark.parametrize("method, path, kwargs", GLOBAL_ONLY, ids=[f"{m} {p}" for m, p, _k in GLOBAL_ONLY])
def test_eu_host_refuses_global_only_operations(api: Api, method: str, path: str, kwargs: dict[str, Any]) -> None:
    eu = Api(api.emulator, eu=True)
    before = api.emulator.state()
    refused = eu(method, path, **kwargs)
    assert refused.status_code == 404, refused.text
    assert refused.json()["errors"][0]["message"] == "resource not found"
    assert api.emulator.state() == before
    assert api(method, path, **kwargs).status_code < 300                   # the global host serves it
    entries = api.emulator.requests_log()
    assert [e["host"] for e in entries[-2:]] == ["eu", "global"]
    eu.close()


def test_eu_host_serves_the_other_operations(api: Api) -> None:
    eu = Api(api.emulator, eu=True)
    assert [i["ip"] for i in eu.get("/v3/ips", limit=100).json()] == ALL_DEMO_IPS
    assert eu("PUT", "/v3/subusers/eu-shop/ips", json=["192.0.2.41"]).status_code == 200
    assert eu.get("/v3/send_ips/ips/192.0.2.41").status_code == 200
    assert api.emulator.control("GET", "health").json()["hosts"]["eu"] == api.emulator.eu_url
    eu.close()


# ---------------------------------------------------------------------------
# on-behalf-of
# ---------------------------------------------------------------------------


def test_on_behalf_of_a_subuser_sees_only_its_own_ips(api: Api) -> None:
    sub = Api(api.emulator, on_behalf_of="newsletter")
    own = sub.get("/v3/ips", limit=100).json()
    assert [(i["ip"], i["subusers"]) for i in own] == [("192.0.2.20", ["newsletter"]), ("192.0.2.21", ["newsletter"])]
    assert [i["ip"] for i in sub.get("/v3/send_ips/ips").json()["result"]] == ["192.0.2.20", "192.0.2.21"]
    assert sub.get("/v3/send_ips/ips/192.0.2.10").status_code == 400             # not its IP: not found
    assert [w["ip"] for w in sub.get("/v3/ips/warmup").json()] == ["192.0.2.21"]
    assert api.emulator.requests_log()[-1]["on_behalf_of"] == "newsletter"
    sub.close()


@pytest.mark.parametrize("method, path, kwargs", [
    ("GET", "/v3/subusers", {}),
    ("GET", "/v3/ips/192.0.2.20", {}),
    ("POST", "/v3/send_ips/pools", {"json": {"name": "mine"}}),
    ("PUT", "/v3/subusers/newsletter/ips", {"json": ["192.0.2.31"]}),
    ("POST", "/v3/ips/warmup", {"json": {"ip": "192.0.2.20"}}),
    ("POST", "/v3/whitelabel/ips", {"json": {"ip": "192.0.2.20", "domain": "example.com"}}),
])
def test_on_behalf_of_a_subuser_refuses_the_parents_operations(
        api: Api, method: str, path: str, kwargs: dict[str, Any]) -> None:
    sub = Api(api.emulator, on_behalf_of="newsletter")
    before = api.emulator.state()
    assert error_of(sub(method, path, **kwargs), 403)["message"] == "access forbidden"
    assert api.emulator.state() == before
    sub.close()


def test_on_behalf_of_an_unknown_name_is_refused(api: Api) -> None:
    for value in ("nobody", "account-id nowhere"):
        stranger = Api(api.emulator, on_behalf_of=value)
        assert error_of(stranger.get("/v3/ips"), 401)["message"].startswith("on-behalf-of:")
        stranger.close()


# ---------------------------------------------------------------------------
# Faults: redirects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("status, when, applied", [(302, "before", False), (307, "after", True)])
def test_fault_answers_with_a_redirect_and_its_location(api: Api, status: int, when: str, applied: bool) -> None:
    fault = add_fault(api.emulator, method="PUT", path="/v3/subusers/*", status=status, when=when,
                      location="https://attacker.example/v3/subusers/shop-eu/ips")
    response = api("PUT", "/v3/subusers/shop-eu/ips", json=["192.0.2.31"], allow_redirects=False)
    assert response.status_code == status
    assert response.headers["Location"] == "https://attacker.example/v3/subusers/shop-eu/ips"
    assert response.content == b""
    assert ("shop-eu" in ip_state(api.emulator, "192.0.2.31")["subusers"]) is applied
    entry = api.emulator.requests_log()[-1]
    assert entry["fault"]["id"] == fault["id"] and entry["response_headers"]["Location"].startswith("https://")
    bad = api.emulator.control("POST", "faults", json={"path": "/v3/ips", "status": 500, "location": "/x"})
    assert bad.status_code == 400


# ---------------------------------------------------------------------------
# The request log under load
# ---------------------------------------------------------------------------


def test_request_log_is_consistent_while_traffic_flows(api: Api) -> None:
    emulator = api.emulator
    emulator.reset(many_ips_seed(300, subusers=20))
    stop = threading.Event()
    errors: list[str] = []

    def traffic() -> None:
        client = Api(emulator)
        while not stop.is_set():
            client.get("/v3/ips", limit=100)
            client("PUT", "/v3/subusers/u0001/ips", json=["10.1.0.2"])
        client.close()

    workers = [threading.Thread(target=traffic) for _worker in range(3)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 3
        polls = 0
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
            connection.request("GET", "/_emulator/requests")
            response = connection.getresponse()
            body = response.read()
            connection.close()
            polls += 1
            if int(response.headers["Content-Length"]) != len(body):
                errors.append(f"Content-Length {response.headers['Content-Length']} but {len(body)} bytes")
                continue
            try:
                seqs = [e["seq"] for e in json.loads(body)]
            except ValueError as error:
                errors.append(f"not JSON: {error}")
                continue
            if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
                errors.append("seq numbers out of order")
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert polls > 5 and not errors, errors[:3]


def test_request_log_filters(api: Api) -> None:
    api.get("/v3/ips")
    first = api.emulator.requests_log()[-1]["seq"]
    Api(api.emulator, eu=True).get("/v3/ips")
    assert [e["host"] for e in api.emulator.requests_log(since=first)] == ["eu"]
    assert [e["seq"] for e in api.emulator.requests_log(host="global")] == [first]
    assert api.emulator.control("GET", "requests", params={"since": "x"}).status_code == 400
    requests.get(api.emulator.url + "/v3/ips", timeout=10)                       # no key: account null
    assert api.emulator.requests_log()[-1]["account"] is None
