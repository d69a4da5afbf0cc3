# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The per-IP part of a layout (``ips``): each IP's settings and its reverse DNS record (issue 8).

This is a private module_utils file: its API may change at any time.

Used by ``_layout`` (the ``sendgrid_ip_layout`` module and the ``ip_layout`` role). ``ips`` maps an IPv4 address
to what is declared for it: ``is_auto_warmup`` and ``is_parent_assigned`` (the settings of
``PATCH /v3/send_ips/ips/{ip}``, as ``sendgrid_ip`` names them) and ``reverse_dns``
(``domain``, ``subdomain``, ``force``, as ``sendgrid_reverse_dns`` names them). Undeclared settings and IPs are
never touched.

Reads: the settings come from ``GET /v3/send_ips/ips`` (``_rules.IPFacts``, one listing, shared with the
rules of the pools and subusers), the records from one ``GET /v3/whitelabel/ips`` listing; each is read only when
its part is declared. Writes: one ``PATCH`` per IP whose declared settings differ (only the fields that differ),
one ``POST /v3/whitelabel/ips`` per missing record, and with ``force`` the ``DELETE`` of a record of another domain
or subdomain before it. An IP made parent-assigned gets its ``PATCH`` before it joins a pool (an earlier
``Job.phase``), one that stops being so after it left its pools.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.parsing.convert_bool import boolean

from ._errors import SendGridInputError, format_items
from ._ips import normalize_ip, sort_ips
from ._reverse_dns import (
    a_record_view,
    describe_record,
    foreign_answer_warning,
    matches,
    normalize_dns_name,
    records_of_ip,
)
from ._rules import Findings, IPFacts
from ._writes import Job, create_reverse_dns_write, delete_reverse_dns_write, ip_settings_write

SETTINGS = ('is_auto_warmup', 'is_parent_assigned')
KEYS = (*SETTINGS, 'reverse_dns')
REVERSE_DNS_KEYS = ('domain', 'subdomain', 'force')


class IPDeclaration:
    """What the layout declares for one IP: ``settings`` (field -> bool) and ``reverse_dns`` (or ``None``)."""

    def __init__(self, settings: dict[str, bool], reverse_dns: dict[str, t.Any] | None) -> None:
        self.settings = settings
        self.reverse_dns = reverse_dns


# ---------------------------------------------------------------------------------------- declaration


def parse_ips(value: t.Any, problems: list[str]) -> dict[str, IPDeclaration] | None:
    """``ips`` normalized (IPv4 address -> ``IPDeclaration``); problems are collected, never raised."""
    if value is None:
        return None
    if not isinstance(value, t.Mapping):
        problems.append('ips: must be a dictionary of IPv4 address -> its settings and reverse DNS')
        return None
    given: dict[str, t.Any] = {}
    for raw, declared in value.items():
        try:
            address = normalize_ip(raw, ipv4_only=True)
        except ValueError as exc:
            problems.append(f'ips: {exc}')
            continue
        if address in given:
            problems.append(f'ips: {address} is named twice')
            continue
        given[address] = declared
    parsed: dict[str, IPDeclaration] = {}
    for address in sort_ips(given):
        declaration = _parse_declaration(f'ips.{address}', given[address], problems)
        if declaration is not None:
            parsed[address] = declaration
    return parsed


def _parse_declaration(where: str, value: t.Any, problems: list[str]) -> IPDeclaration | None:
    if not isinstance(value, t.Mapping) or not value:
        problems.append(f'{where}: must be a dictionary with at least one of {format_items(KEYS)}')
        return None
    unknown = sorted(str(key) for key in value if key not in KEYS)
    if unknown:
        problems.append(f'{where}: unknown key(s) {format_items(unknown)}; the keys are {format_items(KEYS)}')
    settings = {}
    for field in SETTINGS:
        if value.get(field) is not None:
            flag = _flag(where, field, value[field], problems)
            if flag is not None:
                settings[field] = flag
    reverse_dns = None
    if value.get('reverse_dns') is not None:
        reverse_dns = _parse_reverse_dns(f'{where}.reverse_dns', value['reverse_dns'], problems)
    return IPDeclaration(settings, reverse_dns)


def _flag(where: str, field: str, value: t.Any, problems: list[str]) -> bool | None:
    try:
        return boolean(value, strict=True)
    except TypeError:
        problems.append(f'{where}: {field} must be true or false, got {value!r}')
        return None


