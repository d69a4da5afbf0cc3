# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain helpers: IP validation, the ip filter, classification, membership, subuser directory."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import (
    SubuserDirectory,
    classify,
    desired_members,
    ip_matcher,
    matches_status,
    normalize_ip,
    normalize_ips,
    sort_ips,
)


# ------------------------------------------------------------------ normalize

@pytest.mark.parametrize('value, expected', [
    ('192.0.2.1', '192.0.2.1'), (' 192.0.2.1\n', '192.0.2.1'), ('2001:DB8:0::1', '2001:db8::1'),
])
def test_normalize_ip(value, expected):
    assert normalize_ip(value) == expected


@pytest.mark.parametrize('value, message', [
    ('', 'an empty string is not an IP address'),
    (None, 'an empty string is not an IP address'),
    ('300.1.1.1', "'300.1.1.1' is not a valid IP address"),
    ('192.0.2.0/24', "'192.0.2.0/24' is not a valid IP address"),
    ('host.example.com', "'host.example.com' is not a valid IP address"),
])
def test_normalize_ip_errors(value, message):
    with pytest.raises(ValueError) as info:
        normalize_ip(value)
    assert str(info.value) == message


def test_ipv6_rejected_with_ipv4_only():
    with pytest.raises(ValueError, match=r"'2001:db8::1' is an IPv6 address; SendGrid accepts only IPv4"):
        normalize_ip('2001:db8::1', ipv4_only=True)
    assert normalize_ip('192.0.2.1', ipv4_only=True) == '192.0.2.1'


def test_normalize_ips_sorts_numerically_and_dedupes():
    assert normalize_ips(['192.0.2.10', '192.0.2.9', ' 192.0.2.9', '10.0.0.1', '2001:db8::1']) == [
        '10.0.0.1', '192.0.2.9', '192.0.2.10', '2001:db8::1']
    assert normalize_ips([]) == []


def test_normalize_ips_names_every_bad_value():
    with pytest.raises(SendGridInputError) as info:
        normalize_ips(['192.0.2.1', 'bogus', '2001:db8::1', '999.0.0.1', ''], option='pool_ips', ipv4_only=True)
    message = str(info.value)
    assert message.startswith('pool_ips: ')
    for fragment in ("'bogus' is not a valid IP address", "'2001:db8::1' is an IPv6 address",
                     "'999.0.0.1' is not a valid IP address", 'an empty string is not an IP address'):
        assert fragment in message
    assert "'192.0.2.1'" not in message


def test_sort_ips_puts_invalid_last():
    assert sort_ips(['b', '192.0.2.10', '::1', '192.0.2.2', 'a', '192.0.2.2']) == ['192.0.2.2', '192.0.2.10', '::1', 'a', 'b']


# ------------------------------------------------------------------ ip_matcher

def test_ip_matcher_exact():
    match = ip_matcher(' 192.0.2.1 ')
    assert match('192.0.2.1')
    assert not match('192.0.2.10')
    assert ip_matcher('2001:DB8::1')('2001:db8::1')


def test_ip_matcher_prefix():
    match = ip_matcher('192.0.2.')
    assert match('192.0.2.1') and match('192.0.2.200')
    assert not match('192.0.20.1')
    assert ip_matcher('2001:DB8:')('2001:db8::5')


def test_ip_matcher_cidr():
    match = ip_matcher('192.0.2.128/25')
    assert match('192.0.2.128') and match('192.0.2.255')
    assert not match('192.0.2.127')
    assert not match('not-an-ip')
    assert not match('2001:db8::1')
    assert ip_matcher('192.0.2.1/24')('192.0.2.7')  # host bits allowed
    assert ip_matcher('2001:db8::/32')('2001:db8:ffff::1')


