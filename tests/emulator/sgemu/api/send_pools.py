"""IP Address Management: /v3/send_ips/pools (addressed by pool id)."""

from __future__ import annotations

from typing import Any

from ..calls import Call, cursor_page, listing
from ..constants import LIMIT_100, MAX_IPS_PER_POOL_CALL, PREVIEW_SIZE
from ..errors import ApiError
from ..model import Account, Pool
from ..routing import route
from .common import (
    assignable_ips, check_new_pool_name, check_pool_capacity, check_pool_room, optional_string_list,
    pool_ip_count_by_region, send_ips_pool, string_list_field)


def pool_summary(account: Account, pool: Pool) -> dict[str, Any]:
    members = account.pool_members(pool)
    return {"name": pool.name, "id": pool.id, "ips_preview": [r.ip for r in members[:PREVIEW_SIZE]],
            "total_ip_count": len(members)}


@route("GET", "/v3/send_ips/pools", "IpAddressManagementListIpPool")
def send_pools_list(call: Call) -> tuple[int, Any]:
    account = call.account
    ip = call.arg("ip")
    region = call.enum_arg("region", ("all", "eu", "us"))
    include_region = call.bool_arg("include_region") or False

    def match(pool: Pool) -> bool:
        # The spec: a region filter lists pools with at least one IP in that region
        # ("all": at least one IP at all); without it, every pool, empty ones included.
        if ip is not None and ip not in pool.members:
            return False
        if region == "all":
            return bool(pool.members)
        return region is None or any(account.ips[m].region == region for m in pool.members)

    pools = account.sorted_pools()
    page, next_params = cursor_page(call, [int(p.id) for p in pools], pools, LIMIT_100, match)
    result = []
    for pool in page:
        item = pool_summary(account, pool)
        if include_region:
            item["regions"] = sorted({account.ips[m].region for m in pool.members})
        result.append(item)
    for name in ("ip", "region", "include_region"):
        if call.arg(name) is not None:
            next_params[name] = call.arg(name)
    return 200, listing(result, next_params)


@route("POST", "/v3/send_ips/pools", "IpAddressManagementCreateIpPool")
def send_pools_create(call: Call) -> tuple[int, Any]:
    account = call.account
    body = call.json_object()
    name = check_new_pool_name(account, body)
    ips = optional_string_list(body, "ips")
    if len(ips) > MAX_IPS_PER_POOL_CALL:
        raise ApiError(400, f"the number of IPs must be between 1 and {MAX_IPS_PER_POOL_CALL}", "ips")
    check_pool_capacity(account)
    records = assignable_ips(account, ips)
    pool = Pool(name=name, id=account.next_pool_id())
    account.pools[pool.id] = pool
    account.add_to_pool(pool, records, call.now)
    return 201, {"name": pool.name, "id": pool.id, "ips": [r.ip for r in account.pool_members(pool)]}


@route("GET", "/v3/send_ips/pools/{poolid}", "IpAddressManagementGetIpPool")
def send_pools_get(call: Call) -> tuple[int, Any]:
    include_region = call.bool_arg("include_region") or False
    pool = send_ips_pool(call)
    response = pool_summary(call.account, pool)
    if include_region:
        response["ip_count_by_region"] = pool_ip_count_by_region(call.account.pool_members(pool))
    return 200, response


@route("PUT", "/v3/send_ips/pools/{poolid}", "IpAddressManagementUpdateIpPool")
def send_pools_rename(call: Call) -> tuple[int, Any]:
    pool = send_ips_pool(call)
    pool.name = check_new_pool_name(call.account, call.json_object(), renaming=pool)
    return 200, {"name": pool.name, "id": pool.id}


@route("DELETE", "/v3/send_ips/pools/{poolid}", "IpAddressManagementDeleteIpPool")
def send_pools_delete(call: Call) -> tuple[int, Any]:
    call.account.delete_pool(send_ips_pool(call), call.now)
    return 204, None


@route("GET", "/v3/send_ips/pools/{poolid}/ips", "ListIpAssignedToIpPool")
def send_pools_list_ips(call: Call) -> tuple[int, Any]:
    account = call.account
    include_region = call.bool_arg("include_region") or False
    pool = send_ips_pool(call)
    members = account.pool_members(pool)
    page, next_params = cursor_page(call, [r.key for r in members], members, LIMIT_100)
    result = []
    for record in page:
        item: dict[str, Any] = {"ip": record.ip, "pools": account.pool_refs(record)}
        if include_region:
            item["region"] = record.region
        result.append(item)
    if call.arg("include_region") is not None:
        next_params["include_region"] = call.arg("include_region")
    return 200, listing(result, next_params)


def batch_pool_ips(call: Call) -> tuple[Pool, list[str]]:
    """Validation shared by ips:batchAdd and ips:batchDelete (all-or-nothing)."""
    pool = send_ips_pool(call)
    ips = string_list_field(call.json_object(), "ips")
    if not 1 <= len(ips) <= MAX_IPS_PER_POOL_CALL:
        raise ApiError(400, f"the number of IPs must be between 1 and {MAX_IPS_PER_POOL_CALL}", "ips")
    return pool, ips


@route("POST", "/v3/send_ips/pools/{poolid}/ips:batchAdd", "AddIpsToIpPool")
def send_pools_add_ips(call: Call) -> tuple[int, Any]:
    account = call.account
    pool, ips = batch_pool_ips(call)
    records = assignable_ips(account, ips)
    check_pool_room(pool, records)
    account.add_to_pool(pool, records, call.now)
    # Emulator choice: `ips` lists every IP now in the pool.
    return 200, {"name": pool.name, "id": pool.id, "ips": [r.ip for r in account.pool_members(pool)]}


@route("POST", "/v3/send_ips/pools/{poolid}/ips:batchDelete", "DeleteIpsFromIpPool")
def send_pools_delete_ips(call: Call) -> tuple[int, Any]:
    account = call.account
    pool, ips = batch_pool_ips(call)
    missing = [ip for ip in ips if ip not in pool.members]
    if missing:
        raise ApiError(400, f"not found in pool \u2018{pool.name}\u2019: " + ", ".join(missing), "ips")
    account.remove_from_pool(pool, [account.ips[ip] for ip in ips], call.now)
    return 204, None
