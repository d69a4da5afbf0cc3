"""Subusers: /v3/subusers*."""

from __future__ import annotations

import json
from typing import Any

from ..calls import Call, offset_page
from ..constants import IP_REGION_FOR_SUBUSER_REGION
from ..errors import ApiError
from ..model import Account, IpRecord, Subuser, parse_ipv4
from ..routing import route
from .common import require_region_match


def subuser_view(subuser: Subuser, include_region: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"disabled": subuser.disabled, "id": subuser.id, "username": subuser.username,
                            "email": subuser.email}
    if include_region:
        view["region"] = subuser.region
    return view


def ips_for_subuser(account: Account, subuser: Subuser, values: Any) -> list[IpRecord]:
    """Validate a list of IPs to assign to ``subuser`` (PUT .../ips, POST /v3/subusers)."""
    if not isinstance(values, list):
        raise ApiError(400, "ips must be an array of IPv4 addresses", "ips")
    invalid = [json.dumps(v) if not isinstance(v, str) else v for v in values if parse_ipv4(v) is None]
    if invalid:
        raise ApiError(400, "invalid IPv4 address(es): " + ", ".join(invalid), "ips")
    unknown = [v for v in values if v not in account.ips]
    if unknown:
        raise ApiError(400, "IP address(es) not on this account: " + ", ".join(unknown), "ips")
    records = [account.ips[v] for v in dict.fromkeys(values)]
    require_region_match([subuser], [(r.ip, r.region) for r in records], "ips")
    return records


def assign_subuser_ips(account: Account, subuser: Subuser, records: list[IpRecord], now: int) -> None:
    """Replace the set of IPs ``subuser`` may send from."""
    wanted = {r.ip for r in records}
    for record in account.ips.values():
        if record.ip in wanted and subuser.username not in record.subusers:
            record.subusers.add(subuser.username)
            record.touch(now)
        elif record.ip not in wanted and subuser.username in record.subusers:
            record.subusers.discard(subuser.username)
            record.touch(now)


@route("GET", "/v3/subusers")
def list_subusers(account: Account, call: Call) -> tuple[int, Any]:
    username = call.arg("username")
    region = call.enum_arg("region", ("all", "global", "eu")) or "all"
    include_region = call.bool_arg("include_region") or False
    subusers = account.sorted_subusers()
    # Emulator choice: `username` is a prefix match, so clients must compare names exactly.
    if username:
        subusers = [s for s in subusers if s.username.startswith(username)]
    if region != "all":
        subusers = [s for s in subusers if s.region == region]
    return 200, [subuser_view(s, include_region) for s in offset_page(subusers, call)]


@route("POST", "/v3/subusers")
def create_subuser(account: Account, call: Call) -> tuple[int, Any]:
    body = call.json_object()
    for name in ("username", "email", "password"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise ApiError(400, f"{name} is required", name)
    if "ips" not in body:
        raise ApiError(400, "ips is required", "ips")
    username, email = body["username"], body["email"]
    if "@" not in email:
        raise ApiError(400, "email is invalid", "email")
    if username in account.subusers:
        raise ApiError(400, "username exists", "username")          # spec example
    region = body.get("region", "global")
    if region not in IP_REGION_FOR_SUBUSER_REGION:
        raise ApiError(400, "must be one of the following: global, eu", "region")
    include_region = body.get("include_region", False)
    if not isinstance(include_region, bool):
        raise ApiError(400, "include_region must be a boolean", "include_region")
    subuser = Subuser(username=username, id=account.next_subuser_id(), email=email, region=region)
    records = ips_for_subuser(account, subuser, body["ips"])
    account.subusers[username] = subuser
    assign_subuser_ips(account, subuser, records, call.now)
    response: dict[str, Any] = {"username": username, "user_id": subuser.id, "email": email,
                                "credit_allocation": {"type": "unlimited"}}
    if include_region:
        response["region"] = region
    return 200, response


@route("PATCH", "/v3/subusers/{subuser_name}")
def update_subuser(account: Account, call: Call) -> tuple[int, Any]:
    subuser = account.subusers.get(call.params["subuser_name"])
    if subuser is None:
        raise ApiError(400, "invalid username")                       # spec example (400, not 404)
    body = call.json_object()
    if "disabled" not in body:
        raise ApiError(400, "no fields provided")                     # spec example
    if not isinstance(body["disabled"], bool):
        raise ApiError(400, "disabled must be a boolean", "disabled")
    subuser.disabled = body["disabled"]
    return 204, None


@route("PUT", "/v3/subusers/{subuser_name}/ips")
def replace_subuser_ips(account: Account, call: Call) -> tuple[int, Any]:
    subuser = account.subusers.get(call.params["subuser_name"])
    if subuser is None:
        # Emulator choice: the spec declares only 200/401 here; an unknown subuser is a 404.
        raise ApiError(404, "subuser not found")
    if isinstance(call.body, list) and not call.body:
        # Emulator choice: refuse an empty set, as Web API v2 did (it required >= 1 IP);
        # what real v3 does with [] is unverified.
        raise ApiError(400, "at least one ip address is required", "ips")
    records = ips_for_subuser(account, subuser, call.body)
    assign_subuser_ips(account, subuser, records, call.now)
    return 200, {"ips": [r.ip for r in account.ips_of_subuser(subuser.username)]}
