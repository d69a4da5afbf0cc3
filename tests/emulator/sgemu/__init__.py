"""sgemu: the stateful emulator of the SendGrid v3 IP API that tests/emulator/sendgrid_emulator.py runs.

Layout: ``constants``, ``errors``, ``strict`` (strict JSON reading); ``model`` (accounts,
subusers, pools, IPs, reverse DNS records, cursors), ``seed`` and ``world`` (seed documents,
several accounts, the DNS zone); ``calls`` and ``routing`` (what a handler sees, the route
table); ``api/`` (one module per API family); ``faults``, ``core`` (auth, on-behalf-of,
hosts, rate limits, faults, the request log), ``control`` (/_emulator/), ``server`` (the
two listeners and the command line); ``choices`` (undeclared statuses, for the docs and
the contract validator).  Standard library only.
"""
