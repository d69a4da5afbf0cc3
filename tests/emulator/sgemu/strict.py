"""Strict reading of JSON documents (seeds, control API bodies): a typo is an error, never ignored."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

MISSING = object()


def fields(obj: Any, where: str, required: Iterable[str], optional: Iterable[str],
           error: Callable[[str], Exception]) -> dict[str, Any]:
    required, optional = list(required), list(optional)
    if not isinstance(obj, dict):
        raise error(f"{where}: expected an object, got {json.dumps(obj)}")
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise error(f"{where}: unknown key(s) {unknown}; allowed keys: {sorted(required + optional)}")
    missing = [k for k in required if k not in obj]
    if missing:
        raise error(f"{where}: missing required key(s) {missing}")
    return obj


def typed(obj: dict[str, Any], key: str, where: str, kinds: tuple[type, ...], error: Callable[[str], Exception],
          default: Any = MISSING, nullable: bool = False) -> Any:
    if key not in obj:
        return default
    value = obj[key]
    if value is None and nullable:
        return None
    bad_bool = isinstance(value, bool) and bool not in kinds
    if bad_bool or not isinstance(value, kinds):
        expected = " or ".join(k.__name__ for k in kinds) + (" or null" if nullable else "")
        raise error(f"{where}.{key}: expected {expected}, got {json.dumps(value)}")
    return value


def lag_rule(value: Any, where: str, error: Callable[[str], Exception]) -> Any:
    """A send_ips_lag value: null, "never", {"requests": N >= 1} or {"until": EPOCH}."""
    if value is None or value == "never":
        return value
    if isinstance(value, dict) and len(value) == 1:
        (name, number), = value.items()
        if name in ("requests", "until") and isinstance(number, int) and not isinstance(number, bool) \
                and number >= (1 if name == "requests" else 0):
            return {name: number}
    raise error(f"{where}: expected null, \"never\", {{\"requests\": N >= 1}} or {{\"until\": EPOCH}}, "
                f"got {json.dumps(value)}")


def page_caps(value: Any, where: str, allowed: Iterable[str], error: Callable[[str], Exception]) -> dict[str, Any]:
    """{list path: cap (or maximum limit) >= 1, or null (none)}."""
    allowed = list(allowed)
    if not isinstance(value, dict):
        raise error(f"{where}: expected an object {{list path: cap}}, got {json.dumps(value)}")
    for path, cap in value.items():
        if path not in allowed:
            raise error(f"{where}: {path!r} is not a limit/offset list; allowed: {allowed}")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise error(f"{where}.{path}: expected an integer >= 1 or null, got {json.dumps(cap)}")
    return value


def apply_caps(current: dict[str, int], changes: dict[str, Any]) -> None:
    for path, cap in changes.items():
        if cap is None:
            current.pop(path, None)
        else:
            current[path] = cap
