"""The API families; importing this package registers every operation's route (45 operations)."""

from __future__ import annotations

from . import (  # noqa: F401  pylint: disable=unused-import
    legacy_ips, legacy_pools, partners, reverse_dns, send_ips, send_pools, subusers, warmup)
