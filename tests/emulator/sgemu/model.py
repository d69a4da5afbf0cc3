"""The emulated accounts: subusers, IP pools, IP addresses and reverse DNS records.

The relations are kept from both sides (an IP knows its subusers and pools, a subuser
and a pool know their IPs) and the sorted listings are cached, so that a page of a
listing costs what the page holds, not the size of the account.  Every change goes
through an :class:`Account` method that keeps both sides and the caches right.
"""

from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from .constants import (
    DEFAULT_ADDED_AT, DEFAULT_PAGE_CAPS, DEFAULT_REMAINING_IPS, DEFAULT_REPUTATION, FIRST_SUBUSER_ID,
    IP_REGION_FOR_SUBUSER_REGION, PRICE_PER_IP)


@dataclass(eq=False)
class Subuser:
    username: str
    id: int
    email: str
    disabled: bool = False
    region: str = "global"
    reputation: float = DEFAULT_REPUTATION
    ips: set[str] = field(default_factory=set)          # the IPs it may send from (mirror of IpRecord.subusers)


@dataclass(eq=False)
class Pool:
    name: str
    id: str
    members: set[str] = field(default_factory=set)      # its IPs (mirror of IpRecord.pools)


@dataclass(eq=False)
class IpRecord:
    ip: str
    subusers: set[str] = field(default_factory=set)     # usernames allowed to send from the IP
    pools: set[str] = field(default_factory=set)        # pool ids
    warmup: bool = False
    start_date: int | None = None
    is_leased: bool = True
    is_enabled: bool | None = None
    is_auto_warmup: bool = False
    is_parent_assigned: bool = True
    region: str = "us"
    added_at: int = DEFAULT_ADDED_AT
    updated_at: int | None = None
    # How /v3/send_ips/ips* lags behind /v3/ips for this IP: None (it does not), "never"
    # (it never knows the IP), {"requests": N} (the next N such requests do not see it) or
    # {"until": EPOCH} (not before that time).  See LagRule in seed.py.
    send_ips_lag: Any = None

    def __post_init__(self) -> None:
        self.key = ip_sort_key(self.ip)

    def touch(self, now: int) -> None:
        self.updated_at = now

    def known_to_send_ips(self, now: float) -> bool:
        lag = self.send_ips_lag
        if lag is None:
            return True
        if lag == "never":
            return False
        if "until" in lag:
            if now < lag["until"]:
                return False
            self.send_ips_lag = None
            return True
        return lag["requests"] <= 0


