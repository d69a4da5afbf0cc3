"""Request helpers of the operation handlers: the call, its query arguments and body, pagination."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from .constants import BOOL_MESSAGE, DEFAULT_PAGE_SIZE
from .errors import ApiError

if TYPE_CHECKING:
    from .model import Account, IpRecord, Subuser
    from .world import World

_INT_RE = re.compile(r"-?\d+")
CURSOR_UNKNOWN = "is not a cursor that this list returned"


@dataclass
class Call:
    """One API call as seen by an operation handler."""

    params: dict[str, str]              # percent-decoded path parameters
    query: dict[str, list[str]]
    body: Any                           # parsed JSON; None when the request had no body
    now: int
    account: Account                    # the account the call acts on
    world: World
    path: str = ""                      # percent-decoded path: the list a cursor belongs to
    template: str = ""
    host: str = "global"                # which listener served it: "global" or "eu"
    actor: Subuser | None = None        # on-behalf-of a subuser: the call sees only its IPs

    def visible(self, record: IpRecord) -> bool:
        return self.actor is None or self.actor.username in record.subusers

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


# ---------------------------------------------------------------------------
# limit/offset lists (bare JSON arrays): GET /v3/ips, /v3/subusers, /v3/whitelabel/ips
# ---------------------------------------------------------------------------


def offset_window(call: Call) -> tuple[int, int]:
    """(offset, number of items to serve).  The account's ``page_caps`` may serve fewer than asked;
    its ``max_limits`` refuse a larger ``limit`` with a 400."""
    limit = call.int_arg("limit", "limit must be an integer >= 1")
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    if limit < 1:
        raise ApiError(400, "limit must be an integer >= 1", "limit")
    maximum = call.account.max_limits.get(call.template)
    if maximum is not None and limit > maximum:
        raise ApiError(400, f"limit must be an integer >= 1 and <= {maximum}", "limit")
    offset = call.int_arg("offset", "offset must be an integer >= 0") or 0
    if offset < 0:
        raise ApiError(400, "offset must be an integer >= 0", "offset")
    cap = call.account.page_caps.get(call.template)
    return offset, limit if cap is None else min(limit, cap)


def offset_page(items: Sequence[Any] | Iterable[Any], call: Call) -> list[Any]:
    """A page of a sorted sequence (sliced) or of a filtered iterable (skipped through)."""
    offset, count = offset_window(call)
    if isinstance(items, (list, tuple)):
        return list(items[offset:offset + count])
    return list(islice(items, offset, offset + count))


# ---------------------------------------------------------------------------
# after_key/before_key lists of /v3/send_ips ({"result": [...], "_metadata": {"next_params": ...}})
# ---------------------------------------------------------------------------


def _cursor_arg(call: Call, name: str) -> str | None:
    value = call.arg(name)
    if value is None:
        return None
    if not _INT_RE.fullmatch(value):
        raise ApiError(400, "must be a numeric value", name)       # IpAddressManagement400AfterKeyTypeError
    if value.startswith("-"):
        raise ApiError(400, "must be >= 0", name)                   # IpAddressManagement400AfterKeyValueError
    return value


def _resolve(call: Call, name: str, token: str | None) -> int | None:
    if token is None:
        return None
    key = call.account.cursors.resolve(call.path, token)
    if key is None:
        raise ApiError(400, CURSOR_UNKNOWN, name)
    return key


def cursor_page(call: Call, keys: list[int], items: list[Any], limit_rule: tuple[int, str],
                match: Callable[[Any], bool] | None = None,
                with_before_key: bool = False) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``items`` (sorted by their natural ``keys``) and its ``next_params``.

    ``after_key`` returns the matching items after the cursor's position; ``before_key``
    the last ``limit`` matching items before it.  ``next_params.after_key`` (and
    ``before_key``) is an opaque cursor (see CursorBook) when more matching items follow
    (precede), else null.  A page costs the items it scans, not the length of the list.
    """
    max_limit, limit_message = limit_rule
    limit = call.int_arg("limit", limit_message)
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    if not 0 < limit <= max_limit:
        raise ApiError(400, limit_message, "limit")
    after_token = _cursor_arg(call, "after_key")
    before_token = _cursor_arg(call, "before_key") if with_before_key else None
    if after_token is not None and before_token is not None:
        raise ApiError(400, "cannot be used with \u2018before_key\u2019", "after_key")
    after = _resolve(call, "after_key", after_token)
    before = _resolve(call, "before_key", before_token)
    ok = match or (lambda _item: True)
    chosen: list[int] = []
    if before is not None:
        index = bisect.bisect_left(keys, before) - 1
        while index >= 0 and len(chosen) < limit:
            if ok(items[index]):
                chosen.append(index)
            index -= 1
        chosen.reverse()
    else:
        index = 0 if after is None else bisect.bisect_right(keys, after)
        while index < len(items) and len(chosen) < limit:
            if ok(items[index]):
                chosen.append(index)
            index += 1
    book = call.account.cursors
    more_after = bool(chosen) and any(ok(items[i]) for i in range(chosen[-1] + 1, len(items)))
    next_params: dict[str, Any] = {"after_key": book.issue(call.path, keys[chosen[-1]]) if more_after else None}
    if with_before_key:
        more_before = bool(chosen) and any(ok(items[i]) for i in range(chosen[0] - 1, -1, -1))
        next_params["before_key"] = book.issue(call.path, keys[chosen[0]]) if more_before else None
    next_params["limit"] = str(limit)
    return [items[i] for i in chosen], next_params


def listing(result: list[Any], next_params: dict[str, Any]) -> dict[str, Any]:
    return {"result": result, "_metadata": {"next_params": next_params}}
