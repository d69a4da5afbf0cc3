"""The emulated account: its subusers, IP pools and IP addresses."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from .constants import DEFAULT_ADDED_AT, FIRST_SUBUSER_ID, IP_REGION_FOR_SUBUSER_REGION, NEW_IP_RANGES


@dataclass
class Subuser:
    username: str
    id: int
    email: str
    disabled: bool = False
    region: str = "global"


@dataclass
class Pool:
    name: str
    id: str


@dataclass
class IpRecord:
    ip: str
    subusers: set[str] = field(default_factory=set)     # usernames allowed to send from the IP
    pools: set[str] = field(default_factory=set)        # pool ids
    warmup: bool = False
    start_date: int | None = None
    rdns: str | None = None
    whitelabeled: bool = False
    is_leased: bool = True
    is_enabled: bool | None = None
    is_auto_warmup: bool = False
    is_parent_assigned: bool = True
    region: str = "us"
    added_at: int = DEFAULT_ADDED_AT
    updated_at: int | None = None

    def touch(self, now: int) -> None:
        self.updated_at = now


def ip_sort_key(ip: str) -> int:
    return int(ipaddress.IPv4Address(ip))


def parse_ipv4(value: Any) -> str | None:
    """The canonical dotted-quad form of ``value``, or None if it is not an IPv4 address."""
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return None
    return str(address) if str(address) == value else None


def pool_name_problem(name: Any) -> str | None:
    """Why ``name`` is not a valid pool name (send_ips example messages), or None."""
    if not isinstance(name, str):
        return "must be a string"
    if not 2 <= len(name) <= 64:
        return "needs to be between 2 to 64 characters long"
    if name[0] in ". ":
        return "cannot start with a dot or a space"
    return None


class Account:
    """The parent account: its subusers, IP pools and IP addresses."""

    def __init__(self, subusers: list[Subuser], pools: list[Pool], ips: list[IpRecord], remaining_ips: int):
        self.subusers = {s.username: s for s in subusers}
        self.pools = {p.id: p for p in pools}
        self.ips = {r.ip: r for r in ips}
        self.remaining_ips = remaining_ips

    # -- lookups ------------------------------------------------------------

    def subuser_by_id(self, subuser_id: Any) -> Subuser | None:
        if not isinstance(subuser_id, str) or not subuser_id.isdigit():
            return None
        wanted = int(subuser_id)
        return next((s for s in self.subusers.values() if s.id == wanted), None)

    def pool_by_name(self, name: str) -> Pool | None:
        return next((p for p in self.pools.values() if p.name == name), None)

    def sorted_subusers(self) -> list[Subuser]:
        return sorted(self.subusers.values(), key=lambda s: s.id)

    def sorted_pools(self) -> list[Pool]:
        return sorted(self.pools.values(), key=lambda p: int(p.id))

    def sorted_ips(self) -> list[IpRecord]:
        return sorted(self.ips.values(), key=lambda r: ip_sort_key(r.ip))

    def pool_members(self, pool: Pool) -> list[IpRecord]:
        return [r for r in self.sorted_ips() if pool.id in r.pools]

    def pool_names(self, record: IpRecord) -> list[str]:
        return sorted(self.pools[pid].name for pid in record.pools)

    def pool_refs(self, record: IpRecord) -> list[dict[str, str]]:
        return [{"name": self.pools[pid].name, "id": pid} for pid in sorted(record.pools, key=int)]

    def subuser_ids(self, record: IpRecord) -> list[str]:
        return [str(i) for i in sorted(self.subusers[name].id for name in record.subusers)]

    def ips_of_subuser(self, username: str) -> list[IpRecord]:
        return [r for r in self.sorted_ips() if username in r.subusers]

    # -- allocation ---------------------------------------------------------

    def next_pool_id(self) -> str:
        return str(max((int(pid) for pid in self.pools), default=0) + 1)

    def next_subuser_id(self) -> int:
        return max((s.id for s in self.subusers.values()), default=FIRST_SUBUSER_ID - 1) + 1

    def allocate_ip(self, region: str) -> str | None:
        for address in list(NEW_IP_RANGES[region].hosts())[9:]:   # start at .10
            if str(address) not in self.ips:
                return str(address)
        return None

    # -- invariants shared by the seed loader and the API --------------------

    @staticmethod
    def region_conflict(subuser: Subuser, ip_region: str) -> bool:
        return IP_REGION_FOR_SUBUSER_REGION[subuser.region] != ip_region

    # -- seed documents -----------------------------------------------------

    def to_seed(self) -> dict[str, Any]:
        return {
            "remaining_ips": self.remaining_ips,
            "subusers": [
                {"username": s.username, "id": s.id, "email": s.email, "disabled": s.disabled, "region": s.region}
                for s in self.sorted_subusers()
            ],
            "pools": [{"name": p.name, "id": p.id} for p in self.sorted_pools()],
            "ips": [
                {
                    "ip": r.ip,
                    "subusers": sorted(r.subusers),
                    "pools": self.pool_names(r),
                    "warmup": r.warmup,
                    "start_date": r.start_date,
                    "rdns": r.rdns,
                    "whitelabeled": r.whitelabeled,
                    "is_leased": r.is_leased,
                    "is_enabled": r.is_enabled,
                    "is_auto_warmup": r.is_auto_warmup,
                    "is_parent_assigned": r.is_parent_assigned,
                    "region": r.region,
                    "added_at": r.added_at,
                    "updated_at": r.updated_at,
                }
                for r in self.sorted_ips()
            ],
        }