@dataclass(eq=False)
class ReverseDns:
    """One reverse DNS record (/v3/whitelabel/ips); ``rdns`` is also the A record's host."""

    id: int
    ip: str
    domain: str
    subdomain: str | None
    rdns: str
    valid: bool = False
    legacy: bool = False
    last_validation_attempt_at: int | None = None


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
    """One SendGrid account (a parent, or a partner's customer account)."""

    def __init__(self, account_id: str, remaining_ips: int = DEFAULT_REMAINING_IPS):
        self.id = account_id
        self.api_key: str | None = None
        self.partner: str | None = None                   # id of the partner account this is a customer of
        self.customers: list[str] = []                    # ids of this partner's customer accounts
        self.remaining_ips = remaining_ips
        self.price_per_ip: float = PRICE_PER_IP
        self.page_caps: dict[str, int] = dict(DEFAULT_PAGE_CAPS)
        self.max_limits: dict[str, int] = {}              # offset lists that refuse a larger limit with a 400
        self.subusers: dict[str, Subuser] = {}
        self.subusers_by_id: dict[int, Subuser] = {}
        self.pools: dict[str, Pool] = {}
        self.ips: dict[str, IpRecord] = {}
        self.rdns: dict[int, ReverseDns] = {}
        self.rdns_by_ip: dict[str, ReverseDns] = {}
        self.lagging: set[str] = set()                    # IPs whose send_ips_lag counts requests
        self.cursors = CursorBook()
        self._sorted_ips: list[IpRecord] | None = None
        self._ip_keys: list[int] | None = None
        self._sorted_subusers: list[Subuser] | None = None
        self._next_subuser_id = FIRST_SUBUSER_ID

    # -- lookups ------------------------------------------------------------

    def subuser_by_id(self, subuser_id: Any) -> Subuser | None:
        if not isinstance(subuser_id, str) or not subuser_id.isdigit():
            return None
        return self.subusers_by_id.get(int(subuser_id))

    def pool_by_name(self, name: str) -> Pool | None:
        return next((p for p in self.pools.values() if p.name == name), None)

    def sorted_subusers(self) -> list[Subuser]:
        """Subusers by id (cached: do not change the list)."""
        if self._sorted_subusers is None:
            self._sorted_subusers = sorted(self.subusers.values(), key=lambda s: s.id)
        return self._sorted_subusers

    def sorted_pools(self) -> list[Pool]:
        return sorted(self.pools.values(), key=lambda p: int(p.id))

    def sorted_ips(self) -> list[IpRecord]:
        """IPs in address order (cached: do not change the list)."""
        if self._sorted_ips is None:
            self._sorted_ips = sorted(self.ips.values(), key=lambda r: r.key)
            self._ip_keys = [r.key for r in self._sorted_ips]
        return self._sorted_ips

    def ip_keys(self) -> list[int]:
        self.sorted_ips()
        assert self._ip_keys is not None
        return self._ip_keys

    def records(self, ips: Iterable[str]) -> list[IpRecord]:
        """The records of ``ips`` in address order."""
        return sorted((self.ips[ip] for ip in ips), key=lambda r: r.key)

    def pool_members(self, pool: Pool) -> list[IpRecord]:
        return self.records(pool.members)

    def pool_names(self, record: IpRecord) -> list[str]:
        return sorted(self.pools[pid].name for pid in record.pools)

    def pool_refs(self, record: IpRecord) -> list[dict[str, str]]:
        return [{"name": self.pools[pid].name, "id": pid} for pid in sorted(record.pools, key=int)]

    def subuser_ids(self, record: IpRecord) -> list[str]:
        return [str(i) for i in sorted(self.subusers[name].id for name in record.subusers)]

    def ips_of_subuser(self, username: str) -> list[IpRecord]:
        return self.records(self.subusers[username].ips)

    def rdns_of(self, record: IpRecord) -> ReverseDns | None:
        return self.rdns_by_ip.get(record.ip)

    # -- changes ------------------------------------------------------------

    def add_subuser(self, subuser: Subuser) -> None:
        self.subusers[subuser.username] = subuser
        self.subusers_by_id[subuser.id] = subuser
        self._next_subuser_id = max(self._next_subuser_id, subuser.id + 1)
        self._sorted_subusers = None

    def remove_subuser(self, subuser: Subuser, now: int) -> None:
        for record in self.ips_of_subuser(subuser.username):
            self.unlink(record, subuser, now)
        del self.subusers[subuser.username]
        del self.subusers_by_id[subuser.id]
        self._sorted_subusers = None

    def add_ip(self, record: IpRecord) -> None:
        self.ips[record.ip] = record
        self.set_lag(record, record.send_ips_lag)
        self._sorted_ips = self._ip_keys = None

    def remove_ip(self, record: IpRecord) -> None:
        """Take the IP off the account: out of its pools, away from its subusers, its rDNS record gone."""
        for username in list(record.subusers):
            self.subusers[username].ips.discard(record.ip)
        for pool_id in record.pools:
            self.pools[pool_id].members.discard(record.ip)
        rdns = self.rdns_by_ip.pop(record.ip, None)
        if rdns is not None:
            del self.rdns[rdns.id]
        self.lagging.discard(record.ip)
        del self.ips[record.ip]
        self._sorted_ips = self._ip_keys = None

    def set_lag(self, record: IpRecord, lag: Any) -> None:
        record.send_ips_lag = lag
        if isinstance(lag, dict) and "requests" in lag:
            self.lagging.add(record.ip)
        else:
            self.lagging.discard(record.ip)

    def count_send_ips_request(self) -> None:
        """One more /v3/send_ips/ips* request: IPs that lag by a number of requests come closer."""
        for ip in list(self.lagging):
            record = self.ips[ip]
            record.send_ips_lag = {"requests": record.send_ips_lag["requests"] - 1}
            if record.send_ips_lag["requests"] <= 0:
                record.send_ips_lag = None
                self.lagging.discard(ip)

    def link(self, record: IpRecord, subuser: Subuser, now: int | None = None) -> None:
        if subuser.username not in record.subusers:
            record.subusers.add(subuser.username)
            subuser.ips.add(record.ip)
            if now is not None:
                record.touch(now)

    def unlink(self, record: IpRecord, subuser: Subuser, now: int | None = None) -> None:
        if subuser.username in record.subusers:
            record.subusers.discard(subuser.username)
            subuser.ips.discard(record.ip)
            if now is not None:
                record.touch(now)

    def add_to_pool(self, pool: Pool, records: Iterable[IpRecord], now: int | None = None) -> None:
        for record in records:
            if pool.id not in record.pools:
                record.pools.add(pool.id)
                pool.members.add(record.ip)
                if now is not None:
                    record.touch(now)

    def remove_from_pool(self, pool: Pool, records: Iterable[IpRecord], now: int) -> None:
        for record in records:
            if pool.id in record.pools:
                record.pools.discard(pool.id)
                pool.members.discard(record.ip)
                record.touch(now)

    def delete_pool(self, pool: Pool, now: int) -> None:
        """Deleting a pool unassigns its IPs; they stay on the account."""
        self.remove_from_pool(pool, self.pool_members(pool), now)
        del self.pools[pool.id]

    def add_rdns(self, record: ReverseDns) -> None:
        self.rdns[record.id] = record
        self.rdns_by_ip[record.ip] = record

    def delete_rdns(self, record: ReverseDns) -> None:
        del self.rdns[record.id]
        del self.rdns_by_ip[record.ip]

    # -- allocation ---------------------------------------------------------

    def next_pool_id(self) -> str:
        return str(max((int(pid) for pid in self.pools), default=0) + 1)

    def next_subuser_id(self) -> int:
        return self._next_subuser_id

    def next_rdns_id(self) -> int:
        return max(self.rdns, default=0) + 1

    # -- invariants shared by the seed loader and the API --------------------

    @staticmethod
    def region_conflict(subuser: Subuser, ip_region: str) -> bool:
        return IP_REGION_FOR_SUBUSER_REGION[subuser.region] != ip_region


