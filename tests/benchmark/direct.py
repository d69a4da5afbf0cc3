#!/usr/bin/env python
"""The lower bounds (d) and (e): one Python process with requests, only the calls a program must make.

    BENCH_API_KEY=... direct.py --url URL --desired desired.json [--reads fixed|needed] [--concurrency 1]

``--reads fixed --concurrency 1`` is way (d): it reads every IP (``GET /v3/ips``) and every subuser
(``GET /v3/subusers``), 10,000 and 500 a page as the collection reads them, stopping at a short page, then makes one
``PUT /v3/subusers/{name}/ips`` per subuser whose IPs differ, one after the other.

``--reads needed --concurrency C`` is way (e), the best a program can do with the rules the collection
follows (``plugins/module_utils/_layout.py``): it reads ``GET /v3/ips`` (all pages) and only what the
comparison and the checks before the first write need: ``GET /v3/subusers`` (existence, ids, regions)
when a subuser gains an IP or holds none, and ``GET /v3/send_ips/ips`` (the IPs' regions) when an IP
joins a subuser; it checks that every subuser exists and that every IP it gains is of the subuser's
region, then makes the same writes as the role's plan with ``ips_state: exact`` (one PUT per differing
subuser) with C workers, each with a ``requests.Session`` of its own. Its limit/offset pages follow
the client's rule (a page shorter than the limit ends the list only when the server has served a
longer one, so a short first page costs one more read: a server may cap the limit).

Prints one JSON line: ``{"seconds", "reads_s", "writes_s", "reads", "writes", "endpoints"}``. ``seconds``
runs from the first request to the last (interpreter start-up and imports excluded; run.py measures the
process's wall time too).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests

IPS_PAGE_SIZE = 10000         # GET /v3/ips, as the collection reads it (the API documents no maximum)
PAGE_SIZE = 500               # GET /v3/subusers, as the collection reads it
SEND_IPS_PAGE_SIZE = 1000     # GET /v3/send_ips/ips, as the collection reads it
IP_REGION_OF_SUBUSER_REGION = {'global': 'us', 'eu': 'eu'}


class Reader:
    """The reads, on one session, counted per endpoint."""

    def __init__(self, session: requests.Session, base: str, confirm_short_pages: bool) -> None:
        self.session = session
        self.base = base
        self.confirm_short_pages = confirm_short_pages
        self.endpoints: dict[str, int] = {}

    def get(self, path: str, params: dict[str, object]) -> object:
        self.endpoints[f'GET {path}'] = self.endpoints.get(f'GET {path}', 0) + 1
        response = self.session.get(self.base + path, params=params, timeout=120)
        response.raise_for_status()
        return response.json()

    def offset_pages(self, path: str, page_size: int = PAGE_SIZE, **query: object) -> list[dict]:
        items: list[dict] = []
        largest = 0
        while True:
            page = self.get(path, {**query, 'limit': page_size, 'offset': len(items)})
            if not isinstance(page, list):
                raise SystemExit(f'{path}: not a list')
            items.extend(page)
            short = len(page) < page_size
            if not page or (short and (not self.confirm_short_pages or len(page) < largest)):
                return items
            largest = max(largest, len(page))

    def cursor_pages(self, path: str, page_size: int, **query: object) -> list[dict]:
        items: list[dict] = []
        after_key = None
        while True:
            params = {**query, 'limit': page_size, **({'after_key': after_key} if after_key is not None else {})}
            page = self.get(path, params)
            items.extend(page.get('result') or [])
            after_key = ((page.get('_metadata') or {}).get('next_params') or {}).get('after_key')
            if after_key in (None, ''):
                return items


def read_needed(reader: Reader, desired: dict[str, set[str]], ips_page_size: int = IPS_PAGE_SIZE) -> dict[str, set[str]]:
    """(e): GET /v3/ips, then only what the checks need; returns the current IPs of each subuser."""
    records = reader.offset_pages('/v3/ips', ips_page_size)
    current = current_ips(records)
    gains = {name: ips - current.get(name, set()) for name, ips in desired.items() if ips - current.get(name, set())}
    if gains or any(name not in current for name in desired):
        subusers = {entry['username']: entry for entry in reader.offset_pages('/v3/subusers', include_region='true')}
        check_known(desired, subusers)
        if gains:
            regions = {entry['ip']: entry.get('region') for entry in
                       reader.cursor_pages('/v3/send_ips/ips', SEND_IPS_PAGE_SIZE, include_region='true')}
            wrong = sorted(f'{name}: {ip}' for name, ips in gains.items() for ip in ips
                           if regions.get(ip) not in (None, IP_REGION_OF_SUBUSER_REGION.get(
                               subusers[name].get('region') or 'global')))
            if wrong:
                raise SystemExit('IPs of another region: ' + ', '.join(wrong[:10]))
    return current


def read_fixed(reader: Reader, desired: dict[str, set[str]], ips_page_size: int = IPS_PAGE_SIZE) -> dict[str, set[str]]:
    """(d): every IP and every subuser, whatever the layout."""
    records = reader.offset_pages('/v3/ips', ips_page_size)
    check_known(desired, {entry['username']: entry for entry in reader.offset_pages('/v3/subusers')})
    return current_ips(records)


def current_ips(records: list[dict]) -> dict[str, set[str]]:
    current: dict[str, set[str]] = {}
    for record in records:
        for name in record.get('subusers') or ():
            current.setdefault(name, set()).add(record['ip'])
    return current


def check_known(desired: dict[str, set[str]], subusers: dict[str, dict]) -> None:
    missing = sorted(set(desired) - set(subusers))
    if missing:
        raise SystemExit(f'unknown subusers: {", ".join(missing[:10])}')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', required=True)
    parser.add_argument('--desired', required=True, help='JSON file: {username: [ipv4, ...]}')
    parser.add_argument('--reads', choices=('fixed', 'needed'), default='fixed',
                        help="fixed: every IP and subuser, pages stop when short ((d)); needed: the role's rules ((e))")
    parser.add_argument('--concurrency', type=int, default=1, help='writes at a time, one session per worker')
    parser.add_argument('--ips-page-size', type=int, default=IPS_PAGE_SIZE,
                        help='limit of the GET /v3/ips pages (default %(default)s, as the collection; the API documents'
                             ' no maximum)')
    args = parser.parse_args()
    if args.concurrency < 1:
        parser.error('--concurrency must be at least 1')
    with open(args.desired, encoding='utf-8') as handle:
        desired = {name: set(ips) for name, ips in json.load(handle).items()}
    headers = {'Authorization': f'Bearer {os.environ["BENCH_API_KEY"]}'}
    base = args.url.rstrip('/')

    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()

    def session() -> requests.Session:
        if not hasattr(local, 'session'):
            local.session = requests.Session()
            local.session.headers.update(headers)
            with lock:
                sessions.append(local.session)
        return local.session

    def put(name: str) -> None:
        response = session().put(f'{base}/v3/subusers/{quote(name, safe="")}/ips', json=sorted(desired[name]),
                                 timeout=120)
        response.raise_for_status()

    started = time.perf_counter()
    reader = Reader(session(), base, confirm_short_pages=args.reads == 'needed')
    current = (read_needed if args.reads == 'needed' else read_fixed)(reader, desired, args.ips_page_size)
    read_done = time.perf_counter()
    differing = sorted(name for name in desired if current.get(name, set()) != desired[name])
    if args.concurrency == 1:
        for name in differing:
            put(name)
    elif differing:
        with ThreadPoolExecutor(max_workers=min(args.concurrency, len(differing))) as pool:
            for future in [pool.submit(put, name) for name in differing]:
                future.result()
    finished = time.perf_counter()
    for each in sessions:
        each.close()
    endpoints = dict(reader.endpoints)
    if differing:
        endpoints['PUT /v3/subusers/{subuser_name}/ips'] = len(differing)
    print(json.dumps({'seconds': round(finished - started, 4), 'reads_s': round(read_done - started, 4),
                      'writes_s': round(finished - read_done, 4), 'reads': sum(reader.endpoints.values()),
                      'writes': len(differing), 'endpoints': endpoints}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
