"""The emulator core: auth and on-behalf-of, hosts, rate limits, faults, the request log.

One lock serialises every API call and control call (latency is slept outside it), so
the state, the log and ``GET /_emulator/requests`` are always consistent.  Each log entry
is serialised once, when it is recorded: the log is a list of immutable JSON texts.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# Importing the API families registers their routes.
from . import api  # noqa: F401  pylint: disable=unused-import
from .calls import Call
from .constants import JSON_PARSE_MESSAGE
from .errors import ApiError, error_body, path_family
from .exchange import Incoming, Outcome
from .faults import DEFAULT_RATE_RULE, Fault, RateRule, RateWindow
from .model import Account, Subuser
from .routing import Route, find_route
from .world import World

FORBIDDEN = "access forbidden"


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    redacted = dict(headers)
    for name in redacted:
        if name.lower() == "authorization":
            scheme = redacted[name].split(" ", 1)[0] if " " in redacted[name] else ""
            redacted[name] = f"{scheme} ***".strip()
    return redacted


def parse_json(raw: bytes) -> tuple[Any, bool]:
    """(parsed document or None, whether the body was present but not valid JSON)."""
    if not raw.strip():
        return None, False
    try:
        return json.loads(raw), False
    except (ValueError, UnicodeDecodeError):
        return None, True


@dataclass
class LogEntry:
    seq: int
    account: str | None
    host: str
    text: str                           # the entry as JSON (sorted keys), as --log writes it


@dataclass
class Exchange:
    """What one /v3 request turned into, for the log."""

    outcome: Outcome
    fault: Fault | None = None
    route: Route | None = None
    body: Any = None
    account: Account | None = None
    actor: str | None = None            # the on-behalf-of header, when the request had one


class Emulator:
    """Serialises every API call on one lock; latency is slept outside it."""

    def __init__(self, world: World, latency_ms: int = 0, log_stream: Any = None):
        self.lock = threading.Lock()
        self.world = world
        self.latency = latency_ms / 1000.0
        self.log_stream = log_stream
        self.log: list[LogEntry] = []
        self.seq = 0
        self.faults: list[Fault] = []
        self.fault_ids = 0
        self.rate_rules: list[RateRule] = []
        self.rate_windows: dict[tuple[str | None, str], RateWindow] = {}
        self.hosts: dict[str, str] = {}           # "global"/"eu" -> base URL (set by the server)

    # -- /v3 ----------------------------------------------------------------

    def handle_api(self, request: Incoming) -> Outcome:
        started = time.monotonic()
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            exchange = self._process(request)
            self._record(request, exchange, started)
        return exchange.outcome

    def _process(self, request: Incoming) -> Exchange:
        method = request.method
        decoded_path = unquote(request.raw_path)
        chosen, params, allowed = find_route(method, request.raw_path, request.host)
        family = path_family(decoded_path)
        template = chosen.template if chosen else None
        rate_paths = (request.raw_path, decoded_path) + ((template,) if template else ())
        rate_key = f"{method} {template or request.raw_path}"
        body, body_error = parse_json(request.body)
        exchange = Exchange(Outcome(0), route=chosen, body=body)

        key_account = self._authenticated(request)
        if key_account is None:
            unauthorized = Outcome(401, error_body(family, "authorization required", status=401))
            exchange.outcome = self._rate_headers(unauthorized, None, rate_key, method, rate_paths, consume=False)
            return exchange
        account, actor, refusal = self._on_behalf_of(request, key_account)
        exchange.account = account
        exchange.actor = (request.header("on-behalf-of") or "").strip() or None
        account_id = account.id

        fault = self._take_fault(method, "before", account_id, request.host, request.raw_path, decoded_path)
        if fault is not None:
            outcome = self._rate_headers(fault.outcome(family), account_id, rate_key, method, rate_paths,
                                         consume=False)
            outcome.headers.update(fault.headers)
            exchange.outcome, exchange.fault = outcome, fault
            return exchange

        allowed_now, rate_headers = self._rate(account_id, rate_key, method, rate_paths, consume=True)
        if not allowed_now:
            exchange.outcome = Outcome(429, error_body(family, "too many requests", status=429), rate_headers)
            return exchange

        exchange.outcome = self._dispatch(request, exchange, family, params, allowed, body_error, actor, refusal)
        exchange.outcome.headers.update(rate_headers)
        if decoded_path.startswith("/v3/send_ips/ips"):
            account.count_send_ips_request()

        fault = self._take_fault(method, "after", account_id, request.host, request.raw_path, decoded_path)
        if fault is not None:
            faulted = fault.outcome(family)
            faulted.headers.update(rate_headers)
            faulted.headers.update(fault.headers)
            exchange.outcome, exchange.fault = faulted, fault
        return exchange

    def _dispatch(self, request: Incoming, exchange: Exchange, family: str, params: dict[str, str],
                  allowed: list[str], body_error: bool, actor: Subuser | None, refusal: str | None) -> Outcome:
        chosen = exchange.route
        account = exchange.account
        assert account is not None
        if refusal is not None:
            # Emulator choice: an on-behalf-of value that names no subuser (or customer account)
            # of the key's account is refused as a bad credential.
            return Outcome(401, error_body(family, refusal, status=401))
        if chosen is not None and chosen.global_only and request.host != "global":
            # Emulator choice: the EU host does not know global-only operations (the spec's
            # servers override): "resource not found", as for any path it does not serve.
            return Outcome(404, error_body(family, "resource not found", status=404))
        if chosen is None and not allowed:
            return Outcome(404, error_body(family, "resource not found", status=404))
        if chosen is None:
            return Outcome(405, error_body(family, "method not allowed", status=405), {"Allow": ", ".join(allowed)})
        if actor is not None and not chosen.subuser:
            # Emulator choice: on-behalf-of a subuser, the parent's own operations are refused.
            return Outcome(403, error_body(family, FORBIDDEN, status=403))
        if body_error:
            return Outcome(400, error_body(family, JSON_PARSE_MESSAGE))
        call = Call(params=params, query=request.query, body=exchange.body, now=int(time.time()), account=account,
                    world=self.world, path=unquote(request.raw_path), template=chosen.template, host=request.host,
                    actor=actor)
        try:
            status, payload = chosen.handler(call)
            return Outcome(status, payload)
        except ApiError as error:
            payload = error.body if error.body is not None else error_body(family, error.message, error.field,
                                                                           error.status)
            return Outcome(error.status, payload)

    def _authenticated(self, request: Incoming) -> Account | None:
        value = request.header("authorization") or ""
        if not value.startswith("Bearer "):
            return None
        return self.world.account_for_key(value[len("Bearer "):])

    def _on_behalf_of(self, request: Incoming, key_account: Account) -> tuple[Account, Subuser | None, str | None]:
        """(account acted on, acting subuser or None, refusal message or None)."""
        value = (request.header("on-behalf-of") or "").strip()
        if not value:
            return key_account, None, None
        if value.lower().startswith("account-id "):
            account_id = value[len("account-id "):].strip()
            customer = self.world.customer_of(key_account, account_id)
            if customer is None:
                return key_account, None, f"on-behalf-of: {account_id!r} is not a customer account of this account"
            return customer, None, None
        subuser = key_account.subusers.get(value)
        if subuser is None:
            return key_account, None, f"on-behalf-of: {value!r} is not a subuser of this account"
        return key_account, subuser, None

    def _take_fault(self, method: str, when: str, account: str | None, host: str, *paths: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, when, account, host, *paths):
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _rate(self, account: str | None, key: str, method: str, paths: tuple[str, ...],
              consume: bool) -> tuple[bool, dict[str, str]]:
        rule = next((r for r in reversed(self.rate_rules) if r.applies(method, account, *paths)), DEFAULT_RATE_RULE)
        now = time.time()
        window = self.rate_windows.get((account, key))
        if window is None or now >= window.started + rule.window_seconds:
            window = self.rate_windows[(account, key)] = RateWindow(started=now)
        allowed = window.count < rule.limit
        if consume and allowed:
            window.count += 1
        reset_at = window.started + rule.window_seconds
        reset = math.ceil(reset_at) if rule.reset_form == "epoch" else max(0, math.ceil(reset_at - now))
        return allowed, {"X-RateLimit-Limit": str(rule.limit),
                         "X-RateLimit-Remaining": str(max(0, rule.limit - window.count)),
                         "X-RateLimit-Reset": str(reset)}

    def _rate_headers(self, outcome: Outcome, account: str | None, key: str, method: str, paths: tuple[str, ...],
                      consume: bool) -> Outcome:
        outcome.headers.update(self._rate(account, key, method, paths, consume)[1])
        return outcome

    def _record(self, request: Incoming, exchange: Exchange, started: float) -> None:
        self.seq += 1
        outcome = exchange.outcome
        account_id = exchange.account.id if exchange.account else None
        entry: dict[str, Any] = {
            "seq": self.seq,
            "time": round(time.time(), 3),
            "method": request.method,
            "path": request.raw_path,
            "query": request.query,
            "headers": redact_headers(request.headers),
            "body": exchange.body,
            "status": outcome.status,
            "response_body": outcome.body,
            "response_headers": outcome.response_headers() if not outcome.drop else {},
            "fault": exchange.fault.describe() if exchange.fault else None,
            "endpoint": f"{request.method} {exchange.route.template}" if exchange.route else None,
            "operation": exchange.route.operation_id if exchange.route else None,
            "host": request.host,
            "account": account_id,
            "on_behalf_of": exchange.actor,
            "duration_ms": round((time.monotonic() - started) * 1000, 3),
        }
        if request.body and exchange.body is None:
            entry["body_raw"] = request.body.decode("utf-8", "replace")
        text = json.dumps(entry, sort_keys=True)
        self.log.append(LogEntry(self.seq, account_id, request.host, text))
        if self.log_stream is not None:
            self.log_stream.write(text + "\n")
            self.log_stream.flush()

    def log_json(self, account: str | None = None, host: str | None = None, since: int = 0) -> bytes:
        """The log (or the entries of one account / host, or after seq ``since``) as a JSON array."""
        texts = [e.text for e in self.log
                 if (account is None or e.account == account) and (host is None or e.host == host) and e.seq > since]
        return ("[" + ",".join(texts) + "]").encode("utf-8")
