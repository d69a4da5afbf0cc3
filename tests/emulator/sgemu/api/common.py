"""Operation logic shared by several API families."""

from __future__ import annotations

from typing import Any, Iterable

from ..calls import Call
from ..constants import MAX_IPS_PER_POOL, MAX_POOLS
from ..errors import ApiError
from ..model import Account, IpRecord, Pool, Subuser, parse_ipv4, pool_name_problem


def legacy_ip_view(call: Call, record: IpRecord) -> dict[str, Any]:
    """Fields shared by GET /v3/ips items and GET /v3/ips/{ip_address}.

    Emulator choice: on-behalf-of a subuser, ``subusers`` names only that subuser.
    """
    account = call.account
    rdns = account.rdns_of(record)
    return {
        "ip": record.ip,
        "subusers": [call.actor.username] if call.actor else sorted(record.subusers),
        "pools": account.pool_names(record),
        "warmup": record.warmup,
        "start_date": record.start_date,
        "whitelabeled": bool(rdns and rdns.valid),
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
    subusers = [account.subuser_by_id(i) for i in ids]
    unknown = [i for i, s in zip(ids, subusers) if s is None]
    if unknown:
        raise ApiError(400, "unverified subusers: " + ", ".join(unknown[:20])
                       + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""), "subusers")
    return [s for s in subusers if s is not None]


def send_ips_path_ip(call: Call, invalid_field: str) -> IpRecord:
    """The IP of a /v3/send_ips/ips/{ip}... path, as the IP Address Management system knows it.

    An IP that this system does not know yet (``send_ips_lag``), or that the acting subuser
    does not hold, is "not found" there, as an IP that is on no account.
    """
    ip = parse_ipv4(call.params["ip"])
    if ip is None:
        raise ApiError(400, "invalid IP address", invalid_field)   # IpAddressManagement400IpInvalidError
    record = call.account.ips.get(ip)
    if record is None or not record.known_to_send_ips(call.now) or not call.visible(record):
        raise ApiError(400, "not found", "ip")                     # IpAddressManagement400IpMissingError
    return record


def send_ips_pool(call: Call) -> Pool:
    pool_id = call.params["poolid"]
    if not pool_id.isdigit():
        raise ApiError(400, "must be a numeric value", "poolid")   # IpAddressManagement400PoolIdTypeError
    pool = call.account.pools.get(str(int(pool_id)))
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
    return [r for r in records if r is not None]


def check_pool_room(pool: Pool, adding: Iterable[IpRecord]) -> None:
    total = pool.members | {r.ip for r in adding}
    if len(total) > MAX_IPS_PER_POOL:
        raise ApiError(400, f"the total number of IPs per pool cannot exceed {MAX_IPS_PER_POOL}. current IP count "
                            f"in \u2018{pool.name}\u2019 is \u2018{len(pool.members)}\u2019", "ips")


def new_ip(call: Call, region: str, account: Account | None = None) -> IpRecord:
    """Buy one IP for ``account`` (default: the call's): it uses up one of its remaining IPs."""
    account = account or call.account
    if account.remaining_ips < 1:
        raise ApiError(400, "No IPs remaining")                     # IpAddressManagement400IpNoRemainingError
    address = call.world.allocate_ip(region)
    if address is None:
        raise ApiError(400, "No IPs remaining")
    account.remaining_ips -= 1
    record = IpRecord(ip=address, region=region, added_at=call.now)
    account.add_ip(record)
    return record


def pool_ip_count_by_region(members: list[IpRecord]) -> list[dict[str, Any]]:
    regions = sorted({r.region for r in members})
    return [{"region": region, "count": sum(r.region == region for r in members)} for region in regions]