def _parse_reverse_dns(where: str, value: t.Any, problems: list[str]) -> dict[str, t.Any] | None:
    if not isinstance(value, t.Mapping):
        problems.append(f'{where}: must be a dictionary with domain (and optionally subdomain and force)')
        return None
    unknown = sorted(str(key) for key in value if key not in REVERSE_DNS_KEYS)
    if unknown:
        problems.append(f'{where}: unknown key(s) {format_items(unknown)}; the keys are'
                        f' {format_items(REVERSE_DNS_KEYS)}')
    try:
        if value.get('domain') is None:
            raise SendGridInputError(f'{where}.domain: is required')
        domain = normalize_dns_name(value['domain'], f'{where}.domain', min_labels=2)
        subdomain = (normalize_dns_name(value['subdomain'], f'{where}.subdomain')
                     if value.get('subdomain') is not None else None)
    except SendGridInputError as exc:
        problems.append(exc.message)
        return None
    force = _flag(where, 'force', value['force'], problems) if value.get('force') is not None else False
    return {'domain': domain, 'subdomain': subdomain, 'force': bool(force)}


def declares_settings(ips: t.Mapping[str, IPDeclaration] | None) -> bool:
    return any(declaration.settings for declaration in (ips or {}).values())


def declares_reverse_dns(ips: t.Mapping[str, IPDeclaration] | None) -> bool:
    return any(declaration.reverse_dns is not None for declaration in (ips or {}).values())


def parent_assigned_after(ips: t.Mapping[str, IPDeclaration] | None) -> dict[str, dict[str, bool]]:
    """The IPs the layout makes parent-assigned: they may join a pool once that is written (it is, first)."""
    return {ip: {'is_parent_assigned': True} for ip, declaration in (ips or {}).items()
            if declaration.settings.get('is_parent_assigned') is True}


# ---------------------------------------------------------------------------------------- plan


class PoolMoves:
    """The pools one IP is in after the layout, and whether it joins or leaves any."""

    def __init__(self, before: t.Iterable[str], after: t.Iterable[str]) -> None:
        self.before, self.after = set(before), set(after)

    @property
    def joins(self) -> bool:
        return bool(self.after - self.before)

    @property
    def leaves(self) -> bool:
        return bool(self.before - self.after)


class IPChange:
    """One declared IP: its declared settings and record before and after, and the writes between them."""

    def __init__(self, ip: str, declaration: IPDeclaration, current: t.Mapping[str, t.Any] | None,
                 records: list[dict[str, t.Any]], moves: PoolMoves) -> None:
        self.ip = ip
        self.declaration = declaration
        self.current = {field: (current or {}).get(field) for field in declaration.settings}
        self.settings = {field: value for field, value in declaration.settings.items() if self.current[field] != value}
        self.moves = moves
        self.records = records
        self.keep: dict[str, t.Any] | None = None
        self.others: list[dict[str, t.Any]] = []
        self.created: dict[str, t.Any] | None = None  # the record SendGrid answered the creation with
        self.warnings: list[str] = []  # the plan's warnings (shared), for what the writes' answers reveal
        wanted = declaration.reverse_dns
        if wanted is not None:
            self.keep = next((record for record in records if matches(record, wanted['domain'], wanted['subdomain'])),
                             None)
            self.others = [record for record in records if record is not self.keep]

    @property
    def creates_record(self) -> bool:
        return self.declaration.reverse_dns is not None and self.keep is None

    @property
    def changed(self) -> bool:
        return bool(self.settings) or self.creates_record or bool(self.others)

    def jobs(self) -> list[Job]:
        jobs = []
        if self.settings:
            assigned = self.settings.get('is_parent_assigned')
            phase = -1 if assigned is True and self.moves.joins else 1 if assigned is False and self.moves.leaves else 0
            jobs.append(Job([ip_settings_write(self.ip, self.settings)], phase=phase))
        if self.creates_record or self.others:
            wanted = t.cast(dict, self.declaration.reverse_dns)
            writes = [delete_reverse_dns_write(self.ip, record.get('id'), record.get('rdns')) for record in self.others]
            if self.creates_record:
                writes.append(create_reverse_dns_write(self.ip, wanted['domain'], wanted['subdomain'],
                                                       self._keep_created))
            jobs.append(Job(writes))
        return jobs

    def _keep_created(self, record: dict[str, t.Any]) -> None:
        self.created = dict(record)
        warning = foreign_answer_warning(self.ip, record)
        if warning:
            self.warnings.append(warning)

    def change(self) -> dict[str, t.Any]:
        reverse_dns = None
        if self.creates_record or self.others:
            wanted = t.cast(dict, self.declaration.reverse_dns)
            reverse_dns = {'created': self.creates_record, 'domain': wanted['domain'], 'subdomain': wanted['subdomain'],
                           'deleted': [str(record.get('rdns')) for record in self.others]}
        return {'settings': dict(self.settings), 'reverse_dns': reverse_dns}

    def _record_after(self) -> dict[str, t.Any] | None:
        if self.keep is not None:
            return self.keep
        if self.created is not None:
            return self.created
        wanted = t.cast(dict, self.declaration.reverse_dns)
        return {'ip': self.ip, 'domain': wanted['domain'], 'subdomain': wanted['subdomain']}

    def state(self, which: str) -> dict[str, t.Any]:
        state: dict[str, t.Any] = dict(self.current) if which == 'before' else {**self.current, **self.settings}
        if self.declaration.reverse_dns is not None:
            record = (self.records[0] if self.records else None) if which == 'before' else self._record_after()
            state['reverse_dns'] = None if record is None else {
                'domain': record.get('domain'), 'subdomain': record.get('subdomain') or None,
                'rdns': record.get('rdns'), 'valid': bool(record.get('valid'))}
        return state

    def a_record(self) -> dict[str, t.Any] | None:
        """The A record the operator must create for the declared record (``host`` unknown until it exists)."""
        if self.declaration.reverse_dns is None:
            return None
        record = t.cast(dict, self._record_after())
        return {'ip': self.ip, **a_record_view(record.get('a_record') or {}, self.ip, record.get('rdns'))}


