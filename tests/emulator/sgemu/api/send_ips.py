"""IP Address Management: /v3/send_ips/ips.

A separate system from /v3/ips (ENDPOINTS.md section 11): an IP with ``send_ips_lag``
is on the account (/v3/ips lists it) but unknown here until its lag is over.
"""

from __future__ import annotations

from typing import Any

from ..calls import Call, cursor_page, listing
from ..constants import (
    BOOL_MESSAGE, IP_REGIONS, LIMIT_100, LIMIT_5000, MAX_SUBUSERS_ON_ADD_IP, MAX_SUBUSERS_PER_BATCH)
from ..errors import ApiError
from ..model import IpRecord, Subuser
from ..routing import route
from .common import (
    new_ip, optional_string_list, require_region_match, resolve_subuser_ids, send_ip_view, send_ips_path_ip,
    string_list_field)

FLAG_FILTERS = ("is_leased", "is_enabled", "is_parent_assigned")


@route("GET", "/v3/send_ips/ips", "IpAddressManagementListIp", subuser=True)
def send_ips_list(call: Call) -> tuple[int, Any]:
    account = call.account
    pool_arg = call.arg("pool")
    if pool_arg is not None and call.arg("is_parent_assigned") is not None:
        raise ApiError(400, "cannot be used with \u2018is_parent_assigned\u2019", "pool")
    filters = {name: value for name in FLAG_FILTERS if (value := call.bool_arg(name)) is not None}
    start = call.int_arg("start_added_at", "must be numeric")
    end = call.int_arg("end_added_at", "must be numeric")
    region = call.enum_arg("region", ("all", "eu", "us"))
    include_region = call.bool_arg("include_region") or False
    ip_prefix = call.arg("ip")
    if pool_arg is not None:
        if not pool_arg.isdigit():
            raise ApiError(400, "must be numeric", "pool")
        pool = account.pools.get(str(int(pool_arg)))
        if pool is None:
            raise ApiError(400, "not found", "pool")
        records = account.pool_members(pool)
        keys = [r.key for r in records]
    else:
        records, keys = account.sorted_ips(), account.ip_keys()

    def match(record: IpRecord) -> bool:
        # Emulator choice: `ip` is a prefix match, as in GET /v3/ips.
        return ((not ip_prefix or record.ip.startswith(ip_prefix))
                and all(getattr(record, name) is wanted for name, wanted in filters.items())
                and (start is None or record.added_at >= start)
                and (end is None or record.added_at <= end)
                and region in (None, "all", record.region)
                and record.known_to_send_ips(call.now) and call.visible(record))

    page, next_params = cursor_page(call, keys, records, LIMIT_5000, match, with_before_key=True)
    # next_params echoes the filters used (types as in the response schema).
    for name in ("ip", "pool", "start_added_at", "end_added_at", "region", "include_region"):
        if call.arg(name) is not None:
            next_params[name] = call.arg(name)
    next_params.update(filters)
    return 200, listing([send_ip_view(account, r, include_region) for r in page], next_params)


@route("POST", "/v3/send_ips/ips", "IpAddressManagementAddIp", global_only=True)
def send_ips_add(call: Call) -> tuple[int, Any]:
    account = call.account
    body = call.json_object()
    flags = {}
    for name in ("is_auto_warmup", "is_parent_assigned"):
        if name not in body:
            raise ApiError(400, "not found in the request body", name)
        if not isinstance(body[name], bool):
            raise ApiError(400, BOOL_MESSAGE, name)
        flags[name] = body[name]
    ids = optional_string_list(body, "subusers")
    if len(ids) > MAX_SUBUSERS_ON_ADD_IP:
        # The body schema says maxItems 100; the spec's example text says 1000 (batchAdd's limit).
        raise ApiError(400, f"cannot assign more than {MAX_SUBUSERS_ON_ADD_IP} subusers per call", "subusers")
    region = body.get("region", "us")
    if region not in IP_REGIONS:
        raise ApiError(400, "must be one of the following: eu, us", "region")
    include_region = body.get("include_region", False)
    if not isinstance(include_region, bool):
        raise ApiError(400, BOOL_MESSAGE, "include_region")
    subusers = resolve_subuser_ids(account, ids)
    require_region_match(subusers, [("new IP", region)], "subusers")
    if flags["is_auto_warmup"]:
        stuck = [str(s.id) for s in subusers
                 if not any(not (r.warmup or r.is_auto_warmup) for r in account.ips_of_subuser(s.username))]
        if stuck:
            raise ApiError(400, "these users must have at least one IP that is not in warmup: " + ", ".join(stuck),
                           "subusers")
    record = new_ip(call, region)
    record.is_auto_warmup = flags["is_auto_warmup"]
    record.is_parent_assigned = flags["is_parent_assigned"]
    for subuser in subusers:
        account.link(record, subuser)
    response = {"ip": record.ip, **flags, "subusers": ids}
    if include_region:
        response["region"] = region
    return 201, response


