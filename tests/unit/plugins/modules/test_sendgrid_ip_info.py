# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip_info
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import FakeTransport, offset_list, offset_reads
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module


def legacy(ip, subusers=(), pools=(), warmup=False):
    return {'ip': ip, 'subusers': list(subusers), 'pools': list(pools), 'warmup': warmup,
            'start_date': 1730000000 if warmup else None, 'whitelabeled': False, 'assigned_at': None}


def managed(ip, is_leased=True):
    return {'ip': ip, 'pools': [], 'is_auto_warmup': False, 'is_parent_assigned': True, 'updated_at': None,
            'is_enabled': None if is_leased else True, 'is_leased': is_leased, 'added_at': 1700000000,
            'region': 'us'}


ACCOUNT = [
    legacy('192.0.2.20', ['newsletter', 'dormant']),
    legacy('192.0.2.10', ['shop-eu'], ['transactional']),
    legacy('192.0.2.11', [], ['transactional']),
    legacy('192.0.2.30', ['dormant']),
    legacy('192.0.2.31', warmup=True),
]
SUBUSERS = [
    {'id': 1, 'username': 'shop-eu', 'email': 'a@example.com', 'disabled': False},
    {'id': 2, 'username': 'newsletter', 'email': 'b@example.com', 'disabled': False},
    {'id': 3, 'username': 'dormant', 'email': 'c@example.com', 'disabled': True},
]
# Each offset list comes back short and is confirmed by one more read (the server may cap the limit asked).
IPS_CALL = offset_reads('/v3/ips', len(ACCOUNT))
SUBUSERS_CALL = offset_reads('/v3/subusers', len(SUBUSERS), {'include_region': 'true'})


def calls(transport):
    return [(call.method, call.path, call.query) for call in transport.calls]


def ips_of(result):
    return [entry['ip'] for entry in result['ips']]


def run(args, transport, **kwargs):
    return run_module(sendgrid_ip_info.main, args, transport, **kwargs)


def test_basic_fields_need_only_the_ips_listing():
    transport = FakeTransport(offset_list(ACCOUNT))
    result = run({'fields': ['subusers', 'pools']}, transport)
    assert result['changed'] is False
    assert calls(transport) == [*IPS_CALL]
    assert ips_of(result) == ['192.0.2.10', '192.0.2.11', '192.0.2.20', '192.0.2.30', '192.0.2.31']
    assert result['ips'][2] == {'ip': '192.0.2.20', 'subusers': ['dormant', 'newsletter'], 'pools': []}
    assert result['usage'] == [
        {'ip': '192.0.2.10', 'subuser': 'shop-eu'},
        {'ip': '192.0.2.20', 'subuser': 'dormant'},
        {'ip': '192.0.2.20', 'subuser': 'newsletter'},
        {'ip': '192.0.2.30', 'subuser': 'dormant'},
    ]


def test_default_fields_add_the_ip_management_listing_and_merge_it():
    transport = FakeTransport(
        offset_list(ACCOUNT),
        (200, {'result': [managed('192.0.2.10'), managed('192.0.2.11')],
               '_metadata': {'next_params': {'after_key': '2', 'limit': '100'}}}),
        (200, {'result': [managed('192.0.2.20'), managed('192.0.2.30'), managed('192.0.2.31', is_leased=False)],
               '_metadata': {'next_params': {'after_key': None, 'limit': '100'}}}),
    )
    result = run({}, transport)
    assert calls(transport) == [
        *IPS_CALL,
        ('GET', '/v3/send_ips/ips', {'include_region': 'true', 'limit': '1000'}),
        ('GET', '/v3/send_ips/ips', {'include_region': 'true', 'limit': '1000', 'after_key': '2'}),
    ]
    last = result['ips'][-1]
    assert last['ip'] == '192.0.2.31'
    assert last['warmup'] is True and last['start_date'] == 1730000000
    assert last['is_leased'] is False and last['is_enabled'] is True and last['added_at'] == 1700000000


@pytest.mark.parametrize('args, expected', [
    ({'status': 'free'}, ['192.0.2.11', '192.0.2.31']),
    ({'status': 'taken'}, ['192.0.2.10', '192.0.2.20', '192.0.2.30']),
    ({'status': 'free', 'pools_as_taken': True}, ['192.0.2.31']),
    ({'ip': '192.0.2.'}, ['192.0.2.10', '192.0.2.11', '192.0.2.20', '192.0.2.30', '192.0.2.31']),
    ({'ip': '192.0.2.1'}, []),
    ({'ip': '192.0.2.16/28'}, ['192.0.2.20', '192.0.2.30', '192.0.2.31']),
    ({'ip': '192.0.2.30'}, ['192.0.2.30']),
    ({'pool': 'transactional'}, ['192.0.2.10', '192.0.2.11']),
    ({'pool': ' transactional\t'}, ['192.0.2.10', '192.0.2.11']),  # stripped, as every name is
])
def test_classifications_and_filters_from_one_listing(args, expected):
    transport = FakeTransport(offset_list(ACCOUNT))
    result = run({**args, 'fields': ['subusers']}, transport)
    assert ips_of(result) == expected
    assert calls(transport) == [*IPS_CALL]


