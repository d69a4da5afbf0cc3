"""Legacy IP pools: /v3/ips/pools (addressed by name)."""

from __future__ import annotations

from typing import Any

from ..calls import Call
from ..errors import ApiError
from ..model import Pool, parse_ipv4
from ..routing import route
from .common import check_new_pool_name, check_pool_capacity, check_pool_room

POOL_NOT_FOUND = "Unable to locate specified IPs Pool"


@route("POST", "/v3/ips/pools", "CreateIpPool")
def legacy_create_pool(call: Call) -> tuple[int, Any]:
    account = call.account
    name = check_new_pool_name(account, call.json_object())
    check_pool_capacity(account)
    pool = Pool(name=name, id=account.next_pool_id())
    account.pools[pool.id] = pool
    return 200, {"name": pool.name}           # the spec declares 200, not 201


@route("GET", "/v3/ips/pools", "ListIpPool")
def legacy_list_pools(call: Call) -> tuple[int, Any]:
    return 200, [{"name": p.name} for p in sorted(call.account.pools.values(), key=lambda p: p.name)]


def legacy_pool(call: Call, not_found: ApiError) -> Pool:
    pool = call.account.pool_by_name(call.params["pool_name"])
    if pool is None:
        raise not_found
    return pool


@route("GET", "/v3/ips/pools/{pool_name}", "GetIpPool")
def legacy_get_pool(call: Call) -> tuple[int, Any]:
    pool = legacy_pool(call, ApiError(404, POOL_NOT_FOUND, "error"))
    return 200, {"pool_name": pool.name, "ips": [r.ip for r in call.account.pool_members(pool)]}


@route("PUT", "/v3/ips/pools/{pool_name}", "UpdateIpPool")
def legacy_rename_pool(call: Call) -> tuple[int, Any]:
    pool = legacy_pool(call, ApiError(404, "ip pool not found"))
    pool.name = check_new_pool_name(call.account, call.json_object(), renaming=pool)
    return 200, {"name": pool.name}


@route("DELETE", "/v3/ips/pools/{pool_name}", "DeleteIpPool")
def legacy_delete_pool(call: Call) -> tuple[int, Any]:
    pool = legacy_pool(call, ApiError(404, body={"error": POOL_NOT_FOUND}))
    call.account.delete_pool(pool, call.now)
    return 204, None


@route("POST", "/v3/ips/pools/{pool_name}/ips", "AddIpToIpPool")
def legacy_add_ip_to_pool(call: Call) -> tuple[int, Any]:
    account = call.account
    pool = legacy_pool(call, ApiError(404, "resource not found"))
    body = call.json_object()
    ip = parse_ipv4(body.get("ip"))
    if ip is None:
        raise ApiError(400, "ip must be an IPv4 address", "ip")
    record = account.ips.get(ip)
    if record is None:
        raise ApiError(404, "resource not found", "ip")
    # Emulator choice: adding an IP that is already in the pool is an error, not a no-op.
    if pool.id in record.pools:
        raise ApiError(400, f"ip {ip} is already in pool {pool.name!r}", "ip")
    if not record.is_parent_assigned:
        raise ApiError(400, "the IP must be enabled for the parent account (is_parent_assigned) before it can "
                            "be added to a pool", "ip")
    check_pool_room(pool, [record])
    account.add_to_pool(pool, [record], call.now)
    return 201, {"ip": ip, "pools": account.pool_names(record), "start_date": record.start_date or 0,
                 "warmup": record.warmup}


@route("DELETE", "/v3/ips/pools/{pool_name}/ips/{ip}", "DeleteIpFromIpPool")
def legacy_remove_ip_from_pool(call: Call) -> tuple[int, Any]:
    pool = legacy_pool(call, ApiError(404, body={"error": POOL_NOT_FOUND}))
    record = call.account.ips.get(call.params["ip"])
    if record is None or pool.id not in record.pools:
        # Emulator choice: same legacy {"error": ...} shape when the IP is not in the pool.
        raise ApiError(404, body={"error": "Unable to locate specified IP in IPs Pool"})
    call.account.remove_from_pool(pool, [record], call.now)
    return 204, None
