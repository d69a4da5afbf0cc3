"""One HTTP exchange as the emulator core sees it: the request in, the outcome out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Incoming:
    method: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    status: int | None                  # None: drop the connection without a response
    body: Any = None                    # JSON document; None: no body
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def drop(self) -> bool:
        return self.status is None
