"""Seed documents: strict loading into an Account."""

from __future__ import annotations

import json
from typing import Any, Iterable

from .constants import (
    DEFAULT_ADDED_AT, DEFAULT_REMAINING_IPS, IP_REGION_FOR_SUBUSER_REGION, MAX_IPS_PER_POOL, MAX_POOLS,
    NEW_IP_RANGES)
from .errors import SeedError
from .model import Account, IpRecord, Pool, Subuser, parse_ipv4, pool_name_problem


_MISSING = object()


def load_seed(doc: Any) -> Account:
    """The account a seed document describes (SeedError if the document is invalid)."""
    return _SeedLoader(doc).load()


class _SeedLoader:
    """Validates a seed document strictly: unknown keys, bad types, unknown references,
    duplicates and inconsistent state are errors, never silently ignored."""

    def __init__(self, doc: Any):
        self.doc = doc

    @staticmethod
    def fields(obj: Any, where: str, required: Iterable[str], optional: Iterable[str]) -> dict[str, Any]:
        required, optional = list(required), list(optional)
        if not isinstance(obj, dict):
            raise SeedError(f"{where}: expected an object, got {json.dumps(obj)}")
        unknown = sorted(set(obj) - set(required) - set(optional))
        if unknown:
            raise SeedError(f"{where}: unknown key(s) {unknown}; allowed keys: {sorted(required + optional)}")
        missing = [k for k in required if k not in obj]
        if missing:
            raise SeedError(f"{where}: missing required key(s) {missing}")
        return obj

    @staticmethod
    def typed(obj: dict[str, Any], key: str, where: str, kinds: tuple[type, ...], default: Any = _MISSING,
              nullable: bool = False) -> Any:
        if key not in obj:
            return default
        value = obj[key]
        if value is None and nullable:
            return None
        bad_bool = isinstance(value, bool) and bool not in kinds
        if bad_bool or not isinstance(value, kinds):
            expected = " or ".join(k.__name__ for k in kinds) + (" or null" if nullable else "")
            raise SeedError(f"{where}.{key}: expected {expected}, got {json.dumps(value)}")
        return value

    def string_list(self, obj: dict[str, Any], key: str, where: str) -> list[str]:
        values = self.typed(obj, key, where, (list,), [])
        for value in values:
            if not isinstance(value, str):
                raise SeedError(f"{where}.{key}: expected strings, got {json.dumps(value)}")
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise SeedError(f"{where}.{key}: duplicate entries {duplicates}")
        return values

    def load(self) -> Account:
        doc = self.fields(self.doc, "seed", (), ("subusers", "pools", "ips", "remaining_ips"))
        remaining = self.typed(doc, "remaining_ips", "seed", (int,), DEFAULT_REMAINING_IPS)
        if remaining < 0:
            raise SeedError("seed.remaining_ips: must be >= 0")
        subusers = self.load_subusers(self.typed(doc, "subusers", "seed", (list,), []))
        pools = self.load_pools(self.typed(doc, "pools", "seed", (list,), []))
        account = Account(subusers, pools, [], remaining)
        for index, raw in enumerate(self.typed(doc, "ips", "seed", (list,), [])):
            record = self.load_ip(raw, f"ips[{index}]", account)
            if record.ip in account.ips:
                raise SeedError(f"ips[{index}]: duplicate ip {record.ip}")
            account.ips[record.ip] = record
        for pool in account.pools.values():
            if len(account.pool_members(pool)) > MAX_IPS_PER_POOL:
                raise SeedError(f"pool {pool.name!r}: more than {MAX_IPS_PER_POOL} IPs")
        return account

    def load_subusers(self, raws: list[Any]) -> list[Subuser]:
        result: list[Subuser] = []
        for index, raw in enumerate(raws):
            where = f"subusers[{index}]"
            obj = self.fields(raw, where, ("username", "id"), ("email", "disabled", "region"))
            username = self.typed(obj, "username", where, (str,))
            if not username:
                raise SeedError(f"{where}.username: must not be empty")
            subuser_id = self.typed(obj, "id", where, (int,))
            if subuser_id < 1:
                raise SeedError(f"{where}.id: must be a positive integer")
            region = self.typed(obj, "region", where, (str,), "global")
            if region not in IP_REGION_FOR_SUBUSER_REGION:
                raise SeedError(f"{where}.region: must be one of {sorted(IP_REGION_FOR_SUBUSER_REGION)}")
            subuser = Subuser(
                username=username,
                id=subuser_id,
                email=self.typed(obj, "email", where, (str,), f"{username}@example.com"),
                disabled=self.typed(obj, "disabled", where, (bool,), False),
                region=region,
            )
            if any(s.username == username for s in result):
                raise SeedError(f"{where}: duplicate username {username!r}")
            if any(s.id == subuser_id for s in result):
                raise SeedError(f"{where}: duplicate id {subuser_id}")
            result.append(subuser)
        return result

    def load_pools(self, raws: list[Any]) -> list[Pool]:
        if len(raws) > MAX_POOLS:
            raise SeedError(f"pools: at most {MAX_POOLS} pools")
        result: list[Pool] = []
        for index, raw in enumerate(raws):
            where = f"pools[{index}]"
            obj = self.fields(raw, where, ("name", "id"), ())
            name = self.typed(obj, "name", where, (str,))
            problem = pool_name_problem(name)
            if problem:
                raise SeedError(f"{where}.name: {name!r} {problem}")
            pool_id = self.typed(obj, "id", where, (str, int))
            if isinstance(pool_id, int):
                pool_id = str(pool_id)
            if not pool_id.isdigit() or int(pool_id) < 1 or pool_id != str(int(pool_id)):
                raise SeedError(f"{where}.id: must be a positive number written as a string, like \"1\"")
            if any(p.name == name for p in result):
                raise SeedError(f"{where}: duplicate pool name {name!r}")
            if any(p.id == pool_id for p in result):
                raise SeedError(f"{where}: duplicate pool id {pool_id!r}")
            result.append(Pool(name=name, id=pool_id))
        return result

    def load_ip(self, raw: Any, where: str, account: Account) -> IpRecord:
        obj = self.fields(raw, where, ("ip",), (
            "subusers", "pools", "warmup", "start_date", "rdns", "whitelabeled", "is_leased", "is_enabled",
            "is_auto_warmup", "is_parent_assigned", "region", "added_at", "updated_at"))
        ip = parse_ipv4(obj["ip"])
        if ip is None:
            raise SeedError(f"{where}.ip: {json.dumps(obj['ip'])} is not an IPv4 address in dotted-quad form")
        where = f"{where} ({ip})"
        is_leased = self.typed(obj, "is_leased", where, (bool,), True)
        record = IpRecord(
            ip=ip,
            warmup=self.typed(obj, "warmup", where, (bool,), False),
            start_date=self.typed(obj, "start_date", where, (int,), None, nullable=True),
            rdns=self.typed(obj, "rdns", where, (str,), None, nullable=True) or None,
            whitelabeled=self.typed(obj, "whitelabeled", where, (bool,), False),
            is_leased=is_leased,
            # The spec: is_enabled "is null for Twilio SendGrid IP addresses" (leased ones).
            is_enabled=self.typed(obj, "is_enabled", where, (bool,), None if is_leased else True, nullable=True),
            is_auto_warmup=self.typed(obj, "is_auto_warmup", where, (bool,), False),
            is_parent_assigned=self.typed(obj, "is_parent_assigned", where, (bool,), True),
            region=self.typed(obj, "region", where, (str,), "us"),
            added_at=self.typed(obj, "added_at", where, (int,), DEFAULT_ADDED_AT),
            updated_at=self.typed(obj, "updated_at", where, (int,), None, nullable=True),
        )
        if record.region not in NEW_IP_RANGES:
            raise SeedError(f"{where}.region: must be one of {sorted(NEW_IP_RANGES)}")
        if record.warmup and record.start_date is None:
            record.start_date = record.added_at
        if record.is_leased and record.is_enabled is not None:
            raise SeedError(f"{where}.is_enabled: applies only to customer-owned IPs (is_leased false); "
                            "leave it null for leased IPs")
        if not record.is_leased and record.is_enabled is None:
            raise SeedError(f"{where}.is_enabled: a customer-owned IP (is_leased false) needs true or false")
        if record.whitelabeled and not record.rdns:
            raise SeedError(f"{where}.whitelabeled: true needs an rdns value (reverse DNS record)")
        for username in self.string_list(obj, "subusers", where):
            subuser = account.subusers.get(username)
            if subuser is None:
                raise SeedError(f"{where}.subusers: unknown subuser {username!r} (known: {sorted(account.subusers)})")
            if Account.region_conflict(subuser, record.region):
                raise SeedError(f"{where}.subusers: subuser {username!r} (region {subuser.region}) cannot use an "
                                f"IP in region {record.region}")
            record.subusers.add(username)
        for name in self.string_list(obj, "pools", where):
            pool = account.pool_by_name(name)
            if pool is None:
                known = sorted(p.name for p in account.pools.values())
                raise SeedError(f"{where}.pools: unknown pool {name!r} (known: {known})")
            if not record.is_parent_assigned:
                raise SeedError(f"{where}.pools: an IP must be parent-assigned (is_parent_assigned true) "
                                "to be in a pool")
            record.pools.add(pool.id)
        return record
