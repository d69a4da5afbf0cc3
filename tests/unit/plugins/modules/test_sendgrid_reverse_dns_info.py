# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_reverse_dns_info: the listing, its filters and its bad input."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_reverse_dns_info
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import FakeTransport, offset_list, offset_reads
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module


def record(record_id: int, ip: str, domain: str = 'example.com', valid: bool = False,
           users: t.Sequence[str] = ()) -> dict[str, t.Any]:
    host = f'o{record_id}.mail.{domain}'
    return {'id': record_id, 'ip': ip, 'rdns': host, 'subdomain': 'mail', 'domain': domain,
            'users': [{'username': name, 'user_id': 7} for name in users], 'valid': valid, 'legacy': False,
            'last_validation_attempt_at': 1735689600,
            'a_record': {'valid': valid, 'type': 'a', 'host': host, 'data': ip}}


RECORDS = [
    record(3, '192.0.2.20', valid=True, users=['newsletter', 'parent']),
    record(1, '192.0.2.10', domain='Example.NET', users=['shop-eu']),
    record(2, '198.51.100.10'),
]


def view(record_id: int) -> dict[str, t.Any]:
    source = next(entry for entry in RECORDS if entry['id'] == record_id)
    return {
        'record_id': record_id, 'ip': source['ip'], 'rdns': source['rdns'], 'domain': source['domain'],
        'subdomain': 'mail', 'valid': source['valid'], 'legacy': False, 'last_validation_attempt_at': 1735689600,
        'users': sorted(user['username'] for user in source['users']),
        'a_record': {'host': source['rdns'], 'type': 'A', 'data': source['ip'], 'valid': source['valid']},
    }


def run(args: dict[str, t.Any], *steps: t.Any, check_mode: bool = False):
    transport = FakeTransport(*steps)
    outcome = run_module(sendgrid_reverse_dns_info.main, args, transport, check_mode=check_mode)
    transport.assert_done()
    return outcome, transport.calls


@pytest.mark.parametrize('check_mode', [False, True])
def test_every_record_sorted_by_ip(check_mode):
    outcome, calls = run({}, offset_list(RECORDS), check_mode=check_mode)
    assert not outcome.failed
    assert outcome['changed'] is False
    assert [(call.method, call.path, call.query) for call in calls] == offset_reads('/v3/whitelabel/ips', 3,
                                                                                    page_size=100)
    assert outcome['records'] == [view(1), view(3), view(2)]


def test_all_pages_are_read():
    first = [record(index, f'10.0.{index // 250}.{index % 250 + 1}') for index in range(100)]
    outcome, calls = run({}, offset_list([*first, record(500, '10.9.0.1')]))
    assert [call.query['offset'] for call in calls] == ['0', '100']
    assert len(outcome['records']) == 101


@pytest.mark.parametrize('pattern, sent, expected', [
    ('192.0.2.10', '192.0.2.10', [1]),
    ('192.0.2.', '192.0.2.', [1, 3]),
    ('192.0.2.16/28', '192.0.2.', [3]),
    ('192.0.0.0/8', '192.', [1, 3]),
    ('0.0.0.0/0', None, [1, 3, 2]),
])
def test_ip_filter_narrows_the_request_and_matches_exactly(pattern, sent, expected):
    outcome, calls = run({'ip': pattern}, offset_list(RECORDS))
    assert calls[0].query.get('ip') == sent
    assert [entry['record_id'] for entry in outcome['records']] == expected


@pytest.mark.parametrize('args, expected', [
    ({'domain': 'example.net'}, [1]),
    ({'domain': 'EXAMPLE.com.'}, [3, 2]),
    ({'valid': True}, [3]),
    ({'valid': False}, [1, 2]),
    ({'valid': False, 'domain': 'example.com'}, [2]),
])
def test_domain_and_validity_filters(args, expected):
    outcome, _calls = run(args, offset_list(RECORDS))
    assert [entry['record_id'] for entry in outcome['records']] == expected


def test_no_record_is_an_empty_list():
    outcome, _calls = run({}, offset_list([]))
    assert outcome['records'] == []


def test_api_error_is_reported_with_method_path_and_status():
    outcome, _calls = run({}, (401, {'errors': [{'field': None, 'message': 'missing required scope: whitelabel.read'}]}))
    assert outcome.failed
    assert outcome['status'] == 401 and outcome['path'] == '/v3/whitelabel/ips'
    assert 'missing required scope' in outcome['msg']


@pytest.mark.parametrize('args, message', [
    ({'ip': ''}, 'ip: the filter must not be empty'),
    ({'ip': '   '}, 'ip: the filter must not be empty'),
    ({'ip': 'mail.example.com'}, "ip: 'mail.example.com' is neither an IP address, a CIDR network nor an address prefix"),
    ({'ip': '192.0.2.0/33'}, "ip: '192.0.2.0/33' is not a valid CIDR network"),
    ({'domain': 'exa mple.com'}, "domain: 'exa mple.com' is not a valid DNS name"),
    ({'domain': ''}, 'domain: must not be empty'),
])
def test_bad_input_fails_before_any_request(args, message):
    outcome, calls = run(args)
    assert outcome.failed
    assert outcome['msg'].startswith(message)
    assert calls == []
