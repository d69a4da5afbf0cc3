"""Partner IP provisioning: /v3/partners/accounts/{accountID}/ips (ip-lifecycle-endpoints.json).

The caller is a partner account (one whose seed lists ``customers``); ``accountID`` is one
of its customer accounts.  Errors carry ``error_id`` (the partner API's ErrorResponse).
"""

from __future__ import annotations

from typing import Any

from ..calls import Call
from ..constants import DEFAULT_PAGE_SIZE, IP_REGIONS, MAX_PARTNER_IPS_PER_CALL, MAX_PARTNER_PAGE
from ..errors import ApiError
from ..model import Account, IpRecord, parse_ipv4
from ..routing import route
from .common import new_ip


def customer(call: Call) -> Account:
    """Emulator choice: a key whose account has no customers gets the declared 403; an account
    id that is not one of the caller's customers gets the declared 404 "Account not found"."""
    if not call.account.customers:
        raise ApiError(403, "The authenticated user is not authorized to perform this request")
    target = call.world.customer_of(call.account, call.params["accountID"])
    if target is None:
        raise ApiError(404, "Account not found")
    return target


def newest_first(account: Account) -> list[IpRecord]:
    """The spec: "ordered by most recently added IP" (ties: the higher address first)."""
    return sorted(account.ips.values(), key=lambda r: (r.added_at, r.key), reverse=True)


@route("GET", "/v3/partners/accounts/{accountID}/ips", "ListAccountIps")
def list_account_ips(call: Call) -> tuple[int, Any]:
    """``offset`` is the last IP of the previous page (the spec's cursor), ``pages.last`` the
    last IP of this page.  Emulator choice: ``pages.last`` is there whenever the page is not
    empty, the last page included, so a client stops on an empty page (or on a page shorter
    than the limit when the server does not cap it); an ``offset`` that is not an IP of the
    account is a 400.  The account's page cap (``page_caps``) may serve fewer than asked."""
    target = customer(call)
    limit = call.int_arg("limit", f"limit must be an integer between 1 and {MAX_PARTNER_PAGE}")
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    if not 1 <= limit <= MAX_PARTNER_PAGE:
        raise ApiError(400, f"limit must be an integer between 1 and {MAX_PARTNER_PAGE}", "limit")
    cap = call.account.page_caps.get(call.template)
    count = limit if cap is None else min(limit, cap)
    records = newest_first(target)
    start = 0
    offset = call.arg("offset")
    if offset is not None:
        if parse_ipv4(offset) is None:
            raise ApiError(400, "Field must be a valid IP address", "offset")   # the spec's 400 example
        positions = {r.ip: n for n, r in enumerate(records)}
        if offset not in positions:
            raise ApiError(400, f"offset {offset} is not an IP of this account", "offset")
        start = positions[offset] + 1
    page = records[start:start + count]
    return 200, {"result": [{"ip": r.ip, "region": r.region} for r in page],
                 "pages": {"last": page[-1].ip} if page else {}}


@route("POST", "/v3/partners/accounts/{accountID}/ips", "AddAccountIps")
def add_account_ips(call: Call) -> tuple[int, Any]:
    """Emulator choice: the IPs are bought out of the customer account's ``remaining_ips``
    (what its GET /v3/ips/remaining shows); too few remaining is a 400, nothing bought."""
    target = customer(call)
    body = call.json_object()
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PARTNER_IPS_PER_CALL:
        raise ApiError(400, f"count must be an integer between 1 and {MAX_PARTNER_IPS_PER_CALL}", "count")
    region = body.get("region")
    if region not in IP_REGIONS:
        raise ApiError(400, "region must be one of: eu, us", "region")
    if count > target.remaining_ips:
        raise ApiError(400, f"cannot add {count} IPs: {target.remaining_ips} remaining", "count")
    added = [new_ip(call, region, target).ip for _number in range(count)]
    return 201, {"ips": added, "region": region}


@route("DELETE", "/v3/partners/accounts/{accountID}/ips", "RemoveAccountIps")
def remove_account_ips(call: Call) -> tuple[int, Any]:
    """All or nothing.  Emulator choice: an IP that is not on the customer account is a 400
    naming it (nothing removed); a removed IP leaves its pools, subusers and reverse DNS
    record, and does not give its purchase back to ``remaining_ips``."""
    target = customer(call)
    body = call.json_object()
    ips = body.get("ips")
    if not isinstance(ips, list) or not 1 <= len(ips) <= MAX_PARTNER_IPS_PER_CALL:
        raise ApiError(400, f"ips must be a list of 1 to {MAX_PARTNER_IPS_PER_CALL} IP addresses", "ips")
    if any(parse_ipv4(ip) is None for ip in ips):
        raise ApiError(400, "Field must be a valid IP address", "ips")
    missing = [ip for ip in ips if ip not in target.ips]
    if missing:
        raise ApiError(400, "not IPs of this account: " + ", ".join(missing), "ips")
    for ip in dict.fromkeys(ips):
        target.remove_ip(target.ips[ip])
    return 204, None
