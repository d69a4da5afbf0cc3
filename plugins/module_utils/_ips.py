# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain helpers: IP address validation, filters, and the v2 free/taken/available classification.

This is a private module_utils file: its API may change at any time.
"""

from __future__ import annotations

import ipaddress
import typing as t

from ._errors import SendGridInputError

STATUSES = ('all', 'free', 'taken', 'available')
MAX_POOLS = 100              # pools per account
MAX_POOL_IPS = 100           # IPs per pool
POOL_NAME_MIN, POOL_NAME_MAX = 2, 64
MAX_LISTED = 20              # items of one kind spelled out in a message; the rest are counted
# A subuser sends only from IPs of its own region: a global subuser from us IPs, an eu subuser from eu IPs.
IP_REGION_OF_SUBUSER_REGION = {'global': 'us', 'eu': 'eu'}


def listed(items: t.Iterable[t.Any], separator: str = ', ', limit: int = MAX_LISTED) -> str:
    """The first ``limit`` items joined, then how many more there are: keeps every message short."""
    items = [str(item) for item in items]
    shown = separator.join(items[:limit])
    if len(items) > limit:
        shown += f'{separator}... and {len(items) - limit} more'
    return shown


def unknown_pool_message(option: str, name: str, pools: t.Iterable[str]) -> str:
    """The error for a filter or option that names a pool the account does not have (names are case-sensitive)."""
    pools = sorted(pools)
    return (f'{option}: no IP pool named {name!r} on this account'
            + (f' (its pools: {listed(pools)})' if pools else ' (it has no pool)'))


def subuser_ip_region(subuser: t.Mapping[str, t.Any]) -> str:
    """The region of the IPs a subuser (a ``GET /v3/subusers`` entry) may send from: ``us`` or ``eu``."""
    return IP_REGION_OF_SUBUSER_REGION.get(subuser.get('region') or 'global', 'us')


def normalize_ip(value: t.Any, ipv4_only: bool = False) -> str:
    """Return the canonical text form of an IP address, or raise ``ValueError`` with a clear reason."""
    text = str(value).strip() if value is not None else ''
    if not text:
        raise ValueError('an empty string is not an IP address')
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f'{text!r} is not a valid IP address') from None
    if ipv4_only and address.version != 4:
        raise ValueError(f'{text!r} is an IPv6 address; SendGrid accepts only IPv4 addresses here')
    return str(address)


def normalize_ips(values: t.Iterable[t.Any], option: str = 'ips', ipv4_only: bool = False) -> list[str]:
    """Validate a list of IPs; one error names every bad entry. Returns a sorted, de-duplicated list."""
    good: set[str] = set()
    bad: list[str] = []
    for value in values:
        try:
            good.add(normalize_ip(value, ipv4_only=ipv4_only))
        except ValueError as exc:
            bad.append(str(exc))
    if bad:
        raise SendGridInputError(f'{option}: ' + '; '.join(bad))
    return sort_ips(good)


def ip_sort_key(ip: str) -> tuple[int, int, str]:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return (9, 0, ip)
    return (address.version, int(address), ip)


def sort_ips(ips: t.Iterable[str]) -> list[str]:
    return sorted(set(ips), key=ip_sort_key)


def ip_matcher(pattern: str) -> t.Callable[[str], bool]:
    """A predicate for the ``ip`` filter: an exact address, a CIDR network, or a text prefix like ``192.0.2.``."""
    pattern = pattern.strip()
    if not pattern:
        raise SendGridInputError('ip: the filter must not be empty')
    if '/' in pattern:
        try:
            network = ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            raise SendGridInputError(f'ip: {pattern!r} is not a valid CIDR network') from None

        def in_network(ip: str) -> bool:
            try:
                return ipaddress.ip_address(ip) in network
            except ValueError:
                return False
        return in_network
    try:
        exact = str(ipaddress.ip_address(pattern))
    except ValueError:
        if not all(char in '0123456789abcdefABCDEF.:' for char in pattern):
            raise SendGridInputError(
                f'ip: {pattern!r} is neither an IP address, a CIDR network nor an address prefix') from None
        prefix = pattern.lower()
        return lambda ip: ip.lower().startswith(prefix)
    return lambda ip: ip == exact


def classify(
    ip_record: t.Mapping[str, t.Any],
    disabled_subusers: t.Collection[str],
    pools_as_taken: bool = False,
) -> dict[str, bool]:
    """The v2 ``customer.ip`` / ``reseller.ip`` definitions computed from a ``GET /v3/ips`` entry.

    - taken: used by at least one subuser (with ``pools_as_taken``: or in at least one pool);
    - free: not taken;
    - available: free, or used only by disabled subusers.
    """
    subusers = list(ip_record.get('subusers') or [])
    in_pool = bool(ip_record.get('pools')) and pools_as_taken
    taken = bool(subusers) or in_pool
    only_disabled = bool(subusers) and all(name in disabled_subusers for name in subusers)
    return {
        'free': not taken,
        'taken': taken,
        'available': not taken or (only_disabled and not in_pool),
    }


def matches_status(flags: t.Mapping[str, bool], status: str) -> bool:
    return status == 'all' or flags[status]


class SubuserDirectory:
    """Maps subuser usernames to numeric ids (as strings) and back, from ``GET /v3/subusers``."""

    def __init__(self, subusers: t.Iterable[t.Mapping[str, t.Any]]) -> None:
        self.by_name: dict[str, dict[str, t.Any]] = {}
        self.name_by_id: dict[str, str] = {}
        for entry in subusers:
            self.by_name[entry['username']] = dict(entry)
            self.name_by_id[str(entry['id'])] = entry['username']

    def __contains__(self, username: object) -> bool:
        return username in self.by_name

    def disabled(self) -> set[str]:
        return {name for name, entry in self.by_name.items() if entry.get('disabled')}

    def unknown(self, usernames: t.Iterable[str]) -> list[str]:
        return sorted({name for name in usernames if name not in self.by_name})

    def require(self, usernames: t.Iterable[str], option: str = 'subusers') -> None:
        missing = self.unknown(usernames)
        if missing:
            raise SendGridInputError(f'{option}: unknown subuser(s) on this account: {", ".join(missing)}')

    def id_of(self, username: str) -> str:
        return str(self.by_name[username]['id'])

    def name_of(self, subuser_id: str) -> str:
        return self.name_by_id.get(str(subuser_id), str(subuser_id))


MEMBERSHIP_STATES = ('present', 'absent', 'exact')


def desired_members(current: t.Iterable[str], requested: t.Iterable[str], state: str) -> set[str]:
    """The members a set should have: ``present`` adds, ``absent`` removes, ``exact`` replaces."""
    current_set, requested_set = set(current), set(requested)
    if state == 'present':
        return current_set | requested_set
    if state == 'absent':
        return current_set - requested_set
    if state == 'exact':
        return requested_set
    raise ValueError(f'unknown membership state {state!r}')


def pool_name_problems(name: str) -> list[str]:
    """What is wrong with a pool name by the API's rules (2 to 64 characters, not starting with "." or a space)."""
    problems = []
    if not POOL_NAME_MIN <= len(name) <= POOL_NAME_MAX:
        problems.append(f'pool name {name!r} must be {POOL_NAME_MIN} to {POOL_NAME_MAX} characters long'
                        f' ({len(name)} given)')
    if name[:1] in ('.', ' '):
        problems.append(f'pool name {name!r} must not start with "." or a space')
    return problems
