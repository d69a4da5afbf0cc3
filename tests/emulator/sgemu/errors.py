"""Errors of the emulated API and of seed documents."""

from __future__ import annotations

from typing import Any

# Error families: the error body shape differs between the API families of the spec.
SEND_IPS = "send_ips"        # IpAddressManagementErrorResponse: field is a string ("" for none)
PARTNERS = "partners"        # IP provisioning ErrorResponse: message, field (string) and error_id required
V3 = "v3"                    # ErrorResponse of the legacy, subuser and reverse DNS APIs: field may be null

# error_id of the IP provisioning API, per status (its examples: 10-40002, 10-40100, 10-40300 ...).
PARTNER_ERROR_IDS = {400: "10-40002", 401: "10-40100", 403: "10-40300", 404: "10-40400", 429: "10-42900"}


class SeedError(ValueError):
    """A seed document (CLI --seed or POST /_emulator/reset) is invalid."""


class ApiError(Exception):
    """An error response of the emulated API.

    ``field=None`` means "no specific field": it becomes ``null`` in the legacy and
    subuser APIs and ``""`` in /v3/send_ips and the partner API, whose error schemas type
    ``field`` as a plain string (see :func:`error_body`).  ``body`` overrides the whole body.
    """

    def __init__(self, status: int, message: str = "", field: str | None = None, *, body: Any = None):
        super().__init__(message or repr(body))
        self.status = status
        self.message = message
        self.field = field
        self.body = body


def path_family(path: str) -> str:
    if path.startswith("/v3/send_ips"):
        return SEND_IPS
    if path.startswith("/v3/partners/"):
        return PARTNERS
    return V3


def error_body(family: str, message: str, field: str | None = None, status: int = 400) -> dict[str, Any]:
    if field is None and family in (SEND_IPS, PARTNERS):
        field = ""
    item: dict[str, Any] = {"field": field, "message": message}
    if family == PARTNERS:
        item["error_id"] = PARTNER_ERROR_IDS.get(status, f"10-{status}00")
    return {"errors": [item]}