def test_available_reads_subusers_for_the_disabled_ones():
    transport = FakeTransport(offset_list(SUBUSERS), offset_list(ACCOUNT))
    result = run({'status': 'available', 'fields': ['subusers']}, transport)
    assert ips_of(result) == ['192.0.2.11', '192.0.2.30', '192.0.2.31']
    assert calls(transport) == [*SUBUSERS_CALL, *IPS_CALL]


def test_subuser_filter_checks_the_subuser_exists():
    transport = FakeTransport(offset_list(SUBUSERS), offset_list(ACCOUNT))
    result = run({'subuser': 'newsletter', 'fields': ['pools']}, transport)
    assert result['ips'] == [{'ip': '192.0.2.20', 'pools': []}]
    unknown = run({'subuser': 'ghost'}, FakeTransport(offset_list(SUBUSERS)))
    assert unknown.failed and 'unknown subuser(s) on this account: ghost' in unknown['msg']


def test_ip_management_filters_go_to_the_api():
    transport = FakeTransport(
        offset_list(ACCOUNT),
        (200, {'result': [managed('192.0.2.31', is_leased=False)], '_metadata': {'next_params': {}}}),
    )
    result = run({'is_leased': False, 'added_after': '2023-11-14T22:13:20Z', 'ip_region': 'us',
                  'fields': ['is_leased']}, transport)
    assert result['ips'] == [{'ip': '192.0.2.31', 'is_leased': False}]
    assert calls(transport)[len(IPS_CALL)] == ('GET', '/v3/send_ips/ips', {
        'include_region': 'true', 'is_leased': 'false', 'region': 'us', 'start_added_at': '1700000000',
        'limit': '1000'})


@pytest.mark.parametrize('args, message', [
    ({'pool': 'transactional', 'is_parent_assigned': True}, 'mutually exclusive: pool|is_parent_assigned'),
    ({'ip': '192.0.2.0/33'}, 'not a valid CIDR network'),
    ({'ip': 'mail.example.com'}, 'neither an IP address'),
    ({'added_before': 'yesterday'}, 'ISO 8601'),
    ({'fields': ['colour']}, 'value of fields must be one or more of'),
    ({'status': 'unused'}, 'value of status must be one of'),
])
def test_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = run(args, transport)
    assert result.failed
    assert message in result['msg']
    assert transport.calls == []


def test_server_error_on_a_read_is_retried():
    transport = FakeTransport((503, {'errors': [{'field': None, 'message': 'unavailable'}]}), offset_list(ACCOUNT))
    result = run({'fields': ['subusers'], 'retry_budget': 5}, transport)
    assert not result.failed
    assert len(transport.calls) == 1 + len(IPS_CALL)


# ------------------------------------------------------------------ issue 7: no IP is dropped, names must exist

def test_default_listing_keeps_an_ip_missing_from_send_ips_and_warns():
    transport = FakeTransport(
        offset_list(ACCOUNT),
        (200, {'result': [managed('192.0.2.10'), managed('192.0.2.31', is_leased=False)], '_metadata': {}}),
    )
    result = run({}, transport)
    assert not result.failed
    assert ips_of(result) == ['192.0.2.10', '192.0.2.11', '192.0.2.20', '192.0.2.30', '192.0.2.31']
    missing = result['ips'][1]
    assert missing['ip'] == '192.0.2.11' and missing['pools'] == ['transactional']
    assert missing['is_leased'] is None and missing['region'] is None
    assert result.warnings == [
        '3 IP(s) listed by GET /v3/ips are missing from GET /v3/send_ips/ips, so their is_auto_warmup,'
        ' is_parent_assigned, is_enabled, is_leased, added_at, updated_at and region are null:'
        ' 192.0.2.11, 192.0.2.20, 192.0.2.30']
    assert 'warnings' not in result.result


def test_a_key_without_the_ip_management_scope_still_lists_every_ip():
    transport = FakeTransport(
        offset_list(ACCOUNT), (401, {'errors': [{'field': None, 'message': 'missing required scope: ips.read'}]}))
    result = run({}, transport)
    assert not result.failed
    assert len(result['ips']) == 5 and all(entry['region'] is None for entry in result['ips'])
    assert result.warnings[0].startswith(
        'GET /v3/send_ips/ips returned HTTP 401: missing required scope: ips.read. The IP-management fields')


def test_an_ip_management_filter_the_api_refuses_fails_clearly():
    transport = FakeTransport(offset_list(ACCOUNT), (403, {'errors': [{'field': None, 'message': 'forbidden'}]}))
    result = run({'is_leased': False, 'fields': ['subusers']}, transport)
    assert result.failed
    assert result['status'] == 403 and result['path'] == '/v3/send_ips/ips'
    assert 'the filters is_leased need GET /v3/send_ips/ips' in result['msg']


def test_a_pool_filter_naming_no_pool_is_an_error_like_an_unknown_subuser():
    pools = {'result': [{'name': 'transactional', 'id': '1'}, {'name': 'marketing', 'id': '2'}], '_metadata': {}}
    transport = FakeTransport(offset_list(ACCOUNT), (200, pools))
    result = run({'pool': 'transactionl', 'fields': ['subusers']}, transport)
    assert result.failed
    assert result['msg'] == "pool: no IP pool named 'transactionl' on this account (its pools: marketing, transactional)"
    assert calls(transport) == [*IPS_CALL, ('GET', '/v3/send_ips/pools', {'limit': '100'})]
