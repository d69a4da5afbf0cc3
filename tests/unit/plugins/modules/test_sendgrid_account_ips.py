# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_account_ips: what counts, what is bought with which call, the purchase guard, partial purchases."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_account_ips
from ansible_collections.mailops.sendgrid.tests.unit.helpers.call_log import calls, offset_calls, writes
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport, offset_list
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

LIST_SEND_IPS = ('GET', '/v3/send_ips/ips?include_region=true&limit=1000', None)
REMAINING = ('GET', '/v3/ips/remaining', None)
PRICE = (200, {'results': [{'remaining': 3, 'period': 'month', 'price_per_ip': 20}]})

ACCOUNT = [
    {'ip': '192.0.2.10', 'subusers': ['shop-eu'], 'pools': ['transactional'], 'warmup': False},
    {'ip': '192.0.2.11', 'subusers': [], 'pools': ['transactional'], 'warmup': False},
    {'ip': '192.0.2.20', 'subusers': ['newsletter', 'shop-eu'], 'pools': [], 'warmup': True},
    {'ip': '192.0.2.31', 'subusers': [], 'pools': [], 'warmup': False},
    {'ip': '203.0.113.5', 'subusers': ['eu-shop'], 'pools': [], 'warmup': False},
]
SUBUSERS = [
    {'username': 'shop-eu', 'id': 1001, 'region': 'global'},
    {'username': 'newsletter', 'id': 1002, 'region': 'global'},
    {'username': 'eu-shop', 'id': 1005, 'region': 'eu'},
]


def send_ips(regions: dict[str, str] | None = None, auto: t.Collection[str] = ()) -> tuple[int, dict[str, t.Any]]:
    regions = regions if regions is not None else {
        '192.0.2.10': 'us', '192.0.2.11': 'us', '192.0.2.20': 'us', '192.0.2.31': 'us', '203.0.113.5': 'eu'}
    return 200, {'result': [{'ip': ip, 'region': region, 'is_auto_warmup': ip in auto}
                            for ip, region in regions.items()],
                 '_metadata': {'next_params': {'after_key': None}}}


LIST_IPS = offset_calls('/v3/ips', len(ACCOUNT))
LIST_SUBUSERS = offset_calls('/v3/subusers', len(SUBUSERS), 'include_region=true')


def run(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    result = run_module(sendgrid_account_ips.main, args, transport, **kwargs)
    transport.assert_done()
    assert API_KEY not in json.dumps(result.result, default=str)
    return result


def legacy_answer(*ips: str, subusers: t.Sequence[str] = (), remaining: int = 2) -> tuple[int, dict[str, t.Any]]:
    return 201, {'ips': [{'ip': ip, 'subusers': list(subusers)} for ip in ips], 'remaining_ips': remaining,
                 'warmup': False}


def send_ip_answer(ip: str, subusers: t.Sequence[str] = (), region: str = 'us') -> tuple[int, dict[str, t.Any]]:
    return 201, {'ip': ip, 'is_auto_warmup': False, 'is_parent_assigned': True, 'subusers': list(subusers),
                 'region': region}


# ------------------------------------------------------------------------------------ nothing to buy


@pytest.mark.parametrize('args', [
    {'count': 5},
    {'count': 2, 'subusers': ['shop-eu']},
    {'count': 1, 'status': 'free', 'pools_as_taken': True},
])
def test_enough_ips_is_a_no_op_that_reads_only_what_counting_needs(args):
    steps = [offset_list(ACCOUNT)] + ([offset_list(SUBUSERS)] if 'subusers' in args else [])
    transport = FakeTransport(*steps)
    result = run({**args, 'allow_purchase': False}, transport, diff=True)

    assert not result.failed, result.result
    assert calls(transport) == LIST_IPS + (LIST_SUBUSERS if 'subusers' in args else [])
    assert result['changed'] is False
    assert result['purchase'] is None and result['bought'] == [] and result['remaining'] is None
    assert result.diff['before'] == result.diff['after']


def test_counting_rules():
    # subusers: every named subuser must be on the IP (other subusers allowed); free: no subuser; pools_as_taken.
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS))
    assert run({'count': 1, 'subusers': ['shop-eu', 'newsletter']}, transport)['ips'] == ['192.0.2.20']
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS))
    assert run({'count': 1, 'subusers': ['shop-eu']}, transport)['ips'] == ['192.0.2.10', '192.0.2.20']
    transport = FakeTransport(offset_list(ACCOUNT))
    assert run({'count': 1, 'status': 'free'}, transport)['ips'] == ['192.0.2.11', '192.0.2.31']
    transport = FakeTransport(offset_list(ACCOUNT))
    assert run({'count': 1, 'status': 'free', 'pools_as_taken': True}, transport)['ips'] == ['192.0.2.31']
    transport = FakeTransport(offset_list(ACCOUNT), send_ips())
    assert run({'count': 1, 'ip_region': 'eu'}, transport)['ips'] == ['203.0.113.5']


