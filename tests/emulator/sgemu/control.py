"""The control API under /_emulator/ (no auth, no latency, not logged).

Calls that concern one account take ``?account=ID`` (default: every account, or for
state/options/reset the whole world).  Errors are ``400 {"ok": false, "error": "..."}``.
tests/emulator/README.md documents every call.
"""

from __future__ import annotations

from typing import Any, Callable

from . import strict
from .constants import CAPPABLE_LISTS
from .core import Emulator, parse_json
from .errors import SeedError
from .exchange import Incoming, Outcome
from .faults import Fault, RateRule
from .model import Account
from .seed import account_doc
from .world import load_dns, load_world

OK = {"ok": True}


class ControlError(ValueError):
    """A control call that cannot be done (400)."""


def handle_control(emulator: Emulator, request: Incoming) -> Outcome:
    path = request.raw_path.rstrip("/")
    body, body_error = parse_json(request.body)
    if body_error:
        return Outcome(400, {"ok": False, "error": "request body is not valid JSON"})
    with emulator.lock:
        try:
            return Control(emulator, request, body).dispatch(path)
        except (SeedError, ValueError) as error:
            return Outcome(400, {"ok": False, "error": str(error)})


class Control:
    def __init__(self, emulator: Emulator, request: Incoming, body: Any):
        self.emulator = emulator
        self.world = emulator.world
        self.request = request
        self.body = body

    def arg(self, name: str) -> str | None:
        values = self.request.query.get(name)
        return values[0] if values else None

    def account_arg(self) -> Account | None:
        account_id = self.arg("account")
        if account_id is None:
            return None
        if account_id not in self.world.accounts:
            raise ControlError(f"account {account_id!r} is not an account of the emulator "
                               f"(accounts: {list(self.world.order)})")
        return self.world.accounts[account_id]

    def dispatch(self, path: str) -> Outcome:
        method = self.request.method
        if path.startswith("/_emulator/accounts/") and method == "DELETE":
            self.world.remove_account(self._known(path[len("/_emulator/accounts/"):]))
            self._forget(path[len("/_emulator/accounts/"):], clear_log=False)
            return Outcome(200, OK)
        handler: Callable[[], Outcome] | None = {
            ("GET", "/_emulator/health"): self.health,
            ("POST", "/_emulator/reset"): self.reset,
            ("GET", "/_emulator/state"): self.state,
            ("GET", "/_emulator/accounts"): self.accounts,
            ("POST", "/_emulator/accounts"): self.add_account,
            ("GET", "/_emulator/requests"): self.requests,
            ("DELETE", "/_emulator/requests"): self.clear_requests,
            ("GET", "/_emulator/faults"): self.faults,
            ("POST", "/_emulator/faults"): self.add_fault,
            ("DELETE", "/_emulator/faults"): self.clear_faults,
            ("GET", "/_emulator/rate_limits"): self.rate_limits,
            ("POST", "/_emulator/rate_limits"): self.add_rate_limit,
            ("DELETE", "/_emulator/rate_limits"): self.clear_rate_limits,
            ("GET", "/_emulator/options"): self.options,
            ("POST", "/_emulator/options"): self.set_options,
            ("GET", "/_emulator/dns"): self.dns,
            ("POST", "/_emulator/dns"): self.set_dns,
        }.get((method, path))
        if handler is None:
            return Outcome(404, {"ok": False, "error": f"unknown control endpoint {method} {path}"})
        return handler()

    def _known(self, account_id: str) -> str:
        if account_id not in self.world.accounts:
            raise ControlError(f"account {account_id!r} is not an account of the emulator")
        return account_id

    def _forget(self, account_id: str | None, clear_log: bool) -> None:
        """Drop the faults, rate-limit rules and counters (and log entries) of one account, or all."""
        emulator = self.emulator
        if account_id is None:
            emulator.faults.clear()
            emulator.rate_rules.clear()
            emulator.rate_windows.clear()
            if clear_log:
                emulator.log.clear()
            return
        emulator.faults[:] = [f for f in emulator.faults if f.account != account_id]
        emulator.rate_rules[:] = [r for r in emulator.rate_rules if r.account != account_id]
        for key in [k for k in emulator.rate_windows if k[0] == account_id]:
            del emulator.rate_windows[key]
        if clear_log:
            emulator.log[:] = [e for e in emulator.log if e.account != account_id]

    # -- the world and its accounts ------------------------------------------

    def health(self) -> Outcome:
        return Outcome(200, {"ok": True, "hosts": dict(self.emulator.hosts), "accounts": list(self.world.order)})

    def reset(self) -> Outcome:
        account = self.account_arg()
        clear_log = self.arg("clear_log") == "true"
        if account is None:
            self.emulator.world = load_world(self.body, self.world.cli_key)
            self._forget(None, clear_log)
        else:
            self.world.replace_account(account.id, self.body)
            self._forget(account.id, clear_log)
        return Outcome(200, OK)

    def state(self) -> Outcome:
        account = self.account_arg()
        return Outcome(200, self.world.to_seed() if account is None else account_doc(account))

    def accounts(self) -> Outcome:
        return Outcome(200, [{"id": a.id, "partner": a.partner, "customers": list(a.customers),
                              "has_api_key": bool(a.api_key) or a is self.world.default,
                              "subusers": len(a.subusers), "ips": len(a.ips)} for a in self.world.all_accounts()])

    def add_account(self) -> Outcome:
        account = self.world.add_account(self.body)
        return Outcome(200, {"ok": True, "account": account.id})

    # -- the request log -------------------------------------------------------

    def requests(self) -> Outcome:
        account = self.account_arg()
        host = self.arg("host")
        since = self.arg("since") or "0"
        if not since.isdigit():
            raise ControlError("since must be a request seq number (an integer >= 0)")
        raw = self.emulator.log_json(account.id if account else None, host, int(since))
        return Outcome(200, None, raw=raw)

    def clear_requests(self) -> Outcome:
        account = self.account_arg()
        if account is None:
            self.emulator.log.clear()
        else:
            self.emulator.log[:] = [e for e in self.emulator.log if e.account != account.id]
        return Outcome(200, OK)

    # -- faults and rate limits ----------------------------------------------

    def faults(self) -> Outcome:
        return Outcome(200, [{**f.describe(), "remaining": f.count} for f in self.emulator.faults])

    def add_fault(self) -> Outcome:
        self.emulator.fault_ids += 1
        fault = Fault.parse(self.body, self.emulator.fault_ids, self.world.accounts)
        self.emulator.faults.append(fault)
        return Outcome(200, {"ok": True, "fault": {**fault.describe(), "remaining": fault.count}})

    def clear_faults(self) -> Outcome:
        account = self.account_arg()
        self.emulator.faults[:] = [] if account is None else [f for f in self.emulator.faults
                                                              if f.account != account.id]
        return Outcome(200, OK)

    def rate_limits(self) -> Outcome:
        return Outcome(200, [r.describe() for r in self.emulator.rate_rules])

    def add_rate_limit(self) -> Outcome:
        rule = RateRule.parse(self.body, self.world.accounts)
        self.emulator.rate_rules.append(rule)
        self.emulator.rate_windows.clear()
        return Outcome(200, {"ok": True, "rate_limit": rule.describe()})

    def clear_rate_limits(self) -> Outcome:
        account = self.account_arg()
        self.emulator.rate_rules[:] = [] if account is None else [r for r in self.emulator.rate_rules
                                                                  if r.account != account.id]
        self.emulator.rate_windows.clear()
        return Outcome(200, OK)

    # -- account options and the DNS zone --------------------------------------

    def _option_accounts(self) -> list[Account]:
        account = self.account_arg()
        return [account] if account is not None else list(self.world.all_accounts())

    def options(self) -> Outcome:
        return Outcome(200, {a.id: options_of(a) for a in self._option_accounts()})

    def set_options(self) -> Outcome:
        """Body: {"page_caps": {list: cap | null}, "max_limits": {list: maximum | null},
        "send_ips_lag": {ip: rule | null}}; all checked first."""
        body = strict.fields(self.body, "options", (), ("page_caps", "max_limits", "send_ips_lag"), ControlError)
        accounts = self._option_accounts()
        caps = strict.page_caps(body.get("page_caps", {}), "options.page_caps", CAPPABLE_LISTS, ControlError)
        maxima = strict.page_caps(body.get("max_limits", {}), "options.max_limits", CAPPABLE_LISTS, ControlError)
        lags = body.get("send_ips_lag", {})
        if not isinstance(lags, dict):
            raise ControlError("options.send_ips_lag: expected an object {ip: rule}")
        rules = {ip: strict.lag_rule(rule, f"options.send_ips_lag.{ip}", ControlError) for ip, rule in lags.items()}
        if lags and len(accounts) != 1:
            raise ControlError("options.send_ips_lag: name the account (?account=ID)")
        for ip in rules:
            if ip not in accounts[0].ips:
                raise ControlError(f"options.send_ips_lag: {ip} is not an IP of account {accounts[0].id!r}")
        for account in accounts:
            strict.apply_caps(account.page_caps, caps)
            strict.apply_caps(account.max_limits, maxima)
        for ip, rule in rules.items():
            accounts[0].set_lag(accounts[0].ips[ip], rule)
        return Outcome(200, {"ok": True, "options": {a.id: options_of(a) for a in accounts}})

    def dns(self) -> Outcome:
        return Outcome(200, dict(sorted(self.world.dns.items())))

    def set_dns(self) -> Outcome:
        """Body: {host: IPv4 address (an A record) or null (no record)}."""
        if not isinstance(self.body, dict):
            raise ControlError("dns: expected an object {host: IPv4 address or null}")
        removed = [host for host, address in self.body.items() if address is None]
        added = load_dns({h: a for h, a in self.body.items() if a is not None}, "dns")
        for host in removed:
            self.world.dns.pop(host.lower().rstrip("."), None)
        self.world.dns.update(added)
        return Outcome(200, {"ok": True, "dns": dict(sorted(self.world.dns.items()))})


def options_of(account: Account) -> dict[str, Any]:
    return {"page_caps": dict(sorted(account.page_caps.items())),
            "max_limits": dict(sorted(account.max_limits.items())),
            "send_ips_lag": {r.ip: r.send_ips_lag for r in account.sorted_ips() if r.send_ips_lag is not None}}
