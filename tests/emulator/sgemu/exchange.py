"""One HTTP exchange as the emulator core sees it: the request in, the outcome out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Incoming:
    method: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    host: str = "global"                # the listener that received it: "global" or "eu"

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Outcome:
    status: int | None                  # None: drop the connection without a response
    body: Any = None                    # JSON document; None: no body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None            # the body already serialised (the request log)

    @property
    def drop(self) -> bool:
        return self.status is None

    def encoded(self) -> bytes:
        """The body as sent, serialised once: Content-Length and the bytes written agree."""
        if self.raw is None:
            self.raw = b"" if self.body is None else json.dumps(self.body).encode("utf-8")
        return self.raw

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.body is not None or self.raw:
            headers["Content-Type"] = "application/json"
        if self.status != 204 and not (self.status is not None and self.status < 200):
            headers["Content-Length"] = str(len(self.encoded()))
        return headers
