#!/usr/bin/env python
"""Stateful local emulator of the SendGrid v3 IP-management API (test-only).

It implements the 35 operations of Twilio's OpenAPI description of the SendGrid
IP endpoints (/v3/ips*, /v3/ips/pools*, /v3/ips/warmup*, /v3/send_ips/*,
/v3/subusers list/create, PATCH /v3/subusers/{name}, PUT /v3/subusers/{name}/ips)
with the spec's paths, query parameters, pagination, status codes and body shapes.
A control API under /_emulator/ (no auth) resets state, injects faults, sets rate
limits and exposes the request log. tests/emulator/seeds/README.md documents both.

Standard library only.  Run ``python sendgrid_emulator.py --help`` for the CLI.

Choices made where the spec is silent are marked "Emulator choice:" below.
"""

from __future__ import annotations

import argparse
import http
import ipaddress
import json
import math
import os
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_SEED = Path(__file__).resolve().parent / "seeds" / "demo.json"

# ---------------------------------------------------------------------------
# Constants and the emulated account's defaults
# ---------------------------------------------------------------------------

DEFAULT_ADDED_AT = 1700000000          # added_at of seeded IPs that do not set one
DEFAULT_REMAINING_IPS = 2              # GET /v3/ips/remaining
PRICE_PER_IP = 20                      # GET /v3/ips/remaining (value of the spec example)
MAX_POOLS = 100                        # "100 pools limit has been reached"
MAX_IPS_PER_POOL = 100                 # "the total number of IPs per pool cannot exceed 100"
MAX_IPS_PER_POOL_CALL = 100            # "the number of IPs must be between 1 and 100"
MAX_SUBUSERS_PER_BATCH = 1000          # "cannot assign more than 1000 subusers per call"
MAX_SUBUSERS_ON_ADD_IP = 100           # POST /v3/send_ips/ips body schema: subusers maxItems 100
PREVIEW_SIZE = 10                      # ips_preview holds at most 10 IPs
DEFAULT_PAGE_SIZE = 10                 # every list's default limit (spec gives 10 for GET /v3/ips)
DEFAULT_RATE_LIMIT = 10000             # requests per endpoint and window
DEFAULT_RATE_WINDOW = 60               # seconds
FIRST_SUBUSER_ID = 1001
# Emulator choice: new IPs come from the documentation ranges, per region.
NEW_IP_RANGES = {"us": ipaddress.ip_network("198.51.100.0/24"), "eu": ipaddress.ip_network("203.0.113.0/24")}
# A subuser pinned to region "eu" sends from "eu" IPs; a "global" subuser from "us" IPs.
IP_REGION_FOR_SUBUSER_REGION = {"global": "us", "eu": "eu"}

# send_ips limit rules.  GET /v3/send_ips/ips has its own example ("limit length error", <= 5000);
# every other /v3/send_ips list uses IpAddressManagement400LimitValueError (<= 100).
LIMIT_100 = (100, "should be > 0 and <= 100")
LIMIT_5000 = (5000, "should be > 0 and \u2264 5000")
BOOL_MESSAGE = "must be one of the following: true, false"
JSON_PARSE_MESSAGE = "failed to parse the request body as a JSON payload"


class SeedError(ValueError):
    """A seed document (CLI --seed or POST /_emulator/reset) is invalid."""


class ApiError(Exception):
    """An error response of the emulated API.

    ``field=None`` means "no specific field": it becomes ``null`` in the legacy and
    subuser APIs and ``""`` in /v3/send_ips, whose error schema types ``field`` as a
    plain string (see :func:`error_body`).  ``body`` overrides the whole body.
    """

    def __init__(self, status: int, message: str = "", field: str | None = None, *, body: Any = None):
        super().__init__(message or repr(body))
        self.status = status
        self.message = message
        self.field = field
        self.body = body


def error_body(family: str, message: str, field: str | None = None) -> dict[str, Any]:
    if field is None and family == "send_ips":
        field = ""
    return {"errors": [{"field": field, "message": message}]}


# ---------------------------------------------------------------------------
# Account state
# ---------------------------------------------------------------------------


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

    @classmethod
    def from_seed(cls, doc: Any) -> Account:
        return _SeedLoader(doc).load()

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


_MISSING = object()


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


# ---------------------------------------------------------------------------
# Request helpers: query arguments, bodies, pagination
# ---------------------------------------------------------------------------

_INT_RE = re.compile(r"-?\d+")


