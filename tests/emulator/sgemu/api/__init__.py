"""The API families; importing this package registers every operation's route."""

from __future__ import annotations

from . import legacy_ips, legacy_pools, send_ips, send_pools, subusers, warmup  # noqa: F401
