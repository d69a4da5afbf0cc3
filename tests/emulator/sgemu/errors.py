"""Errors of the emulated API and of seed documents."""

from __future__ import annotations

from typing import Any


class SeedError(ValueError):
    """A seed document (CLI --seed or POST /_emulator/reset) is invalid."""


class ApiError(Exception):
    """An error response of the emulated API.

    ``field=None`` means "no specific field": it becomes ``null`` in the legacy and
    subuser APIs and ``""`` in /v3/send_ips, whose error schema types ``field`` as a
    plain string (see :func:`error_body`).  ``body`` overrides the whole body.
    """

    def __init__(self, status: int, message: str = "", field: str | None = None, *, body: Any = None):
        super().__init__(message or repr(body))
        self.status = status
        self.message = message
        self.field = field
        self.body = body


def error_body(family: str, message: str, field: str | None = None) -> dict[str, Any]:
    if field is None and family == "send_ips":
        field = ""
    return {"errors": [{"field": field, "message": message}]}
