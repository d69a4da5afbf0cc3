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


def managed(ip, region='us'):
    return {'ip': ip, 'pools': [], 'is_auto_warmup': False, 'is_parent_assigned': True, 'updated_at': None,
            'is_enabled': None, 'is_leased': True, 'added_at': 1700000000, 'region': region}


def send_ips(*entries):
    return 200, {'result': list(entries), '_metadata': {'next_params': {'after_key': None}}}


READ_SEND_IPS = ('GET', '/v3/send_ips/ips', {'include_region': 'true', 'limit': '1000'})
US_IPS = send_ips(managed('192.0.2.10'), managed('192.0.2.11'), managed('192.0.2.12'))


def test_present_adds_with_one_batch_add_per_ip_and_never_a_put():
    # A PUT of the whole list would undo an IP another run added between our read and our write.
    transport = transport_with_reads(US_IPS, (200, {'ip': '192.0.2.11', 'subusers': ['1001']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11', ' 192.0.2.11']}, transport, diff=True)
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.11']
    assert calls(transport) == READS + [READ_SEND_IPS, ('POST', '/v3/send_ips/ips/192.0.2.11/subusers:batchAdd', {})]
    assert transport.calls[-1].json == {'subusers': ['1001']}
    assert result.diff == {'before': {'subuser': 'shop-eu', 'ips': ['192.0.2.10']},
                           'after': {'subuser': 'shop-eu', 'ips': ['192.0.2.10', '192.0.2.11']}}


def test_check_mode_reports_the_change_without_writing():
    transport = transport_with_reads(US_IPS)
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'ips_state': 'exact'}, transport, check_mode=True,
                 diff=True)
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.11'] and result['removed'] == ['192.0.2.10']
    assert result.diff['after']['ips'] == ['192.0.2.11']
    assert calls(transport) == READS + [READ_SEND_IPS]


def test_exact_is_one_put_of_the_whole_list():
    transport = transport_with_reads(US_IPS, (200, {'ips': ['192.0.2.11']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'ips_state': 'exact'}, transport)
    assert result['removed'] == ['192.0.2.10']
    assert calls(transport)[-1] == ('PUT', '/v3/subusers/shop-eu/ips', {})
    assert transport.calls[-1].json == ['192.0.2.11']


def test_absent_removes_only_the_named_ip_with_a_batch_delete():
    transport_ok = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'ips_state': 'absent'}, transport_with_reads())
    assert transport_ok['changed'] is False
    transport = transport_with_reads((204, None))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10'], 'ips_state': 'absent'}, transport)
    assert result['changed'] is True and result['removed'] == ['192.0.2.10']
    # removing needs no region: no GET /v3/send_ips/ips
    assert calls(transport) == READS + [('POST', '/v3/send_ips/ips/192.0.2.10/subusers:batchDelete', {})]
    assert transport.calls[-1].json == {'subusers': ['1001']}