class CursorBook:
    """Opaque ``after_key`` / ``before_key`` cursors of the /v3/send_ips lists.

    Emulator choice: a cursor is a string of digits that starts with ``0`` and is a number
    this account's book issued, mapped to (the list, the position's natural key).  It is not
    the item's key (IP as a number, pool id, subuser id) and does not survive a conversion to
    an integer and back, so a client must pass back exactly what the API returned.  The same
    position of the same list always gets the same cursor, and cursors stay valid while the
    data changes.
    """

    def __init__(self) -> None:
        self.by_token: dict[str, tuple[str, int]] = {}
        self.by_position: dict[tuple[str, int], str] = {}

    def issue(self, list_id: str, key: int) -> str:
        token = self.by_position.get((list_id, key))
        if token is None:
            token = f"0{len(self.by_token) + 1}"
            self.by_token[token] = (list_id, key)
            self.by_position[(list_id, key)] = token
        return token

    def resolve(self, list_id: str, token: str) -> int | None:
        found = self.by_token.get(token)
        return found[1] if found is not None and found[0] == list_id else None


def scan(records: list[IpRecord], keys: list[int], after: int | None = None,
         descending: bool = False) -> Iterator[IpRecord]:
    """Records of a sorted list from just past ``after`` (a natural key), in either direction."""
    if descending:
        stop = len(keys) if after is None else bisect.bisect_left(keys, after)
        return (records[i] for i in range(stop - 1, -1, -1))
    start = 0 if after is None else bisect.bisect_right(keys, after)
    return (records[i] for i in range(start, len(records)))
