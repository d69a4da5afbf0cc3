#!/usr/bin/env python
"""Stateful local emulator of the SendGrid v3 IP API (test-only).

It implements the 45 operations of Twilio's OpenAPI documents in ../shared/sendgrid-openapi/
(ip-endpoints.json: /v3/ips*, /v3/ips/pools*, /v3/ips/warmup*, /v3/send_ips/*, /v3/subusers
list/create/update, PUT /v3/subusers/{name}/ips; ip-lifecycle-endpoints.json: reverse DNS,
partner IP provisioning, subuser delete and reputations) with the spec's paths, parameters,
pagination, statuses and body shapes, for one account or several (one API key each), on a
global and an EU listener.  A control API under /_emulator/ (no auth) resets state, injects
faults, sets rate limits and options and exposes the request log.  tests/emulator/README.md
documents all of it.

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
