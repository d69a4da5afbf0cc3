"""Reverse DNS for IPs: /v3/whitelabel/ips (ip-lifecycle-endpoints.json).

A record's host is ``o<N>.<subdomain>.<domain>``; its A record (``a_record``) is that host
pointing at the IP, which the operator must create.  Validation looks the host up in the
emulator's DNS zone (seed key ``dns``, control ``POST /_emulator/dns``): it succeeds only
when the test has put that A record there.
"""

from __future__ import annotations

import re
from typing import Any

from ..calls import Call, offset_page
from ..errors import ApiError
from ..model import ReverseDns, parse_ipv4
from ..routing import route
from ..seed import rdns_host

NOT_FOUND = "Reverse DNS record not found."           # ValidateReverseDns's 404 example
LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def rdns_view(call: Call, record: ReverseDns) -> dict[str, Any]:
    account = call.account
    ip = account.ips[record.ip]
    users = sorted((account.subusers[name] for name in ip.subusers), key=lambda s: s.id)
    if call.actor is not None:
        users = [call.actor]
    view: dict[str, Any] = {
        "id": record.id,
        "ip": record.ip,
        "rdns": record.rdns,
        "users": [{"username": s.username, "user_id": s.id} for s in users],
        "domain": record.domain,
        "valid": record.valid,
        "legacy": record.legacy,
        "a_record": {"valid": record.valid, "type": "a", "host": record.rdns, "data": record.ip},
    }
    if record.subdomain is not None:
        view["subdomain"] = record.subdomain
    if record.last_validation_attempt_at is not None:
        view["last_validation_attempt_at"] = record.last_validation_attempt_at
    return view


def hostname_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    labels = value.lower().rstrip(".").split(".")
    if len(value) > 253 or not all(LABEL_RE.fullmatch(label) for label in labels):
        return "must be a host name (letters, digits and '-' in dot-separated labels)"
    return None


def find_record(call: Call) -> ReverseDns:
    raw = call.params["id"]
    record = call.account.rdns.get(int(raw)) if raw.isdigit() else None
    if record is None or not call.visible(call.account.ips[record.ip]):
        # Emulator choice: an unknown id is a 404 with ValidateReverseDns's message (Get and
        # Delete declare no error status).
        raise ApiError(404, NOT_FOUND)
    return record


@route("POST", "/v3/whitelabel/ips", "SetUpReverseDns")
def set_up_reverse_dns(call: Call) -> tuple[int, Any]:
    """Emulator choice: a second record for the same IP is refused (one per IP), and so is an IP
    that is not on the account; both with a 400, which the spec does not declare."""
    account = call.account
    body = call.json_object()
    if "ip" not in body:
        raise ApiError(400, "ip is required", "ip")
    ip = parse_ipv4(body["ip"])
    if ip is None:
        raise ApiError(400, "ip must be an IPv4 address", "ip")
    if ip not in account.ips:
        raise ApiError(400, f"ip {ip} is not on this account", "ip")
    if "domain" not in body:
        raise ApiError(400, "domain is required", "domain")
    problem = hostname_problem(body["domain"])
    if problem:
        raise ApiError(400, f"domain {problem}", "domain")
    subdomain = body.get("subdomain")
    if subdomain is not None and (not isinstance(subdomain, str) or not LABEL_RE.fullmatch(subdomain.lower())):
        raise ApiError(400, "subdomain must be one DNS label (letters, digits and '-')", "subdomain")
    if ip in account.rdns_by_ip:
        existing = account.rdns_by_ip[ip]
        raise ApiError(400, f"a reverse DNS record exists for {ip} already (id {existing.id}); delete it first",
                       "ip")
    domain = body["domain"].lower().rstrip(".")
    subdomain = subdomain.lower() if subdomain else None
    # o<N>: the first ordinal that no other record of this account uses under the same name.
    taken = {d.rdns for d in account.rdns.values()}
    ordinal = next(n for n in range(1, len(taken) + 2) if rdns_host(n, subdomain, domain) not in taken)
    record = ReverseDns(id=account.next_rdns_id(), ip=ip, domain=domain, subdomain=subdomain,
                        rdns=rdns_host(ordinal, subdomain, domain))
    account.add_rdns(record)
    return 201, rdns_view(call, record)


@route("GET", "/v3/whitelabel/ips", "ListReverseDns", subuser=True)
def list_reverse_dns(call: Call) -> tuple[int, Any]:
    """Records by id; ``ip`` is a prefix search (the spec says so)."""
    account = call.account
    prefix = call.arg("ip")
    records = sorted(account.rdns.values(), key=lambda d: d.id)
    matching = (d for d in records if (not prefix or d.ip.startswith(prefix)) and call.visible(account.ips[d.ip]))
    return 200, [rdns_view(call, d) for d in offset_page(matching, call)]


@route("GET", "/v3/whitelabel/ips/{id}", "GetReverseDns", subuser=True)
def get_reverse_dns(call: Call) -> tuple[int, Any]:
    return 200, rdns_view(call, find_record(call))


@route("DELETE", "/v3/whitelabel/ips/{id}", "DeleteReverseDns")
def delete_reverse_dns(call: Call) -> tuple[int, Any]:
    call.account.delete_rdns(find_record(call))
    return 204, None


@route("POST", "/v3/whitelabel/ips/{id}/validate", "ValidateReverseDns")
def validate_reverse_dns(call: Call) -> tuple[int, Any]:
    record = find_record(call)
    found = call.world.dns.get(record.rdns)
    record.valid = found == record.ip
    record.last_validation_attempt_at = call.now
    if record.valid:
        reason = None
    elif found is None:
        reason = f"Failed to resolve A Record at {record.rdns}: lookup {record.rdns}: no such host"
    else:
        reason = f"Expected A Record at {record.rdns} to point to {record.ip}, found {found}"
    return 200, {"id": record.id, "valid": record.valid,
                 "validation_results": {"a_record": {"valid": record.valid, "reason": reason}}}