# ------------------------------------------------------------------------------------ POST /v3/ips


def test_plain_purchase_is_one_legacy_call_after_the_price_is_read():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE, legacy_answer('198.51.100.10', '198.51.100.11', remaining=1))
    result = run({'count': 7, 'allow_purchase': True}, transport, diff=True)

    assert calls(transport) == [*LIST_IPS, REMAINING, ('POST', '/v3/ips', {'count': 2})]
    assert result['changed'] is True
    assert result['bought'] == ['198.51.100.10', '198.51.100.11']
    assert result['count'] == 7 and len(result['ips']) == 7
    assert result['remaining'] == 1
    assert result['purchase'] == {'count': 2, 'ip_region': None, 'price_per_ip': 20, 'period': 'month',
                                  'subusers': [], 'is_auto_warmup': False, 'is_parent_assigned': None,
                                  'endpoint': 'POST /v3/ips'}
    assert result.diff['before']['count'] == 5
    assert result.diff['after']['purchase'] == result['purchase']


def test_check_mode_shows_the_purchase_and_its_price_and_writes_nothing_without_allow_purchase():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE)
    result = run({'count': 7}, transport, check_mode=True, diff=True)

    assert calls(transport) == [*LIST_IPS, REMAINING]
    assert result['changed'] is True
    assert result['bought'] == [] and result['count'] == 7 and len(result['ips']) == 5
    assert result['purchase']['count'] == 2 and result['purchase']['price_per_ip'] == 20
    assert result['remaining'] == 1
    assert result.diff['after'] == {'count': 7, 'ips': result['ips'], 'purchase': result['purchase']}


def test_without_allow_purchase_the_task_fails_before_any_write_and_says_what_it_would_buy():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE)
    result = run({'count': 7}, transport)

    assert result.failed
    assert writes(transport) == []
    assert result['msg'] == (
        'this task would buy 2 IPs (region chosen by SendGrid) at 20 per IP (month), 40 in all, which SendGrid'
        ' charges for; set allow_purchase: true to accept the purchase (run with --check --diff to see it first)')


def test_legacy_purchase_for_subusers_sends_their_usernames():
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS), PRICE,
                              legacy_answer('198.51.100.10', subusers=['newsletter', 'shop-eu']))
    result = run({'count': 2, 'subusers': ['shop-eu ', 'newsletter'], 'allow_purchase': True}, transport)

    assert writes(transport) == [('POST', '/v3/ips', {'count': 1, 'subusers': ['newsletter', 'shop-eu']})]
    assert result['ips'] == ['192.0.2.20', '198.51.100.10']
    assert result['purchase']['subusers'] == ['newsletter', 'shop-eu']


def test_legacy_server_error_is_not_retried_and_says_the_outcome_is_unknown():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE, (503, {'errors': [{'message': 'unavailable'}]}))
    result = run({'count': 6, 'allow_purchase': True, 'max_retries': 3}, transport)

    assert result.failed
    assert writes(transport) == [('POST', '/v3/ips', {'count': 1})]
    assert 'may or may not have been applied' in result['msg']


def test_legacy_answer_naming_fewer_ips_is_a_warning():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE, legacy_answer('198.51.100.10'))
    result = run({'count': 7, 'allow_purchase': True}, transport)
    warnings = result.warnings

    assert result['bought'] == ['198.51.100.10']
    assert warnings == ['POST /v3/ips was asked for 2 IP(s) and its answer names 1: 198.51.100.10;'
                        ' check the account with sendgrid_ip_info']


# ------------------------------------------------------------------------------------ POST /v3/send_ips/ips


