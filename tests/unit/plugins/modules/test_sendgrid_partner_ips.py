# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_partner_ips and sendgrid_partner_ips_info: the partner IP provisioning calls, guards and listing."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_partner_ips, sendgrid_partner_ips_info
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

ACCOUNT = 'sg1a2bcd3ef4ab5c67d8efab91c01de2fa'
PATH = f'/v3/partners/accounts/{ACCOUNT}/ips'
LIST = ('GET', f'{PATH}?limit=5000', None)
HOLDING = [{'ip': '203.0.113.10', 'region': 'eu'}, {'ip': '192.0.2.40', 'region': 'us'},
           {'ip': '192.0.2.41', 'region': 'us'}]


def page(entries: list[dict[str, t.Any]], last: str | None = None) -> tuple[int, dict[str, t.Any]]:
    return 200, {'result': entries, 'pages': {'last': last if last is not None else (entries[-1]['ip'] if entries else None)}}


def listing(entries: list[dict[str, t.Any]]) -> list[tuple[int, dict[str, t.Any]]]:
    """The pages of a listing that fits in one page: the page, then the empty page that ends it."""
    return [page(entries), page([], last='')] if entries else [page([])]


def after(ip: str) -> tuple[str, str, None]:
    return 'GET', f'{PATH}?limit=5000&offset={ip}', None


def calls(transport: FakeTransport) -> list[tuple[str, str, t.Any]]:
    return [(call.method, call.path + ('?' + call.query_string if call.query_string else ''), call.json)
            for call in transport.calls]


def writes(transport: FakeTransport) -> list[tuple[str, str, t.Any]]:
    return [call for call in calls(transport) if call[0] != 'GET']


