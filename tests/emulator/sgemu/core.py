"""The emulator core: auth, rate limits, faults, request log, control API."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any
from urllib.parse import unquote

from .calls import Call
from .constants import JSON_PARSE_MESSAGE
from .errors import ApiError, SeedError, error_body
from .faults import DEFAULT_RATE_RULE, Fault, RateRule, RateWindow, _path_matches
from . import api  # noqa: F401  (registers the routes)
from .exchange import Incoming, Outcome
from .model import Account
from .seed import load_seed
from .routing import find_route, path_family


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
                self.account = load_seed(body)
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
