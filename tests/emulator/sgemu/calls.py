"""Request helpers of the operation handlers: query arguments, bodies, pagination."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .constants import BOOL_MESSAGE, DEFAULT_PAGE_SIZE
from .errors import ApiError


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