@dataclass
class Call:
    """One API call as seen by an operation handler."""

    params: dict[str, str]              # percent-decoded path parameters
    query: dict[str, list[str]]
    body: Any                           # parsed JSON; None when the request had no body
    now: int

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def bool_arg(self, name: str) -> bool | None:
        value = self.arg(name)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise ApiError(400, BOOL_MESSAGE, name)
        return value == "true"

    def int_arg(self, name: str, message: str) -> int | None:
        value = self.arg(name)
        if value is None:
            return None
        if not _INT_RE.fullmatch(value):
            raise ApiError(400, message, name)
        return int(value)

    def enum_arg(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = self.arg(name)
        if value is not None and value not in allowed:
            raise ApiError(400, "must be one of the following: " + ", ".join(allowed), name)
        return value

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise ApiError(400, "request body must be a JSON object")
        return self.body


def offset_page(items: list[Any], call: Call) -> list[Any]:
    """limit/offset pagination of GET /v3/ips and GET /v3/subusers (bare array, no metadata)."""
    limit = call.int_arg("limit", "limit must be an integer >= 1")
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    if limit < 1:
        raise ApiError(400, "limit must be an integer >= 1", "limit")
    offset = call.int_arg("offset", "offset must be an integer >= 0") or 0
    if offset < 0:
        raise ApiError(400, "offset must be an integer >= 0", "offset")
    return items[offset:offset + limit]


def _cursor_key(call: Call, name: str) -> int | None:
    key = call.int_arg(name, "must be a numeric value")            # IpAddressManagement400AfterKeyTypeError
    if key is not None and key < 0:
        raise ApiError(400, "must be >= 0", name)                   # IpAddressManagement400AfterKeyValueError
    return key


def cursor_page(keyed: list[tuple[int, Any]], call: Call, limit_rule: tuple[int, str],
                with_before_key: bool = False) -> tuple[list[Any], dict[str, Any]]:
    """after_key/before_key pagination of the /v3/send_ips lists.

    Emulator choice: keys are numbers (the spec types after_key as an integer), stable
    under concurrent changes: the IPv4 address as a 32-bit integer, the pool id or the
    subuser id.  ``after_key=K`` returns the items whose key is > K; ``before_key=K``
    the last ``limit`` items whose key is < K.  ``next_params.after_key`` is the key of
    the page's last item when more items follow, else null (the client stops).
    """
    max_limit, limit_message = limit_rule
    limit = call.int_arg("limit", limit_message)
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    if not 0 < limit <= max_limit:
        raise ApiError(400, limit_message, "limit")
    after_key = _cursor_key(call, "after_key")
    before_key = _cursor_key(call, "before_key") if with_before_key else None
    if after_key is not None and before_key is not None:
        raise ApiError(400, "cannot be used with \u2018before_key\u2019", "after_key")
    keyed = sorted(keyed, key=lambda pair: pair[0])
    if before_key is not None:
        earlier = [pair for pair in keyed if pair[0] < before_key]
        page = earlier[-limit:]
    else:
        page = [pair for pair in keyed if after_key is None or pair[0] > after_key][:limit]
    more_after = bool(page) and page[-1][0] < keyed[-1][0]
    next_params: dict[str, Any] = {"after_key": str(page[-1][0]) if more_after else None}
    if with_before_key:
        more_before = bool(page) and page[0][0] > keyed[0][0]
        next_params["before_key"] = str(page[0][0]) if more_before else None
    next_params["limit"] = str(limit)
    return [item for key, item in page], next_params


def listing(result: list[Any], next_params: dict[str, Any]) -> dict[str, Any]:
    return {"result": result, "_metadata": {"next_params": next_params}}


# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------

OperationHandler = Callable[[Account, Call], tuple[int, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: OperationHandler

    @property
    def segments(self) -> list[str]:
        return self.template.strip("/").split("/")


def path_family(path: str) -> str:
    return "send_ips" if path.startswith("/v3/send_ips") else "v3"


ROUTES: list[Route] = []


def route(method: str, template: str) -> Callable[[OperationHandler], OperationHandler]:
    def register(handler: OperationHandler) -> OperationHandler:
        ROUTES.append(Route(method, template, handler))
        return handler
    return register


def _match_template(template_segments: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(template_segments) != len(segments):
        return None
    params: dict[str, str] = {}
    for pattern, segment in zip(template_segments, segments):
        if pattern.startswith("{") and pattern.endswith("}"):
            if not segment:
                return None
            params[pattern[1:-1]] = segment
        elif pattern != segment:
            return None
    return params


def find_route(method: str, raw_path: str) -> tuple[Route | None, dict[str, str], list[str]]:
    """(route, decoded path params, methods allowed on the matched template).

    Segments are split on the raw path and then percent-decoded, so ``%20`` is a
    space and ``%2F`` inside a pool name does not split it.  Literal segments beat
    parameters (``/v3/ips/pools`` is not ``/v3/ips/{ip_address}``).
    """
    segments = [unquote(s) for s in raw_path.strip("/").split("/")]
    best: tuple[tuple[bool, ...], str, dict[str, str]] | None = None
    for candidate in ROUTES:
        params = _match_template(candidate.segments, segments)
        if params is None:
            continue
        literal_score = tuple(not s.startswith("{") for s in candidate.segments)
        if best is None or literal_score > best[0]:
            best = (literal_score, candidate.template, params)
    if best is None:
        return None, {}, []
    template, params = best[1], best[2]
    allowed = [r.method for r in ROUTES if r.template == template]
    chosen = next((r for r in ROUTES if r.template == template and r.method == method), None)
    return chosen, params, allowed


# ---------------------------------------------------------------------------
# Shared operation logic
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Legacy IP Address API: /v3/ips
# ---------------------------------------------------------------------------


@route("POST", "/v3/ips")
def add_ips(account: Account, call: Call) -> tuple[int, Any]:
    body = call.json_object()
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ApiError(400, "count must be an integer >= 1", "count")
    usernames = body.get("subusers", [])
    if not isinstance(usernames, list) or not all(isinstance(u, str) for u in usernames):
        raise ApiError(400, "subusers must be an array of usernames", "subusers")
    warmup = body.get("warmup", False)
    if not isinstance(warmup, bool):
        raise ApiError(400, "warmup must be a boolean", "warmup")
    if any(u not in account.subusers for u in usernames):
        raise ApiError(400, "one or more subusers do not belong to this user")   # spec example
    subusers = [account.subusers[u] for u in usernames]
    # [global-only] operation: new IPs are "us" IPs.
    require_region_match(subusers, [("new IP", "us")], "subusers")
    if count > account.remaining_ips:
        raise ApiError(400, f"cannot add {count} IPs: {account.remaining_ips} remaining", "count")
    added = []
    for _number in range(count):
        record = new_ip(account, "us", call.now)
        record.subusers.update(usernames)
        record.warmup = warmup
        record.start_date = call.now if warmup else None
        added.append({"ip": record.ip, "subusers": sorted(record.subusers)})
    return 201, {"ips": added, "remaining_ips": account.remaining_ips, "warmup": warmup}


@route("GET", "/v3/ips")
def list_ips(account: Account, call: Call) -> tuple[int, Any]:
    ip_prefix = call.arg("ip")
    subuser = call.arg("subuser")
    exclude_whitelabels = call.bool_arg("exclude_whitelabels")
    direction = call.enum_arg("sort_by_direction", ("desc", "asc")) or "asc"
    records = account.sorted_ips()
    if direction == "desc":
        records.reverse()
    # Emulator choice: `ip` is a prefix match ("192.0.2." lists that range); an unknown
    # `subuser` simply matches no IP (empty array, not an error).
    if ip_prefix:
        records = [r for r in records if r.ip.startswith(ip_prefix)]
    if subuser is not None:
        records = [r for r in records if subuser in r.subusers]
    if exclude_whitelabels:
        records = [r for r in records if not r.whitelabeled]
    # Emulator choice: an IP is assigned to the account when it is added (assigned_at =
    # added_at); rdns appears only when the IP has one.
    return 200, [{**legacy_ip_view(account, r), "assigned_at": r.added_at, **({"rdns": r.rdns} if r.rdns else {})}
                 for r in offset_page(records, call)]


@route("GET", "/v3/ips/assigned")
def list_assigned_ips(account: Account, call: Call) -> tuple[int, Any]:
    # Emulator choice: "assigned" IPs are all IPs that can send (every leased IP and the
    # enabled customer-owned ones).  The spec types start_date here as a non-nullable
    # integer, so an IP that never warmed up reports 0.
    active = [r for r in account.sorted_ips() if r.is_leased or r.is_enabled]
    return 200, [{"ip": r.ip, "pools": account.pool_names(r), "warmup": r.warmup, "start_date": r.start_date or 0}
                 for r in active]


@route("GET", "/v3/ips/remaining")
def remaining_ip_count(account: Account, call: Call) -> tuple[int, Any]:
    return 200, {"results": [{"remaining": account.remaining_ips, "period": "month", "price_per_ip": PRICE_PER_IP}]}


@route("GET", "/v3/ips/{ip_address}")
def get_ip(account: Account, call: Call) -> tuple[int, Any]:
    record = account.ips.get(call.params["ip_address"])
    if record is None:
        raise ApiError(404, "resource not found")
    # rdns is a required string here: "" when the IP has no reverse DNS record.
    return 200, {**legacy_ip_view(account, record), "rdns": record.rdns or ""}


# ---------------------------------------------------------------------------
# Legacy IP pools: /v3/ips/pools (addressed by name)
# ---------------------------------------------------------------------------

POOL_NOT_FOUND = "Unable to locate specified IPs Pool"


@route("POST", "/v3/ips/pools")
def legacy_create_pool(account: Account, call: Call) -> tuple[int, Any]:
    name = check_new_pool_name(account, call.json_object())
    check_pool_capacity(account)
    pool = Pool(name=name, id=account.next_pool_id())
    account.pools[pool.id] = pool
    return 200, {"name": pool.name}           # the spec declares 200, not 201


@route("GET", "/v3/ips/pools")
def legacy_list_pools(account: Account, call: Call) -> tuple[int, Any]:
    return 200, [{"name": p.name} for p in sorted(account.pools.values(), key=lambda p: p.name)]


def legacy_pool(account: Account, call: Call, not_found: ApiError) -> Pool:
    pool = account.pool_by_name(call.params["pool_name"])
    if pool is None:
        raise not_found
    return pool


@route("GET", "/v3/ips/pools/{pool_name}")
def legacy_get_pool(account: Account, call: Call) -> tuple[int, Any]:
    pool = legacy_pool(account, call, ApiError(404, POOL_NOT_FOUND, "error"))
    return 200, {"pool_name": pool.name, "ips": [r.ip for r in account.pool_members(pool)]}


@route("PUT", "/v3/ips/pools/{pool_name}")
def legacy_rename_pool(account: Account, call: Call) -> tuple[int, Any]:
    pool = legacy_pool(account, call, ApiError(404, "ip pool not found"))
    pool.name = check_new_pool_name(account, call.json_object(), renaming=pool)
    return 200, {"name": pool.name}


@route("DELETE", "/v3/ips/pools/{pool_name}")
def legacy_delete_pool(account: Account, call: Call) -> tuple[int, Any]:
    pool = legacy_pool(account, call, ApiError(404, body={"error": POOL_NOT_FOUND}))
    delete_pool(account, pool, call.now)
    return 204, None


@route("POST", "/v3/ips/pools/{pool_name}/ips")
def legacy_add_ip_to_pool(account: Account, call: Call) -> tuple[int, Any]:
    pool = legacy_pool(account, call, ApiError(404, "resource not found"))
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
    check_pool_room(account, pool, [record])
    add_to_pool(pool, [record], call.now)
    return 201, {"ip": ip, "pools": account.pool_names(record), "start_date": record.start_date or 0,
                 "warmup": record.warmup}


@route("DELETE", "/v3/ips/pools/{pool_name}/ips/{ip}")
def legacy_remove_ip_from_pool(account: Account, call: Call) -> tuple[int, Any]:
    pool = legacy_pool(account, call, ApiError(404, body={"error": POOL_NOT_FOUND}))
    record = account.ips.get(call.params["ip"])
    if record is None or pool.id not in record.pools:
        # Emulator choice: same legacy {"error": ...} shape when the IP is not in the pool.
        raise ApiError(404, body={"error": "Unable to locate specified IP in IPs Pool"})
    remove_from_pool(pool, [record], call.now)
    return 204, None


# ---------------------------------------------------------------------------
# IP warmup: /v3/ips/warmup
# ---------------------------------------------------------------------------


def warming_ip(account: Account, ip: str) -> IpRecord:
    record = account.ips.get(ip)
    if record is None or not record.warmup:
        raise ApiError(404, "resource not found")
    return record


@route("POST", "/v3/ips/warmup")
def start_warmup(account: Account, call: Call) -> tuple[int, Any]:
    ip = call.json_object().get("ip")
    if not isinstance(ip, str):
        raise ApiError(400, "ip is required", "ip")
    record = account.ips.get(ip)
    if record is None:
        raise ApiError(404, "resource not found")
    if record.warmup:
        raise ApiError(400, f"ip {ip} is already in warmup", "ip")    # Emulator choice: not a no-op
    record.warmup = True
    record.start_date = call.now
    record.touch(call.now)
    return 200, [warmup_view(record)]


@route("GET", "/v3/ips/warmup")
def list_warmup(account: Account, call: Call) -> tuple[int, Any]:
    return 200, [warmup_view(r) for r in account.sorted_ips() if r.warmup]


@route("GET", "/v3/ips/warmup/{ip_address}")
def get_warmup(account: Account, call: Call) -> tuple[int, Any]:
    return 200, [warmup_view(warming_ip(account, call.params["ip_address"]))]


@route("DELETE", "/v3/ips/warmup/{ip_address}")
def stop_warmup(account: Account, call: Call) -> tuple[int, Any]:
    record = warming_ip(account, call.params["ip_address"])
    record.warmup = False
    record.start_date = None
    record.touch(call.now)
    return 204, None


# ---------------------------------------------------------------------------
# IP Address Management: /v3/send_ips/ips
# ---------------------------------------------------------------------------


@route("GET", "/v3/send_ips/ips")
def send_ips_list(account: Account, call: Call) -> tuple[int, Any]:
    pool_arg = call.arg("pool")
    if pool_arg is not None and call.arg("is_parent_assigned") is not None:
        raise ApiError(400, "cannot be used with \u2018is_parent_assigned\u2019", "pool")
    filters = {name: call.bool_arg(name) for name in ("is_leased", "is_enabled", "is_parent_assigned")}
    start = call.int_arg("start_added_at", "must be numeric")
    end = call.int_arg("end_added_at", "must be numeric")
    region = call.enum_arg("region", ("all", "eu", "us"))
    include_region = call.bool_arg("include_region") or False
    ip_prefix = call.arg("ip")
    pool = None
    if pool_arg is not None:
        if not pool_arg.isdigit():
            raise ApiError(400, "must be numeric", "pool")
        pool = account.pools.get(str(int(pool_arg)))
        if pool is None:
            raise ApiError(400, "not found", "pool")
    records = account.sorted_ips()
    # Emulator choice: `ip` is a prefix match, as in GET /v3/ips.
    if ip_prefix:
        records = [r for r in records if r.ip.startswith(ip_prefix)]
    for name, wanted in filters.items():
        if wanted is not None:
            records = [r for r in records if getattr(r, name) is wanted]
    if pool is not None:
        records = [r for r in records if pool.id in r.pools]
    if start is not None:
        records = [r for r in records if r.added_at >= start]
    if end is not None:
        records = [r for r in records if r.added_at <= end]
    if region in ("eu", "us"):
        records = [r for r in records if r.region == region]
    keyed = [(ip_sort_key(r.ip), send_ip_view(account, r, include_region)) for r in records]
    result, next_params = cursor_page(keyed, call, LIMIT_5000, with_before_key=True)
    # next_params echoes the filters used (types as in the response schema).
    for name in ("ip", "pool", "start_added_at", "end_added_at", "region", "include_region"):
        if call.arg(name) is not None:
            next_params[name] = call.arg(name)
    for name, wanted in filters.items():
        if wanted is not None:
            next_params[name] = wanted
    return 200, listing(result, next_params)


@route("POST", "/v3/send_ips/ips")
def send_ips_add(account: Account, call: Call) -> tuple[int, Any]:
    body = call.json_object()
    flags = {}
    for name in ("is_auto_warmup", "is_parent_assigned"):
        if name not in body:
            raise ApiError(400, "not found in the request body", name)
        if not isinstance(body[name], bool):
            raise ApiError(400, BOOL_MESSAGE, name)
        flags[name] = body[name]
    ids = optional_string_list(body, "subusers")
    if len(ids) > MAX_SUBUSERS_ON_ADD_IP:
        # The body schema says maxItems 100; the spec's example text says 1000 (batchAdd's limit).
        raise ApiError(400, f"cannot assign more than {MAX_SUBUSERS_ON_ADD_IP} subusers per call", "subusers")
    region = body.get("region", "us")
    if region not in NEW_IP_RANGES:
        raise ApiError(400, "must be one of the following: eu, us", "region")
    include_region = body.get("include_region", False)
    if not isinstance(include_region, bool):
        raise ApiError(400, BOOL_MESSAGE, "include_region")
    subusers = resolve_subuser_ids(account, ids)
    require_region_match(subusers, [("new IP", region)], "subusers")
    if flags["is_auto_warmup"]:
        stuck = [str(s.id) for s in subusers
                 if not any(not (r.warmup or r.is_auto_warmup) for r in account.ips_of_subuser(s.username))]
        if stuck:
            raise ApiError(400, "these users must have at least one IP that is not in warmup: " + ", ".join(stuck),
                           "subusers")
    record = new_ip(account, region, call.now)
    record.is_auto_warmup = flags["is_auto_warmup"]
    record.is_parent_assigned = flags["is_parent_assigned"]
    record.subusers.update(s.username for s in subusers)
    response = {"ip": record.ip, **flags, "subusers": ids}
    if include_region:
        response["region"] = region
    return 201, response


@route("GET", "/v3/send_ips/ips/{ip}")
def send_ips_get(account: Account, call: Call) -> tuple[int, Any]:
    include_region = call.bool_arg("include_region") or False
    record = send_ips_path_ip(account, call, invalid_field="ip")
    return 200, send_ip_view(account, record, include_region)


@route("PATCH", "/v3/send_ips/ips/{ip}")
def send_ips_update(account: Account, call: Call) -> tuple[int, Any]:
    record = send_ips_path_ip(account, call, invalid_field="ip")
    body = call.json_object()
    names = ("is_enabled", "is_auto_warmup", "is_parent_assigned")
    changes = {name: body[name] for name in names if name in body}
    if not changes:
        raise ApiError(400, "at least one of the following is required: " + ", ".join(names))
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise ApiError(400, BOOL_MESSAGE, name)
    if "is_enabled" in changes and record.is_leased:
        # Emulator choice: the spec says is_enabled applies only to customer-owned IPs
        # (it "is null for Twilio SendGrid IP addresses"), so setting it on a leased IP fails.
        raise ApiError(400, "can only be set on customer-owned IPs (is_leased false); this IP is leased from "
                            "Twilio SendGrid", "is_enabled")
    if changes.get("is_parent_assigned") is False and record.pools:
        # Emulator choice: pool members must stay parent-assigned; remove the IP from its pools first.
        raise ApiError(400, "cannot be false while the IP is in a pool: "
                            + ", ".join(account.pool_names(record)), "is_parent_assigned")
    for name, value in changes.items():
        setattr(record, name, value)
    record.touch(call.now)
    # The response schema: is_parent_assigned "is returned only if the IP address is
    # parent assigned", is_enabled "only if the IP address is enabled".
    response: dict[str, Any] = {"ip": record.ip, "is_auto_warmup": record.is_auto_warmup}
    if record.is_parent_assigned:
        response["is_parent_assigned"] = True
    if record.is_enabled:
        response["is_enabled"] = True
    return 200, response


@route("GET", "/v3/send_ips/ips/{ip}/subusers")
def send_ips_list_subusers(account: Account, call: Call) -> tuple[int, Any]:
    record = send_ips_path_ip(account, call, invalid_field="")
    keyed = [(int(i), i) for i in account.subuser_ids(record)]
    result, next_params = cursor_page(keyed, call, LIMIT_100)
    return 200, listing(result, next_params)


def batch_subusers(account: Account, call: Call) -> tuple[IpRecord, list[Subuser]]:
    """Validation shared by subusers:batchAdd and :batchDelete (all-or-nothing)."""
    record = send_ips_path_ip(account, call, invalid_field="")
    ids = string_list_field(call.json_object(), "subusers")
    if not ids:
        raise ApiError(400, "must not be empty", "subusers")
    if len(ids) > MAX_SUBUSERS_PER_BATCH:
        raise ApiError(400, f"cannot assign more than {MAX_SUBUSERS_PER_BATCH} subusers per call", "subusers")
    return record, resolve_subuser_ids(account, ids)


@route("POST", "/v3/send_ips/ips/{ip}/subusers:batchAdd")
def send_ips_add_subusers(account: Account, call: Call) -> tuple[int, Any]:
    record, subusers = batch_subusers(account, call)
    require_region_match(subusers, [(record.ip, record.region)], "subusers")
    if any(s.username not in record.subusers for s in subusers):
        record.subusers.update(s.username for s in subusers)
        record.touch(call.now)
    # Emulator choice: `subusers` lists every subuser ID now assigned to the IP.
    return 200, {"ip": record.ip, "subusers": account.subuser_ids(record)}


@route("POST", "/v3/send_ips/ips/{ip}/subusers:batchDelete")
def send_ips_delete_subusers(account: Account, call: Call) -> tuple[int, Any]:
    record, subusers = batch_subusers(account, call)
    # Emulator choice: known subusers that are not assigned to the IP are ignored.
    if any(s.username in record.subusers for s in subusers):
        record.subusers.difference_update(s.username for s in subusers)
        record.touch(call.now)
    return 204, None


# ---------------------------------------------------------------------------
# IP Address Management: /v3/send_ips/pools (addressed by pool id)
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Subusers
# ---------------------------------------------------------------------------


def subuser_view(subuser: Subuser, include_region: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"disabled": subuser.disabled, "id": subuser.id, "username": subuser.username,
                            "email": subuser.email}
    if include_region:
        view["region"] = subuser.region
    return view


def ips_for_subuser(account: Account, subuser: Subuser, values: Any) -> list[IpRecord]:
    """Validate a list of IPs to assign to ``subuser`` (PUT .../ips, POST /v3/subusers)."""
    if not isinstance(values, list):
        raise ApiError(400, "ips must be an array of IPv4 addresses", "ips")
    invalid = [json.dumps(v) if not isinstance(v, str) else v for v in values if parse_ipv4(v) is None]
    if invalid:
        raise ApiError(400, "invalid IPv4 address(es): " + ", ".join(invalid), "ips")
    unknown = [v for v in values if v not in account.ips]
    if unknown:
        raise ApiError(400, "IP address(es) not on this account: " + ", ".join(unknown), "ips")
    records = [account.ips[v] for v in dict.fromkeys(values)]
    require_region_match([subuser], [(r.ip, r.region) for r in records], "ips")
    return records


def assign_subuser_ips(account: Account, subuser: Subuser, records: list[IpRecord], now: int) -> None:
    """Replace the set of IPs ``subuser`` may send from."""
    wanted = {r.ip for r in records}
    for record in account.ips.values():
        if record.ip in wanted and subuser.username not in record.subusers:
            record.subusers.add(subuser.username)
            record.touch(now)
        elif record.ip not in wanted and subuser.username in record.subusers:
            record.subusers.discard(subuser.username)
            record.touch(now)


@route("GET", "/v3/subusers")
def list_subusers(account: Account, call: Call) -> tuple[int, Any]:
    username = call.arg("username")
    region = call.enum_arg("region", ("all", "global", "eu")) or "all"
    include_region = call.bool_arg("include_region") or False
    subusers = account.sorted_subusers()
    # Emulator choice: `username` is a prefix match, so clients must compare names exactly.
    if username:
        subusers = [s for s in subusers if s.username.startswith(username)]
    if region != "all":
        subusers = [s for s in subusers if s.region == region]
    return 200, [subuser_view(s, include_region) for s in offset_page(subusers, call)]


@route("POST", "/v3/subusers")
def create_subuser(account: Account, call: Call) -> tuple[int, Any]:
    body = call.json_object()
    for name in ("username", "email", "password"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise ApiError(400, f"{name} is required", name)
    if "ips" not in body:
        raise ApiError(400, "ips is required", "ips")
    username, email = body["username"], body["email"]
    if "@" not in email:
        raise ApiError(400, "email is invalid", "email")
    if username in account.subusers:
        raise ApiError(400, "username exists", "username")          # spec example
    region = body.get("region", "global")
    if region not in IP_REGION_FOR_SUBUSER_REGION:
        raise ApiError(400, "must be one of the following: global, eu", "region")
    include_region = body.get("include_region", False)
    if not isinstance(include_region, bool):
        raise ApiError(400, "include_region must be a boolean", "include_region")
    subuser = Subuser(username=username, id=account.next_subuser_id(), email=email, region=region)
    records = ips_for_subuser(account, subuser, body["ips"])
    account.subusers[username] = subuser
    assign_subuser_ips(account, subuser, records, call.now)
    response: dict[str, Any] = {"username": username, "user_id": subuser.id, "email": email,
                                "credit_allocation": {"type": "unlimited"}}
    if include_region:
        response["region"] = region
    return 200, response


@route("PATCH", "/v3/subusers/{subuser_name}")
def update_subuser(account: Account, call: Call) -> tuple[int, Any]:
    subuser = account.subusers.get(call.params["subuser_name"])
    if subuser is None:
        raise ApiError(400, "invalid username")                       # spec example (400, not 404)
    body = call.json_object()
    if "disabled" not in body:
        raise ApiError(400, "no fields provided")                     # spec example
    if not isinstance(body["disabled"], bool):
        raise ApiError(400, "disabled must be a boolean", "disabled")
    subuser.disabled = body["disabled"]
    return 204, None


@route("PUT", "/v3/subusers/{subuser_name}/ips")
def replace_subuser_ips(account: Account, call: Call) -> tuple[int, Any]:
    subuser = account.subusers.get(call.params["subuser_name"])
    if subuser is None:
        # Emulator choice: the spec declares only 200/401 here; an unknown subuser is a 404.
        raise ApiError(404, "subuser not found")
    if isinstance(call.body, list) and not call.body:
        # Emulator choice: refuse an empty set, as Web API v2 did (it required >= 1 IP);
        # what real v3 does with [] is unverified.
        raise ApiError(400, "at least one ip address is required", "ips")
    records = ips_for_subuser(account, subuser, call.body)
    assign_subuser_ips(account, subuser, records, call.now)
    return 200, {"ips": [r.ip for r in account.ips_of_subuser(subuser.username)]}


# ---------------------------------------------------------------------------
# Emulator core: auth, rate limits, faults, request log, control API
# ---------------------------------------------------------------------------


@dataclass
class Incoming:
    method: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    status: int | None                  # None: drop the connection without a response
    body: Any = None                    # JSON document; None: no body
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def drop(self) -> bool:
        return self.status is None


def _path_matches(pattern: str, *paths: str) -> bool:
    if pattern.endswith("*"):
        return any(p.startswith(pattern[:-1]) for p in paths)
    return pattern in paths


@dataclass
class Fault:
    id: int
    method: str | None
    path: str
    count: int
    action: str
    status: int | None
    when: str
    headers: dict[str, str]
    body: Any
    has_body: bool

    FIELDS = ("method", "path", "count", "action", "status", "when", "headers", "body")

    @classmethod
    def parse(cls, doc: Any, fault_id: int) -> Fault:
        if not isinstance(doc, dict):
            raise ValueError("fault must be a JSON object")
        unknown = sorted(set(doc) - set(cls.FIELDS))
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; allowed: {list(cls.FIELDS)}")
        method = _optional_method(doc.get("method"))
        path = doc.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("path must be a string starting with '/' (exact raw path, or a prefix ending in '*')")
        count = doc.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be an integer >= 1")
        action = doc.get("action", "status")
        if action not in ("status", "drop"):
            raise ValueError("action must be 'status' or 'drop'")
        status = doc.get("status")
        if action == "status" and (isinstance(status, bool) or not isinstance(status, int) or
                                   not 100 <= status <= 599):
            raise ValueError("action 'status' needs an HTTP status code (100-599)")
        when = doc.get("when", "before")
        if when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        headers = doc.get("headers", {})
        if not isinstance(headers, dict):
            raise ValueError("headers must be an object")
        return cls(id=fault_id, method=method, path=path, count=count, action=action,
                   status=status if action == "status" else None, when=when,
                   headers={str(k): str(v) for k, v in headers.items()}, body=doc.get("body"),
                   has_body="body" in doc)

    def matches(self, method: str, when: str, *paths: str) -> bool:
        return self.when == when and self.method in (None, method) and _path_matches(self.path, *paths)

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "method": self.method, "path": self.path, "action": self.action,
                "status": self.status, "when": self.when, "headers": self.headers,
                **({"body": self.body} if self.has_body else {})}

    def outcome(self, family: str) -> Outcome:
        if self.action == "drop":
            return Outcome(None)
        if self.has_body:
            body = self.body
        elif self.status == 429:
            body = error_body(family, "too many requests")
        elif self.status >= 500:
            body = error_body(family, "internal server error")
        else:
            body = error_body(family, http.HTTPStatus(self.status).phrase.lower())
        return Outcome(self.status, body if self.status != 204 else None)


def _optional_method(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.isalpha():
        raise ValueError("method must be an HTTP method name or null (any method)")
    return value.upper()


@dataclass
class RateRule:
    method: str | None
    path: str
    limit: int
    window_seconds: float
    reset_form: str

    FIELDS = ("method", "path", "limit", "window_seconds", "reset_form")

    @classmethod
    def parse(cls, doc: Any) -> RateRule:
        if not isinstance(doc, dict):
            raise ValueError("rate limit must be a JSON object")
        unknown = sorted(set(doc) - set(cls.FIELDS))
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; allowed: {list(cls.FIELDS)}")
        path = doc.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("path must be a path template (/v3/ips/pools/{pool_name}), a raw path, or a "
                             "prefix ending in '*'")
        limit = doc.get("limit")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError("limit must be an integer >= 1")
        window = doc.get("window_seconds", DEFAULT_RATE_WINDOW)
        if isinstance(window, bool) or not isinstance(window, (int, float)) or window <= 0:
            raise ValueError("window_seconds must be a number > 0")
        reset_form = doc.get("reset_form", "epoch")
        if reset_form not in ("epoch", "delta"):
            raise ValueError("reset_form must be 'epoch' or 'delta'")
        return cls(_optional_method(doc.get("method")), path, limit, window, reset_form)

    def describe(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}


DEFAULT_RATE_RULE = RateRule(None, "*", DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW, "epoch")


@dataclass
class RateWindow:
    started: float
    count: int = 0


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    redacted = dict(headers)
    for name in redacted:
        if name.lower() == "authorization":
            scheme = redacted[name].split(" ", 1)[0] if " " in redacted[name] else ""
            redacted[name] = f"{scheme} ***".strip()
    return redacted


class Emulator:
    """Serialises every API call on one lock; latency is slept outside it."""

    def __init__(self, account: Account, api_key: str, latency_ms: int = 0, log_stream: Any = None):
        self.lock = threading.Lock()
        self.account = account
        self.api_key = api_key
        self.latency = latency_ms / 1000.0
        self.log_stream = log_stream
        self.log: list[dict[str, Any]] = []
        self.seq = 0
        self.faults: list[Fault] = []
        self.fault_ids = 0
        self.rate_rules: list[RateRule] = []
        self.rate_windows: dict[str, RateWindow] = {}

    # -- /v3 ----------------------------------------------------------------

    def handle_api(self, request: Incoming) -> Outcome:
        started = time.monotonic()
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            outcome, fault, endpoint, body = self._process(request)
            self._record(request, outcome, fault, endpoint, body, started)
        return outcome

    def _process(self, request: Incoming) -> tuple[Outcome, Fault | None, str | None, Any]:
        method = request.method
        decoded_path = unquote(request.raw_path)
        chosen, params, allowed = find_route(method, request.raw_path)
        family = path_family(decoded_path)
        template = chosen.template if chosen else None
        rate_key = f"{method} {template or request.raw_path}"
        rate_paths = (request.raw_path, decoded_path) + ((template,) if template else ())

        body, body_error = _parse_json(request.body)
        if not self._authorized(request.headers):
            outcome = Outcome(401, error_body(family, "authorization required"))
            return self._with_rate_headers(outcome, rate_key, method, rate_paths, consume=False), None, template, body

        fault = self._take_fault(method, "before", request.raw_path, decoded_path)
        if fault is not None:
            outcome = self._with_rate_headers(fault.outcome(family), rate_key, method, rate_paths, consume=False)
            outcome.headers.update(fault.headers)
            return outcome, fault, template, body

        allowed_now, rate_headers = self._rate(rate_key, method, rate_paths, consume=True)
        if not allowed_now:
            return Outcome(429, error_body(family, "too many requests"), rate_headers), None, template, body

        if chosen is None and not allowed:
            outcome = Outcome(404, error_body(family, "resource not found"))
        elif chosen is None:
            outcome = Outcome(405, error_body(family, "method not allowed"), {"Allow": ", ".join(allowed)})
        elif body_error:
            outcome = Outcome(400, error_body(family, JSON_PARSE_MESSAGE))
        else:
            call = Call(params=params, query=request.query, body=body, now=int(time.time()))
            try:
                status, payload = chosen.handler(self.account, call)
                outcome = Outcome(status, payload)
            except ApiError as error:
                payload = error.body if error.body is not None else error_body(family, error.message, error.field)
                outcome = Outcome(error.status, payload)
        outcome.headers.update(rate_headers)

        fault = self._take_fault(method, "after", request.raw_path, decoded_path)
        if fault is not None:
            faulted = fault.outcome(family)
            faulted.headers.update(rate_headers)
            faulted.headers.update(fault.headers)
            return faulted, fault, template, body
        return outcome, None, template, body

    def _authorized(self, headers: dict[str, str]) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        return value == f"Bearer {self.api_key}"

    def _take_fault(self, method: str, when: str, *paths: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, when, *paths):
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _rate(self, key: str, method: str, paths: tuple[str, ...], consume: bool) -> tuple[bool, dict[str, str]]:
        rule = next((r for r in reversed(self.rate_rules)
                     if r.method in (None, method) and _path_matches(r.path, *paths)), DEFAULT_RATE_RULE)
        now = time.time()
        window = self.rate_windows.get(key)
        if window is None or now >= window.started + rule.window_seconds:
            window = self.rate_windows[key] = RateWindow(started=now)
        allowed = window.count < rule.limit
        if consume and allowed:
            window.count += 1
        reset_at = window.started + rule.window_seconds
        reset = math.ceil(reset_at) if rule.reset_form == "epoch" else max(0, math.ceil(reset_at - now))
        return allowed, {"X-RateLimit-Limit": str(rule.limit),
                         "X-RateLimit-Remaining": str(max(0, rule.limit - window.count)),
                         "X-RateLimit-Reset": str(reset)}

    def _with_rate_headers(self, outcome: Outcome, key: str, method: str, paths: tuple[str, ...],
                           consume: bool) -> Outcome:
        outcome.headers.update(self._rate(key, method, paths, consume)[1])
        return outcome

    def _record(self, request: Incoming, outcome: Outcome, fault: Fault | None, endpoint: str | None,
                body: Any, started: float) -> None:
        self.seq += 1
        entry: dict[str, Any] = {
            "seq": self.seq,
            "time": round(time.time(), 3),
            "method": request.method,
            "path": request.raw_path,
            "query": request.query,
            "headers": redact_headers(request.headers),
            "body": body,
            "status": outcome.status,
            "response_body": outcome.body,
            "response_headers": response_headers(outcome) if not outcome.drop else {},
            "fault": fault.describe() if fault else None,
            "endpoint": f"{request.method} {endpoint}" if endpoint else None,
            "duration_ms": round((time.monotonic() - started) * 1000, 3),
        }
        if request.body and body is None:
            entry["body_raw"] = request.body.decode("utf-8", "replace")
        self.log.append(entry)
        if self.log_stream is not None:
            self.log_stream.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log_stream.flush()

    # -- /_emulator ---------------------------------------------------------

    def handle_control(self, request: Incoming) -> Outcome:
        route_key = (request.method, request.raw_path.rstrip("/"))
        body, body_error = _parse_json(request.body)
        if body_error:
            return Outcome(400, {"ok": False, "error": "request body is not valid JSON"})
        with self.lock:
            try:
                return self._control(route_key, request, body)
            except (SeedError, ValueError) as error:
                return Outcome(400, {"ok": False, "error": str(error)})

    def _control(self, route_key: tuple[str, str], request: Incoming, body: Any) -> Outcome:
        match route_key:
            case ("GET", "/_emulator/health"):
                return Outcome(200, {"ok": True})
            case ("POST", "/_emulator/reset"):
                self.account = Account.from_seed(body)
                self.faults.clear()
                self.rate_rules.clear()
                self.rate_windows.clear()
                if request.query.get("clear_log", [""])[0] == "true":
                    self.log.clear()
                return Outcome(200, {"ok": True})
            case ("GET", "/_emulator/state"):
                return Outcome(200, self.account.to_seed())
            case ("GET", "/_emulator/requests"):
                return Outcome(200, self.log)
            case ("DELETE", "/_emulator/requests"):
                self.log.clear()
                return Outcome(200, {"ok": True})
            case ("GET", "/_emulator/faults"):
                return Outcome(200, [{**f.describe(), "remaining": f.count} for f in self.faults])
            case ("POST", "/_emulator/faults"):
                self.fault_ids += 1
                fault = Fault.parse(body, self.fault_ids)
                self.faults.append(fault)
                return Outcome(200, {"ok": True, "fault": {**fault.describe(), "remaining": fault.count}})
            case ("DELETE", "/_emulator/faults"):
                self.faults.clear()
                return Outcome(200, {"ok": True})
            case ("GET", "/_emulator/rate_limits"):
                return Outcome(200, [r.describe() for r in self.rate_rules])
            case ("POST", "/_emulator/rate_limits"):
                rule = RateRule.parse(body)
                self.rate_rules.append(rule)
                self.rate_windows.clear()
                return Outcome(200, {"ok": True, "rate_limit": rule.describe()})
            case ("DELETE", "/_emulator/rate_limits"):
                self.rate_rules.clear()
                self.rate_windows.clear()
                return Outcome(200, {"ok": True})
        return Outcome(404, {"ok": False, "error": f"unknown control endpoint {' '.join(route_key)}"})


def _parse_json(raw: bytes) -> tuple[Any, bool]:
    """(parsed document or None, whether the body was present but not valid JSON)."""
    if not raw.strip():
        return None, False
    try:
        return json.loads(raw), False
    except (ValueError, UnicodeDecodeError):
        return None, True


def encode_body(outcome: Outcome) -> bytes:
    return b"" if outcome.body is None else json.dumps(outcome.body).encode("utf-8")


def response_headers(outcome: Outcome) -> dict[str, str]:
    headers = dict(outcome.headers)
    if outcome.body is not None:
        headers["Content-Type"] = "application/json"
    if outcome.status != 204:
        headers["Content-Length"] = str(len(encode_body(outcome)))
    return headers


# ---------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"             # keep-alive; every response has Content-Length
    server_version = "SendGridEmulator/1.0"
    disable_nagle_algorithm = True            # headers and body are separate writes: avoid 40 ms stalls
    server: EmulatorServer

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        request = Incoming(method=self.command, raw_path=split.path or "/",
                           query=parse_qs(split.query, keep_blank_values=True),
                           headers=dict(self.headers.items()), body=self._read_body())
        emulator = self.server.emulator
        is_control = request.raw_path == "/_emulator" or request.raw_path.startswith("/_emulator/")
        outcome = emulator.handle_control(request) if is_control else emulator.handle_api(request)
        if outcome.drop:
            self.close_connection = True     # no response at all: the socket is closed
            return
        self.send_response(outcome.status)
        for name, value in response_headers(outcome).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(encode_body(outcome))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():   # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - base class signature
        pass                                                   # the request log replaces access logs


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator):
        self.emulator = emulator
        super().__init__(address, RequestHandler)


def write_atomically(path: Path, text: str) -> None:
    """Readers never see a partial file: write a temp file beside it, then rename."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as tmp:
        tmp.write(text)
    os.replace(tmp_name, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Stateful local emulator of the SendGrid v3 IP API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--port-file", type=Path, help="write the listening port here once ready")
    parser.add_argument("--api-key", required=True, help="the only accepted key: 'Authorization: Bearer KEY'")
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help=f"seed document (default {DEFAULT_SEED})")
    parser.add_argument("--log", type=Path, help="also append every /v3 log entry as a JSON line here "
                                                 "(the file is truncated at start)")
    parser.add_argument("--latency-ms", type=int, default=0, help="sleep this long before each /v3 response")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        account = Account.from_seed(json.loads(args.seed.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:       # SeedError and JSONDecodeError are ValueErrors
        print(f"sendgrid_emulator: invalid seed {args.seed}: {error}", file=sys.stderr)
        return 2
    log_stream = args.log.open("w", encoding="utf-8") if args.log else None
    server = EmulatorServer((args.host, args.port), Emulator(account, args.api_key, args.latency_ms, log_stream))
    port = server.server_address[1]

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if args.port_file:
            write_atomically(args.port_file, f"{port}\n")
        print(f"sendgrid_emulator: listening on http://{args.host}:{port}", file=sys.stderr, flush=True)
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        if log_stream is not None:
            log_stream.close()
        if args.port_file and args.port_file.exists():
            args.port_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
