"""The operations of ip-lifecycle-endpoints.json and the lifecycle rules (issue 8): reverse DNS,
buying IPs, creating and deleting subusers, reputations, partner IP provisioning."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api, error_of, ip_state
from emulator_process import EmulatorProcess, demo_seed

SUBUSER = {"username": "new-brand", "email": "ops@new-brand.example", "password": "correct-horse-battery",
           "ips": ["192.0.2.31"]}


# ---------------------------------------------------------------------------
# Reverse DNS
# ---------------------------------------------------------------------------


def test_reverse_dns_set_up_validate_and_delete(api: Api) -> None:
    created = api("POST", "/v3/whitelabel/ips", json={"ip": "192.0.2.20", "domain": "Example.com",
                                                      "subdomain": "mail"})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["a_record"] == {"valid": False, "type": "a", "host": "o2.mail.example.com", "data": "192.0.2.20"}
    assert (record["rdns"], record["valid"], record["legacy"]) == ("o2.mail.example.com", False, False)
    assert record["users"] == [{"username": "newsletter", "user_id": 1002}]
    listed = api.get("/v3/ips", ip="192.0.2.20").json()[0]
    assert (listed["rdns"], listed["whitelabeled"]) == ("o2.mail.example.com", False)

    failed = api("POST", f"/v3/whitelabel/ips/{record['id']}/validate").json()
    assert failed["valid"] is False and "no such host" in failed["validation_results"]["a_record"]["reason"]
    # The test puts the A record in place; now validation succeeds.
    zone = api.emulator.control("POST", "dns", json={"o2.mail.example.com": "192.0.2.20"})
    assert zone.status_code == 200, zone.text
    passed = api("POST", f"/v3/whitelabel/ips/{record['id']}/validate").json()
    assert passed == {"id": record["id"], "valid": True,
                      "validation_results": {"a_record": {"valid": True, "reason": None}}}
    fetched = api.get(f"/v3/whitelabel/ips/{record['id']}").json()
    assert fetched["valid"] is True and fetched["a_record"]["valid"] is True
    assert "last_validation_attempt_at" in fetched
    assert api.get("/v3/ips", ip="192.0.2.20").json()[0]["whitelabeled"] is True
    # A record that points elsewhere fails validation again.
    api.emulator.control("POST", "dns", json={"o2.mail.example.com": "192.0.2.99"})
    again = api("POST", f"/v3/whitelabel/ips/{record['id']}/validate").json()
    assert again["valid"] is False and "192.0.2.99" in again["validation_results"]["a_record"]["reason"]

    assert api("DELETE", f"/v3/whitelabel/ips/{record['id']}").status_code == 204
    assert error_of(api.get(f"/v3/whitelabel/ips/{record['id']}"), 404)["message"] == "Reverse DNS record not found."
    assert error_of(api("DELETE", f"/v3/whitelabel/ips/{record['id']}"), 404)
    assert error_of(api("POST", f"/v3/whitelabel/ips/{record['id']}/validate"), 404)
    assert "rdns" not in api.get("/v3/ips", ip="192.0.2.20").json()[0]


def test_reverse_dns_of_the_seed_and_listing(api: Api) -> None:
    # demo.json gives 192.0.2.10 rdns o1.mail.example.com, whitelabeled: a valid record, its A record in the zone.
    [seeded] = api.get("/v3/whitelabel/ips").json()
    assert (seeded["ip"], seeded["rdns"], seeded["valid"], seeded["domain"], seeded["subdomain"]) == \
        ("192.0.2.10", "o1.mail.example.com", True, "example.com", "mail")
    assert api.emulator.control("GET", "dns").json() == {"o1.mail.example.com": "192.0.2.10"}
    for ip in ("192.0.2.11", "192.0.2.31", "192.0.2.40"):
        assert api("POST", "/v3/whitelabel/ips", json={"ip": ip, "domain": "example.com"}).status_code == 201
    assert [r["ip"] for r in api.get("/v3/whitelabel/ips", ip="192.0.2.1").json()] == ["192.0.2.10", "192.0.2.11"]
    assert [r["ip"] for r in api.get("/v3/whitelabel/ips", limit=2, offset=2).json()] == ["192.0.2.31", "192.0.2.40"]
    assert [r["rdns"] for r in api.get("/v3/whitelabel/ips", limit=3, offset=1).json()] == \
        ["o1.example.com", "o2.example.com", "o3.example.com"]
    assert "subdomain" not in api.get("/v3/whitelabel/ips", limit=1, offset=1).json()[0]


@pytest.mark.parametrize("body, field", [
    ({"domain": "example.com"}, "ip"),
    ({"ip": "192.0.2.99", "domain": "example.com"}, "ip"),                  # not on the account
    ({"ip": "192.0.2.10", "domain": "example.com"}, "ip"),                  # has a record already
    ({"ip": "192.0.2.31"}, "domain"),
    ({"ip": "192.0.2.31", "domain": "bad domain"}, "domain"),
    ({"ip": "192.0.2.31", "domain": "example.com", "subdomain": "a.b"}, "subdomain"),
])
def test_reverse_dns_set_up_errors(api: Api, body: dict[str, Any], field: str) -> None:
    assert error_of(api("POST", "/v3/whitelabel/ips", json=body))["field"] == field
    assert len(api.get("/v3/whitelabel/ips").json()) == 1


# ---------------------------------------------------------------------------
# Buying IPs
# ---------------------------------------------------------------------------


def remaining(api: Api) -> int:
    return api.get("/v3/ips/remaining").json()["results"][0]["remaining"]


def test_buying_ips_uses_up_the_remaining_count(api: Api) -> None:
    seed = demo_seed()
    seed.update(remaining_ips=3, price_per_ip=35.5)
    api.emulator.reset(seed)
    assert api.get("/v3/ips/remaining").json()["results"][0]["price_per_ip"] == 35.5
    bought = api("POST", "/v3/ips", json={"count": 2, "subusers": ["shop-eu"]}).json()
    assert bought["remaining_ips"] == 1 and remaining(api) == 1
    assert [i["ip"] for i in bought["ips"]] == ["198.51.100.10", "198.51.100.11"]
    added = api("POST", "/v3/send_ips/ips", json={"is_auto_warmup": False, "is_parent_assigned": True,
                                                  "region": "eu", "subusers": ["1005"]})
    assert added.status_code == 201 and added.json()["ip"] == "203.0.113.10" and remaining(api) == 0
    before = api.emulator.state()
    assert error_of(api("POST", "/v3/ips", json={"count": 1}))["field"] == "count"
    assert error_of(api("POST", "/v3/send_ips/ips", json={"is_auto_warmup": False, "is_parent_assigned": True}))[
        "message"] == "No IPs remaining"
    assert api.emulator.state() == before


# ---------------------------------------------------------------------------
# Subusers: create, delete, reputations
# ---------------------------------------------------------------------------


def test_create_subuser(api: Api) -> None:
    created = api("POST", "/v3/subusers", json={**SUBUSER, "include_region": True})
    assert created.status_code == 200, created.text
    assert created.json() == {"username": "new-brand", "user_id": 1006, "email": "ops@new-brand.example",
                              "credit_allocation": {"type": "unlimited"}, "region": "global"}
    assert ip_state(api.emulator, "192.0.2.31")["subusers"] == ["new-brand"]
    assert api.get("/v3/subusers", username="new-brand").json()[0]["id"] == 1006


@pytest.mark.parametrize("change, field, message", [
    ({"username": None}, "username", "username is required"),
    ({"email": None}, "email", "email is required"),
    ({"password": None}, "password", "password is required"),
    ({"ips": None}, "ips", "ips is required"),
    ({"username": "shop-eu"}, "username", "username exists"),
    ({"username": "has space"}, "username", None),
    ({"email": "not-an-email"}, "email", "email is invalid"),
    ({"email": "ops@localhost"}, "email", "email is invalid"),
    ({"password": "short"}, "password", None),
    ({"ips": []}, "ips", "at least one ip address is required"),
    ({"ips": ["192.0.2.99"]}, "ips", None),                                  # not on the account
    ({"ips": ["192.0.2.41"]}, "ips", None),                                  # an eu IP for a global subuser
    ({"region": "eu"}, "ips", None),                                         # a us IP for an eu subuser
    ({"region": "mars"}, "region", None),
])
def test_create_subuser_errors(api: Api, change: dict[str, Any], field: str, message: str | None) -> None:
    body = {k: v for k, v in {**SUBUSER, **change}.items() if v is not None}
    before = api.emulator.state()
    error = error_of(api("POST", "/v3/subusers", json=body))
    assert error["field"] == field and (message is None or error["message"] == message)
    assert api.emulator.state() == before


def test_delete_subuser_frees_its_ips(api: Api) -> None:
    assert api("POST", "/v3/whitelabel/ips", json={"ip": "192.0.2.20", "domain": "example.com"}).status_code == 201
    assert api("DELETE", "/v3/subusers/newsletter").status_code == 204
    assert ip_state(api.emulator, "192.0.2.20")["subusers"] == []
    assert ip_state(api.emulator, "192.0.2.21")["warmup"] is True                 # the IP itself stays as it was
    assert api.get("/v3/send_ips/ips/192.0.2.20/subusers").json()["result"] == []
    assert api.get("/v3/whitelabel/ips", ip="192.0.2.20").json()[0]["users"] == []
    assert api.get("/v3/subusers", username="newsletter").json() == []
    assert error_of(api("DELETE", "/v3/subusers/newsletter"))["message"] == "invalid username"


def test_reputations(api: Api) -> None:
    seed = demo_seed()
    seed["subusers"][1]["reputation"] = 87.5
    api.emulator.reset(seed)
    every = api.get("/v3/subusers/reputations").json()
    assert [r["username"] for r in every] == ["shop-eu", "newsletter", "transactional-us", "legacy-brand", "eu-shop"]
    assert every[1] == {"username": "newsletter", "reputation": 87.5} and every[0]["reputation"] == 100
    wanted = [("usernames", "eu-shop"), ("usernames", "nobody"), ("usernames", "newsletter")]
    some = api("GET", "/v3/subusers/reputations", params=wanted).json()
    assert [r["username"] for r in some] == ["eu-shop", "newsletter"]


# ---------------------------------------------------------------------------
# Partner IP provisioning
# ---------------------------------------------------------------------------

PARTNER_SEED = {"accounts": [
    {"id": "partner", "customers": ["sg-cust-1", "sg-cust-2"]},
    {"id": "sg-cust-1", "api_key": "SG.customer-1", "remaining_ips": 4,
     "ips": [{"ip": "192.0.2.50", "added_at": 1700000100}, {"ip": "192.0.2.51", "added_at": 1700000300},
             {"ip": "192.0.2.52", "added_at": 1700000200, "region": "eu"}]},
    {"id": "sg-cust-2"},
    {"id": "other", "api_key": "SG.other"},
]}


@pytest.fixture
def partner(emulator: EmulatorProcess) -> Api:
    emulator.reset(PARTNER_SEED)
    client = Api(emulator)
    yield client
    client.close()


def test_partner_lists_a_customers_ips_newest_first(partner: Api) -> None:
    page = partner.get("/v3/partners/accounts/sg-cust-1/ips", limit=2).json()
    assert page == {"result": [{"ip": "192.0.2.51", "region": "us"}, {"ip": "192.0.2.52", "region": "eu"}],
                    "pages": {"last": "192.0.2.52"}}
    rest = partner.get("/v3/partners/accounts/sg-cust-1/ips", limit=2, offset="192.0.2.52").json()
    assert rest == {"result": [{"ip": "192.0.2.50", "region": "us"}], "pages": {"last": "192.0.2.50"}}
    empty = partner.get("/v3/partners/accounts/sg-cust-1/ips", offset="192.0.2.50").json()
    assert empty == {"result": [], "pages": {}}
    assert error_of(partner.get("/v3/partners/accounts/sg-cust-1/ips", offset="192.0.2.99"))["field"] == "offset"
    assert partner.get("/v3/partners/accounts/sg-cust-2/ips").json() == {"result": [], "pages": {}}


def test_partner_adds_and_removes_a_customers_ips(partner: Api) -> None:
    added = partner("POST", "/v3/partners/accounts/sg-cust-1/ips", json={"count": 2, "region": "us"})
    assert added.status_code == 201, added.text
    new_ips = added.json()["ips"]
    assert added.json()["region"] == "us" and len(new_ips) == 2
    customer = Api(partner.emulator, api_key="SG.customer-1")
    assert set(new_ips) <= {i["ip"] for i in customer.get("/v3/ips", limit=100).json()}
    assert customer.get("/v3/ips/remaining").json()["results"][0]["remaining"] == 2
    as_customer = Api(partner.emulator, on_behalf_of="account-id sg-cust-1")
    assert {i["ip"] for i in as_customer.get("/v3/ips", limit=100).json()} == \
        {"192.0.2.50", "192.0.2.51", "192.0.2.52", *new_ips}
    assert error_of(partner("POST", "/v3/partners/accounts/sg-cust-1/ips",
                            json={"count": 3, "region": "eu"}))["field"] == "count"      # 2 remaining
    assert partner("DELETE", "/v3/partners/accounts/sg-cust-1/ips", json={"ips": new_ips}).status_code == 204
    assert not set(new_ips) & {i["ip"] for i in customer.get("/v3/ips", limit=100).json()}
    missing = error_of(partner("DELETE", "/v3/partners/accounts/sg-cust-1/ips", json={"ips": ["192.0.2.50",
                                                                                              new_ips[0]]}))
    assert missing["field"] == "ips" and missing["error_id"] and new_ips[0] in missing["message"]
    assert ip_state(partner.emulator, "192.0.2.50", account="sg-cust-1")            # all or nothing
    customer.close()
    as_customer.close()


@pytest.mark.parametrize("method, body", [
    ("POST", {"count": 0, "region": "us"}), ("POST", {"count": 11, "region": "us"}), ("POST", {"count": 1}),
    ("POST", {"count": 1, "region": "global"}), ("DELETE", {"ips": []}), ("DELETE", {"ips": ["x"]})])
def test_partner_body_errors(partner: Api, method: str, body: dict[str, Any]) -> None:
    error = error_of(partner(method, "/v3/partners/accounts/sg-cust-1/ips", json=body))
    assert set(error) == {"field", "message", "error_id"}


def test_partner_operations_need_a_partner_and_its_customer(partner: Api) -> None:
    assert error_of(partner.get("/v3/partners/accounts/other/ips"), 404)["message"] == "Account not found"
    other = Api(partner.emulator, api_key="SG.other")
    forbidden = error_of(other.get("/v3/partners/accounts/sg-cust-1/ips"), 403)
    assert forbidden == {"field": "", "message": "The authenticated user is not authorized to perform this request",
                         "error_id": "10-40300"}
    assert error_of(Api(partner.emulator, on_behalf_of="account-id other").get("/v3/ips"), 401)
    other.close()
