"""Injected faults and rate-limit rules (control API objects)."""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import Any

from .constants import DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW
from .exchange import Outcome
from .errors import error_body


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
