#!/usr/bin/env python
"""Measure what the emulator costs at scale (run by hand; not part of the pytest suite).

    python tests/emulator/measure_scale.py [--subusers 5000] [--ips 20000] [--accounts 20]

It starts the emulator (through emulator_process.py, as the test suites do) on a generated
account with SUBUSERS subusers and IPS IPs, and prints the wall time of

* the whole ``GET /v3/ips`` listing at limit 500 (and the mean time of one page),
* the whole ``GET /v3/subusers`` listing at limit 500,
* the whole ``GET /v3/send_ips/ips`` listing at limit 1000 (cursor pages),
* ACCOUNTS accounts of 500 IPs and 100 subusers each, listed concurrently (one thread per
  account, each with its own API key), when the emulator serves several accounts.

Every figure is the median of three runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emulator_process import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

FIRST_ADDRESS = int(ipaddress.IPv4Address("10.0.0.1"))


def account_seed(subusers: int, ips: int, first_address: int = FIRST_ADDRESS) -> dict[str, Any]:
    """``subusers`` subusers; ``ips`` IPs, the first ``subusers`` of them assigned one each."""
    names = [f"sub{n:05d}" for n in range(subusers)]
    return {
        "remaining_ips": 10,
        "subusers": [{"username": name, "id": 10000 + n} for n, name in enumerate(names)],
        "ips": [{"ip": str(ipaddress.IPv4Address(first_address + n)),
                 **({"subusers": [names[n]]} if n < subusers else {})} for n in range(ips)],
    }


def timed(action: Any, repeat: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _run in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def walk_offset(session: requests.Session, url: str, limit: int = 500) -> int:
    seen, offset = 0, 0
    while True:
        page = session.get(url, params={"limit": limit, "offset": offset}, timeout=120).json()
        seen += len(page)
        if not page:
            return seen
        offset += len(page)


def walk_cursor(session: requests.Session, url: str, limit: int = 1000) -> int:
    seen, params = 0, {"limit": limit}
    while True:
        body = session.get(url, params=params, timeout=120).json()
        seen += len(body["result"])
        after_key = body["_metadata"]["next_params"]["after_key"]
        if after_key is None:
            return seen
        params["after_key"] = after_key


def measure_one_account(emu: EmulatorProcess, subusers: int, ips: int) -> None:
    emu.reset(account_seed(subusers, ips))
    emu.control("DELETE", "requests")
    session = emu.api_session()
    for label, url, walker, pages in (
            ("GET /v3/ips, limit 500", "/v3/ips", walk_offset, ips // 500 + 1),
            ("GET /v3/subusers, limit 500", "/v3/subusers", walk_offset, subusers // 500 + 1),
            ("GET /v3/send_ips/ips, limit 1000", "/v3/send_ips/ips", walk_cursor, ips // 1000 + 1)):
        seconds, count = timed(lambda u=url, w=walker: w(session, emu.url + u))
        print(f"{label:<34} {count:>6} items  {seconds:7.3f} s  ({seconds / pages * 1000:6.1f} ms per page,"
              f" {pages} pages)")
    session.close()
    emu.control("DELETE", "requests")


def measure_accounts(emu: EmulatorProcess, accounts: int) -> None:
    docs = []
    for number in range(accounts):
        doc = account_seed(100, 500, FIRST_ADDRESS + number * 1000)
        docs.append({"id": f"acct{number:02d}", "api_key": f"SG.measure-{number:02d}", **doc})
    response = emu.control("POST", "reset", json={"accounts": docs}, params={"clear_log": "true"})
    if response.status_code != 200:
        print(f"{accounts} accounts: this emulator does not serve several accounts ({response.status_code})")
        return
    errors: list[str] = []

    def one(number: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer SG.measure-{number:02d}"
            for _round in range(3):
                if walk_offset(session, emu.url + "/v3/ips") != 500:
                    errors.append(f"acct{number:02d}: wrong IP count")

    def all_accounts() -> None:
        threads = [threading.Thread(target=one, args=(n,)) for n in range(accounts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    seconds, _result = timed(all_accounts, repeat=1)
    print(f"{accounts} accounts at once, each listing its 500 IPs 3 times (limit 500): {seconds:.3f} s"
          + (f"; ERRORS: {errors[:3]}" if errors else ""))
    emu.control("DELETE", "requests")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--subusers", type=int, default=5000)
    parser.add_argument("--ips", type=int, default=20000)
    parser.add_argument("--accounts", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        seed = Path(workdir) / "seed.json"
        seed.write_text(json.dumps(account_seed(1, 1)), encoding="utf-8")
        with EmulatorProcess(Path(workdir), seed=seed) as emu:
            started = time.perf_counter()
            emu.reset(account_seed(args.subusers, args.ips))
            print(f"reset with {args.subusers} subusers and {args.ips} IPs: {time.perf_counter() - started:.3f} s")
            measure_one_account(emu, args.subusers, args.ips)
            if args.accounts:
                measure_accounts(emu, args.accounts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
