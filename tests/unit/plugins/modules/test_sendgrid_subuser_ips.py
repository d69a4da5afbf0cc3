# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_subuser_ips
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    FakeTransport,
    offset_list,
    offset_reads,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

SUBUSERS = [{'id': 1001, 'username': 'shop-eu', 'email': 'a@example.com', 'disabled': False}]
ACCOUNT = [
    {'ip': '192.0.2.10', 'subusers': ['shop-eu'], 'pools': [], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'assigned_at': None},
    {'ip': '192.0.2.11', 'subusers': [], 'pools': [], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'assigned_at': None},
    {'ip': '192.0.2.12', 'subusers': ['other'], 'pools': [], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'assigned_at': None},
]
READS = [
    *offset_reads('/v3/subusers', len(SUBUSERS), {'username': 'shop-eu', 'include_region': 'true'}),
    *offset_reads('/v3/ips', len(ACCOUNT)),
]


def transport_with_reads(*writes):
    return FakeTransport(offset_list(SUBUSERS), offset_list(ACCOUNT), *writes)


def calls(transport):
    return [(call.method, call.path, call.query) for call in transport.calls]


def run(args, transport, **kwargs):
    return run_module(sendgrid_subuser_ips.main, args, transport, **kwargs)


def test_no_change_makes_only_reads():
    transport = transport_with_reads()
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10']}, transport)
    assert not result.failed
    assert result['changed'] is False
    assert result['ips'] == ['192.0.2.10']
    assert result['added'] == [] and result['removed'] == []
    assert calls(transport) == READS
    assert 'diff' not in result.result


def test_present_adds_with_one_put_of_the_whole_list():
    transport = transport_with_reads((200, {'ips': ['192.0.2.10', '192.0.2.11']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11', ' 192.0.2.11']}, transport, diff=True)
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.11']
    assert calls(transport) == READS + [('PUT', '/v3/subusers/shop-eu/ips', {})]
    assert transport.calls[-1].json == ['192.0.2.10', '192.0.2.11']
    assert result['diff'] == {'before': {'subuser': 'shop-eu', 'ips': ['192.0.2.10']},
                              'after': {'subuser': 'shop-eu', 'ips': ['192.0.2.10', '192.0.2.11']}}


def test_check_mode_reports_the_change_without_writing():
    transport = transport_with_reads()
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'state': 'exact'}, transport, check_mode=True,
                 diff=True)
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.11'] and result['removed'] == ['192.0.2.10']
    assert result['diff']['after']['ips'] == ['192.0.2.11']
    assert calls(transport) == READS


def test_absent_removes_only_the_named_ip():
    transport = transport_with_reads((200, {'ips': []}))
    transport_ok = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'state': 'absent'}, transport_with_reads())
    assert transport_ok['changed'] is False
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10'], 'state': 'absent'}, transport)
    assert result['changed'] is True and result['removed'] == ['192.0.2.10']
    assert transport.calls[-1].json == []


def managed(ip, region):
    return {'ip': ip, 'pools': [], 'is_auto_warmup': False, 'is_parent_assigned': True, 'updated_at': None,
            'is_enabled': None, 'is_leased': True, 'added_at': 1700000000, 'region': region}


def test_all_ips_puts_every_account_ip_of_the_subusers_region():
    send_ips = {'result': [managed('192.0.2.10', 'us'), managed('192.0.2.12', 'us')],
                '_metadata': {'next_params': {'after_key': None}}}
    transport = transport_with_reads((200, send_ips), (200, {'ips': ['192.0.2.10', '192.0.2.12']}))
    result = run({'subuser': 'shop-eu', 'all_ips': True}, transport)
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.12']
    assert calls(transport) == READS + [
        ('GET', '/v3/send_ips/ips', {'include_region': 'true', 'region': 'us', 'limit': '1000'}),
        ('PUT', '/v3/subusers/shop-eu/ips', {}),
    ]
    assert transport.calls[-1].json == ['192.0.2.10', '192.0.2.12']