def test_region_purchase_is_one_call_per_ip_with_the_region():
    transport = FakeTransport(offset_list(ACCOUNT), send_ips(), PRICE,
                              send_ip_answer('203.0.113.10', region='eu'), send_ip_answer('203.0.113.11', region='eu'))
    result = run({'count': 3, 'ip_region': 'eu', 'allow_purchase': True}, transport)

    body = {'is_auto_warmup': False, 'is_parent_assigned': True, 'region': 'eu', 'include_region': True}
    assert calls(transport) == [*LIST_IPS, LIST_SEND_IPS, REMAINING,
                                ('POST', '/v3/send_ips/ips', body), ('POST', '/v3/send_ips/ips', body)]
    assert result['bought'] == ['203.0.113.10', '203.0.113.11']
    assert result['ips'] == ['203.0.113.5', '203.0.113.10', '203.0.113.11']
    assert result['remaining'] == 1
    assert result['purchase']['endpoint'] == 'POST /v3/send_ips/ips' and result['purchase']['ip_region'] == 'eu'


def test_warmup_or_parent_setting_uses_send_ips_in_the_us_with_subuser_ids():
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS), send_ips(), PRICE,
                              send_ip_answer('198.51.100.10', subusers=['1001']))
    result = run({'count': 3, 'subusers': ['shop-eu'], 'is_auto_warmup': True, 'is_parent_assigned': False,
                  'allow_purchase': True}, transport)

    assert writes(transport) == [('POST', '/v3/send_ips/ips', {
        'is_auto_warmup': True, 'is_parent_assigned': False, 'region': 'us', 'include_region': True,
        'subusers': ['1001']})]
    assert result['purchase']['ip_region'] == 'us'


def test_a_failure_half_way_reports_what_was_bought():
    transport = FakeTransport(offset_list(ACCOUNT), send_ips(), PRICE, send_ip_answer('198.51.100.10'),
                              (400, {'errors': [{'field': '', 'message': 'No IPs remaining'}]}))
    result = run({'count': 7, 'ip_region': 'us', 'allow_purchase': True}, transport)

    assert result.failed
    assert len(writes(transport)) == 2
    assert result['bought'] == ['198.51.100.10']
    assert result['status'] == 400
    assert result['msg'].endswith(
        'No IPs remaining. Bought before this error: 1 of 3 IP(s), 198.51.100.10; they are on the account now;'
        ' run the task again to buy only what is still missing')


def test_a_first_call_lost_after_sending_says_nothing_was_surely_bought_and_is_not_repeated():
    transport = FakeTransport(offset_list(ACCOUNT), send_ips(), PRICE)
    transport.add_error('read timed out', request_sent=True)
    result = run({'count': 5, 'ip_region': 'us', 'allow_purchase': True, 'max_retries': 3}, transport)

    assert result.failed
    assert len(writes(transport)) == 1
    assert result['bought'] == [] and result['outcome_unknown'] is True
    assert 'may or may not have been applied' in result['msg']
    assert 'No IP was bought before this error (0 of 1)' in result['msg']


# ------------------------------------------------------------------------------------ checks before buying


