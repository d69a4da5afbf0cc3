"""Seed documents of one account: strict loading into an Account, and back (GET /_emulator/state).

The world (several accounts, the DNS zone) is read and written in world.py.
"""

from __future__ import annotations

import json
from typing import Any

from . import strict
from .constants import (
    CAPPABLE_LISTS, DEFAULT_ADDED_AT, DEFAULT_REMAINING_IPS, DEFAULT_REPUTATION, IP_REGION_FOR_SUBUSER_REGION,
    IP_REGIONS, MAX_IPS_PER_POOL, MAX_POOLS)
from .errors import SeedError
from .model import Account, IpRecord, Pool, ReverseDns, Subuser, parse_ipv4, pool_name_problem

ACCOUNT_KEYS = ("subusers", "pools", "ips", "remaining_ips", "price_per_ip", "page_caps", "reverse_dns")
IP_KEYS = ("subusers", "pools", "warmup", "start_date", "rdns", "whitelabeled", "is_leased", "is_enabled",
           "is_auto_warmup", "is_parent_assigned", "region", "added_at", "updated_at", "send_ips_lag")
RDNS_KEYS = ("subdomain", "rdns", "valid", "legacy", "last_validation_attempt_at")
SHOWN_NAMES = 20                        # an error lists at most this many known names


def known(names: Any) -> str:
    names = sorted(names)
    more = f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    return f"{names[:SHOWN_NAMES]}{more}"


def rdns_host(ordinal: int, subdomain: str | None, domain: str) -> str:
    return ".".join([f"o{ordinal}"] + ([subdomain] if subdomain else []) + [domain])


def split_rdns(rdns: str) -> tuple[str | None, str]:
    """(subdomain, domain) of an rDNS host written as o<N>.<subdomain>.<domain> (or o<N>.<domain>)."""
    labels = rdns.split(".")
    if len(labels) >= 4:
        return labels[1], ".".join(labels[2:])
    return None, ".".join(labels[1:]) if len(labels) == 3 else rdns


