# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The IP listing behind ``sendgrid_ip_info`` and the ``sendgrid_ips`` lookup.

This is a private module_utils file: its API may change at any time.

It reads only what the asked-for fields and filters need:

- ``GET /v3/ips`` (all pages) always: subusers, pools, warmup, rDNS;
- ``GET /v3/send_ips/ips`` (all pages) only for the IP-management fields
  (``is_leased``, ``is_enabled``, ...) or filters on them;
- ``GET /v3/subusers`` only for ``status=available`` (which subusers are
  disabled) or to check that a ``subuser`` filter names a real subuser.

No per-IP endpoint is ever called.
"""

from __future__ import annotations

import datetime
import typing as t

from ._api import SendGridAPI
from ._errors import SendGridInputError
from ._ips import STATUSES, SubuserDirectory, classify, ip_matcher, ip_sort_key, matches_status

BASIC_FIELDS = ('subusers', 'pools', 'warmup', 'start_date', 'rdns', 'whitelabeled')
EXTENDED_FIELDS = ('is_auto_warmup', 'is_parent_assigned', 'is_enabled', 'is_leased', 'added_at', 'updated_at',
                   'region')
ALL_FIELDS = BASIC_FIELDS + EXTENDED_FIELDS
IP_REGIONS = ('us', 'eu')


class IPListingQuery:
    """Validated options of an IP listing. Raises ``SendGridInputError`` before any request."""

    def __init__(
        self,
        status: str = 'all',
        pools_as_taken: bool = False,
        ip: str | None = None,
        subuser: str | None = None,
        pool: str | None = None,
        is_leased: bool | None = None,
        is_enabled: bool | None = None,
        is_parent_assigned: bool | None = None,
        ip_region: str | None = None,
        added_after: t.Any = None,
        added_before: t.Any = None,
        fields: t.Sequence[str] | None = None,
    ) -> None:
        if status not in STATUSES:
            raise SendGridInputError(f'status must be one of {", ".join(STATUSES)}, got {status!r}')
        if pool is not None and is_parent_assigned is not None:
            raise SendGridInputError(
                'pool and is_parent_assigned cannot be used together (the SendGrid API rejects the combination)')
        if ip_region is not None and ip_region not in IP_REGIONS:
            raise SendGridInputError(f'ip_region must be one of {", ".join(IP_REGIONS)}, got {ip_region!r}')
        unknown_fields = sorted(set(fields or ()) - set(ALL_FIELDS))
        if unknown_fields:
            raise SendGridInputError(
                f'fields: unknown field(s) {", ".join(unknown_fields)}; choose from {", ".join(ALL_FIELDS)}')
        if subuser is not None and not subuser.strip():
            raise SendGridInputError('subuser must not be empty')
        if pool is not None and not pool.strip():
            raise SendGridInputError('pool must not be empty')
        self.status = status
        self.pools_as_taken = pools_as_taken
        self.ip_match = ip_matcher(ip) if ip is not None else None
        self.subuser = subuser
        self.pool = pool
        self.fields = tuple(fields) if fields else ALL_FIELDS
        self.send_ips_filters = {
            key: value for key, value in (
                ('is_leased', is_leased),
                ('is_enabled', is_enabled),
                ('is_parent_assigned', is_parent_assigned),
                ('region', ip_region),
                ('start_added_at', parse_timestamp(added_after, 'added_after')),
                ('end_added_at', parse_timestamp(added_before, 'added_before')),
            ) if value is not None
        }

    @property
    def needs_send_ips(self) -> bool:
        return bool(self.send_ips_filters) or any(field in EXTENDED_FIELDS for field in self.fields)

    @property
    def needs_subusers(self) -> bool:
        return self.status == 'available' or self.subuser is not None


def parse_timestamp(value: t.Any, option: str) -> int | None:
    """Unix seconds from an int, a numeric string or an ISO 8601 date/time (UTC unless it says otherwise)."""
    if value is None or value == '':
        return None
    if isinstance(value, bool):
        raise SendGridInputError(f'{option}: expected a Unix timestamp or an ISO 8601 date, got {value!r}')
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip()
    if text.lstrip('-').isdigit():
        return int(text)
    try:
        moment = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise SendGridInputError(
            f'{option}: expected a Unix timestamp or an ISO 8601 date such as 2025-01-31, got {text!r}') from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def list_account_ips(api: SendGridAPI, query: IPListingQuery) -> dict[str, list[dict[str, t.Any]]]:
    """Return ``{"ips": [...], "usage": [{"ip", "subuser"}, ...]}`` sorted by IP (then subuser)."""
    directory = SubuserDirectory(api.list_subusers()) if query.needs_subusers else None
    if directory is not None and query.subuser is not None:
        directory.require([query.subuser], option='subuser')

    records = api.list_ips()
    extended = None
    if query.needs_send_ips:
        extended = {entry['ip']: entry for entry in api.list_send_ips(**query.send_ips_filters)}

    disabled = directory.disabled() if directory is not None else set()
    selected: list[tuple[dict[str, t.Any], list[str]]] = []
    for record in records:
        address = record['ip']
        if query.ip_match is not None and not query.ip_match(address):
            continue
        subusers = sorted(record.get('subusers') or [])
        pools = sorted(record.get('pools') or [])
        if query.subuser is not None and query.subuser not in subusers:
            continue
        if query.pool is not None and query.pool not in pools:
            continue
        if not matches_status(classify(record, disabled, query.pools_as_taken), query.status):
            continue
        if extended is not None and address not in extended:
            continue  # filtered out by the IP-management filters
        entry: dict[str, t.Any] = {'ip': address}
        full = {
            'subusers': subusers,
            'pools': pools,
            'warmup': bool(record.get('warmup')),
            'start_date': record.get('start_date'),
            'rdns': record.get('rdns') or None,
            'whitelabeled': bool(record.get('whitelabeled')),
        }
        if extended is not None:
            details = extended[address]
            full.update({field: details.get(field) for field in EXTENDED_FIELDS})
        for field in query.fields:
            if field in full:
                entry[field] = full[field]
        selected.append((entry, subusers))

    selected.sort(key=lambda pair: ip_sort_key(pair[0]['ip']))
    return {
        'ips': [entry for entry, _subusers in selected],
        'usage': [{'ip': entry['ip'], 'subuser': name} for entry, subusers in selected for name in subusers],
    }
