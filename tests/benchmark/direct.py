#!/usr/bin/env python
"""(d) The lower bound: one Python process, one requests.Session, only the necessary calls.

    BENCH_API_KEY=... direct.py --url URL --desired desired.json [--page-size 500]

Reads every IP (``GET /v3/ips``, limit/offset pages) and every subuser (``GET /v3/subusers``,
pages) once, then makes one ``PUT /v3/subusers/{name}/ips`` per subuser whose IPs differ,
one after the other. Prints one JSON line: ``{"seconds": ..., "reads": ..., "writes": ...}``
(``seconds`` is the time spent from the first request to the last, without interpreter
start-up and imports, which run.py measures separately as the process's wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import quote

import requests


def offset_pages(session: requests.Session, url: str, page_size: int) -> tuple[list[dict], int]:
    items: list[dict] = []
    calls = 0
    offset = 0
    while True:
        response = session.get(url, params={'limit': page_size, 'offset': offset}, timeout=60)
        calls += 1
        response.raise_for_status()
        page = response.json()
        items.extend(page)
        if len(page) < page_size:
            return items, calls
        offset += page_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', required=True)
    parser.add_argument('--desired', required=True, help='JSON file: {username: [ipv4, ...]}')
    parser.add_argument('--page-size', type=int, default=500, help='limit of each list page (default %(default)s,'
                        ' the same as the collection)')
    args = parser.parse_args()
    with open(args.desired, encoding='utf-8') as handle:
        desired = {name: set(ips) for name, ips in json.load(handle).items()}

    started = time.perf_counter()
    with requests.Session() as session:
        session.headers['Authorization'] = f'Bearer {os.environ["BENCH_API_KEY"]}'
        base = args.url.rstrip('/')
        ips, ip_reads = offset_pages(session, f'{base}/v3/ips', args.page_size)
        subusers, subuser_reads = offset_pages(session, f'{base}/v3/subusers', args.page_size)
        known = {entry['username'] for entry in subusers}
        missing = sorted(set(desired) - known)
        if missing:
            print(f'unknown subusers: {", ".join(missing)}', file=sys.stderr)
            return 1
        current: dict[str, set[str]] = {}
        for record in ips:
            for name in record.get('subusers') or ():
                current.setdefault(name, set()).add(record['ip'])
        writes = 0
        for name in sorted(desired):
            if current.get(name, set()) != desired[name]:
                response = session.put(f'{base}/v3/subusers/{quote(name, safe="")}/ips',
                                       json=sorted(desired[name]), timeout=60)
                response.raise_for_status()
                writes += 1
    seconds = time.perf_counter() - started
    print(json.dumps({'seconds': round(seconds, 4), 'reads': ip_reads + subuser_reads, 'writes': writes}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