def plan_ips(
    ips: t.Mapping[str, IPDeclaration],
    account_ips: t.Collection[str],
    facts: IPFacts | None,
    records: t.Iterable[t.Mapping[str, t.Any]] | None,
    moves: t.Mapping[str, PoolMoves],
    findings: Findings,
) -> dict[str, IPChange]:
    """Check the declared IPs against the account (problems and warnings into ``findings``) and plan them.

    IPs not on the account are left out (``_layout`` names them); ``moves`` gives each declared IP's pools.
    """
    by_ip: dict[str, list[dict[str, t.Any]]] = {}
    for record in records or ():
        by_ip.setdefault(str(record.get('ip')), []).append(dict(record))
    on_account = {ip: declaration for ip, declaration in ips.items() if ip in account_ips}
    _check_settings_known(on_account, facts, findings)
    changes = {}
    for ip, declaration in on_account.items():
        current = facts.get(ip) if facts is not None else None
        change = IPChange(ip, declaration, current, records_of_ip(by_ip.get(ip, ()), ip), moves[ip])
        findings.check_ip_settings(ip, declaration.settings, {'pools': sorted(change.moves.after)}, where=f'ips.{ip}',
                                   pools_after=' after the layout',
                                   remedy='list those pools without it in the layout, with ips_state: exact')
        if change.others and not t.cast(dict, declaration.reverse_dns)['force']:
            findings.problems.append(
                f'ips.{ip}: already has reverse DNS for another domain or subdomain: '
                + '; '.join(describe_record(record) for record in change.others)
                + '. Set reverse_dns.force: true to replace it')
        if current is not None:
            missing = sorted(field for field in declaration.settings if current.get(field) is None)
            if missing:
                findings.warnings.append(
                    f'ips.{ip}: GET /v3/send_ips/ips gives no {format_items(missing)} for it, so it is set without'
                    ' comparing it first')
        changes[ip] = change
    return changes


def _check_settings_known(ips: t.Mapping[str, IPDeclaration], facts: IPFacts | None, findings: Findings) -> None:
    """Settings can only be compared with what ``GET /v3/send_ips/ips`` says: without it, a problem, not a guess."""
    unknown = sort_ips(ip for ip, declaration in ips.items()
                       if declaration.settings and (facts is None or facts.get(ip) is None))
    if not unknown:
        return
    if facts is not None and facts.available:
        why = (f'{facts.why_unknown()} (an IP SendGrid added a moment ago can take a while to show there); run the'
               ' task again later')
    else:
        why = facts.why_unknown() if facts is not None else 'GET /v3/send_ips/ips was not read'
    findings.problems.append(f'ips: the settings of {format_items(unknown)} cannot be compared: {why}')
