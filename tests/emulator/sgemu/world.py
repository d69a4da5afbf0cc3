"""The world the emulator serves: several accounts (one API key each), partners and their
customer accounts, and the public DNS zone that reverse DNS validation looks at.

Two seed formats (tests/emulator/seeds/README.md):

* one account: ``{"subusers": [...], "pools": [...], "ips": [...], ...}``; its id is
  ``main`` and its key is the command line's ``--api-key``;
* several: ``{"accounts": [{"id": "main", ...}, {"id": "eu-brand", "api_key": "SG.x", ...}],
  "dns": {...}}``; the first account also takes ``--api-key``.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from . import strict
from .constants import DEFAULT_ACCOUNT_ID, NEW_IP_RANGES
from .errors import SeedError
from .model import Account, parse_ipv4
from .seed import ACCOUNT_KEYS, AccountLoader, account_doc

ACCOUNT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
WORLD_ONLY_KEYS = ("id", "api_key", "customers")


class World:
    """Every account, by id and by API key."""

    def __init__(self, accounts: list[Account], dns: dict[str, str], cli_key: str | None = None):
        self.accounts = {a.id: a for a in accounts}
        self.order = [a.id for a in accounts]
        self.dns = dns
        self.cli_key = cli_key
        self.by_key = {a.api_key: a for a in accounts if a.api_key}

    @property
    def default(self) -> Account:
        return self.accounts[self.order[0]]

    def account_for_key(self, key: str) -> Account | None:
        if self.cli_key is not None and key == self.cli_key:
            return self.default
        return self.by_key.get(key)

    def customer_of(self, partner: Account, account_id: str) -> Account | None:
        return self.accounts.get(account_id) if account_id in partner.customers else None

    def all_accounts(self) -> Iterator[Account]:
        return (self.accounts[i] for i in self.order)

    def allocate_ip(self, region: str) -> str | None:
        """A new address in ``region``, on no account of the world (real IPs are unique)."""
        for network in NEW_IP_RANGES[region]:
            for offset in range(10, network.num_addresses - 1):
                address = str(network.network_address + offset)
                if not any(address in account.ips for account in self.accounts.values()):
                    return address
        return None

    # -- changes through the control API ------------------------------------

    def add_account(self, doc: Any, where: str = "account") -> Account:
        account = load_account_entry(doc, where, self.dns)
        if account.id in self.accounts:
            raise SeedError(f"{where}.id: an account {account.id!r} exists already")
        if account.api_key and (account.api_key in self.by_key or account.api_key == self.cli_key):
            raise SeedError(f"{where}.api_key: another account has this key")
        for customer in account.customers:
            if customer not in self.accounts or self.accounts[customer].partner is not None:
                raise SeedError(f"{where}.customers: {customer!r} is not an account without a partner")
        self.accounts[account.id] = account
        self.order.append(account.id)
        if account.api_key:
            self.by_key[account.api_key] = account
        for customer in account.customers:
            self.accounts[customer].partner = account.id
        return account

    def remove_account(self, account_id: str) -> None:
        account = self.accounts[account_id]
        if account_id == self.order[0]:
            raise SeedError("the first account (the one --api-key reaches) cannot be removed")
        for customer in account.customers:
            self.accounts[customer].partner = None
        if account.partner is not None:
            self.accounts[account.partner].customers.remove(account_id)
        self.by_key.pop(account.api_key or "", None)
        del self.accounts[account_id]
        self.order.remove(account_id)

    def replace_account(self, account_id: str, doc: Any) -> None:
        """Reset one account's content (single-account format); its id, key and partner links stay."""
        old = self.accounts[account_id]
        new = AccountLoader(doc, "seed", dns=self.dns).load(account_id)
        new.api_key, new.partner, new.customers = old.api_key, old.partner, old.customers
        self.accounts[account_id] = new
        if new.api_key:
            self.by_key[new.api_key] = new

    # -- export -------------------------------------------------------------

    def single_format(self) -> bool:
        account = self.default
        return len(self.accounts) == 1 and account.id == DEFAULT_ACCOUNT_ID and not account.api_key \
            and not account.customers

    def to_seed(self) -> dict[str, Any]:
        dns = dict(sorted(self.dns.items()))
        if self.single_format():
            return {**account_doc(self.default), **({"dns": dns} if dns else {})}
        return {"accounts": [account_entry(a) for a in self.all_accounts()], "dns": dns}