def test_more_than_the_account_may_add_fails_before_any_write():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE)
    result = run({'count': 9, 'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'] == 'count: 4 more IP(s) needed, but the account may add only 3 more this month (GET /v3/ips/remaining)'
    assert writes(transport) == []


def test_no_price_no_purchase():
    transport = FakeTransport(offset_list(ACCOUNT), (200, {'results': []}))
    result = run({'count': 9, 'allow_purchase': True}, transport, check_mode=True)

    assert result.failed
    assert 'refusing to buy 4 IP(s) without knowing the price' in result['msg']


def test_unknown_region_blocks_a_purchase_it_could_change():
    regions = {'192.0.2.10': 'us', '192.0.2.11': 'us'}
    transport = FakeTransport(offset_list(ACCOUNT), send_ips(regions))
    result = run({'count': 3, 'ip_region': 'us', 'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'] == ('cannot tell the region of 192.0.2.20, 192.0.2.31, 203.0.113.5: GET /v3/send_ips/ips'
                             ' gives none, so whether to buy 1 IP(s) in us is unknown; refusing to buy.'
                             ' Run the task again later')
    assert writes(transport) == []


def test_unknown_region_is_a_warning_when_enough_ips_count_anyway():
    regions = {'192.0.2.10': 'us', '192.0.2.11': 'us'}
    transport = FakeTransport(offset_list(ACCOUNT), send_ips(regions))
    result = run({'count': 2, 'ip_region': 'us'}, transport)
    warnings = result.warnings

    assert result['changed'] is False and result['ips'] == ['192.0.2.10', '192.0.2.11']
    assert warnings == ['not counted, as GET /v3/send_ips/ips gives no region for them:'
                        ' 192.0.2.20, 192.0.2.31, 203.0.113.5']


def test_with_region_eu_the_purchase_goes_to_the_global_host():
    transport = FakeTransport(offset_list(ACCOUNT), PRICE, legacy_answer('198.51.100.10', '198.51.100.11'))
    result = run({'count': 7, 'region': 'eu', 'allow_purchase': True}, transport)

    assert not result.failed, result.result
    eu_host, global_host = 'https://api.eu.sendgrid.com', 'https://api.sendgrid.com'
    # the IP listing (and its confirming read) and the price from the EU host, the purchase from the global one
    assert [(call.method, call.url.split('/v3/')[0]) for call in transport.calls] == [
        ('GET', eu_host), ('GET', eu_host), ('GET', eu_host), ('POST', global_host)]


def test_with_region_eu_and_api_url_there_is_no_global_host_and_nothing_is_bought():
    transport = FakeTransport(offset_list(ACCOUNT))
    result = run({'count': 7, 'region': 'eu', 'api_url': 'http://127.0.0.1:8080', 'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'].startswith('AddIp (POST /v3/ips) is served only by the global host https://api.sendgrid.com')
    assert calls(transport) == LIST_IPS


@pytest.mark.parametrize('args, message', [
    ({'count': 2, 'subusers': ['eu-shop']},
     'subusers: a global subuser sends from us IPs and an eu subuser from eu IPs; the IPs bought by POST /v3/ips'
     ' (without ip_region) are us IPs, which these subusers cannot use: eu-shop'),
    ({'count': 2, 'subusers': ['shop-eu'], 'ip_region': 'eu'},
     'subusers: a global subuser sends from us IPs and an eu subuser from eu IPs; the IPs bought by ip_region=eu'
     ' are eu IPs, which these subusers cannot use: shop-eu'),
])
def test_subusers_of_another_region_fail_before_any_write(args, message):
    steps = [offset_list(ACCOUNT), offset_list(SUBUSERS)] + ([send_ips()] if 'ip_region' in args else [])
    transport = FakeTransport(*steps)
    result = run({**args, 'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'] == message
    assert writes(transport) == []


def test_auto_warmup_for_a_subuser_whose_ips_all_warm_up_fails_before_any_write():
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS), send_ips(auto=['192.0.2.10']))
    result = run({'count': 3, 'subusers': ['shop-eu'], 'is_auto_warmup': True, 'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'] == ('is_auto_warmup: SendGrid puts a new IP in automatic warmup only for subusers that have'
                             ' at least one IP that is not warming up; these have none: shop-eu')
    assert writes(transport) == []


def test_the_region_and_the_warmup_rules_are_named_in_one_error():
    # ip_region=eu for a global subuser whose IPs all warm up: both rules of _rules, one error
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS), send_ips(auto=['192.0.2.10']))
    result = run({'count': 3, 'subusers': ['shop-eu'], 'ip_region': 'eu', 'is_auto_warmup': True,
                  'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'].startswith('the task has 2 problems; nothing was written: (1) subusers: a global subuser')
    assert result['problems'][1].startswith('is_auto_warmup: SendGrid puts a new IP in automatic warmup only')
    assert writes(transport) == []


def test_unknown_subuser_fails_before_any_write():
    transport = FakeTransport(offset_list(ACCOUNT), offset_list(SUBUSERS))
    result = run({'count': 1, 'subusers': ['nobody', 'shop-eu'], 'allow_purchase': True}, transport)

    assert result.failed
    assert result['msg'] == 'subusers: unknown subuser(s) on this account: nobody'
    assert writes(transport) == []


@pytest.mark.parametrize('args, message', [
    ({'count': 0}, 'count: must be at least 1, got 0'),
    ({'count': -3}, 'count: must be at least 1, got -3'),
    ({'count': 1, 'subusers': ['shop-eu', '  ']}, 'subusers: a name must not be empty'),
    ({'count': 1, 'subusers': ['shop-eu'], 'status': 'free'},
     'status=free counts IPs no subuser may send from; it cannot be combined with subusers'),
    ({'count': 1, 'pools_as_taken': True}, 'pools_as_taken: only with status=free'),
    ({'count': 1, 'ip_region': 'us', 'subusers': [f'user{index}' for index in range(101)]},
     'subusers: POST /v3/send_ips/ips (used with ip_region, is_auto_warmup or is_parent_assigned) assigns at most'
     ' 100 subusers to a new IP; 101 given'),
    ({'count': 1, 'ip_region': 'asia'}, 'value of ip_region must be one of: us, eu, got: asia'),
    ({'count': 'two'}, "argument 'count' is of type"),
])
def test_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = run(args, transport)

    assert result.failed
    assert result['msg'].startswith(message)
    assert transport.calls == []
