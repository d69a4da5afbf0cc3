"""Seed documents and desired layouts for the benchmark (deterministic: no randomness).

Addresses come from 198.18.0.0/15, the range RFC 2544 sets aside for benchmarks.
"""

from __future__ import annotations

import ipaddress
import typing as t

BASE_ADDRESS = ipaddress.IPv4Address('198.18.0.0')
FIRST_SUBUSER_ID = 1001


def ip_address(index: int) -> str:
    """The index-th benchmark address (198.18.0.1, 198.18.0.2, ...)."""
    return str(BASE_ADDRESS + 1 + index)


def subuser_name(index: int, prefix: str = 'bench') -> str:
    return f'{prefix}-{index:04d}'


def default_pool_size(n: int) -> int:
    """IPs on the account for N subusers when not given: max(20, N/2)."""
    return max(20, n // 2)


class ConvergeWorkload:
    """N subusers over a pool of IPs (default max(20, N/2)); every third subuser's desired set differs from the seed.

    Subuser i holds 1 + i % 3 consecutive IPs of the pool, starting at (7 * i) mod pool size. For every
    i divisible by 3 (those hold one IP), the desired set is the next two IPs instead: one IP removed,
    two added, so exactly one PUT is needed for each of them and none for the others. ``prefix`` names
    the subusers (``bench-0001``), so that several accounts can hold different subusers.
    """

    def __init__(self, n: int, pool_size: int | None = None, prefix: str = 'bench') -> None:
        self.n = n
        self.pool_size = pool_size or default_pool_size(n)
        pool = [ip_address(i) for i in range(self.pool_size)]
        self.seeded: dict[str, list[str]] = {}
        self.desired: dict[str, list[str]] = {}
        for i in range(n):
            start = 7 * i
            name = subuser_name(i, prefix)
            held = [pool[(start + j) % self.pool_size] for j in range(1 + i % 3)]
            self.seeded[name] = held
            if i % 3 == 0:
                self.desired[name] = [pool[(start + 1) % self.pool_size], pool[(start + 2) % self.pool_size]]
            else:
                self.desired[name] = list(held)
        self.pool = pool
        self.differing = sorted(name for name in self.desired if set(self.desired[name]) != set(self.seeded[name]))

    @property
    def label(self) -> str:
        """``n500``, or ``n5000-ips20000`` when the pool is not the default size."""
        return f'n{self.n}' if self.pool_size == default_pool_size(self.n) else f'n{self.n}-ips{self.pool_size}'

    def seed(self) -> dict[str, t.Any]:
        """The account before the change: every subuser holds its seeded IPs."""
        return _seed_document(self.pool, self.seeded)

    def converged_seed(self) -> dict[str, t.Any]:
        """The account as the desired layout has it (the no-op case)."""
        return _seed_document(self.pool, self.desired)


def _seed_document(pool: list[str], assignment: t.Mapping[str, list[str]]) -> dict[str, t.Any]:
    users_of: dict[str, list[str]] = {ip: [] for ip in pool}
    for name in sorted(assignment):
        for ip in assignment[name]:
            users_of[ip].append(name)
    return {
        'subusers': [{'username': name, 'id': FIRST_SUBUSER_ID + index} for index, name in enumerate(sorted(assignment))],
        'pools': [],
        'ips': [{'ip': ip, 'subusers': users_of[ip]} for ip in pool],
    }


def subuser_ips_of(state: t.Mapping[str, t.Any]) -> dict[str, set[str]]:
    """username -> IPs, from an emulator state document (GET /_emulator/state)."""
    current: dict[str, set[str]] = {}
    for record in state.get('ips') or ():
        for name in record.get('subusers') or ():
            current.setdefault(name, set()).add(record['ip'])
    return current


LISTING_SUBUSERS = 50
LISTING_POOLS = 10           # of 100 IPs each (the API's maximum per pool)


def listing_seed(count: int) -> dict[str, t.Any]:
    """An account with ``count`` IPs: most assigned to one of 50 subusers, some free, some in one of 10 pools,
    every 25th warming up, every 10th customer-owned, every 4th with reverse DNS."""
    subusers = [subuser_name(i) for i in range(LISTING_SUBUSERS)]
    pools = [f'bench-pool-{i:02d}' for i in range(min(LISTING_POOLS, max(1, count // 100)))]
    ips = []
    for i in range(count):
        record: dict[str, t.Any] = {'ip': ip_address(i)}
        slot = i % (LISTING_SUBUSERS + 10)
        if slot < LISTING_SUBUSERS:
            record['subusers'] = [subusers[slot]]
        if i // 100 < len(pools):
            record['pools'] = [pools[i // 100]]
        if i % 25 == 0:
            record['warmup'] = True
        if i % 10 == 0:
            record['is_leased'] = False
        if i % 4 == 0:
            record['rdns'] = f'o{i}.mail.example.com'
            record['whitelabeled'] = True
        ips.append(record)
    return {
        'subusers': [{'username': name, 'id': FIRST_SUBUSER_ID + index} for index, name in enumerate(subusers)],
        'pools': [{'name': name, 'id': str(index + 1)} for index, name in enumerate(pools)],
        'ips': ips,
    }