def test_several_additions_are_one_call_per_ip_and_a_failure_says_what_was_applied():
    transport = transport_with_reads(
        send_ips(managed('192.0.2.10'), managed('192.0.2.11'), managed('192.0.2.12')),
        (200, {'ip': '192.0.2.11', 'subusers': ['1001']}),
        (400, {'errors': [{'field': 'subusers', 'message': 'unverified subusers: 1001'}]}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11', '192.0.2.12']}, transport)
    assert result.failed
    assert result['status'] == 400 and result['path'] == '/v3/send_ips/ips/192.0.2.12/subusers:batchAdd'
    assert result['msg'].startswith('SendGrid validation error: POST /v3/send_ips/ips/192.0.2.12/subusers:batchAdd'
                                    ' returned HTTP 400: subusers: unverified subusers: 1001. Already applied before'
                                    ' this error: add 192.0.2.11 to subuser shop-eu.')


def test_region_eu_sends_the_batch_calls_to_the_global_host():
    # subusers:batchAdd is served only by api.sendgrid.com (ENDPOINTS.md section 11): region eu sends it there.
    transport = transport_with_reads(US_IPS, (200, {'ip': '192.0.2.11', 'subusers': ['1001']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'region': 'eu'}, transport)
    assert result['changed'] is True
    assert {call.url.split('/v3/')[0] for call in transport.calls[:-1]} == {'https://api.eu.sendgrid.com'}
    assert transport.calls[-1].url == 'https://api.sendgrid.com/v3/send_ips/ips/192.0.2.11/subusers:batchAdd'


def test_an_eu_host_without_the_batch_calls_gets_the_put_of_the_whole_list():
    # api_url taken as the EU host (region eu): no host is known for the batch calls, so the PUT of the whole list.
    transport = transport_with_reads(US_IPS, (200, {'ips': ['192.0.2.10', '192.0.2.11']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'region': 'eu', 'api_url': 'https://eu.example.test'},
                 transport)
    assert result['changed'] is True
    assert [call.method for call in transport.calls] == ['GET'] * 5 + ['PUT']
    assert transport.calls[-1].url == 'https://eu.example.test/v3/subusers/shop-eu/ips'
    assert transport.calls[-1].json == ['192.0.2.10', '192.0.2.11']


def test_an_eu_host_without_the_batch_calls_removes_with_the_put_of_the_whole_list():
    account = [{**ACCOUNT[0]}, {**ACCOUNT[1], 'subusers': ['shop-eu']}, ACCOUNT[2]]
    transport = FakeTransport(offset_list(SUBUSERS), offset_list(account), (200, {'ips': ['192.0.2.11']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10'], 'ips_state': 'absent', 'region': 'eu',
                  'api_url': 'https://eu.example.test'}, transport)
    assert result['changed'] is True and result['removed'] == ['192.0.2.10']
    assert calls(transport)[-1] == ('PUT', '/v3/subusers/shop-eu/ips', {})
    assert transport.calls[-1].json == ['192.0.2.11']


EVERY_IP_AWAY = (
    "ips: this would take every IP away from subuser 'shop-eu' (192.0.2.10), which SendGrid does not support"
    ' (PUT /v3/subusers/{name}/ips with no IP is refused); give it at least one IP')


@pytest.mark.parametrize('args', [
    {'ips': [], 'ips_state': 'exact'},
    {'ips': ['192.0.2.10'], 'ips_state': 'absent', 'region': 'eu', 'api_url': 'https://eu.example.test'},
])
def test_taking_every_ip_away_with_the_put_is_refused_before_any_write(args):
    """SendGrid refuses PUT /v3/subusers/{name}/ips with no IP (the layout refuses it for exclusive=true too): the
    task fails before any write, saying so."""
    transport = transport_with_reads()
    result = run({'subuser': 'shop-eu', **args}, transport)
    assert result.failed
    assert result['msg'] == EVERY_IP_AWAY
    assert calls(transport) == READS


def test_all_ips_exact_with_no_ip_of_the_region_is_refused_before_any_write():
    transport = transport_with_reads(send_ips(*(managed(ip, 'eu') for ip in ('192.0.2.10', '192.0.2.11', '192.0.2.12'))))
    result = run({'subuser': 'shop-eu', 'all_ips': True, 'ips_state': 'exact'}, transport)
    assert result.failed and result['msg'] == EVERY_IP_AWAY
    assert calls(transport) == READS + [READ_SEND_IPS]


def test_an_empty_exact_list_for_a_subuser_without_ips_changes_nothing():
    transport = FakeTransport(offset_list(SUBUSERS), offset_list([ACCOUNT[1], ACCOUNT[2]]))
    result = run({'subuser': 'shop-eu', 'ips': [], 'ips_state': 'exact'}, transport)
    assert not result.failed and result['changed'] is False and result['ips'] == []


def test_state_is_a_deprecated_alias_of_ips_state():
    transport = transport_with_reads(US_IPS, (200, {'ips': ['192.0.2.11']}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'state': 'exact'}, transport)
    assert not result.failed, result.result
    assert calls(transport)[-1] == ('PUT', '/v3/subusers/shop-eu/ips', {})
    assert result.deprecations == [("Alias 'state' is deprecated. See the module docs for more information", '1.0.0')]


def test_the_new_name_warns_nothing():
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10'], 'ips_state': 'present'}, transport_with_reads())
    assert not result.failed and result.deprecations == []


# ------------------------------------------------------------------ regions (issue 7, section 4)

def test_an_ip_of_another_region_fails_before_any_write():
    transport = transport_with_reads(send_ips(managed('192.0.2.10'), managed('192.0.2.11', 'eu'),
                                              managed('192.0.2.12', 'eu')))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11', '192.0.2.12'], 'ips_state': 'exact'}, transport)
    assert result.failed
    assert result['msg'] == 'ips: 192.0.2.11 (eu), 192.0.2.12 (eu): a global subuser can only send from us IPs'
    assert calls(transport) == READS + [READ_SEND_IPS]


def test_an_ip_of_unknown_region_is_left_to_the_api_with_a_warning():
    transport = transport_with_reads(send_ips(managed('192.0.2.10')), (200, {'ip': '192.0.2.11', 'subusers': []}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11']}, transport)
    assert not result.failed and result['changed'] is True
    assert result.warnings == [
        'the region of 192.0.2.11 could not be established (GET /v3/send_ips/ips does not list them), so it was not'
        ' checked against the region of the subusers they are given to; SendGrid decides']


# ------------------------------------------------------------------ all_ips (issue 7, section 1)

def test_all_ips_adds_every_account_ip_of_the_subusers_region():
    transport = transport_with_reads(send_ips(managed('192.0.2.10'), managed('192.0.2.11', 'eu'), managed('192.0.2.12')),
                                     (200, {'ip': '192.0.2.12', 'subusers': ['1001']}))
    result = run({'subuser': 'shop-eu', 'all_ips': True}, transport)
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.12']
    assert calls(transport) == READS + [READ_SEND_IPS,
                                        ('POST', '/v3/send_ips/ips/192.0.2.12/subusers:batchAdd', {})]
    assert result.warnings == []


def test_all_ips_exact_never_removes_an_ip_whose_region_is_unknown():
    # 192.0.2.10 is the subuser's, and GET /v3/send_ips/ips does not list it: it stays, and is named.
    transport = transport_with_reads(send_ips(managed('192.0.2.11'), managed('192.0.2.12')),
                                     (200, {'ips': ['192.0.2.10', '192.0.2.11', '192.0.2.12']}))
    result = run({'subuser': 'shop-eu', 'all_ips': True, 'ips_state': 'exact'}, transport)
    assert result['removed'] == []
    assert result['ips'] == ['192.0.2.10', '192.0.2.11', '192.0.2.12']
    assert transport.calls[-1].json == ['192.0.2.10', '192.0.2.11', '192.0.2.12']
    assert result.warnings == [
        'all_ips: the region of 192.0.2.10 could not be established (GET /v3/send_ips/ips does not list them),'
        ' so all_ips neither adds nor removes them (the subuser keeps 192.0.2.10)']


def test_all_ips_exact_removes_an_ip_known_to_be_of_another_region():
    transport = transport_with_reads(send_ips(managed('192.0.2.10', 'eu'), managed('192.0.2.11'), managed('192.0.2.12')),
                                     (200, {'ips': ['192.0.2.11', '192.0.2.12']}))
    result = run({'subuser': 'shop-eu', 'all_ips': True, 'ips_state': 'exact'}, transport)
    assert result['removed'] == ['192.0.2.10'] and result['added'] == ['192.0.2.11', '192.0.2.12']


def test_all_ips_for_an_eu_subuser_takes_the_eu_ips():
    eu_subuser = [{'id': 5, 'username': 'eu-shop', 'email': 'e@example.com', 'disabled': False, 'region': 'eu'}]
    transport = FakeTransport(offset_list(eu_subuser), offset_list(ACCOUNT),
                              send_ips(managed('192.0.2.10'), managed('192.0.2.11', 'eu'), managed('192.0.2.12')),
                              (200, {'ip': '192.0.2.11', 'subusers': ['5']}))
    result = run({'subuser': 'eu-shop', 'all_ips': True}, transport)
    assert result['ips'] == ['192.0.2.11']
    assert transport.calls[len(READS)].query == {'include_region': 'true', 'limit': '1000'}


def test_all_ips_without_the_ip_management_listing_fails_clearly():
    transport = transport_with_reads((401, {'errors': [{'field': None, 'message': 'missing required scope: ips.read'}]}))
    result = run({'subuser': 'shop-eu', 'all_ips': True}, transport)
    assert result.failed
    assert result['msg'] == ('all_ips needs the region of every IP, from GET /v3/send_ips/ips returned HTTP 401:'
                             ' missing required scope: ips.read; list the IPs in ips instead')
    assert calls(transport) == READS + [READ_SEND_IPS]


def test_the_subuser_name_is_stripped_before_any_request():
    transport = transport_with_reads()
    result = run({'subuser': ' shop-eu  ', 'ips': ['192.0.2.10']}, transport)
    assert result['subuser'] == 'shop-eu' and result['changed'] is False
    assert calls(transport) == READS


def test_subuser_name_is_percent_encoded():
    transport = FakeTransport(offset_list([{'id': 7, 'username': 'shop eu', 'email': 'x@example.com', 'disabled': False}]),
                              offset_list(ACCOUNT), US_IPS, (200, {'ips': ['192.0.2.11']}))
    run({'subuser': 'shop eu', 'ips': ['192.0.2.11'], 'ips_state': 'exact'}, transport)
    assert transport.calls[-1].path == '/v3/subusers/shop%20eu/ips'
    assert transport.calls[0].query_string.startswith('username=shop%20eu')


@pytest.mark.parametrize('args, message', [
    ({'subuser': 'shop-eu', 'ips': ['192.0.2.300', 'nope']}, "'192.0.2.300' is not a valid IP address"),
    ({'subuser': 'shop-eu', 'ips': ['2001:db8::1']}, 'IPv6'),
    ({'subuser': 'shop-eu', 'all_ips': True, 'ips_state': 'absent'}, 'all_ips=true cannot be combined'),
    ({'subuser': 'shop-eu', 'ips_state': 'exact'}, 'ips is required unless all_ips=true'),
    ({'subuser': '  ', 'ips': ['192.0.2.10']}, 'subuser: must not be empty'),
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
    refusal = (400, {'errors': [{'field': 'ips', 'message': 'the IP is not available'}]})
    transport = transport_with_reads(US_IPS, refusal)
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.11'], 'ips_state': 'exact'}, transport)
    assert result.failed
    assert result['status'] == 400 and result['method'] == 'PUT' and result['path'] == '/v3/subusers/shop-eu/ips'
    assert 'ips: the IP is not available' in result['msg']
    assert result['errors'] == [{'field': 'ips', 'message': 'the IP is not available'}]


def test_api_key_appears_nowhere_in_a_failure():
    transport = FakeTransport((401, {'errors': [{'field': None, 'message': f'bad key {API_KEY}'}]}))
    result = run({'subuser': 'shop-eu', 'ips': ['192.0.2.10']}, transport)
    assert result.failed and result['status'] == 401
    assert API_KEY not in json.dumps(result.result)
    assert transport.calls[0].header('Authorization') == f'Bearer {API_KEY}'


def test_a_dictionary_where_the_ips_are_due_is_refused_before_any_request():
    transport = FakeTransport()
    result = run({'subuser': 'shop-eu', 'ips': {'192.0.2.10': 'primary'}}, transport)
    assert result.failed
    assert "'ips'" in result['msg'] and 'list' in result['msg']
    assert transport.calls == []
