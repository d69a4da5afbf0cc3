"""IP warmup: /v3/ips/warmup."""

from __future__ import annotations

from typing import Any

from ..calls import Call
from ..errors import ApiError
from ..model import IpRecord
from ..routing import route
from .common import warmup_view


def warming_ip(call: Call, ip: str) -> IpRecord:
    record = call.account.ips.get(ip)
    if record is None or not record.warmup or not call.visible(record):
        raise ApiError(404, "resource not found")
    return record


@route("POST", "/v3/ips/warmup", "WarmUpIp")
def start_warmup(call: Call) -> tuple[int, Any]:
    ip = call.json_object().get("ip")
    if not isinstance(ip, str):
        raise ApiError(400, "ip is required", "ip")
    record = call.account.ips.get(ip)
    if record is None:
        raise ApiError(404, "resource not found")
    if record.warmup:
        raise ApiError(400, f"ip {ip} is already in warmup", "ip")    # Emulator choice: not a no-op
    record.warmup = True
    record.start_date = call.now
    record.touch(call.now)
    return 200, [warmup_view(record)]


@route("GET", "/v3/ips/warmup", "ListWarmUpIp", subuser=True)
def list_warmup(call: Call) -> tuple[int, Any]:
    return 200, [warmup_view(r) for r in call.account.sorted_ips() if r.warmup and call.visible(r)]


@route("GET", "/v3/ips/warmup/{ip_address}", "GetWarmUpIp", subuser=True)
def get_warmup(call: Call) -> tuple[int, Any]:
    return 200, [warmup_view(warming_ip(call, call.params["ip_address"]))]


@route("DELETE", "/v3/ips/warmup/{ip_address}", "StopIpWarmUp")
def stop_warmup(call: Call) -> tuple[int, Any]:
    record = warming_ip(call, call.params["ip_address"])
    record.warmup = False
    record.start_date = None
    record.touch(call.now)
    return 204, None