def run(main: t.Callable[[], None], args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    result = run_module(main, args, transport, **kwargs)
    transport.assert_done()
    assert API_KEY not in json.dumps(result.result, default=str)
    return result


def partner(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    return run(sendgrid_partner_ips.main, {'account_id': ACCOUNT, **args}, transport, **kwargs)


# ------------------------------------------------------------------------------------ count


def test_enough_ips_in_the_region_is_a_no_op():
    transport = FakeTransport(*listing(HOLDING))
    result = partner({'count': 2, 'ip_region': 'us'}, transport, diff=True)

    assert not result.failed, result.result
    assert calls(transport) == [LIST, after('192.0.2.41')]
    assert result['changed'] is False and result['purchase'] is None
    assert result['ips'] == ['192.0.2.40', '192.0.2.41', '203.0.113.10']
    assert result['ips_by_region'] == {'eu': ['203.0.113.10'], 'us': ['192.0.2.40', '192.0.2.41']}
    assert result.diff['before'] == result.diff['after']


def test_buying_the_missing_ips_in_calls_of_at_most_ten():
    bought = [f'203.0.113.{20 + index}' for index in range(12)]
    transport = FakeTransport(*listing(HOLDING), (201, {'ips': bought[:10], 'region': 'eu'}),
                              (201, {'ips': bought[10:], 'region': 'eu'}))
    result = partner({'count': 13, 'ip_region': 'eu', 'allow_purchase': True}, transport, diff=True)

    assert writes(transport) == [('POST', PATH, {'count': 10, 'region': 'eu'}), ('POST', PATH, {'count': 2, 'region': 'eu'})]
    assert result['changed'] is True and result['added'] == bought
    assert result['purchase'] == {'count': 12, 'ip_region': 'eu', 'price_per_ip': None, 'period': None, 'calls': 2,
                                  'endpoint': 'POST /v3/partners/accounts/{accountID}/ips'}
    assert result['ips_by_region']['eu'] == ['203.0.113.10'] + bought
    assert result.diff['after']['purchase'] == result['purchase']


def test_check_mode_shows_the_purchase_without_allow_purchase_and_writes_nothing():
    transport = FakeTransport(*listing(HOLDING))
    result = partner({'count': 3, 'ip_region': 'eu'}, transport, check_mode=True)

    assert writes(transport) == []
    assert result['changed'] is True and result['purchase']['count'] == 2 and result['added'] == []


def test_without_allow_purchase_the_task_fails_before_any_write():
    transport = FakeTransport(*listing(HOLDING))
    result = partner({'count': 3, 'ip_region': 'eu'}, transport)

    assert result.failed
    assert result['msg'] == (
        'this task would buy 2 IPs in region eu at a price SendGrid does not state through this API, which SendGrid'
        ' charges for; set allow_purchase: true to accept the purchase (run with --check --diff to see it first)')
    assert writes(transport) == []


def test_a_second_call_failing_reports_the_ips_of_the_first():
    bought = [f'203.0.113.{20 + index}' for index in range(10)]
    transport = FakeTransport(*listing([]), (201, {'ips': bought, 'region': 'eu'}),
                              (400, {'errors': [{'message': 'no IPs available', 'field': '', 'error_id': '10-40002'}]}))
    result = partner({'count': 11, 'ip_region': 'eu', 'allow_purchase': True}, transport)

    assert result.failed
    assert result['bought'] == bought
    assert result['errors'][0]['error_id'] == '10-40002'
    assert 'Bought before this error: 10 of 11 IP(s), 203.0.113.20' in result['msg']


def test_a_purchase_is_not_retried_on_a_server_error():
    transport = FakeTransport(*listing([]), (502, {'errors': [{'message': 'Bad Gateway', 'field': '',
                                                              'error_id': '10-50200'}]}))
    result = partner({'count': 1, 'ip_region': 'us', 'allow_purchase': True, 'max_retries': 3}, transport)

    assert result.failed
    assert len(writes(transport)) == 1
    assert 'may or may not have been applied' in result['msg']


def test_unknown_region_blocks_a_purchase():
    transport = FakeTransport(*listing([{'ip': '192.0.2.40'}]))
    result = partner({'count': 1, 'ip_region': 'us', 'allow_purchase': True}, transport)

    assert result.failed and result['msg'].startswith('cannot tell the region of 192.0.2.40')
    assert writes(transport) == []


def test_an_answer_naming_fewer_ips_warns():
    transport = FakeTransport(*listing([]), (201, {'ips': ['192.0.2.50'], 'region': 'us'}))
    result = partner({'count': 2, 'ip_region': 'us', 'allow_purchase': True}, transport)
    warnings = result.warnings

    assert result['added'] == ['192.0.2.50']
    assert warnings and 'was asked for 2 IP(s) and its answers name 1' in warnings[0]


# ------------------------------------------------------------------------------------ ips


def test_absent_removes_only_the_listed_ips_the_account_holds():
    transport = FakeTransport(*listing(HOLDING), (204, None))
    result = partner({'ips': ['192.0.2.41', '198.51.100.9'], 'ips_state': 'absent', 'allow_delete': True}, transport)

    assert writes(transport) == [('DELETE', PATH, {'ips': ['192.0.2.41']})]
    assert result['removed'] == ['192.0.2.41'] and result['ips'] == ['192.0.2.40', '203.0.113.10']


def test_absent_again_is_a_no_op():
    transport = FakeTransport(*listing(HOLDING[:2]))
    result = partner({'ips': ['192.0.2.41'], 'ips_state': 'absent'}, transport)

    assert writes(transport) == [] and result['changed'] is False


def test_exact_removes_the_others_in_calls_of_at_most_ten():
    holding = [{'ip': f'192.0.2.{index}', 'region': 'us'} for index in range(1, 14)]
    transport = FakeTransport(*listing(holding), (204, None), (204, None))
    result = partner({'ips': ['192.0.2.1'], 'ips_state': 'exact', 'allow_delete': True}, transport)

    assert writes(transport) == [
        ('DELETE', PATH, {'ips': [f'192.0.2.{index}' for index in range(2, 12)]}),
        ('DELETE', PATH, {'ips': ['192.0.2.12', '192.0.2.13']}),
    ]
    assert result['ips'] == ['192.0.2.1']


def test_removal_failing_half_way_says_what_was_removed():
    holding = [{'ip': f'192.0.2.{index}', 'region': 'us'} for index in range(1, 14)]
    transport = FakeTransport(*listing(holding), (204, None), (403, {'errors': [{'message': 'forbidden'}]}))
    result = partner({'ips': ['192.0.2.1'], 'ips_state': 'exact', 'allow_delete': True}, transport)

    assert result.failed
    assert 'Removed before this error: 192.0.2.2, 192.0.2.3' in result['msg']


def test_removal_needs_allow_delete_except_in_check_mode():
    transport = FakeTransport(*listing(HOLDING))
    result = partner({'ips': ['192.0.2.41'], 'ips_state': 'absent'}, transport)
    assert result.failed and result['msg'].startswith(f'this task would remove 1 IP(s) from account {ACCOUNT}')
    assert writes(transport) == []

    transport = FakeTransport(*listing(HOLDING))
    result = partner({'ips': ['192.0.2.41'], 'ips_state': 'absent'}, transport, check_mode=True, diff=True)
    assert not result.failed and result['changed'] is True and result['removed'] == ['192.0.2.41']
    assert writes(transport) == []


@pytest.mark.parametrize('state', ['present', 'exact'])
def test_an_address_the_account_lacks_cannot_be_added(state):
    transport = FakeTransport(*listing(HOLDING))
    result = partner({'ips': ['192.0.2.40', '198.51.100.9'], 'ips_state': state, 'allow_delete': True}, transport)

    assert result.failed
    assert result['msg'] == (f'ips: not on account {ACCOUNT}: 198.51.100.9; the partner API cannot add a chosen'
                             ' address (use count and ip_region to add IPs)')
    assert writes(transport) == []


def test_present_with_every_address_held_is_a_no_op():
    transport = FakeTransport(*listing(HOLDING))
    assert partner({'ips': ['192.0.2.40']}, transport)['changed'] is False


def test_unknown_account_is_the_apis_404():
    transport = FakeTransport((404, {'errors': [{'message': 'Account not found', 'field': '', 'error_id': '10-40400'}]}))
    result = partner({'count': 1, 'ip_region': 'us'}, transport)

    assert result.failed and result['status'] == 404 and 'Account not found' in result['msg']


@pytest.mark.parametrize('args, message', [
    ({'account_id': '  ', 'count': 1, 'ip_region': 'us'}, 'account_id: must not be empty'),
    ({'count': 0, 'ip_region': 'us'}, 'count: must be at least 1, got 0'),
    ({'count': 2}, 'missing parameter(s) required by \'count\': ip_region'),
    ({}, 'one of the following is required: count, ips'),
    ({'count': 1, 'ip_region': 'us', 'ips': ['192.0.2.1']}, 'parameters are mutually exclusive: count|ips'),
    ({'ips': ['192.0.2.1'], 'ip_region': 'us'}, 'ip_region: only with count'),
    ({'ips': ['192.0.2.1', 'nope']}, "ips: 'nope' is not a valid IP address"),
    ({'count': 1, 'ip_region': 'ap'}, 'value of ip_region must be one of: us, eu, got: ap'),
])
def test_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = partner(args, transport)

    assert result.failed
    assert result['msg'].startswith(message)
    assert transport.calls == []


# ------------------------------------------------------------------------------------ the listing across accounts


OTHER = 'sg99'


def test_info_lists_several_accounts_sorted_and_pages_after_the_last_ip():
    transport = FakeTransport(
        page(HOLDING[:2]), page(HOLDING[2:]), page([], last=''),       # sg1a...: two pages then the empty one
        *listing([{'ip': '198.51.100.3', 'region': 'us'}]),            # sg99
    )
    result = run(sendgrid_partner_ips_info.main, {'account_ids': [OTHER, ACCOUNT, OTHER]}, transport, check_mode=True)

    assert not result.failed and result['changed'] is False
    assert calls(transport) == [LIST, after('192.0.2.40'), after('192.0.2.41'),
                                ('GET', '/v3/partners/accounts/sg99/ips?limit=5000', None),
                                ('GET', '/v3/partners/accounts/sg99/ips?limit=5000&offset=198.51.100.3', None)]
    assert result['accounts'] == [
        {'account_id': ACCOUNT, 'ips': ['192.0.2.40', '192.0.2.41', '203.0.113.10'], 'count': 3},
        {'account_id': OTHER, 'ips': ['198.51.100.3'], 'count': 1}]
    assert result['ips'][0] == {'account_id': ACCOUNT, 'ip': '192.0.2.40', 'region': 'us'}
    assert len(result['ips']) == 4


def test_info_keeps_an_ip_seen_twice_once():
    transport = FakeTransport(page(HOLDING[:2]), page(HOLDING[1:]), page([], last=''))
    result = run(sendgrid_partner_ips_info.main, {'account_ids': [ACCOUNT]}, transport)
    assert result['accounts'][0]['count'] == 3


@pytest.mark.parametrize('args, expected', [
    ({'ip_region': 'eu'}, ['203.0.113.10']),
    ({'ip': '192.0.2.'}, ['192.0.2.40', '192.0.2.41']),
    ({'ip': '192.0.2.41/32'}, ['192.0.2.41']),
])
def test_info_filters(args, expected):
    transport = FakeTransport(*listing(HOLDING))
    result = run(sendgrid_partner_ips_info.main, {'account_ids': [ACCOUNT], **args}, transport)
    assert result['accounts'][0]['ips'] == expected


def test_info_unknown_account_fails_and_names_it():
    transport = FakeTransport(*listing(HOLDING), (404, {'errors': [{'message': 'Account not found', 'field': ''}]}))
    result = run(sendgrid_partner_ips_info.main, {'account_ids': [ACCOUNT, 'sgz-typo']}, transport)

    assert result.failed
    assert result['msg'].endswith("(account_ids: 'sgz-typo' is not a customer account of this partner)")


@pytest.mark.parametrize('args, message', [
    ({'account_ids': []}, 'account_ids: give at least one customer account id'),
    ({'account_ids': [ACCOUNT, ' ']}, 'account_ids: a name must not be empty'),
    ({'account_ids': [ACCOUNT], 'ip': ''}, 'ip: the filter must not be empty'),
    ({'account_ids': [ACCOUNT], 'ip': '10.0.0.0/40'}, "ip: '10.0.0.0/40' is not a valid CIDR network"),
    ({'account_ids': [ACCOUNT], 'ip_region': 'global'}, 'value of ip_region must be one of: us, eu, got: global'),
    ({}, 'missing required arguments: account_ids'),
])
def test_info_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = run(sendgrid_partner_ips_info.main, args, transport)

    assert result.failed and result['msg'].startswith(message)
    assert transport.calls == []