def test_all_ips_for_an_eu_subuser_asks_for_eu_ips():
    eu_subuser = [{'id': 5, 'username': 'eu-shop', 'email': 'e@example.com', 'disabled': False, 'region': 'eu'}]
    send_ips = {'result': [managed('192.0.2.11', 'eu')], '_metadata': {'next_params': {}}}
    transport = FakeTransport(offset_list(eu_subuser), offset_list(ACCOUNT), (200, send_ips),
                              (200, {'ips': ['192.0.2.11']}))
    result = run({'subuser': 'eu-shop', 'all_ips': True}, transport)
    assert result['ips'] == ['192.0.2.11']
    assert transport.calls[len(READS)].query['region'] == 'eu'


def test_subuser_name_is_percent_encoded():
    transport = FakeTransport(offset_list([{'id': 7, 'username': 'shop eu', 'email': 'x@example.com', 'disabled': False}]),
                              offset_list(ACCOUNT), (200, {'ips': ['192.0.2.11']}))
    run({'subuser': 'shop eu', 'ips': ['192.0.2.11']}, transport)
    assert transport.calls[-1].path == '/v3/subusers/shop%20eu/ips'
    assert transport.calls[0].query_string.startswith('username=shop%20eu')


@pytest.mark.parametrize('args, message', [
    ({'subuser': 'shop-eu', 'ips': ['192.0.2.300', 'nope']}, "'192.0.2.300' is not a valid IP address"),
    ({'subuser': 'shop-eu', 'ips': ['2001:db8::1']}, 'IPv6'),
    ({'subuser': 'shop-eu', 'all_ips': True, 'state': 'absent'}, 'all_ips=true cannot be combined'),
    ({'subuser': 'shop-eu', 'state': 'exact'}, 'ips is required unless all_ips=true'),
    ({'subuser': '  ', 'ips': ['192.0.2.10']}, 'subuser must not be empty'),
    ({'subuser': 'shop-eu', 'ips': ['192.0.2.10'], 'api_url': 'http://198.51.100.1'}, 'only https://'),
])
def test_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = run(args, transport)
    assert result.failed
    assert message in result['msg']
    assert transport.calls == []


def test_unknown_subuser_is_named_and_nothing_is_written():
    transport = FakeTransport((200, []))
    result = run({'subuser': 'ghost', 'ips': ['192.0.2.10']}, transport)
    assert result.failed
    assert 'unknown subuser(s) on this account: ghost' in result['msg']
    assert [call.method for call in transport.calls] == ['GET']


def test_ips_not_on_the_account_are_all_named():
    transport = transport_with_reads()
    result = run({'subuser': 'shop-eu', 'ips': ['198.51.100.2', '192.0.2.10', '198.51.100.1']}, transport)
    assert result.failed
    assert result['msg'] == 'ips: not on this SendGrid account: 198.51.100.1, 198.51.100.2'
    assert calls(transport) == READS


def test_api_refusal_is_reported_with_the_api_message():
    refusal = (400, {'errors': [{'field': 'ips', 'message': 'at least one ip address is required'}]})
    transport = transport_with_reads(refusal)
    result = run({'subuser': 'shop-eu', 'ips': [], 'state': 'exact'}, transport)
    assert result.failed
    assert result['status'] == 400 and result['method'] == 'PUT' and result['path'] == '/v3/subusers/shop-eu/ips'
    assert 'ips: at least one ip address is required' in result['msg']
    assert result['errors'] == [{'field': 'ips', 'message': 'at least one ip address is required'}]


def test_api_key_appears_nowhere_in_a_failure():
    transport = FakeTransport((401, {'errors': [{'field': None, 'message': f'bad key {API_KEY}'}]}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10']}, transport)
    assert result.failed and result['status'] == 401
    assert API_KEY not in json.dumps(result.result)
    assert transport.calls[0].header('Authorization') == f'Bearer {API_KEY}'
