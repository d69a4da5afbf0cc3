# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Converge a whole account to a declared IP layout: pools, subusers' IPs, warmup, and per IP its settings and
reverse DNS (the ``ips`` part, planned by ``_layout_ips``).

This is a private module_utils file: its API may change at any time.

Used by the ``sendgrid_ip_layout`` module (and so the ``ip_layout`` role) and the benchmark.
The work is split in four steps, each usable on its own:

``parse_layout()``
    checks the declaration alone (malformed or IPv6 addresses, a dictionary where a list of IPs is due,
    pool names, sizes) and collects every problem instead of raising at the first;
``AccountSnapshot.read()``
    reads the account with a fixed number of list reads, whatever the layout's size, and only those the
    comparison and the checks need: ``GET /v3/ips`` (all pages) always; ``GET /v3/subusers`` when a named
    subuser gains an IP or holds none; ``GET /v3/send_ips/pools`` when a named pool changes or holds no IP;
    ``GET /v3/send_ips/ips`` (the IPs' regions and ``is_parent_assigned``) when an IP joins a subuser or
    a pool. A layout that already holds makes only the ``GET /v3/ips`` pages;
``plan_layout()``
    adds the problems only the account can reveal (unknown IPs and subusers, regions, IPs that cannot join
    a pool, the 100 pools and 100 IPs per pool limits: ``_rules``), raises one ``SendGridLayoutError``
    naming all of them, or returns a ``LayoutPlan``: the differences and the fewest writes that remove them;
``apply_plan()``
    runs the writes with a bounded thread pool sharing one client (``_writes``).

Subusers and pools the layout does not name are never read one by one nor written, even
with ``exclusive`` (the module's ``ips_state: exact``); an omitted part (``pools``, ``subusers``, ``warmup`` or
``ips`` is ``None``) is never touched. ``ips`` adds at most two list reads (``GET /v3/send_ips/ips``, shared with
the rules, and ``GET /v3/whitelabel/ips``), each only when its part is declared.

With ``exclusive=false``, IPs are added to subusers with ``subusers:batchAdd``, one call per IP for all the
subusers that gain it, so that concurrent runs never undo each other's additions. With ``exclusive=true``
each changed subuser gets its exact list with ``PUT /v3/subusers/{name}/ips``. A host that cannot serve
the batch calls (``api_url`` taken as the EU host: only ``api.sendgrid.com`` serves them) gets the ``PUT`` of each
subuser's whole list in both cases, which gives the same result but is not safe against a concurrent change of
the same subuser.
"""

from __future__ import annotations

import typing as t

from ._api import SendGridAPI
from ._errors import SendGridInputError, format_items
from ._ips import MAX_POOLS, SubuserDirectory, normalize_ip, pool_name_problems, sort_ips
from ._layout_ips import (
    IPChange,
    IPDeclaration,
    PoolMoves,
    declares_reverse_dns,
    declares_settings,
    parent_assigned_after,
    parse_ips,
    plan_ips,
)
from ._names import clean_names, mistyped_keys
from ._rules import Findings, IPFacts, SendGridProblemsError
from ._writes import (
    DEFAULT_CONCURRENCY,
    ApplyReport,
    Job,
    SendGridPartialApplyError,
    Write,
    apply_jobs,
    batch_subuser_calls,
    create_pool_write,
    ip_subusers_writes,
    pool_member_writes,
    require_hosts,
    start_warmup_write,
    stop_warmup_write,
    subuser_ips_write,
)

__all__ = [
    'DEFAULT_CONCURRENCY', 'AccountSnapshot', 'ApplyReport', 'Layout', 'LayoutPlan', 'SendGridLayoutError',
    'SendGridPartialApplyError', 'Write', 'apply_plan', 'converge_layout', 'parse_layout',
    'plan_layout',
]


class SendGridLayoutError(SendGridProblemsError):
    """The layout has problems; nothing was written. ``problems`` lists every one of them."""

    def __init__(self, problems: t.Sequence[str]) -> None:
        super().__init__(problems, subject='the IP layout')


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
        ips: dict[str, IPDeclaration] | None = None,
    ) -> None:
        self.pools = pools
        self.subusers = subusers
        self.warmup = warmup
        self.exclusive = exclusive  # ips_state: exact
        self.problems = problems
        self.ips = ips

    def ip_lists(self) -> t.Iterator[tuple[str, list[str]]]:
        """Every declared list of IPs with where it is (``pools.NAME``, ``subusers.NAME``, ``warmup``)."""
        for part, lists in (('pools', self.pools), ('subusers', self.subusers)):
            for name, ips in sorted((lists or {}).items()):
                yield f'{part}.{name}', ips
        if self.warmup is not None:
            yield 'warmup', self.warmup
        if self.ips is not None:
            yield 'ips', sort_ips(self.ips)

    @property
    def empty(self) -> bool:
        return self.pools is None and self.subusers is None and self.warmup is None and self.ips is None


def parse_layout(
    pools: t.Mapping[t.Any, t.Any] | None = None,
    subusers: t.Mapping[t.Any, t.Any] | None = None,
    warmup: t.Sequence[t.Any] | None = None,
    exclusive: bool = False,
    ips: t.Mapping[t.Any, t.Any] | None = None,
) -> Layout:
    """Normalize a declared layout; problems are collected in ``Layout.problems``, never raised.

    ``exclusive`` is ``ips_state: exact``; ``ips`` the per-IP part (``_layout_ips``)."""
    findings = Findings()  # the rules of _rules that the declaration alone reveals
    problems = findings.problems
    parsed_pools = _parse_mapping('pools', 'pool name -> list of IPs', pools, False, pool_name_problems, problems)
    if parsed_pools is not None:
        if len(parsed_pools) > MAX_POOLS:
            problems.append(f'pools: {len(parsed_pools)} pools declared; an account can have at most {MAX_POOLS}')
        for name, members in parsed_pools.items():
            findings.check_pool_size(len(members), f'pools.{name}')
    parsed_subusers = _parse_mapping('subusers', 'subuser username -> list of IPv4 addresses', subusers, True,
                                     lambda _name: [], problems)
    parsed_warmup = None
    if warmup is not None:
        parsed_warmup = _parse_ip_list('warmup', warmup, ipv4_only=False, problems=problems)
    parsed_ips = parse_ips(ips, problems)
    return Layout(parsed_pools, parsed_subusers, parsed_warmup, bool(exclusive), problems, parsed_ips)


def _parse_mapping(
    part: str,
    shape: str,
    value: t.Any,
    ipv4_only: bool,
    name_problems: t.Callable[[str], list[str]],
    problems: list[str],
) -> dict[str, list[str]] | None:
    """A ``name -> list of IPs`` part of the layout, normalized; ``None`` when not given or not a mapping.

    Names are cleaned as every module cleans them (``_names``: stripped of surrounding whitespace).
    """
    if value is None:
        return None
    if not isinstance(value, t.Mapping):
        problems.append(f'{part}: must be a dictionary of {shape}')
        return None
    problems.extend(mistyped_keys(part, value))
    parsed: dict[str, list[str]] = {}
    given: dict[str, str] = {}
    for raw_name, members in value.items():
        try:
            [name] = clean_names([raw_name], part)
        except SendGridInputError as exc:
            problems.append(exc.message)
            continue
        if name in given:
            problems.append(f'{part}: {name!r} is named twice ({given[name]!r} and {str(raw_name)!r})')
            continue
        given[name] = str(raw_name)
        problems.extend(f'{part}: {problem}' for problem in name_problems(name))
        parsed[name] = _parse_ip_list(f'{part}.{name}', members, ipv4_only=ipv4_only, problems=problems)
    return parsed


def _parse_ip_list(where: str, members: t.Any, ipv4_only: bool, problems: list[str]) -> list[str]:
    if isinstance(members, t.Mapping):
        problems.append(f'{where}: must be a list of IP addresses, got a dictionary (its keys are not taken as IPs)')
        return []
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
    """What the plan needs to know about the account, read with a fixed number of list reads.

    ``directory`` (subusers), ``pool_ids`` and ``facts`` (``GET /v3/send_ips/ips``) are ``None`` when they
    were not read.
    """

    def __init__(
        self,
        ips: t.Iterable[t.Mapping[str, t.Any]],
        subusers: t.Iterable[t.Mapping[str, t.Any]] | None = None,
        pools: t.Iterable[t.Mapping[str, t.Any]] | None = None,
        facts: IPFacts | None = None,
    ) -> None:
        self.ips: dict[str, dict[str, t.Any]] = {record['ip']: dict(record) for record in ips}
        self.directory = SubuserDirectory(subusers) if subusers is not None else None
        self.pool_ids: dict[str, str] | None = (
            {entry['name']: str(entry['id']) for entry in pools} if pools is not None else None)
        self.facts = facts
        self.records: list[dict[str, t.Any]] | None = None  # GET /v3/whitelabel/ips, when reverse DNS is declared
        self._subuser_ips: dict[str, set[str]] = {}
        self._pool_ips: dict[str, set[str]] = {}
        for ip, record in self.ips.items():
            for username in record.get('subusers') or ():
                self._subuser_ips.setdefault(username, set()).add(ip)
            for pool in record.get('pools') or ():
                self._pool_ips.setdefault(pool, set()).add(ip)

    @classmethod
    def read(cls, api: SendGridAPI, layout: Layout) -> AccountSnapshot:
        if layout.empty:
            return cls([])
        snapshot = cls(api.list_ips())
        if snapshot.needs_subusers(layout):
            snapshot.directory = SubuserDirectory(api.list_subusers())
        if snapshot.needs_pools(layout):
            snapshot.pool_ids = {entry['name']: str(entry['id']) for entry in api.list_pools()}
        if snapshot.needs_facts(layout):
            snapshot.facts = IPFacts.read(api)
        if declares_reverse_dns(layout.ips):
            snapshot.records = api.list_reverse_dns()
        return snapshot

    # ---------------------------------------------------------------- what the plan needs besides GET /v3/ips

    def subuser_gains(self, layout: Layout) -> dict[str, set[str]]:
        """Named subuser -> the IPs it gains (the same with and without ``exclusive``)."""
        return {name: set(ips) - self.members_of_subuser(name) for name, ips in (layout.subusers or {}).items()
                if set(ips) - self.members_of_subuser(name)}

    def pool_gains(self, layout: Layout) -> dict[str, set[str]]:
        return {name: set(ips) - self.members_of_pool(name) for name, ips in (layout.pools or {}).items()
                if set(ips) - self.members_of_pool(name)}

    def needs_subusers(self, layout: Layout) -> bool:
        """Ids and regions for the subusers that gain IPs; existence for those no IP names."""
        return bool(layout.subusers) and (bool(self.subuser_gains(layout))
                                          or any(name not in self._subuser_ips for name in layout.subusers or {}))

    def needs_pools(self, layout: Layout) -> bool:
        """Ids for the pools that change; existence for those no IP names (empty, or to be created)."""
        if not layout.pools:
            return False
        for name, ips in layout.pools.items():
            before = self.members_of_pool(name)
            if name not in self._pool_ips or set(ips) - before or (layout.exclusive and before != set(ips)):
                return True
        return False

    def needs_facts(self, layout: Layout) -> bool:
        """Regions and ``is_parent_assigned`` for the IPs that join a subuser or a pool; the declared settings."""
        return bool(self.subuser_gains(layout) or self.pool_gains(layout)) or declares_settings(layout.ips)

    # ---------------------------------------------------------------- views

    def members_of_subuser(self, username: str) -> set[str]:
        return set(self._subuser_ips.get(username, ()))

    def members_of_pool(self, name: str) -> set[str]:
        return set(self._pool_ips.get(name, ()))

    def warming(self) -> set[str]:
        return {ip for ip, record in self.ips.items() if record.get('warmup')}

    def pool_exists(self, name: str) -> bool:
        return name in self._pool_ips or (self.pool_ids is not None and name in self.pool_ids)

    def pool_moves(self, layout: Layout, ip: str) -> PoolMoves:
        """The pools ``ip`` is in before and after the layout (named pools as declared, the others as they are)."""
        before = set((self.ips.get(ip) or {}).get('pools') or ())
        after = set(before)
        for name, declared in (layout.pools or {}).items():
            if ip in declared:
                after.add(name)
            elif layout.exclusive:
                after.discard(name)
        return PoolMoves(before, after)


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


class LayoutPlan:
    """The differences between the account and the layout, and the writes that remove them.

    ``batch_subuser_calls`` says whether the host serves ``subusers:batchAdd`` (see the module docstring).
    ``warnings`` are the checks the snapshot could not make (the API decides those).
    """

    def __init__(self, layout: Layout, account: AccountSnapshot, batch_subuser_calls: bool = True,
                 warnings: t.Sequence[str] = (), ips: dict[str, IPChange] | None = None) -> None:
        self.layout = layout
        self.account = account
        self.batch_subuser_calls = batch_subuser_calls
        self.warnings = list(warnings)
        self.ips = ips if ips is not None else {}  # the declared IPs on the account (``_layout_ips``)
        for change in self.ips.values():
            change.warnings = self.warnings  # what a write's answer reveals is warned about after the apply
        self.pools: dict[str, Change] = {}
        self.subusers: dict[str, Change] = {}
        self.warmup: Change | None = None
        exclusive = layout.exclusive
        for name, ips in sorted((layout.pools or {}).items()):
            if account.pool_exists(name):
                before = account.members_of_pool(name)
                after = set(ips) if exclusive else before | set(ips)
                pool_id = (account.pool_ids or {}).get(name)
                self.pools[name] = Change(name, before, after, pool_id=pool_id)
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
        """The writes, grouped: pools (sorted by name), subusers (by IP, or by name), then warmup starts and stops."""
        if self._jobs is None:
            self._jobs = self._plan_jobs()
        return self._jobs

    def _plan_jobs(self) -> list[Job]:
        jobs = []
        for change in self.pools.values():
            if not change.exists:
                jobs.append(Job([create_pool_write(change.name, change.after)]))
            elif change.changed:
                jobs.append(Job(pool_member_writes(change.name, t.cast(str, change.pool_id), change.added,
                                                   change.removed)))
        changed = [change for change in self.subusers.values() if change.changed]
        if self.layout.exclusive or not self.batch_subuser_calls:
            jobs.extend(Job([subuser_ips_write(change.name, change.after, change.added, change.removed)])
                        for change in changed)
        else:
            # Only additions (exclusive=false): one batchAdd per IP for every subuser that gains it.
            directory = t.cast(SubuserDirectory, self.account.directory)
            gainers: dict[str, dict[str, str]] = {}
            for change in changed:
                for ip in change.added:
                    gainers.setdefault(ip, {})[change.name] = directory.id_of(change.name)
            for ip in sort_ips(gainers):
                jobs.extend(Job([write]) for write in ip_subusers_writes(ip, gainers[ip], add=True))
        if self.warmup is not None:
            jobs.extend(Job([start_warmup_write(ip)]) for ip in self.warmup.added)
            jobs.extend(Job([stop_warmup_write(ip)]) for ip in self.warmup.removed)
        for change in self.ips.values():
            jobs.extend(change.jobs())
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
        if self.layout.ips is not None:
            result['ips'] = {ip: change.change() for ip, change in self.ips.items() if change.changed}
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
            'ip_settings_changed': sum(1 for change in self.ips.values() if change.settings),
            'reverse_dns_created': sum(1 for change in self.ips.values() if change.creates_record),
            'reverse_dns_deleted': sum(len(change.others) for change in self.ips.values()),
            'writes': len(self.writes()),
        }

    def report(self, check_mode: bool = False) -> list[str]:
        """What changed (in check mode, would change), in lines for a person: the counts of ``summary()``, then one
        line per pool and subuser of ``changes()``, one per warmup direction and one per declared IP that changes;
        last, one per A record SendGrid has not found yet (also when nothing changed). The role prints them."""
        would = check_mode
        if not self.changed:
            return [f'The account already matches the IP layout: nothing {"would change" if would else "changed"}.',
                    *self._dns_lines()]
        counts = self.summary()
        add, remove = ('would add', 'would remove') if would else ('added', 'removed')
        lines = [
            f'{"Check mode, nothing was written. Would make" if would else "Made"} {counts["writes"]} write(s):'
            f' {counts["subusers_changed"]} subuser(s) changed, {counts["pools_created"]} pool(s) created,'
            f' {counts["pools_changed"]} pool(s) changed, {counts["ips_added"]} IP assignment(s) added,'
            f' {counts["ips_removed"]} removed, warmup started for {counts["warmup_started"]} IP(s), stopped for'
            f' {counts["warmup_stopped"]}, {counts["ip_settings_changed"]} IP(s) with new settings,'
            f' {counts["reverse_dns_created"]} reverse DNS record(s) created, {counts["reverse_dns_deleted"]} deleted.'
        ]
        for name, change in self.pools.items():
            if change.changed:
                created = ('would be created; ' if would else 'created; ') if not change.exists else ''
                lines.append(f'pool {name}: {created}{add} [{", ".join(change.added)}],'
                             f' {remove} [{", ".join(change.removed)}]')
        for name, change in self.subusers.items():
            if change.changed:
                lines.append(f'subuser {name}: {add} [{", ".join(change.added)}], {remove} [{", ".join(change.removed)}]')
        if self.warmup is not None and self.warmup.added:
            lines.append(f'warmup: {"would start" if would else "started"} for {", ".join(self.warmup.added)}')
        if self.warmup is not None and self.warmup.removed:
            lines.append(f'warmup: {"would stop" if would else "stopped"} for {", ".join(self.warmup.removed)}'
                         f' (they {"would" if would else "now"} send their full volume)')
        for ip, change in self.ips.items():
            if not change.changed:
                continue
            said = change.change()
            parts = []
            if said['settings']:
                settings = ', '.join(f'{field}={value}' for field, value in sorted(said['settings'].items()))
                parts.append(f'{"would set" if would else "set"} {settings}')
            if said['reverse_dns']:
                record = said['reverse_dns']
                replacing = f', replacing {", ".join(record["deleted"])}' if record['deleted'] else ''
                parts.append(f'reverse DNS {"would be " if would else ""}'
                             f'{"created" if record["created"] else "cleaned up"}{replacing}')
            lines.append(f'IP {ip}: {"; ".join(parts)}')
        return lines + self._dns_lines()

    def _dns_lines(self) -> list[str]:
        """One line per A record SendGrid has not found yet: the operator must create it."""
        return [f'DNS: create the A record {record["host"] if record["host"] is not None else "(the host SendGrid chooses)"}'
                f' -> {record["data"]}' for record in self.a_records() if not record['valid']]

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
        if self.layout.ips is not None:
            state['ips'] = {ip: change.state(which) for ip, change in self.ips.items()}
        return state

    def a_records(self) -> list[dict[str, t.Any]]:
        """The A records the operator must create, one per declared reverse DNS record, by IP (after the apply,
        with the host SendGrid chose; in check mode a record still to create has ``host`` ``None``)."""
        return [record for record in (change.a_record() for change in self.ips.values()) if record is not None]


def plan_layout(layout: Layout, account: AccountSnapshot, batch_subuser_calls: bool = True) -> LayoutPlan:
    """Check the layout against the account and plan the writes.

    Raises ``SendGridLayoutError`` naming every problem (the layout's own and the account's): every rule the
    snapshot reveals is checked here, before the first write.
    """
    findings = Findings()
    problems = findings.problems
    problems.extend(layout.problems)
    for where, ips in layout.ip_lists():
        findings.check_on_account(ips, account.ips, where)
    if layout.subusers and account.directory is not None:
        problem = account.directory.unknown_problem(layout.subusers)
        if problem:
            problems.append(problem)
    if layout.subusers and layout.exclusive:
        emptied = sorted(name for name, ips in layout.subusers.items() if not ips and account.members_of_subuser(name))
        if emptied:
            problems.append(
                f'subusers: {format_items(emptied)}: an empty list with ips_state: exact would take every IP away,'
                ' which SendGrid does not support (PUT /v3/subusers/{name}/ips with no IP is refused); give each at'
                ' least one IP or leave it out of the layout')
    if layout.pools and account.pool_ids is not None:
        findings.check_pool_count(len(account.pool_ids), sorted(set(layout.pools) - set(account.pool_ids)))
        if not layout.exclusive:
            for name in sorted(set(layout.pools) & set(account.pool_ids)):
                findings.check_pool_size(len(account.members_of_pool(name) | set(layout.pools[name])),
                                         f'pools.{name}', ' (its current ones plus the declared ones)')
    if account.facts is not None:
        on_account = set(account.ips)
        gains = {name: ips & on_account for name, ips in account.subuser_gains(layout).items()}
        findings.check_regions(gains, account.directory.by_name if account.directory is not None else {},
                               account.facts, where=lambda name: f'subusers.{name}')
        # an IP the layout makes parent-assigned may join a pool: its PATCH is written first
        findings.check_pool_members({name: ips & on_account for name, ips in account.pool_gains(layout).items()},
                                    account.facts.with_settings(parent_assigned_after(layout.ips)),
                                    where=lambda name: f'pools.{name}')
    ip_changes = None
    if layout.ips is not None:
        ip_changes = plan_ips(layout.ips, account.ips, account.facts, account.records,
                              {ip: account.pool_moves(layout, ip) for ip in layout.ips}, findings)
    if problems:
        raise SendGridLayoutError(problems)
    return LayoutPlan(layout, account, batch_subuser_calls=batch_subuser_calls, warnings=findings.warnings,
                      ips=ip_changes)


# ---------------------------------------------------------------------------------------- apply


def apply_plan(api: SendGridAPI, plan: LayoutPlan, concurrency: int = DEFAULT_CONCURRENCY) -> ApplyReport:
    """Run the plan's writes with ``concurrency`` threads sharing ``api``'s client (see ``_writes.apply_jobs``)."""
    return apply_jobs(api, plan.jobs(), concurrency)


# ---------------------------------------------------------------------------------------- all together


def converge_layout(
    api: SendGridAPI,
    pools: t.Mapping[t.Any, t.Any] | None = None,
    subusers: t.Mapping[t.Any, t.Any] | None = None,
    warmup: t.Sequence[t.Any] | None = None,
    exclusive: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    check_mode: bool = False,
    ips: t.Mapping[t.Any, t.Any] | None = None,
) -> tuple[LayoutPlan, ApplyReport | None]:
    """Parse, read the account, plan, and (unless ``check_mode``) apply. Returns the plan and the apply report."""
    if concurrency < 1:
        raise SendGridInputError(f'concurrency must be at least 1, got {concurrency}')
    layout = parse_layout(pools, subusers, warmup, exclusive, ips)
    plan = plan_layout(layout, AccountSnapshot.read(api, layout), batch_subuser_calls(api))
    require_hosts(api, plan.writes())  # in check mode too: the plan shown is one this connection can apply
    if check_mode:
        return plan, None
    return plan, apply_plan(api, plan, concurrency)
