# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Converge a whole account to a declared IP layout: pools, subusers' IPs and warmup.

This is a private module_utils file: its API may change at any time.

Used by the ``sendgrid_ip_layout`` module (and so the ``ip_layout`` role) and the benchmark.
The work is split in four steps, each usable on its own:

``parse_layout()``
    checks the declaration alone (malformed or IPv6 addresses, pool names, sizes) and
    collects every problem instead of raising at the first;
``AccountSnapshot.read()``
    reads the account with a fixed number of list reads, whatever the layout's size:
    ``GET /v3/ips`` (all pages: every IP's subusers, pools and warmup),
    ``GET /v3/subusers`` (all pages) only when subusers are declared, and
    ``GET /v3/send_ips/pools`` (the pool ids) only when pools are declared;
``plan_layout()``
    adds the problems only the account can reveal (unknown IPs and subusers, the 100 pools
    and 100 IPs per pool limits), raises one ``SendGridLayoutError`` naming all of them, or
    returns a ``LayoutPlan``: the differences and the fewest writes that remove them;
``apply_plan()``
    runs the writes with a bounded thread pool sharing one client, holding back new writes
    while the last response said the rate limit is spent. A failed write does not stop the
    others; the error raised afterwards lists what was applied and what failed.

Subusers and pools the layout does not name are never read one by one nor written, even
with ``exclusive``; an omitted part (``pools``, ``subusers`` or ``warmup`` is ``None``) is
never touched.
"""

from __future__ import annotations

import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor

from ._api import POOL_IPS_PER_CALL, SendGridAPI, chunked
from ._errors import SendGridError, SendGridInputError
from ._ips import MAX_POOL_IPS, MAX_POOLS, SubuserDirectory, normalize_ip, pool_name_problems, sort_ips
DEFAULT_CONCURRENCY = 4
MAX_LISTED = 20              # items of each kind spelled out in an error message


class SendGridLayoutError(SendGridInputError):
    """The layout has problems; nothing was written. ``problems`` lists every one of them."""

    def __init__(self, problems: t.Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f'the IP layout has {count} problem{"s" if count != 1 else ""}; nothing was written: '
            + '; '.join(f'({number}) {problem}' for number, problem in enumerate(self.problems, 1)))

    def to_result(self) -> dict[str, t.Any]:
        return {'problems': self.problems}


class SendGridPartialApplyError(SendGridError):
    """Some writes failed after the others were applied. A re-run reads the account again and converges."""

    def __init__(self, applied: t.Sequence[str], failed: t.Sequence[str], not_attempted: t.Sequence[str]) -> None:
        self.applied = list(applied)
        self.failed = list(failed)
        self.not_attempted = list(not_attempted)
        parts = [f'{len(self.failed)} of {len(self.applied) + len(self.failed) + len(self.not_attempted)}'
                 f' writes failed; the layout is only partly applied.',
                 'Failed: ' + _listing(self.failed) + '.',
                 ('Applied (these stay in place): ' + _listing(self.applied) + '.') if self.applied
                 else 'Nothing was applied.']
        if self.not_attempted:
            parts.append('Not attempted (they depended on a failed write): ' + _listing(self.not_attempted) + '.')
        parts.append('Fix the cause and run the task again: it reads the account afresh and applies only what is'
                     ' still missing.')
        super().__init__(' '.join(parts))

    def to_result(self) -> dict[str, t.Any]:
        # ``failed`` is Ansible's own result key, hence the ``writes_`` prefix.
        return {'changed': bool(self.applied), 'writes_applied': self.applied, 'writes_failed': self.failed,
                'writes_not_attempted': self.not_attempted}


def _listing(items: t.Sequence[str]) -> str:
    shown = '; '.join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += f'; ... and {len(items) - MAX_LISTED} more'
    return shown


# ---------------------------------------------------------------------------------------- declaration


class Layout:
    """A declared layout, normalized. ``None`` for a part means "not declared: leave it alone"."""

    def __init__(
        self,
        pools: dict[str, list[str]] | None,
        subusers: dict[str, list[str]] | None,
        warmup: list[str] | None,
        exclusive: bool,
        problems: list[str],
    ) -> None:
        self.pools = pools
        self.subusers = subusers
        self.warmup = warmup
        self.exclusive = exclusive
        self.problems = problems

    def ip_lists(self) -> t.Iterator[tuple[str, list[str]]]:
        """Every declared list of IPs with where it is (``pools.NAME``, ``subusers.NAME``, ``warmup``)."""
        for part, lists in (('pools', self.pools), ('subusers', self.subusers)):
            for name, ips in sorted((lists or {}).items()):
                yield f'{part}.{name}', ips
        if self.warmup is not None:
            yield 'warmup', self.warmup


def parse_layout(
    pools: t.Mapping[t.Any, t.Any] | None = None,
    subusers: t.Mapping[t.Any, t.Any] | None = None,
    warmup: t.Sequence[t.Any] | None = None,
    exclusive: bool = False,
) -> Layout:
    """Normalize a declared layout; problems are collected in ``Layout.problems``, never raised."""
    problems: list[str] = []
    parsed_pools = _parse_mapping('pools', 'pool name -> list of IPs', pools, False, pool_name_problems, problems)
    if parsed_pools is not None:
        if len(parsed_pools) > MAX_POOLS:
            problems.append(f'pools: {len(parsed_pools)} pools declared; an account can have at most {MAX_POOLS}')
        problems.extend(f'pools.{name}: {len(ips)} IPs; a pool holds at most {MAX_POOL_IPS}'
                        for name, ips in parsed_pools.items() if len(ips) > MAX_POOL_IPS)
    parsed_subusers = _parse_mapping('subusers', 'subuser username -> list of IPv4 addresses', subusers, True,
                                     _username_problems, problems)
    parsed_warmup = None
    if warmup is not None:
        parsed_warmup = _parse_ip_list('warmup', warmup, ipv4_only=False, problems=problems)
    return Layout(parsed_pools, parsed_subusers, parsed_warmup, bool(exclusive), problems)


def _parse_mapping(
    part: str,
    shape: str,
    value: t.Any,
    ipv4_only: bool,
    name_problems: t.Callable[[str], list[str]],
    problems: list[str],
) -> dict[str, list[str]] | None:
    """A ``name -> list of IPs`` part of the layout, normalized; ``None`` when not given or not a mapping."""
    if value is None:
        return None
    if not isinstance(value, t.Mapping):
        problems.append(f'{part}: must be a dictionary of {shape}')
        return None
    parsed = {}
    for raw_name, members in value.items():
        name = str(raw_name)
        problems.extend(f'{part}: {problem}' for problem in name_problems(name))
        parsed[name] = _parse_ip_list(f'{part}.{name}', members, ipv4_only=ipv4_only, problems=problems)
    return parsed


def _username_problems(name: str) -> list[str]:
    return [] if name.strip() else ['a subuser username must not be empty']


def _parse_ip_list(where: str, members: t.Any, ipv4_only: bool, problems: list[str]) -> list[str]:
    if isinstance(members, (str, bytes)) or not isinstance(members, t.Iterable):
        problems.append(f'{where}: must be a list of IP addresses, got {type(members).__name__}')
        return []
    good: set[str] = set()
    for value in members:
        try:
            good.add(normalize_ip(value, ipv4_only=ipv4_only))
        except ValueError as exc:
            problems.append(f'{where}: {exc}')
    return sort_ips(good)


# ---------------------------------------------------------------------------------------- account


class AccountSnapshot:
    """What the plan needs to know about the account, read with a fixed number of list reads."""

    def __init__(
        self,
        ips: t.Iterable[t.Mapping[str, t.Any]],
        subusers: t.Iterable[t.Mapping[str, t.Any]] | None = None,
        pools: t.Iterable[t.Mapping[str, t.Any]] | None = None,
    ) -> None:
        self.ips: dict[str, dict[str, t.Any]] = {record['ip']: dict(record) for record in ips}
        self.directory = SubuserDirectory(subusers) if subusers is not None else None
        self.pool_ids: dict[str, str] | None = (
            {entry['name']: str(entry['id']) for entry in pools} if pools is not None else None)
        self._subuser_ips: dict[str, set[str]] = {}
        self._pool_ips: dict[str, set[str]] = {}
        for ip, record in self.ips.items():
            for username in record.get('subusers') or ():
                self._subuser_ips.setdefault(username, set()).add(ip)
            for pool in record.get('pools') or ():
                self._pool_ips.setdefault(pool, set()).add(ip)

    @classmethod
    def read(cls, api: SendGridAPI, layout: Layout) -> AccountSnapshot:
        if layout.pools is None and layout.subusers is None and layout.warmup is None:
            return cls([])
        ips = api.list_ips()
        subusers = api.list_subusers() if layout.subusers else None
        pools = api.list_pools() if layout.pools else None
        return cls(ips, subusers, pools)

    def members_of_subuser(self, username: str) -> set[str]:
        return set(self._subuser_ips.get(username, ()))

    def members_of_pool(self, name: str) -> set[str]:
        return set(self._pool_ips.get(name, ()))

    def warming(self) -> set[str]:
        return {ip for ip, record in self.ips.items() if record.get('warmup')}


# ---------------------------------------------------------------------------------------- plan


class Change:
    """One declared subuser or pool: its IPs before and after."""

    def __init__(self, name: str, before: set[str], after: set[str], exists: bool = True,
                 pool_id: str | None = None) -> None:
        self.name = name
        self.before = before
        self.after = after
        self.exists = exists
        self.pool_id = pool_id

    @property
    def added(self) -> list[str]:
        return sort_ips(self.after - self.before)

    @property
    def removed(self) -> list[str]:
        return sort_ips(self.before - self.after)

    @property
    def changed(self) -> bool:
        return not self.exists or self.before != self.after


class Write:
    """One API write. ``run(api)`` makes exactly one request."""

    def __init__(self, description: str, run: t.Callable[[SendGridAPI], t.Any]) -> None:
        self.description = description
        self.run = run

    def __repr__(self) -> str:
        return f'Write({self.description!r})'


class Job:
    """Writes that must run in order (a pool's removals before its additions); jobs run concurrently."""

    def __init__(self, writes: t.Sequence[Write]) -> None:
        self.writes = list(writes)


class LayoutPlan:
    """The differences between the account and the layout, and the writes that remove them."""

    def __init__(self, layout: Layout, account: AccountSnapshot) -> None:
        self.layout = layout
        self.pools: dict[str, Change] = {}
        self.subusers: dict[str, Change] = {}
        self.warmup: Change | None = None
        exclusive = layout.exclusive
        pool_ids = account.pool_ids or {}
        for name, ips in sorted((layout.pools or {}).items()):
            if name in pool_ids:
                before = account.members_of_pool(name)
                after = set(ips) if exclusive else before | set(ips)
                self.pools[name] = Change(name, before, after, pool_id=pool_ids[name])
            else:
                self.pools[name] = Change(name, set(), set(ips), exists=False)
        for name, ips in sorted((layout.subusers or {}).items()):
            before = account.members_of_subuser(name)
            self.subusers[name] = Change(name, before, set(ips) if exclusive else before | set(ips))
        if layout.warmup is not None:
            before = account.warming()
            self.warmup = Change('warmup', before, set(layout.warmup) if exclusive else before | set(layout.warmup))
        self._jobs: list[Job] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.jobs())

    def jobs(self) -> list[Job]:
        """The writes, grouped: pools (sorted by name), subusers (sorted), then warmup starts and stops."""
        if self._jobs is None:
            self._jobs = self._plan_jobs()
        return self._jobs

    def _plan_jobs(self) -> list[Job]:
        jobs = []
        for change in self.pools.values():
            writes = _pool_writes(change)
            if writes:
                jobs.append(Job(writes))
        for change in self.subusers.values():
            if change.changed:
                jobs.append(Job([_subuser_write(change)]))
        if self.warmup is not None:
            jobs.extend(Job([_start_warmup_write(ip)]) for ip in self.warmup.added)
            jobs.extend(Job([_stop_warmup_write(ip)]) for ip in self.warmup.removed)
        return jobs

    def writes(self) -> list[Write]:
        return [write for job in self.jobs() for write in job.writes]

    def changes(self) -> dict[str, t.Any]:
        """Only what changes (or would): per subuser, per pool, and warmup."""
        result: dict[str, t.Any] = {
            'subusers': {name: {'added': change.added, 'removed': change.removed}
                         for name, change in self.subusers.items() if change.changed},
            'pools': {name: {'created': not change.exists, 'added': change.added, 'removed': change.removed}
                      for name, change in self.pools.items() if change.changed},
            'warmup': {'started': self.warmup.added if self.warmup else [],
                       'stopped': self.warmup.removed if self.warmup else []},
        }
        return result

    def summary(self) -> dict[str, int]:
        pools = [change for change in self.pools.values() if change.changed]
        subusers = [change for change in self.subusers.values() if change.changed]
        return {
            'subusers_changed': len(subusers),
            'pools_created': sum(1 for change in pools if not change.exists),
            'pools_changed': sum(1 for change in pools if change.exists),
            'ips_added': sum(len(change.added) for change in pools + subusers),
            'ips_removed': sum(len(change.removed) for change in pools + subusers),
            'warmup_started': len(self.warmup.added) if self.warmup else 0,
            'warmup_stopped': len(self.warmup.removed) if self.warmup else 0,
            'writes': len(self.writes()),
        }

    def state(self, which: str) -> dict[str, t.Any]:
        """The declared parts ``before`` or ``after``, with sorted lists (pools that do not exist yet are left out
        of ``before``)."""
        state: dict[str, t.Any] = {}
        if self.layout.pools is not None:
            state['pools'] = {name: sort_ips(getattr(change, which)) for name, change in self.pools.items()
                              if which == 'after' or change.exists}
        if self.layout.subusers is not None:
            state['subusers'] = {name: sort_ips(getattr(change, which)) for name, change in self.subusers.items()}
        if self.warmup is not None:
            state['warmup'] = sort_ips(getattr(self.warmup, which))
        return state


def _pool_writes(change: Change) -> list[Write]:
    name = change.name
    if not change.exists:
        ips = sort_ips(change.after)
        label = f'create pool {name}' + (f' with {", ".join(ips)}' if ips else '')
        return [Write(label, lambda api: api.create_pool(name, ips))]
    pool_id = t.cast(str, change.pool_id)
    writes = []
    # Removals first: a full pool (100 IPs) can then take its new members.
    for chunk in chunked(change.removed, POOL_IPS_PER_CALL):
        writes.append(Write(f'remove {", ".join(chunk)} from pool {name}',
                            lambda api, chunk=chunk: api.remove_ips_from_pool(pool_id, chunk)))
    for chunk in chunked(change.added, POOL_IPS_PER_CALL):
        writes.append(Write(f'add {", ".join(chunk)} to pool {name}',
                            lambda api, chunk=chunk: api.add_ips_to_pool(pool_id, chunk)))
    return writes


def _subuser_write(change: Change) -> Write:
    name, ips = change.name, sort_ips(change.after)
    details = []
    if change.added:
        details.append('add ' + ', '.join(change.added))
    if change.removed:
        details.append('remove ' + ', '.join(change.removed))
    return Write(f'set the IPs of subuser {name} ({"; ".join(details)})',
                 lambda api: api.set_subuser_ips(name, ips))


def _start_warmup_write(ip: str) -> Write:
    return Write(f'start warmup of {ip}', lambda api: api.start_warmup(ip))


def _stop_warmup_write(ip: str) -> Write:
    return Write(f'stop warmup of {ip}', lambda api: api.stop_warmup(ip))


def plan_layout(layout: Layout, account: AccountSnapshot) -> LayoutPlan:
    """Check the layout against the account and plan the writes.

    Raises ``SendGridLayoutError`` naming every problem (the layout's own and the account's).
    """
    problems = list(layout.problems)
    for where, ips in layout.ip_lists():
        unknown = sort_ips(set(ips) - set(account.ips))
        if unknown:
            problems.append(f'{where}: not on this SendGrid account: {", ".join(unknown)}')
    if layout.subusers and account.directory is not None:
        # Blank names are already reported by the layout's own checks.
        missing = account.directory.unknown(name for name in layout.subusers if name.strip())
        if missing:
            problems.append(f'subusers: unknown subuser(s) on this account: {", ".join(missing)}')
    if layout.subusers and layout.exclusive:
        emptied = sorted(name for name, ips in layout.subusers.items() if not ips and account.members_of_subuser(name))
        if emptied:
            problems.append(
                f'subusers: {", ".join(emptied)}: an empty list with exclusive=true would take every IP away, which'
                ' SendGrid does not support (PUT /v3/subusers/{name}/ips with no IP is refused); give each at least'
                ' one IP or leave it out of the layout')
    if layout.pools and account.pool_ids is not None:
        new_pools = sorted(set(layout.pools) - set(account.pool_ids))
        if new_pools and len(account.pool_ids) + len(new_pools) > MAX_POOLS:
            problems.append(
                f'pools: the account has {len(account.pool_ids)} pools; creating {", ".join(new_pools)} would exceed'
                f' the limit of {MAX_POOLS}')
        if not layout.exclusive:
            for name in sorted(set(layout.pools) & set(account.pool_ids)):
                total = len(account.members_of_pool(name) | set(layout.pools[name]))
                if total > MAX_POOL_IPS:
                    problems.append(f'pools.{name}: would hold {total} IPs (its current ones plus the declared ones);'
                                    f' a pool holds at most {MAX_POOL_IPS}')
    if problems:
        raise SendGridLayoutError(problems)
    return LayoutPlan(layout, account)


# ---------------------------------------------------------------------------------------- apply


class ApplyReport:
    """What ``apply_plan`` did: descriptions of the writes ``applied``, ``failed`` (with the error) and
    ``not_attempted``."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.failed: list[str] = []
        self.not_attempted: list[str] = []
        self.rate_limit_waits = 0
        self._lock = threading.Lock()

    def record(self, bucket: str, description: str) -> None:
        with self._lock:
            getattr(self, bucket).append(description)

    def count_wait(self) -> None:
        with self._lock:
            self.rate_limit_waits += 1


def apply_plan(api: SendGridAPI, plan: LayoutPlan, concurrency: int = DEFAULT_CONCURRENCY) -> ApplyReport:
    """Run the plan's writes with ``concurrency`` threads sharing ``api``'s client.

    Before each write, waits while the last response said the rate limit is spent (the client
    retries a 429 by itself anyway). When some writes fail, the others still run; then
    ``SendGridPartialApplyError`` lists what was applied, what failed and what was not attempted.
    """
    if concurrency < 1:
        raise SendGridInputError(f'concurrency must be at least 1, got {concurrency}')
    report = ApplyReport()
    jobs = plan.jobs()
    if not jobs:
        return report

    def run_job(job: Job) -> None:
        for position, write in enumerate(job.writes):
            if api.client.wait_for_rate_limit() > 0:
                report.count_wait()
            try:
                write.run(api)
            except SendGridError as exc:
                report.record('failed', f'{write.description}: {exc.message}')
                for skipped in job.writes[position + 1:]:
                    report.record('not_attempted', skipped.description)
                return
            report.record('applied', write.description)

    with ThreadPoolExecutor(max_workers=min(concurrency, len(jobs)), thread_name_prefix='sendgrid-layout') as pool:
        futures = [pool.submit(run_job, job) for job in jobs]
    for future in futures:
        future.result()  # anything but a SendGridError (a bug) surfaces here, after every job ended
    if report.failed:
        raise SendGridPartialApplyError(report.applied, report.failed, report.not_attempted)
    return report


# ---------------------------------------------------------------------------------------- all together


def converge_layout(
    api: SendGridAPI,
    pools: t.Mapping[t.Any, t.Any] | None = None,
    subusers: t.Mapping[t.Any, t.Any] | None = None,
    warmup: t.Sequence[t.Any] | None = None,
    exclusive: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    check_mode: bool = False,
) -> tuple[LayoutPlan, ApplyReport | None]:
    """Parse, read the account, plan, and (unless ``check_mode``) apply. Returns the plan and the apply report."""
    if concurrency < 1:
        raise SendGridInputError(f'concurrency must be at least 1, got {concurrency}')
    layout = parse_layout(pools, subusers, warmup, exclusive)
    plan = plan_layout(layout, AccountSnapshot.read(api, layout))
    if check_mode:
        return plan, None
    return plan, apply_plan(api, plan, concurrency)