@route("GET", "/v3/send_ips/ips/{ip}", "IpAddressManagementGetIp", subuser=True)
def send_ips_get(call: Call) -> tuple[int, Any]:
    include_region = call.bool_arg("include_region") or False
    record = send_ips_path_ip(call, invalid_field="ip")
    return 200, send_ip_view(call.account, record, include_region)


@route("PATCH", "/v3/send_ips/ips/{ip}", "UpdateIp", global_only=True)
def send_ips_update(call: Call) -> tuple[int, Any]:
    record = send_ips_path_ip(call, invalid_field="ip")
    body = call.json_object()
    names = ("is_enabled", "is_auto_warmup", "is_parent_assigned")
    changes = {name: body[name] for name in names if name in body}
    if not changes:
        raise ApiError(400, "at least one of the following is required: " + ", ".join(names))
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise ApiError(400, BOOL_MESSAGE, name)
    if "is_enabled" in changes and record.is_leased:
        # Emulator choice: the spec says is_enabled applies only to customer-owned IPs
        # (it "is null for Twilio SendGrid IP addresses"), so setting it on a leased IP fails.
        raise ApiError(400, "can only be set on customer-owned IPs (is_leased false); this IP is leased from "
                            "Twilio SendGrid", "is_enabled")
    if changes.get("is_parent_assigned") is False and record.pools:
        # Emulator choice: pool members must stay parent-assigned; remove the IP from its pools first.
        raise ApiError(400, "cannot be false while the IP is in a pool: "
                            + ", ".join(call.account.pool_names(record)), "is_parent_assigned")
    for name, value in changes.items():
        setattr(record, name, value)
    record.touch(call.now)
    # The response schema: is_parent_assigned "is returned only if the IP address is
    # parent assigned", is_enabled "only if the IP address is enabled".
    response: dict[str, Any] = {"ip": record.ip, "is_auto_warmup": record.is_auto_warmup}
    if record.is_parent_assigned:
        response["is_parent_assigned"] = True
    if record.is_enabled:
        response["is_enabled"] = True
    return 200, response


@route("GET", "/v3/send_ips/ips/{ip}/subusers", "ListSubUserAssignedToIp", global_only=True)
def send_ips_list_subusers(call: Call) -> tuple[int, Any]:
    record = send_ips_path_ip(call, invalid_field="")
    ids = call.account.subuser_ids(record)
    result, next_params = cursor_page(call, [int(i) for i in ids], ids, LIMIT_100)
    return 200, listing(result, next_params)


def batch_subusers(call: Call) -> tuple[IpRecord, list[Subuser]]:
    """Validation shared by subusers:batchAdd and :batchDelete (all-or-nothing)."""
    record = send_ips_path_ip(call, invalid_field="")
    ids = string_list_field(call.json_object(), "subusers")
    if not ids:
        raise ApiError(400, "must not be empty", "subusers")
    if len(ids) > MAX_SUBUSERS_PER_BATCH:
        raise ApiError(400, f"cannot assign more than {MAX_SUBUSERS_PER_BATCH} subusers per call", "subusers")
    return record, resolve_subuser_ids(call.account, ids)


@route("POST", "/v3/send_ips/ips/{ip}/subusers:batchAdd", "AddSubUsersToIp", global_only=True)
def send_ips_add_subusers(call: Call) -> tuple[int, Any]:
    record, subusers = batch_subusers(call)
    require_region_match(subusers, [(record.ip, record.region)], "subusers")
    for subuser in subusers:
        call.account.link(record, subuser, call.now)
    # Emulator choice: `subusers` lists every subuser ID now assigned to the IP.
    return 200, {"ip": record.ip, "subusers": call.account.subuser_ids(record)}


@route("POST", "/v3/send_ips/ips/{ip}/subusers:batchDelete", "DeleteSubUsersFromIp", global_only=True)
def send_ips_delete_subusers(call: Call) -> tuple[int, Any]:
    record, subusers = batch_subusers(call)
    # Emulator choice: known subusers that are not assigned to the IP are ignored.
    for subuser in subusers:
        call.account.unlink(record, subuser, call.now)
    return 204, None
