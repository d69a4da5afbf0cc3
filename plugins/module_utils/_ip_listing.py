# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The IP listing behind ``sendgrid_ip_info`` and the ``sendgrid_ips`` lookup.

This is a private module_utils file: its API may change at any time.

It reads only what the asked-for fields and filters need:

- ``GET /v3/ips`` (all pages) always: subusers, pools, warmup, rDNS;
- ``GET /v3/send_ips/ips`` (all pages) only for the IP-management fields
  (``is_leased``, ``is_enabled``, ``region``, ...) or filters on them;
- ``GET /v3/subusers`` only for ``status=available`` (which subusers are
  disabled) or to check that a ``subuser`` filter names a real subuser;
- ``GET /v3/send_ips/pools`` only when a ``pool`` filter names a pool that no
  IP is in (is it an empty pool, or no pool at all?).

``GET /v3/ips`` decides which IPs exist: the two listings are separate systems
that need not agree (ENDPOINTS.md section 11), and no IP is dropped because the
second one lacks it.

No per-IP endpoint is ever called.
"""

from __future__ import annotations

import datetime
import typing as t

from ._api import SendGridAPI
from ._errors import SendGridAPIError, SendGridInputError, format_items
from ._ips import (
    STATUSES,
    SubuserDirectory,
    classify,
    ip_matcher,
    ip_sort_key,
    matches_status,
    sort_ips,
    unknown_pool_message,
)
from ._names import clean_name
from ._rules import SEND_IPS_LISTING, IPFacts

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
        subuser = clean_name(subuser, 'subuser') if subuser is not None else None
        pool = clean_name(pool, 'pool') if pool is not None else None
        self.status = status
        self.pools_as_taken = pools_as_taken
        self.ip_match = ip_matcher(ip) if ip is not None else None
        self.subuser = subuser
        self.pool = pool
        self.fields = tuple(fields) if fields else ALL_FIELDS
        filters = (
            ('is_leased', 'is_leased', is_leased),
            ('is_enabled', 'is_enabled', is_enabled),
            ('is_parent_assigned', 'is_parent_assigned', is_parent_assigned),
            ('ip_region', 'region', ip_region),
            ('added_after', 'start_added_at', parse_timestamp(added_after, 'added_after')),
            ('added_before', 'end_added_at', parse_timestamp(added_before, 'added_before')),
        )
        # The API's query parameters, and the options they come from (for messages).
        self.send_ips_filters = {key: value for _option, key, value in filters if value is not None}
        self.ip_management_options = [option for option, _key, value in filters if value is not None]

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


def list_account_ips(api: SendGridAPI, query: IPListingQuery) -> dict[str, t.Any]:
    """Return ``{"ips": [...], "usage": [{"ip", "subuser"}, ...], "warnings": [...]}`` sorted by IP (then subuser).

    ``GET /v3/ips`` decides which IPs exist; ``GET /v3/send_ips/ips`` only adds the IP-management fields. An IP
    the second listing lacks keeps its basic fields, its extended fields are ``None``, and a warning names it;
    only an IP-management filter excludes an IP. The caller shows the warnings (``module.warn``, or the
    display's warning in a plugin).
    """
    warnings: list[str] = []
    directory = SubuserDirectory(api.list_subusers()) if query.needs_subusers else None
    if directory is not None and query.subuser is not None:
        directory.require([query.subuser], option='subuser')

    records = api.list_ips()
    if query.pool is not None:
        require_pool(api, query.pool, records)
    extended = None
    if query.needs_send_ips:
        extended = read_extended(api, query, warnings)

    disabled = directory.disabled() if directory is not None else set()
    selected: list[tuple[dict[str, t.Any], list[str]]] = []
    lacking: list[str] = []
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
        details: t.Mapping[str, t.Any] = {}
        if extended is not None:
            if address in extended:
                details = extended[address]
            elif query.send_ips_filters:
                continue  # excluded by an IP-management filter: the filtered listing does not have it
            else:
                lacking.append(address)
        entry: dict[str, t.Any] = {'ip': address}
        full = {
            'subusers': subusers,
            'pools': pools,
            'warmup': bool(record.get('warmup')),
            'start_date': record.get('start_date'),
            'rdns': record.get('rdns') or None,
            'whitelabeled': bool(record.get('whitelabeled')),
            **{field: details.get(field) for field in EXTENDED_FIELDS},
        }
        for field in query.fields:
            entry[field] = full[field]
        selected.append((entry, subusers))

    if lacking:
        warnings.append(
            f'{len(lacking)} IP(s) listed by GET /v3/ips are missing from {SEND_IPS_LISTING}, so their'
            f' {_and_list(EXTENDED_FIELDS)} are null: {format_items(sort_ips(lacking))}')
    if extended is not None:
        known = {record['ip'] for record in records}
        only_extended = sort_ips(ip for ip in extended if ip not in known
                                 and (query.ip_match is None or query.ip_match(ip)))
        if only_extended:
            warnings.append(
                f'{len(only_extended)} IP(s) listed by {SEND_IPS_LISTING} are not listed by GET /v3/ips, which decides'
                f' which IPs the account has; they are left out: {format_items(only_extended)}')

    selected.sort(key=lambda pair: ip_sort_key(pair[0]['ip']))
    return {
        'ips': [entry for entry, _subusers in selected],
        'usage': [{'ip': entry['ip'], 'subuser': name} for entry, subusers in selected for name in subusers],
        'warnings': warnings,
    }


def read_extended(api: SendGridAPI, query: IPListingQuery, warnings: list[str]) -> dict[str, dict[str, t.Any]] | None:
    """The IP-management listing keyed by IP. When the API refuses it (401, 403, 404): fail if a filter needs
    it, otherwise ``None`` and a warning that says which call failed and why."""
    facts = IPFacts.read(api, **query.send_ips_filters)
    if facts.by_ip is not None:
        return facts.by_ip
    failure = t.cast(SendGridAPIError, facts.failure)
    if query.send_ips_filters:
        failure.message += (f'; the filters {", ".join(query.ip_management_options)} need {SEND_IPS_LISTING}'
                            ' (the IP Address Management API), so the listing cannot be made')
        failure.args = (failure.message,)
        raise failure
    asked = [field for field in EXTENDED_FIELDS if field in query.fields]
    warnings.append(
        f'{failure.summary}. The IP-management fields ({", ".join(asked)}) are null for every IP.'
        ' An API key without the IP Address Management scope, or an account without that API (in public beta),'
        ' is answered so; ask only for the basic fields to skip that listing')
    return None


def require_pool(api: SendGridAPI, name: str, records: t.Iterable[t.Mapping[str, t.Any]]) -> None:
    """A ``pool`` filter must name a pool of the account; the pool listing is read only when no IP names it."""
    if any(name in (record.get('pools') or ()) for record in records):
        return
    pools = [entry['name'] for entry in api.list_pools()]
    if name not in pools:
        raise SendGridInputError(unknown_pool_message('pool', name, pools))


def _and_list(items: t.Sequence[str]) -> str:
    return ', '.join(items[:-1]) + ' and ' + items[-1] if len(items) > 1 else ''.join(items)
