# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reverse DNS records of dedicated IPs (``/v3/whitelabel/ips``): name checks and the returned view.

This is a private module_utils file: its API may change at any time.
"""

from __future__ import annotations

import re
import typing as t

from ._errors import SendGridInputError
from ._ips import ip_sort_key

LABEL = re.compile(r'^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$')
MAX_NAME_LENGTH = 253


def normalize_dns_name(value: t.Any, option: str, min_labels: int = 1) -> str:
    """A DNS name in the form SendGrid stores it: lower case, ASCII (IDNA), no trailing dot.

    Raises ``SendGridInputError`` naming ``option`` when the name is empty, has an empty label, a label
    longer than 63 characters or with characters other than letters, digits and inner hyphens, is longer
    than 253 characters, or has fewer than ``min_labels`` labels.
    """
    text = '' if value is None else str(value).strip()
    if text.endswith('.'):
        text = text[:-1]
    if not text:
        raise SendGridInputError(f'{option}: must not be empty')
    if '' in text.split('.'):
        raise SendGridInputError(f'{option}: {text!r} is not a valid DNS name (it has an empty label)')
    try:
        ascii_name = text.encode('idna').decode('ascii').lower()
    except UnicodeError:
        raise SendGridInputError(f'{option}: {text!r} is not a valid DNS name') from None
    labels = ascii_name.split('.')
    bad = [label for label in labels if not LABEL.match(label)]
    if bad or len(ascii_name) > MAX_NAME_LENGTH:
        reason = (f'label {bad[0]!r} must be 1 to 63 letters, digits or inner hyphens' if bad
                  else f'longer than {MAX_NAME_LENGTH} characters')
        raise SendGridInputError(f'{option}: {text!r} is not a valid DNS name ({reason})')
    if len(labels) < min_labels:
        raise SendGridInputError(f'{option}: {text!r} must have at least {min_labels} labels, such as example.com')
    return ascii_name


def record_view(record: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """One reverse DNS record as the modules return it."""
    a_record = record.get('a_record') or {}
    users = record.get('users') or []
    return {
        'record_id': record.get('id'),
        'ip': record.get('ip'),
        'rdns': record.get('rdns'),
        'domain': record.get('domain'),
        'subdomain': record.get('subdomain') or None,
        'valid': bool(record.get('valid')),
        'legacy': bool(record.get('legacy')),
        'last_validation_attempt_at': record.get('last_validation_attempt_at'),
        'users': sorted({str(user.get('username')) for user in users if isinstance(user, dict)
                         and user.get('username') is not None}),
        'a_record': a_record_view(a_record, record.get('ip')),
    }


def a_record_view(a_record: t.Mapping[str, t.Any], ip: t.Any, host: t.Any = None) -> dict[str, t.Any]:
    """The A record the operator must create: ``host`` -> ``data`` (the IP), type upper-cased for DNS modules."""
    kind = a_record.get('type') or 'a'
    return {
        'host': a_record.get('host', host),
        'type': str(kind).upper(),
        'data': a_record.get('data') or ip,
        'valid': bool(a_record.get('valid')),
    }


def describe_record(record: t.Mapping[str, t.Any]) -> str:
    """One record in a message: its host, id, domain and subdomain (and whether it is legacy)."""
    subdomain = record.get('subdomain') or '(none)'
    return (f'{record.get("rdns") or "?"} (id {record.get("id")}, domain {record.get("domain")},'
            f' subdomain {subdomain}{", legacy" if record.get("legacy") else ""})')


def foreign_answer_warning(ip: str, record: t.Mapping[str, t.Any]) -> str | None:
    """The warning for a creation of ``ip``'s record that SendGrid answered with a record of another IP, or
    ``None``. Never a silent answer: the result shows the record as SendGrid describes it."""
    if record.get('ip') == ip:
        return None
    return (f'POST /v3/whitelabel/ips for {ip} answered a record of the IP {record.get("ip")} (id {record.get("id")});'
            ' check it with sendgrid_reverse_dns_info')


def records_of_ip(records: t.Iterable[t.Mapping[str, t.Any]], ip: str) -> list[dict[str, t.Any]]:
    """The records whose IP is exactly ``ip`` (the API's ``ip`` filter is a prefix search), oldest id first."""
    return sorted((dict(record) for record in records if record.get('ip') == ip),
                  key=lambda record: str(record.get('id')).zfill(20))


def matches(record: t.Mapping[str, t.Any], domain: str, subdomain: str | None) -> bool:
    """Whether a record has this domain and, when ``subdomain`` is given, this subdomain (case-insensitive)."""
    if str(record.get('domain') or '').lower().rstrip('.') != domain:
        return False
    return subdomain is None or str(record.get('subdomain') or '').lower().rstrip('.') == subdomain


def sort_records(records: t.Iterable[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    return sorted(records, key=lambda view: (ip_sort_key(str(view.get('ip') or '')), str(view.get('record_id'))))