@pytest.mark.parametrize('pattern, message', [
    ('', 'ip: the filter must not be empty'),
    ('   ', 'ip: the filter must not be empty'),
    ('192.0.2.0/33', "ip: '192.0.2.0/33' is not a valid CIDR network"),
    ('foo/24', "ip: 'foo/24' is not a valid CIDR network"),
    ('mail.example.com', "ip: 'mail.example.com' is neither an IP address, a CIDR network nor an address prefix"),
    ('192.0.2.*', "ip: '192.0.2.*' is neither an IP address, a CIDR network nor an address prefix"),
])
def test_ip_matcher_invalid(pattern, message):
    with pytest.raises(SendGridInputError) as info:
        ip_matcher(pattern)
    assert str(info.value) == message


# ------------------------------------------------------------------ classify

@pytest.mark.parametrize('record, disabled, pools_as_taken, expected', [
    ({'subusers': [], 'pools': []}, set(), False, {'free': True, 'taken': False, 'available': True}),
    ({}, set(), False, {'free': True, 'taken': False, 'available': True}),
    ({'subusers': ['bob'], 'pools': []}, set(), False, {'free': False, 'taken': True, 'available': False}),
    ({'subusers': ['bob'], 'pools': []}, {'bob'}, False, {'free': False, 'taken': True, 'available': True}),
    ({'subusers': ['bob', 'eve'], 'pools': []}, {'bob'}, False, {'free': False, 'taken': True, 'available': False}),
    ({'subusers': [], 'pools': ['p']}, set(), False, {'free': True, 'taken': False, 'available': True}),
    ({'subusers': [], 'pools': ['p']}, set(), True, {'free': False, 'taken': True, 'available': False}),
    ({'subusers': ['bob'], 'pools': ['p']}, {'bob'}, False, {'free': False, 'taken': True, 'available': True}),
    ({'subusers': ['bob'], 'pools': ['p']}, {'bob'}, True, {'free': False, 'taken': True, 'available': False}),
    ({'subusers': None, 'pools': None}, set(), True, {'free': True, 'taken': False, 'available': True}),
])
def test_classify(record, disabled, pools_as_taken, expected):
    assert classify(record, disabled, pools_as_taken) == expected


def test_matches_status():
    flags = {'free': False, 'taken': True, 'available': True}
    assert matches_status(flags, 'all')
    assert matches_status(flags, 'taken') and matches_status(flags, 'available')
    assert not matches_status(flags, 'free')


# ------------------------------------------------------------------ desired_members

def test_desired_members():
    assert desired_members(['a', 'b'], ['b', 'c'], 'present') == {'a', 'b', 'c'}
    assert desired_members(['a', 'b'], ['b', 'c'], 'absent') == {'a'}
    assert desired_members(['a', 'b'], ['b', 'c'], 'exact') == {'b', 'c'}
    assert desired_members(['a'], [], 'exact') == set()
    with pytest.raises(ValueError, match="unknown membership state 'replace'"):
        desired_members([], [], 'replace')


# ------------------------------------------------------------------ SubuserDirectory

SUBUSERS = [
    {'id': 11, 'username': 'bob', 'disabled': False, 'email': 'b@example.com'},
    {'id': 12, 'username': 'carol', 'disabled': True},
    {'id': '13', 'username': 'zed', 'disabled': True},
]


def test_subuser_directory():
    directory = SubuserDirectory(SUBUSERS)
    assert 'bob' in directory and 'nobody' not in directory
    assert directory.disabled() == {'carol', 'zed'}
    assert directory.id_of('bob') == '11'
    assert directory.id_of('zed') == '13'
    assert directory.name_of('11') == 'bob'
    assert directory.name_of(13) == 'zed'
    assert directory.name_of('999') == '999'
    assert directory.unknown(['zed', 'x', 'a', 'x']) == ['a', 'x']
    directory.require(['bob', 'carol'])
    with pytest.raises(SendGridInputError) as info:
        directory.require(['nobody', 'bob', 'alice'], option='subuser')
    assert str(info.value) == 'subuser: unknown subuser(s) on this account: alice, nobody'
