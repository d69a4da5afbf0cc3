"""Injected faults and rate-limit rules (control API objects).

Both may be limited to one account (``account``: an account id) and faults to one host
(``host``: "global" or "eu"); without them they apply to every account and host.
Rate-limit counters are always kept per account, as SendGrid's are.
"""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import Any

from .constants import DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW
from .errors import error_body
from .exchange import Outcome

HOSTS = ("global", "eu")


def path_matches(pattern: str, *paths: str) -> bool:
    if pattern.endswith("*"):
        return any(p.startswith(pattern[:-1]) for p in paths)
    return pattern in paths


def _optional_method(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.isalpha():
        raise ValueError("method must be an HTTP method name or null (any method)")
    return value.upper()


def _optional_name(doc: dict[str, Any], key: str, allowed: tuple[str, ...] | None = None) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or (allowed is not None and value not in allowed):
        raise ValueError(f"{key} must be " + (f"one of {list(allowed)}" if allowed else "a string") + " or null")
    return value


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
    account: str | None = None
    host: str | None = None

    FIELDS = ("method", "path", "count", "action", "status", "when", "headers", "body", "location", "account",
              "host")

    @classmethod
    def parse(cls, doc: Any, fault_id: int, known_accounts: Any = ()) -> Fault:
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
        headers = {str(k): str(v) for k, v in headers.items()}
        location = _optional_name(doc, "location")
        if location is not None:
            if action != "status" or not 300 <= status <= 399:
                raise ValueError("location goes with a 3xx status")
            headers["Location"] = location
        account = _optional_name(doc, "account")
        if account is not None and account not in known_accounts:
            raise ValueError(f"account {account!r} is not an account of the emulator")
        return cls(id=fault_id, method=method, path=path, count=count, action=action,
                   status=status if action == "status" else None, when=when, headers=headers,
                   body=doc.get("body"), has_body="body" in doc, account=account,
                   host=_optional_name(doc, "host", HOSTS))

    def matches(self, method: str, when: str, account: str | None, host: str, *paths: str) -> bool:
        return (self.when == when and self.method in (None, method) and self.account in (None, account)
                and self.host in (None, host) and path_matches(self.path, *paths))

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "method": self.method, "path": self.path, "action": self.action,
                "status": self.status, "when": self.when, "headers": self.headers, "account": self.account,
                "host": self.host, **({"body": self.body} if self.has_body else {})}

    def outcome(self, family: str) -> Outcome:
        if self.action == "drop":
            return Outcome(None)
        assert self.status is not None
        if self.has_body:
            body = self.body
        elif self.status == 204 or 300 <= self.status <= 399:
            body = None                 # a redirect carries its Location, no error body
        elif self.status == 429:
            body = error_body(family, "too many requests", status=429)
        elif self.status >= 500:
            body = error_body(family, "internal server error", status=self.status)
        else:
            body = error_body(family, http.HTTPStatus(self.status).phrase.lower(), status=self.status)
        return Outcome(self.status, body if self.status != 204 else None)


@dataclass
class RateRule:
    method: str | None
    path: str
    limit: int
    window_seconds: float
    reset_form: str
    account: str | None = None

    FIELDS = ("method", "path", "limit", "window_seconds", "reset_form", "account")

    @classmethod
    def parse(cls, doc: Any, known_accounts: Any = ()) -> RateRule:
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
        account = _optional_name(doc, "account")
        if account is not None and account not in known_accounts:
            raise ValueError(f"account {account!r} is not an account of the emulator")
        return cls(_optional_method(doc.get("method")), path, limit, window, reset_form, account)

    def applies(self, method: str, account: str | None, *paths: str) -> bool:
        return self.method in (None, method) and self.account in (None, account) and path_matches(self.path, *paths)

    def describe(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}


DEFAULT_RATE_RULE = RateRule(None, "*", DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW, "epoch")


@dataclass
class RateWindow:
    started: float
    count: int = 0