class AccountLoader:
    """Reads one account's document.  ``where`` prefixes every message (``accounts[1] (eu-brand)``).

    ``dns`` is the world's zone: a valid rDNS record implied by an IP's ``rdns`` and
    ``whitelabeled`` adds its A record there (the record could not be valid otherwise).
    """

    def __init__(self, doc: Any, where: str = "seed", extra_keys: tuple[str, ...] = (),
                 dns: dict[str, str] | None = None):
        self.doc = doc
        self.where = where
        self.extra_keys = extra_keys
        self.dns = {} if dns is None else dns

    def _at(self, where: str) -> str:
        return where if self.where == "seed" else f"{self.where}.{where}"

    def typed(self, obj: dict[str, Any], key: str, where: str, kinds: tuple[type, ...], default: Any = strict.MISSING,
              nullable: bool = False) -> Any:
        return strict.typed(obj, key, where, kinds, SeedError, default, nullable)

    def string_list(self, obj: dict[str, Any], key: str, where: str) -> list[str]:
        values = self.typed(obj, key, where, (list,), [])
        for value in values:
            if not isinstance(value, str):
                raise SeedError(f"{where}.{key}: expected strings, got {json.dumps(value)}")
        if len(set(values)) != len(values):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            raise SeedError(f"{where}.{key}: duplicate entries {duplicates}")
        return values

    def load(self, account_id: str) -> Account:
        doc = strict.fields(self.doc, self.where, (), ACCOUNT_KEYS + self.extra_keys, SeedError)
        top = self.where
        remaining = self.typed(doc, "remaining_ips", top, (int,), DEFAULT_REMAINING_IPS)
        if remaining < 0:
            raise SeedError(f"{top}.remaining_ips: must be >= 0")
        account = Account(account_id, remaining)
        account.price_per_ip = self.typed(doc, "price_per_ip", top, (int, float), account.price_per_ip)
        if "page_caps" in doc:
            strict.apply_caps(account.page_caps, strict.page_caps(doc["page_caps"], f"{top}.page_caps",
                                                                  CAPPABLE_LISTS, SeedError))
        for subuser in self.load_subusers(self.typed(doc, "subusers", top, (list,), [])):
            account.add_subuser(subuser)
        for pool in self.load_pools(self.typed(doc, "pools", top, (list,), [])):
            account.pools[pool.id] = pool
        implied: list[tuple[str, IpRecord, str | None, bool | None]] = []
        for index, raw in enumerate(self.typed(doc, "ips", top, (list,), [])):
            where = self._at(f"ips[{index}]")
            record, rdns, whitelabeled = self.load_ip(raw, where, account)
            if record.ip in account.ips:
                raise SeedError(f"{where}: duplicate ip {record.ip}")
            account.add_ip(record)
            if rdns is not None or whitelabeled is not None:
                implied.append((where, record, rdns, whitelabeled))
        for pool in account.pools.values():
            if len(pool.members) > MAX_IPS_PER_POOL:
                raise SeedError(f"{self._at('pool')} {pool.name!r}: more than {MAX_IPS_PER_POOL} IPs")
        for index, raw in enumerate(self.typed(doc, "reverse_dns", top, (list,), [])):
            self.load_rdns(raw, self._at(f"reverse_dns[{index}]"), account)
        for where, record, rdns, whitelabeled in implied:
            self.imply_rdns(where, record, rdns, whitelabeled, account)
        return account

    def load_subusers(self, raws: list[Any]) -> list[Subuser]:
        result: list[Subuser] = []
        names: set[str] = set()
        ids: set[int] = set()
        for index, raw in enumerate(raws):
            where = self._at(f"subusers[{index}]")
            obj = strict.fields(raw, where, ("username", "id"), ("email", "disabled", "region", "reputation"),
                                SeedError)
            username = self.typed(obj, "username", where, (str,))
            if not username:
                raise SeedError(f"{where}.username: must not be empty")
            subuser_id = self.typed(obj, "id", where, (int,))
            if subuser_id < 1:
                raise SeedError(f"{where}.id: must be a positive integer")
            region = self.typed(obj, "region", where, (str,), "global")
            if region not in IP_REGION_FOR_SUBUSER_REGION:
                raise SeedError(f"{where}.region: must be one of {sorted(IP_REGION_FOR_SUBUSER_REGION)}")
            reputation = self.typed(obj, "reputation", where, (int, float), DEFAULT_REPUTATION)
            if not 0 <= reputation <= 100:
                raise SeedError(f"{where}.reputation: must be between 0 and 100")
            if username in names:
                raise SeedError(f"{where}: duplicate username {username!r}")
            if subuser_id in ids:
                raise SeedError(f"{where}: duplicate id {subuser_id}")
            names.add(username)
            ids.add(subuser_id)
            result.append(Subuser(username=username, id=subuser_id,
                                  email=self.typed(obj, "email", where, (str,), f"{username}@example.com"),
                                  disabled=self.typed(obj, "disabled", where, (bool,), False),
                                  region=region, reputation=reputation))
        return result

    def load_pools(self, raws: list[Any]) -> list[Pool]:
        if len(raws) > MAX_POOLS:
            raise SeedError(f"{self._at('pools')}: at most {MAX_POOLS} pools")
        result: list[Pool] = []
        for index, raw in enumerate(raws):
            where = self._at(f"pools[{index}]")
            obj = strict.fields(raw, where, ("name", "id"), (), SeedError)
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

    def load_ip(self, raw: Any, where: str, account: Account) -> tuple[IpRecord, str | None, bool | None]:
        obj = strict.fields(raw, where, ("ip",), IP_KEYS, SeedError)
        ip = parse_ipv4(obj["ip"])
        if ip is None:
            raise SeedError(f"{where}.ip: {json.dumps(obj['ip'])} is not an IPv4 address in dotted-quad form")
        where = f"{where} ({ip})"
        is_leased = self.typed(obj, "is_leased", where, (bool,), True)
        record = IpRecord(
            ip=ip,
            warmup=self.typed(obj, "warmup", where, (bool,), False),
            start_date=self.typed(obj, "start_date", where, (int,), None, nullable=True),
            is_leased=is_leased,
            # The spec: is_enabled "is null for Twilio SendGrid IP addresses" (leased ones).
            is_enabled=self.typed(obj, "is_enabled", where, (bool,), None if is_leased else True, nullable=True),
            is_auto_warmup=self.typed(obj, "is_auto_warmup", where, (bool,), False),
            is_parent_assigned=self.typed(obj, "is_parent_assigned", where, (bool,), True),
            region=self.typed(obj, "region", where, (str,), "us"),
            added_at=self.typed(obj, "added_at", where, (int,), DEFAULT_ADDED_AT),
            updated_at=self.typed(obj, "updated_at", where, (int,), None, nullable=True),
            send_ips_lag=strict.lag_rule(obj.get("send_ips_lag"), f"{where}.send_ips_lag", SeedError),
        )
        rdns = self.typed(obj, "rdns", where, (str,), None, nullable=True) or None
        whitelabeled = self.typed(obj, "whitelabeled", where, (bool,), None)
        if record.region not in IP_REGIONS:
            raise SeedError(f"{where}.region: must be one of {list(IP_REGIONS)}")
        if record.warmup and record.start_date is None:
            record.start_date = record.added_at
        if record.is_leased and record.is_enabled is not None:
            raise SeedError(f"{where}.is_enabled: applies only to customer-owned IPs (is_leased false); "
                            "leave it null for leased IPs")
        if not record.is_leased and record.is_enabled is None:
            raise SeedError(f"{where}.is_enabled: a customer-owned IP (is_leased false) needs true or false")
        if whitelabeled and not rdns:
            raise SeedError(f"{where}.whitelabeled: true needs an rdns value (reverse DNS record)")
        for username in self.string_list(obj, "subusers", where):
            subuser = account.subusers.get(username)
            if subuser is None:
                raise SeedError(f"{where}.subusers: unknown subuser {username!r} (known: {known(account.subusers)})")
            if Account.region_conflict(subuser, record.region):
                raise SeedError(f"{where}.subusers: subuser {username!r} (region {subuser.region}) cannot use an "
                                f"IP in region {record.region}")
            account.link(record, subuser)
        for name in self.string_list(obj, "pools", where):
            pool = account.pool_by_name(name)
            if pool is None:
                names = known(p.name for p in account.pools.values())
                raise SeedError(f"{where}.pools: unknown pool {name!r} (known: {names})")
            if not record.is_parent_assigned:
                raise SeedError(f"{where}.pools: an IP must be parent-assigned (is_parent_assigned true) "
                                "to be in a pool")
            account.add_to_pool(pool, [record])
        return record, rdns, whitelabeled

    def load_rdns(self, raw: Any, where: str, account: Account) -> None:
        obj = strict.fields(raw, where, ("id", "ip", "domain"), RDNS_KEYS, SeedError)
        record_id = self.typed(obj, "id", where, (int,))
        ip = parse_ipv4(obj["ip"])
        if record_id < 1 or record_id in account.rdns:
            raise SeedError(f"{where}.id: must be a positive integer, unique in the account")
        if ip is None or ip not in account.ips:
            raise SeedError(f"{where}.ip: {json.dumps(obj['ip'])} is not an IP of this account")
        if ip in account.rdns_by_ip:
            raise SeedError(f"{where}.ip: {ip} has a reverse DNS record already (one per IP)")
        domain = self.typed(obj, "domain", where, (str,))
        subdomain = self.typed(obj, "subdomain", where, (str,), None, nullable=True) or None
        if not domain:
            raise SeedError(f"{where}.domain: must not be empty")
        rdns = self.typed(obj, "rdns", where, (str,), None) or rdns_host(1, subdomain, domain)
        account.add_rdns(ReverseDns(
            id=record_id, ip=ip, domain=domain, subdomain=subdomain, rdns=rdns,
            valid=self.typed(obj, "valid", where, (bool,), False),
            legacy=self.typed(obj, "legacy", where, (bool,), False),
            last_validation_attempt_at=self.typed(obj, "last_validation_attempt_at", where, (int,), None,
                                                  nullable=True)))

    def imply_rdns(self, where: str, record: IpRecord, rdns: str | None, whitelabeled: bool | None,
                   account: Account) -> None:
        """An IP's ``rdns`` / ``whitelabeled`` agree with its record, or imply one."""
        existing = account.rdns_of(record)
        if existing is not None:
            if rdns is not None and rdns != existing.rdns:
                raise SeedError(f"{where}.rdns: {rdns!r} differs from its reverse_dns record ({existing.rdns!r})")
            if whitelabeled is not None and whitelabeled != existing.valid:
                raise SeedError(f"{where}.whitelabeled: must equal the valid flag of its reverse_dns record "
                                f"({str(existing.valid).lower()})")
            return
        if rdns is None:
            return
        subdomain, domain = split_rdns(rdns)
        account.add_rdns(ReverseDns(id=account.next_rdns_id(), ip=record.ip, domain=domain, subdomain=subdomain,
                                    rdns=rdns, valid=bool(whitelabeled)))
        if whitelabeled:
            self.dns.setdefault(rdns, record.ip)


