"""Operation logic shared by several API families."""

from __future__ import annotations

from typing import Any, Iterable

from ..calls import Call
from ..constants import MAX_IPS_PER_POOL, MAX_POOLS
from ..errors import ApiError
from ..model import Account, IpRecord, Pool, Subuser, parse_ipv4, pool_name_problem


def legacy_ip_view(account: Account, record: IpRecord) -> dict[str, Any]:
    """Fields shared by GET /v3/ips items and GET /v3/ips/{ip_address}."""
    return {
        "ip": record.ip,
        "subusers": sorted(record.subusers),
        "pools": account.pool_names(record),
        "warmup": record.warmup,
        "start_date": record.start_date,
        "whitelabeled": record.whitelabeled,
    }


def send_ip_view(account: Account, record: IpRecord, include_region: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "ip": record.ip,
        "pools": account.pool_refs(record),
        "is_auto_warmup": record.is_auto_warmup,
        "is_parent_assigned": record.is_parent_assigned,
        "updated_at": record.updated_at,
        "is_enabled": record.is_enabled,
        "is_leased": record.is_leased,
        "added_at": record.added_at,
    }
    if include_region:
        view["region"] = record.region
    return view


def warmup_view(record: IpRecord) -> dict[str, Any]:
    return {"ip": record.ip, "start_date": record.start_date}


def require_region_match(subusers: Iterable[Subuser], targets: Iterable[tuple[str, str]], field_name: str) -> None:
    """``targets`` are (IP label, IP region) pairs; every subuser must fit every IP's region."""
    targets = list(targets)
    conflicts = sorted({f"{s.username} ({s.region}) / {label} ({region})" for s in subusers
                        for label, region in targets if Account.region_conflict(s, region)})
    if conflicts:
        raise ApiError(400, "subusers can only use IPs of their region (eu subusers: eu IPs, global "
                            "subusers: us IPs): " + ", ".join(conflicts), field_name)


def string_list_field(body: dict[str, Any], name: str) -> list[str]:
    """``body[name]`` as a de-duplicated list of strings (send_ips batch bodies)."""
    if name not in body:
        raise ApiError(400, "not found in the request body", name)
    return optional_string_list(body, name)


def optional_string_list(body: dict[str, Any], name: str) -> list[str]:
    values = body.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ApiError(400, "must be an array of strings", name)
    return list(dict.fromkeys(values))


def resolve_subuser_ids(account: Account, ids: list[str]) -> list[Subuser]:
    unknown = [i for i in ids if account.subuser_by_id(i) is None]
    if unknown:
        raise ApiError(400, "unverified subusers: " + ", ".join(unknown), "subusers")
    return [account.subuser_by_id(i) for i in ids]


def send_ips_path_ip(account: Account, call: Call, invalid_field: str) -> IpRecord:
    ip = parse_ipv4(call.params["ip"])
    if ip is None:
        raise ApiError(400, "invalid IP address", invalid_field)   # IpAddressManagement400IpInvalidError
    record = account.ips.get(ip)
    if record is None:
        raise ApiError(400, "not found", "ip")                     # IpAddressManagement400IpMissingError
    return record


def send_ips_pool(account: Account, call: Call) -> Pool:
    pool_id = call.params["poolid"]
    if not pool_id.isdigit():
        raise ApiError(400, "must be a numeric value", "poolid")   # IpAddressManagement400PoolIdTypeError
    pool = account.pools.get(str(int(pool_id)))
    if pool is None:
        raise ApiError(400, "not found", "poolid")                 # IpAddressManagement400PoolIdValueError
    return pool


def check_new_pool_name(account: Account, body: dict[str, Any], renaming: Pool | None = None) -> str:
    if "name" not in body:
        raise ApiError(400, "not found in the request body", "name")
    name = body["name"]
    problem = pool_name_problem(name)
    if problem:
        raise ApiError(400, problem, "name")
    existing = account.pool_by_name(name)
    if existing is not None and existing is not renaming:
        raise ApiError(400, "already exists", "name")
    return name


def check_pool_capacity(account: Account) -> None:
    if len(account.pools) >= MAX_POOLS:
        raise ApiError(400, f"{MAX_POOLS} pools limit has been reached")


def assignable_ips(account: Account, ips: list[str]) -> list[IpRecord]:
    """IPs that may join a pool: on the account and parent-assigned (the spec: "an IP
    cannot be assigned to a Pool if it is not first enabled")."""
    records = [account.ips.get(parse_ipv4(ip) or "") for ip in ips]
    bad = [ip for ip, rec in zip(ips, records) if rec is None or not rec.is_parent_assigned]
    if bad:
        raise ApiError(400, "unable to verify IPs assignability: " + ", ".join(bad), "ips")
    return records


def check_pool_room(account: Account, pool: Pool, adding: Iterable[IpRecord]) -> None:
    current = account.pool_members(pool)
    total = {r.ip for r in current} | {r.ip for r in adding}
    if len(total) > MAX_IPS_PER_POOL:
        raise ApiError(400, f"the total number of IPs per pool cannot exceed {MAX_IPS_PER_POOL}. current IP count "
                            f"in \u2018{pool.name}\u2019 is \u2018{len(current)}\u2019", "ips")


def add_to_pool(pool: Pool, records: Iterable[IpRecord], now: int) -> None:
    for record in records:
        if pool.id not in record.pools:
            record.pools.add(pool.id)
            record.touch(now)


def remove_from_pool(pool: Pool, records: Iterable[IpRecord], now: int) -> None:
    for record in records:
        if pool.id in record.pools:
            record.pools.discard(pool.id)
            record.touch(now)


def delete_pool(account: Account, pool: Pool, now: int) -> None:
    """Deleting a pool unassigns its IPs; they stay on the account."""
    remove_from_pool(pool, account.pool_members(pool), now)
    del account.pools[pool.id]


def new_ip(account: Account, region: str, now: int) -> IpRecord:
    if account.remaining_ips < 1:
        raise ApiError(400, "No IPs remaining")                     # IpAddressManagement400IpNoRemainingError
    address = account.allocate_ip(region)
    if address is None:
        raise ApiError(400, "No IPs remaining")
    account.remaining_ips -= 1
    record = IpRecord(ip=address, region=region, added_at=now)
    account.ips[address] = record
    return record


def pool_ip_count_by_region(members: list[IpRecord]) -> list[dict[str, Any]]:
    regions = sorted({r.region for r in members})
    return [{"region": region, "count": sum(r.region == region for r in members)} for region in regions]
