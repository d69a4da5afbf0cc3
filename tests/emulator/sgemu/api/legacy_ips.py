"""Legacy IP Address API: /v3/ips."""

from __future__ import annotations

from typing import Any

from ..calls import Call, offset_page
from ..constants import PRICE_PER_IP
from ..errors import ApiError
from ..model import Account
from ..routing import route
from .common import legacy_ip_view, new_ip, require_region_match


@route("POST", "/v3/ips")
def add_ips(account: Account, call: Call) -> tuple[int, Any]:
    body = call.json_object()
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ApiError(400, "count must be an integer >= 1", "count")
    usernames = body.get("subusers", [])
    if not isinstance(usernames, list) or not all(isinstance(u, str) for u in usernames):
        raise ApiError(400, "subusers must be an array of usernames", "subusers")
    warmup = body.get("warmup", False)
    if not isinstance(warmup, bool):
        raise ApiError(400, "warmup must be a boolean", "warmup")
    if any(u not in account.subusers for u in usernames):
        raise ApiError(400, "one or more subusers do not belong to this user")   # spec example
    subusers = [account.subusers[u] for u in usernames]
    # [global-only] operation: new IPs are "us" IPs.
    require_region_match(subusers, [("new IP", "us")], "subusers")
    if count > account.remaining_ips:
        raise ApiError(400, f"cannot add {count} IPs: {account.remaining_ips} remaining", "count")
    added = []
    for _number in range(count):
        record = new_ip(account, "us", call.now)
        record.subusers.update(usernames)
        record.warmup = warmup
        record.start_date = call.now if warmup else None
        added.append({"ip": record.ip, "subusers": sorted(record.subusers)})
    return 201, {"ips": added, "remaining_ips": account.remaining_ips, "warmup": warmup}


@route("GET", "/v3/ips")
def list_ips(account: Account, call: Call) -> tuple[int, Any]:
    ip_prefix = call.arg("ip")
    subuser = call.arg("subuser")
    exclude_whitelabels = call.bool_arg("exclude_whitelabels")
    direction = call.enum_arg("sort_by_direction", ("desc", "asc")) or "asc"
    records = account.sorted_ips()
    if direction == "desc":
        records.reverse()
    # Emulator choice: `ip` is a prefix match ("192.0.2." lists that range); an unknown
    # `subuser` simply matches no IP (empty array, not an error).
    if ip_prefix:
        records = [r for r in records if r.ip.startswith(ip_prefix)]
    if subuser is not None:
        records = [r for r in records if subuser in r.subusers]
    if exclude_whitelabels:
        records = [r for r in records if not r.whitelabeled]
    # Emulator choice: an IP is assigned to the account when it is added (assigned_at =
    # added_at); rdns appears only when the IP has one.
    return 200, [{**legacy_ip_view(account, r), "assigned_at": r.added_at, **({"rdns": r.rdns} if r.rdns else {})}
                 for r in offset_page(records, call)]


@route("GET", "/v3/ips/assigned")
def list_assigned_ips(account: Account, call: Call) -> tuple[int, Any]:
    # Emulator choice: "assigned" IPs are all IPs that can send (every leased IP and the
    # enabled customer-owned ones).  The spec types start_date here as a non-nullable
    # integer, so an IP that never warmed up reports 0.
    active = [r for r in account.sorted_ips() if r.is_leased or r.is_enabled]
    return 200, [{"ip": r.ip, "pools": account.pool_names(r), "warmup": r.warmup, "start_date": r.start_date or 0}
                 for r in active]


@route("GET", "/v3/ips/remaining")
def remaining_ip_count(account: Account, call: Call) -> tuple[int, Any]:
    return 200, {"results": [{"remaining": account.remaining_ips, "period": "month", "price_per_ip": PRICE_PER_IP}]}


@route("GET", "/v3/ips/{ip_address}")
def get_ip(account: Account, call: Call) -> tuple[int, Any]:
    record = account.ips.get(call.params["ip_address"])
    if record is None:
        raise ApiError(404, "resource not found")
    # rdns is a required string here: "" when the IP has no reverse DNS record.
    return 200, {**legacy_ip_view(account, record), "rdns": record.rdns or ""}