def account_entry(account: Account) -> dict[str, Any]:
    return {"id": account.id, "api_key": account.api_key, "customers": list(account.customers),
            **account_doc(account)}


def load_world(doc: Any, cli_key: str | None = None) -> World:
    """The world a seed document describes (SeedError if the document is invalid)."""
    if not isinstance(doc, dict):
        raise SeedError(f"seed: expected an object, got {type(doc).__name__}")
    dns = load_dns(doc.get("dns", {}), "seed.dns")
    if "accounts" not in doc:
        account = AccountLoader({k: v for k, v in doc.items() if k != "dns"}, "seed", dns=dns).load(
            DEFAULT_ACCOUNT_ID)
        return World([account], dns, cli_key)
    strict.fields(doc, "seed", ("accounts",), ("dns",), SeedError)
    raws = doc["accounts"]
    if not isinstance(raws, list) or not raws:
        raise SeedError("seed.accounts: expected a non-empty list of accounts")
    world = World([], dns, cli_key)
    for index, raw in enumerate(raws):
        where = f"accounts[{index}]"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            where += f" ({raw['id']})"
        account = load_account_entry(raw, where, dns)
        if account.id in world.accounts:
            raise SeedError(f"{where}.id: duplicate account id {account.id!r}")
        if account.api_key and (account.api_key in world.by_key or account.api_key == cli_key):
            raise SeedError(f"{where}.api_key: another account has this key")
        world.accounts[account.id] = account
        world.order.append(account.id)
        if account.api_key:
            world.by_key[account.api_key] = account
    for account in world.all_accounts():
        for customer in account.customers:
            target = world.accounts.get(customer)
            if target is None or target is account:
                raise SeedError(f"accounts ({account.id}).customers: {customer!r} is not another account of the seed")
            if target.partner is not None:
                raise SeedError(f"accounts ({account.id}).customers: {customer!r} is a customer of "
                                f"{target.partner!r} already")
            if target.customers:
                raise SeedError(f"accounts ({account.id}).customers: {customer!r} is a partner itself")
            target.partner = account.id
    return world


def load_account_entry(raw: Any, where: str, dns: dict[str, str]) -> Account:
    obj = strict.fields(raw, where, ("id",), WORLD_ONLY_KEYS[1:] + ACCOUNT_KEYS, SeedError)
    account_id = obj["id"]
    if not isinstance(account_id, str) or not ACCOUNT_ID_RE.fullmatch(account_id):
        raise SeedError(f"{where}.id: 1 to 64 letters, digits, '.', '_' or '-' (first a letter or digit)")
    api_key = strict.typed(obj, "api_key", where, (str,), SeedError, None, nullable=True)
    if api_key is not None and (not api_key or any(c.isspace() for c in api_key)):
        raise SeedError(f"{where}.api_key: a non-empty string without spaces")
    customers = strict.typed(obj, "customers", where, (list,), SeedError, [])
    if not all(isinstance(c, str) for c in customers) or len(set(customers)) != len(customers):
        raise SeedError(f"{where}.customers: a list of distinct account ids")
    content = {k: v for k, v in obj.items() if k not in WORLD_ONLY_KEYS}
    account = AccountLoader(content, where, dns=dns).load(account_id)
    account.api_key = api_key
    account.customers = list(customers)
    return account


def load_dns(value: Any, where: str) -> dict[str, str]:
    """The DNS zone: {host name: IPv4 address of its A record}."""
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected an object {{host: IPv4 address}}")
    zone = {}
    for host, address in value.items():
        if not host or parse_ipv4(address) is None:
            raise SeedError(f"{where}.{host}: expected an IPv4 address, got {address!r}")
        zone[host.lower().rstrip(".")] = address
    return zone
