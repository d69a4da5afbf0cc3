"""IP Address Management: /v3/send_ips/pools (addressed by pool id)."""

from __future__ import annotations

from typing import Any

from ..calls import Call, cursor_page, listing
from ..constants import LIMIT_100, MAX_IPS_PER_POOL_CALL, PREVIEW_SIZE
from ..errors import ApiError
from ..model import Account, Pool, ip_sort_key
from ..routing import route
from .common import (
    add_to_pool, assignable_ips, check_new_pool_name, check_pool_capacity, check_pool_room, delete_pool,
    optional_string_list, pool_ip_count_by_region, remove_from_pool, send_ips_pool, string_list_field)


def pool_summary(account: Account, pool: Pool) -> dict[str, Any]:
    members = account.pool_members(pool)
    return {"name": pool.name, "id": pool.id, "ips_preview": [r.ip for r in members[:PREVIEW_SIZE]],
            "total_ip_count": len(members)}


@route("GET", "/v3/send_ips/pools")
def send_pools_list(account: Account, call: Call) -> tuple[int, Any]:
    ip = call.arg("ip")
    region = call.enum_arg("region", ("all", "eu", "us"))
    include_region = call.bool_arg("include_region") or False
    keyed = []
    for pool in account.sorted_pools():
        members = account.pool_members(pool)
        if ip is not None and ip not in {r.ip for r in members}:
            continue
        # The spec: a region filter lists pools with at least one IP in that region
        # ("all": at least one IP at all); without it, every pool, empty ones included.
        if region == "all" and not members:
            continue
        if region in ("eu", "us") and not any(r.region == region for r in members):
            continue
        item = pool_summary(account, pool)
        if include_region:
            item["regions"] = sorted({r.region for r in members})
        keyed.append((int(pool.id), item))
    result, next_params = cursor_page(keyed, call, LIMIT_100)
    for name in ("ip", "region", "include_region"):
        if call.arg(name) is not None:
            next_params[name] = call.arg(name)
    return 200, listing(result, next_params)


@route("POST", "/v3/send_ips/pools")
def send_pools_create(account: Account, call: Call) -> tuple[int, Any]:
    body = call.json_object()
    name = check_new_pool_name(account, body)
    ips = optional_string_list(body, "ips")
    if len(ips) > MAX_IPS_PER_POOL_CALL:
        raise ApiError(400, f"the number of IPs must be between 1 and {MAX_IPS_PER_POOL_CALL}", "ips")
    check_pool_capacity(account)
    records = assignable_ips(account, ips)
    pool = Pool(name=name, id=account.next_pool_id())
    account.pools[pool.id] = pool
    add_to_pool(pool, records, call.now)
    return 201, {"name": pool.name, "id": pool.id, "ips": [r.ip for r in account.pool_members(pool)]}


@route("GET", "/v3/send_ips/pools/{poolid}")
def send_pools_get(account: Account, call: Call) -> tuple[int, Any]:
    include_region = call.bool_arg("include_region") or False
    pool = send_ips_pool(account, call)
    response = pool_summary(account, pool)
    if include_region:
        response["ip_count_by_region"] = pool_ip_count_by_region(account.pool_members(pool))
    return 200, response


@route("PUT", "/v3/send_ips/pools/{poolid}")
def send_pools_rename(account: Account, call: Call) -> tuple[int, Any]:
    pool = send_ips_pool(account, call)
    pool.name = check_new_pool_name(account, call.json_object(), renaming=pool)
    return 200, {"name": pool.name, "id": pool.id}


@route("DELETE", "/v3/send_ips/pools/{poolid}")
def send_pools_delete(account: Account, call: Call) -> tuple[int, Any]:
    delete_pool(account, send_ips_pool(account, call), call.now)
    return 204, None


@route("GET", "/v3/send_ips/pools/{poolid}/ips")
def send_pools_list_ips(account: Account, call: Call) -> tuple[int, Any]:
    include_region = call.bool_arg("include_region") or False
    pool = send_ips_pool(account, call)
    keyed = []
    for record in account.pool_members(pool):
        item: dict[str, Any] = {"ip": record.ip, "pools": account.pool_refs(record)}
        if include_region:
            item["region"] = record.region
        keyed.append((ip_sort_key(record.ip), item))
    result, next_params = cursor_page(keyed, call, LIMIT_100)
    if call.arg("include_region") is not None:
        next_params["include_region"] = call.arg("include_region")
    return 200, listing(result, next_params)


def batch_pool_ips(account: Account, call: Call) -> tuple[Pool, list[str]]:
    """Validation shared by ips:batchAdd and ips:batchDelete (all-or-nothing)."""
    pool = send_ips_pool(account, call)
    ips = string_list_field(call.json_object(), "ips")
    if not 1 <= len(ips) <= MAX_IPS_PER_POOL_CALL:
        raise ApiError(400, f"the number of IPs must be between 1 and {MAX_IPS_PER_POOL_CALL}", "ips")
    return pool, ips


@route("POST", "/v3/send_ips/pools/{poolid}/ips:batchAdd")
def send_pools_add_ips(account: Account, call: Call) -> tuple[int, Any]:
    pool, ips = batch_pool_ips(account, call)
    records = assignable_ips(account, ips)
    check_pool_room(account, pool, records)
    add_to_pool(pool, records, call.now)
    # Emulator choice: `ips` lists every IP now in the pool.
    return 200, {"name": pool.name, "id": pool.id, "ips": [r.ip for r in account.pool_members(pool)]}


@route("POST", "/v3/send_ips/pools/{poolid}/ips:batchDelete")
def send_pools_delete_ips(account: Account, call: Call) -> tuple[int, Any]:
    pool, ips = batch_pool_ips(account, call)
    members = {r.ip: r for r in account.pool_members(pool)}
    missing = [ip for ip in ips if ip not in members]
    if missing:
        raise ApiError(400, f"not found in pool \u2018{pool.name}\u2019: " + ", ".join(missing), "ips")
    remove_from_pool(pool, [members[ip] for ip in ips], call.now)
    return 204, None