def account_doc(account: Account) -> dict[str, Any]:
    """The account as a seed document (fully expanded and sorted)."""
    return {
        "remaining_ips": account.remaining_ips,
        "price_per_ip": account.price_per_ip,
        "page_caps": dict(sorted(account.page_caps.items())),
        "subusers": [
            {"username": s.username, "id": s.id, "email": s.email, "disabled": s.disabled, "region": s.region,
             "reputation": s.reputation}
            for s in account.sorted_subusers()
        ],
        "pools": [{"name": p.name, "id": p.id} for p in account.sorted_pools()],
        "ips": [ip_doc(account, r) for r in account.sorted_ips()],
        "reverse_dns": [
            {"id": d.id, "ip": d.ip, "domain": d.domain, "subdomain": d.subdomain, "rdns": d.rdns, "valid": d.valid,
             "legacy": d.legacy, "last_validation_attempt_at": d.last_validation_attempt_at}
            for d in sorted(account.rdns.values(), key=lambda d: d.id)
        ],
    }


def ip_doc(account: Account, record: IpRecord) -> dict[str, Any]:
    rdns = account.rdns_of(record)
    return {
        "ip": record.ip,
        "subusers": sorted(record.subusers),
        "pools": account.pool_names(record),
        "warmup": record.warmup,
        "start_date": record.start_date,
        "rdns": rdns.rdns if rdns else None,
        "whitelabeled": bool(rdns and rdns.valid),
        "is_leased": record.is_leased,
        "is_enabled": record.is_enabled,
        "is_auto_warmup": record.is_auto_warmup,
        "is_parent_assigned": record.is_parent_assigned,
        "region": record.region,
        "added_at": record.added_at,
        "updated_at": record.updated_at,
        "send_ips_lag": record.send_ips_lag,
    }
