"""IP warmup: /v3/ips/warmup."""

from __future__ import annotations

from typing import Any

from ..calls import Call
from ..errors import ApiError
from ..model import Account, IpRecord
from ..routing import route
from .common import warmup_view


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
