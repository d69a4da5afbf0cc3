"""Legacy IP Address API: /v3/ips."""

from __future__ import annotations

from typing import Any, Iterator

from ..calls import Call, offset_page
from ..errors import ApiError
from ..model import IpRecord, scan
from ..routing import route
from .common import legacy_ip_view, new_ip, require_region_match


@route("POST", "/v3/ips", "AddIp", global_only=True)
def add_ips(call: Call) -> tuple[int, Any]:
    account = call.account
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
        record = new_ip(call, "us")
        for subuser in subusers:
            account.link(record, subuser)
        record.warmup = warmup
        record.start_date = call.now if warmup else None
        added.append({"ip": record.ip, "subusers": sorted(record.subusers)})
    return 201, {"ips": added, "remaining_ips": account.remaining_ips, "warmup": warmup}


@route("GET", "/v3/ips", "ListIp", subuser=True)
def list_ips(call: Call) -> tuple[int, Any]:
    account = call.account
    ip_prefix = call.arg("ip")
    subuser_name = call.arg("subuser")
    exclude_whitelabels = call.bool_arg("exclude_whitelabels")
    descending = (call.enum_arg("sort_by_direction", ("desc", "asc")) or "asc") == "desc"
    # Emulator choice: `ip` is a prefix match ("192.0.2." lists that range); an unknown
    # `subuser` simply matches no IP (empty array, not an error).
    if subuser_name is not None:
        subuser = account.subusers.get(subuser_name)
        records: list[IpRecord] = account.ips_of_subuser(subuser_name) if subuser else []
        keys = [r.key for r in records]
    else:
        records, keys = account.sorted_ips(), account.ip_keys()
    filtered = ip_prefix or exclude_whitelabels or call.actor is not None
    if descending or filtered:
        def matching() -> Iterator[IpRecord]:
            for record in scan(records, keys, descending=descending):
                if ip_prefix and not record.ip.startswith(ip_prefix):
                    continue
                if exclude_whitelabels and (rdns := account.rdns_of(record)) is not None and rdns.valid:
                    continue
                if call.visible(record):
                    yield record
        page = offset_page(matching(), call)
    else:
        page = offset_page(records, call)
    # Emulator choice: an IP is assigned to the account when it is added (assigned_at =
    # added_at); rdns appears only when the IP has a reverse DNS record.
    result = []
    for record in page:
        rdns = account.rdns_of(record)
        result.append({**legacy_ip_view(call, record), "assigned_at": record.added_at,
                       **({"rdns": rdns.rdns} if rdns else {})})
    return 200, result


@route("GET", "/v3/ips/assigned", "ListAssignedIp", global_only=True)
def list_assigned_ips(call: Call) -> tuple[int, Any]:
    # Emulator choice: "assigned" IPs are all IPs that can send (every leased IP and the
    # enabled customer-owned ones).  The spec types start_date here as a non-nullable
    # integer, so an IP that never warmed up reports 0.
    account = call.account
    active = [r for r in account.sorted_ips() if r.is_leased or r.is_enabled]
    return 200, [{"ip": r.ip, "pools": account.pool_names(r), "warmup": r.warmup, "start_date": r.start_date or 0}
                 for r in active]


@route("GET", "/v3/ips/remaining", "ListRemainingIpCount")
def remaining_ip_count(call: Call) -> tuple[int, Any]:
    account = call.account
    return 200, {"results": [{"remaining": account.remaining_ips, "period": "month",
                              "price_per_ip": account.price_per_ip}]}


@route("GET", "/v3/ips/{ip_address}", "GetIp", global_only=True)
def get_ip(call: Call) -> tuple[int, Any]:
    account = call.account
    record = account.ips.get(call.params["ip_address"])
    if record is None:
        raise ApiError(404, "resource not found")
    # rdns is a required string here: "" when the IP has no reverse DNS record.
    rdns = account.rdns_of(record)
    return 200, {**legacy_ip_view(call, record), "rdns": rdns.rdns if rdns else ""}
