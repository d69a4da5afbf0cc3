#!/usr/bin/env python
"""Stateful local emulator of the SendGrid v3 IP-management API (test-only).

It implements the 35 operations of Twilio's OpenAPI description of the SendGrid
IP endpoints (/v3/ips*, /v3/ips/pools*, /v3/ips/warmup*, /v3/send_ips/*,
/v3/subusers list/create, PATCH /v3/subusers/{name}, PUT /v3/subusers/{name}/ips)
with the spec's paths, query parameters, pagination, status codes and body shapes.
A control API under /_emulator/ (no auth) resets state, injects faults, sets rate
limits and exposes the request log. tests/emulator/seeds/README.md documents both.

This file is the command line; the emulator itself is the ``sgemu`` package beside it.
Standard library only.  Run ``python sendgrid_emulator.py --help`` for the CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python already puts this directory first on sys.path; make sure of it
# when the file is run any other way (runpy, an installed collection tree).
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from sgemu.server import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
