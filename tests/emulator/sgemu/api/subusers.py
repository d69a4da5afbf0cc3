"""Subusers: /v3/subusers* (list, create, enable/disable, delete, their IPs, reputations)."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ..calls import Call, offset_page
from ..constants import IP_REGION_FOR_SUBUSER_REGION, MIN_PASSWORD_LENGTH
from ..errors import ApiError
from ..model import Account, IpRecord, Subuser, parse_ipv4
from ..routing import route
from .common import require_region_match

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
MAX_USERNAME_LENGTH = 64


def subuser_view(subuser: Subuser, include_region: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"disabled": subuser.disabled, "id": subuser.id, "username": subuser.username,
                            "email": subuser.email}
    if include_region:
        view["region"] = subuser.region
    return view


def ips_for_subuser(account: Account, subuser: Subuser, values: Any) -> list[IpRecord]:
    """Validate a list of IPs to assign to ``subuser`` (PUT .../ips, POST /v3/subusers).

    Emulator choice: the list must hold at least one IP, as Web API v2 required; what real
    v3 does with [] is unverified (ENDPOINTS.md section 11).
    """
    if not isinstance(values, list):
        raise ApiError(400, "ips must be an array of IPv4 addresses", "ips")
    if not values:
        raise ApiError(400, "at least one ip address is required", "ips")
    invalid = [json.dumps(v) if not isinstance(v, str) else v for v in values if parse_ipv4(v) is None]
    if invalid:
        raise ApiError(400, "invalid IPv4 address(es): " + ", ".join(invalid[:20]), "ips")
    unknown = [v for v in values if v not in account.ips]
    if unknown:
        raise ApiError(400, "IP address(es) not on this account: " + ", ".join(unknown[:20]), "ips")
    records = [account.ips[v] for v in dict.fromkeys(values)]
    require_region_match([subuser], [(r.ip, r.region) for r in records], "ips")
    return records


def assign_subuser_ips(account: Account, subuser: Subuser, records: list[IpRecord], now: int) -> None:
    """Replace the set of IPs ``subuser`` may send from."""
    wanted = {r.ip for r in records}
    for record in account.records(subuser.ips - wanted):
        account.unlink(record, subuser, now)
    for record in records:
        account.link(record, subuser, now)


@route("GET", "/v3/subusers", "ListSubuser")
def list_subusers(call: Call) -> tuple[int, Any]:
    username = call.arg("username")
    region = call.enum_arg("region", ("all", "global", "eu")) or "all"
    include_region = call.bool_arg("include_region") or False
    subusers = call.account.sorted_subusers()
    if username or region != "all":
        def matching() -> Iterator[Subuser]:
            # Emulator choice: `username` is a prefix match, so clients must compare names exactly.
            for subuser in subusers:
                if (not username or subuser.username.startswith(username)) and region in ("all", subuser.region):
                    yield subuser
        page = offset_page(matching(), call)
    else:
        page = offset_page(subusers, call)
    return 200, [subuser_view(s, include_region) for s in page]


@route("POST", "/v3/subusers", "CreateSubuser")
def create_subuser(call: Call) -> tuple[int, Any]:
    account = call.account
    body = call.json_object()
    for name in ("username", "email", "password"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise ApiError(400, f"{name} is required", name)
    if "ips" not in body:
        raise ApiError(400, "ips is required", "ips")
    username, email = body["username"], body["email"]
    if len(username) > MAX_USERNAME_LENGTH or any(c.isspace() or c == "/" for c in username):
        raise ApiError(400, f"username must be 1 to {MAX_USERNAME_LENGTH} characters, without spaces or '/'",
                       "username")
    if not EMAIL_RE.fullmatch(email):
        raise ApiError(400, "email is invalid", "email")
    if len(body["password"]) < MIN_PASSWORD_LENGTH:
        raise ApiError(400, f"password must be at least {MIN_PASSWORD_LENGTH} characters", "password")
    # Emulator choice: usernames are unique across every account the emulator serves, as
    # SendGrid usernames are.
    if any(username in other.subusers for other in call.world.accounts.values()):
        raise ApiError(400, "username exists", "username")          # spec example
    region = body.get("region", "global")
    if region not in IP_REGION_FOR_SUBUSER_REGION:
        raise ApiError(400, "must be one of the following: global, eu", "region")
    include_region = body.get("include_region", False)
    if not isinstance(include_region, bool):
        raise ApiError(400, "include_region must be a boolean", "include_region")
    subuser = Subuser(username=username, id=account.next_subuser_id(), email=email, region=region)
    records = ips_for_subuser(account, subuser, body["ips"])
    account.add_subuser(subuser)
    assign_subuser_ips(account, subuser, records, call.now)
    response: dict[str, Any] = {"username": username, "user_id": subuser.id, "email": email,
                                "credit_allocation": {"type": "unlimited"}}
    if include_region:
        response["region"] = region
    return 200, response


def named_subuser(call: Call) -> Subuser:
    subuser = call.account.subusers.get(call.params["subuser_name"])
    if subuser is None:
        raise ApiError(400, "invalid username")                       # UpdateSubuser's example (400, not 404)
    return subuser


@route("PATCH", "/v3/subusers/{subuser_name}", "UpdateSubuser")
def update_subuser(call: Call) -> tuple[int, Any]:
    subuser = named_subuser(call)
    body = call.json_object()
    if "disabled" not in body:
        raise ApiError(400, "no fields provided")                     # spec example
    if not isinstance(body["disabled"], bool):
        raise ApiError(400, "disabled must be a boolean", "disabled")
    subuser.disabled = body["disabled"]
    return 204, None


@route("DELETE", "/v3/subusers/{subuser_name}", "DeleteSubuser")
def delete_subuser(call: Call) -> tuple[int, Any]:
    # Emulator choice: an unknown subuser gets UpdateSubuser's 400 "invalid username" (the
    # spec declares only 204 and 401): a retried delete is not silently a success.
    subuser = named_subuser(call)
    call.account.remove_subuser(subuser, call.now)
    return 204, None


@route("PUT", "/v3/subusers/{subuser_name}/ips", "UpdateSubuserIp")
def replace_subuser_ips(call: Call) -> tuple[int, Any]:
    account = call.account
    subuser = account.subusers.get(call.params["subuser_name"])
    if subuser is None:
        # Emulator choice: the spec declares only 200/401 here; an unknown subuser is a 404.
        raise ApiError(404, "subuser not found")
    records = ips_for_subuser(account, subuser, call.body)
    assign_subuser_ips(account, subuser, records, call.now)
    return 200, {"ips": [r.ip for r in account.ips_of_subuser(subuser.username)]}


@route("GET", "/v3/subusers/reputations", "ListReputation")
def list_reputations(call: Call) -> tuple[int, Any]:
    """Emulator choice: ``usernames`` may be repeated; names that are not subusers are left out."""
    account = call.account
    wanted = [name for value in call.query.get("usernames", []) for name in value.split(",") if name]
    subusers = [account.subusers[n] for n in dict.fromkeys(wanted) if n in account.subusers] if wanted \
        else account.sorted_subusers()
    return 200, [{"username": s.username, "reputation": s.reputation} for s in subusers]
