# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rules SendGrid enforces that an account snapshot can reveal, checked before the first write.

This is a private module_utils file: its API may change at any time.

One place for the layout (``_layout``) and the one-object modules (``sendgrid_subuser_ips``,
``sendgrid_ip``, ``sendgrid_ip_pool``, ``sendgrid_subuser``, ``sendgrid_account_ips``):

- a subuser sends only from IPs of its region (global subusers: ``us`` IPs, ``eu`` subusers: ``eu`` IPs), also
  the IPs a purchase gives it;
- a new IP goes into automatic warmup only for subusers that have an IP that is not warming up;
- only an IP the parent may send from (``is_parent_assigned``) joins a pool, and an IP in a pool stays
  parent-assigned;
- an account holds at most 100 pools, a pool at most 100 IPs;
- ``is_enabled`` applies only to customer-owned IPs.

The IP facts (region, ``is_parent_assigned``, ``is_leased``) come from ``GET /v3/send_ips/ips``, which can
lack an IP that ``GET /v3/ips`` lists, or be refused altogether (a key without the scope, an account without
that API). A rule that cannot be checked for an IP is not guessed: the IP is named in a warning and the API
decides. A check returns problems (every one, so that one error names them all) and warnings.
"""

from __future__ import annotations

import typing as t

from ._errors import (
    SendGridAPIError,
    SendGridAuthenticationError,
    SendGridInputError,
    SendGridNotFoundError,
    format_items,
)
from ._ips import MAX_POOL_IPS, MAX_POOLS, sort_ips, subuser_ip_region

# A key without the IP Address Management scope gets 401 ("missing required scope") or 403; an account
# without that (public beta) API gets 404.
UNAVAILABLE_ERRORS = (SendGridAuthenticationError, SendGridNotFoundError)
SEND_IPS_LISTING = 'GET /v3/send_ips/ips'


class SendGridProblemsError(SendGridInputError):
    """Problems found before any write; nothing was written. ``problems`` lists every one of them.

    The message spells out the first 20 and counts the rest.
    """

    def __init__(self, problems: t.Sequence[str], subject: str = 'the task') -> None:
        self.problems = list(problems)
        count = len(self.problems)
        numbered = [f'({number}) {problem}' for number, problem in enumerate(self.problems, 1)]
        super().__init__(f'{subject} has {count} problem{"s" if count != 1 else ""}; nothing was written: '
                         + format_items(numbered, separator='; '))

    def to_result(self) -> dict[str, t.Any]:
        return {'problems': self.problems}


def raise_problems(problems: t.Sequence[str], subject: str = 'the task') -> None:
    """One error naming every problem (a lone problem is its own message), or nothing."""
    if len(problems) == 1 and subject == 'the task':
        raise SendGridInputError(problems[0])
    if problems:
        raise SendGridProblemsError(problems, subject)


class IPFacts:
    """``GET /v3/send_ips/ips`` keyed by address, or the error that kept it from being read (``failure``)."""

    def __init__(self, entries: t.Iterable[t.Mapping[str, t.Any]] | None,
                 failure: SendGridAPIError | None = None) -> None:
        self.by_ip: dict[str, dict[str, t.Any]] | None = None
        if entries is not None:
            self.by_ip = {entry['ip']: dict(entry) for entry in entries
                          if isinstance(entry, t.Mapping) and isinstance(entry.get('ip'), str)}
        self.failure = failure

    @property
    def available(self) -> bool:
        return self.by_ip is not None

    def get(self, ip: str) -> dict[str, t.Any] | None:
        return (self.by_ip or {}).get(ip)

    def value(self, ip: str, field: str) -> t.Any:
        """The field of one IP; ``None`` when the listing lacks the IP (or the field)."""
        entry = self.get(ip)
        return entry.get(field) if entry is not None else None

    def with_settings(self, settings: t.Mapping[str, t.Mapping[str, t.Any]]) -> IPFacts:
        """These facts with ``settings`` (IP -> field -> value) applied, as they will be once they are written.

        IPs the listing lacks stay unknown; a listing that could not be read stays so."""
        if self.by_ip is None:
            return self
        return IPFacts([{**entry, **settings.get(ip, {})} for ip, entry in self.by_ip.items()], self.failure)

    def why_unknown(self) -> str:
        if self.failure is not None:
            return self.failure.summary
        return f'{SEND_IPS_LISTING} does not list them'

    @classmethod
    def read(cls, api: t.Any, **filters: t.Any) -> IPFacts:
        """Read the listing (all pages; ``filters`` are its query parameters). A 401, 403 or 404 is kept in
        ``failure`` instead of raised; any other error is raised."""
        try:
            return cls(api.list_send_ips(**filters))
        except UNAVAILABLE_ERRORS as exc:
            return cls(None, exc)


def on_account(api: t.Any, ip: str) -> bool:
    """Whether ``GET /v3/ips``, which decides which IPs the account has, lists ``ip``.

    Asked when the IP Address Management API does not know an IP, before the IP is called unknown. Its ``ip``
    query may match a prefix, so the match is made exactly here.
    """
    return any(record.get('ip') == ip for record in api.list_ips(ip=ip))


class Findings:
    """Problems (they stop the task before any write) and warnings (the API decides) of the checks."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def raise_problems(self, subject: str = 'the task') -> None:
        raise_problems(self.problems, subject)

    def settle(self, warn: t.Callable[[str], None], subject: str = 'the task') -> None:
        """Before the first write: one error naming every problem, or each warning passed to ``warn``."""
        self.raise_problems(subject)
        for warning in self.warnings:
            warn(warning)

    # ---------------------------------------------------------------- the account's IPs

    def check_on_account(self, ips: t.Iterable[str], account_ips: t.Iterable[str], where: str = 'ips') -> None:
        """Every IP must be on the account; ``account_ips`` are those of ``GET /v3/ips``, which decides.

        A set or a mapping of them is used as it is, never copied: the layout checks thousands of lists against one
        account (a copy per list was quadratic)."""
        known = account_ips if isinstance(account_ips, (t.AbstractSet, t.Mapping)) else set(account_ips)
        unknown = sort_ips({ip for ip in ips if ip not in known})
        if unknown:
            self.problems.append(f'{where}: not on this SendGrid account: {format_items(unknown)}')

    # ---------------------------------------------------------------- subusers and regions

    def check_regions(
        self,
        gains: t.Mapping[str, t.Iterable[str]],
        subusers: t.Mapping[str, t.Mapping[str, t.Any]],
        facts: IPFacts,
        where: t.Callable[[str], str] = lambda name: f'subuser {name}',
    ) -> None:
        """Each subuser (username -> the IPs it gains) may only gain IPs of its own region.

        ``subusers`` maps a username to its ``GET /v3/subusers`` entry (with ``region``); unknown usernames
        are skipped (they are reported by the caller). IPs of unknown region are named in one warning.
        """
        unknown_region: set[str] = set()
        for name in sorted(gains):
            entry = subusers.get(name)
            if entry is None:
                continue
            allowed = subuser_ip_region(entry)
            wrong = []
            for ip in sort_ips(gains[name]):
                region = facts.value(ip, 'region')
                if region is None:
                    unknown_region.add(ip)
                elif region != allowed:
                    wrong.append(f'{ip} ({region})')
            if wrong:
                region = entry.get('region') or 'global'
                self.problems.append(
                    f'{where(name)}: {format_items(wrong)}: {"an" if region[0] in "aeiou" else "a"} {region} subuser can'
                    f' only send from {allowed} IPs')
        if unknown_region:
            self.warnings.append(
                f'the region of {format_items(sort_ips(unknown_region))} could not be established ({facts.why_unknown()}),'
                ' so it was not checked against the region of the subusers they are given to; SendGrid decides')

    def check_new_ips_region(self, subusers: t.Mapping[str, t.Mapping[str, t.Any]], ip_region: str,
                             new_ips: str) -> None:
        """Subusers (username -> ``GET /v3/subusers`` entry) that are to get IPs of ``ip_region`` that do not exist
        yet (a purchase; ``new_ips`` says which, for the message)."""
        wrong = sorted(name for name, entry in subusers.items() if subuser_ip_region(entry) != ip_region)
        if wrong:
            self.problems.append(
                f'subusers: a global subuser sends from us IPs and an eu subuser from eu IPs; {new_ips} are'
                f' {ip_region} IPs, which these subusers cannot use: {format_items(wrong)}')

    def check_auto_warmup_subusers(self, subusers: t.Iterable[str], ips: t.Iterable[t.Mapping[str, t.Any]],
                                   facts: IPFacts) -> None:
        """SendGrid puts a new IP in automatic warmup only for subusers that have at least one IP that is not
        warming up (``ips``: ``GET /v3/ips`` entries; ``facts`` give ``is_auto_warmup``)."""
        records = list(ips)
        stuck = sorted(name for name in subusers if not any(
            name in (record.get('subusers') or ()) and not record.get('warmup')
            and not facts.value(record['ip'], 'is_auto_warmup')
            for record in records))
        if stuck:
            self.problems.append(
                'is_auto_warmup: SendGrid puts a new IP in automatic warmup only for subusers that have at least one'
                f' IP that is not warming up; these have none: {format_items(stuck)}')

    # ---------------------------------------------------------------- pools

    def check_pool_members(self, gains: t.Mapping[str, t.Iterable[str]], facts: IPFacts,
                           where: t.Callable[[str], str] = lambda name: f'pool {name}') -> None:
        """Only an IP the parent may send from (``is_parent_assigned``) joins a pool (pool name -> IPs it gains)."""
        unknown: set[str] = set()
        for name in sorted(gains):
            refused = []
            for ip in sort_ips(gains[name]):
                assigned = facts.value(ip, 'is_parent_assigned')
                if assigned is None:
                    unknown.add(ip)
                elif not assigned:
                    refused.append(ip)
            if refused:
                self.problems.append(
                    f'{where(name)}: {format_items(refused)} cannot join a pool: SendGrid only puts IPs the parent account'
                    ' may send from in a pool, and these have is_parent_assigned false (set it with'
                    ' mailops.sendgrid.sendgrid_ip first)')
        if unknown:
            self.warnings.append(
                f'whether the parent may send from {format_items(sort_ips(unknown))} could not be established'
                f' ({facts.why_unknown()}), so it was not checked before adding them to a pool; SendGrid decides')

    def check_pool_count(self, existing: int, new_pools: t.Sequence[str], where: str = 'pools') -> None:
        if new_pools and existing + len(new_pools) > MAX_POOLS:
            self.problems.append(
                f'{where}: the account has {existing} pools; creating {format_items(new_pools)} would exceed the limit of'
                f' {MAX_POOLS}')

    def check_pool_size(self, total: int, where: str, detail: str = '', subject: str = '') -> None:
        if total > MAX_POOL_IPS:
            self.problems.append(f'{where}: {subject + " " if subject else ""}would hold {total} IPs{detail};'
                                 f' a pool holds at most {MAX_POOL_IPS}')

    # ---------------------------------------------------------------- one IP's settings

    def check_ip_settings(self, ip: str, settings: t.Mapping[str, t.Any], current: t.Mapping[str, t.Any],
                          where: str = '', pools_after: str = '',
                          remedy: str = 'take it out of its pools first (mailops.sendgrid.sendgrid_ip_pool)') -> None:
        """PATCH /v3/send_ips/ips/{ip}: ``is_enabled`` only on customer-owned IPs; an IP in a pool stays
        parent-assigned. ``current`` is the IP's ``GET /v3/send_ips/ips/{ip}`` (the layout passes the pools the IP
        is in after its own changes, with ``pools_after`` saying so and ``remedy`` what to do; ``where`` prefixes
        each problem)."""
        prefix = f'{where}: ' if where else ''
        if settings.get('is_enabled') is not None and current.get('is_leased'):
            self.problems.append(
                f'{prefix}is_enabled: {ip} is leased from SendGrid; is_enabled applies only to customer-owned IPs'
                ' (is_leased=false). Leave is_enabled unset for this IP')
        pools = sorted(str(pool.get('name') if isinstance(pool, t.Mapping) else pool)
                       for pool in current.get('pools') or ())
        if settings.get('is_parent_assigned') is False and pools:
            self.problems.append(
                f'{prefix}is_parent_assigned{" false" if where else ""}: {ip} is in the pool(s) {format_items(pools)}'
                f'{pools_after}, and an IP in a pool must stay parent-assigned; {remedy}')
