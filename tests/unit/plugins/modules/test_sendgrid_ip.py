# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport, offset_list
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

IP = '192.0.2.10'
IP_PATH = '/v3/send_ips/ips/192.0.2.10'
SUBUSERS_PATH = '/v3/send_ips/ips/192.0.2.10/subusers'

LEASED_IP = {
    'ip': IP, 'is_auto_warmup': True, 'is_parent_assigned': False, 'is_enabled': None, 'is_leased': True,
    'pools': [], 'added_at': 1700000000, 'updated_at': None, 'region': 'us',
}
OWNED_IP = {**LEASED_IP, 'is_enabled': True, 'is_leased': False}
SUBUSERS = [
    {'username': 'shop-eu', 'id': 1001, 'email': 'shop@example.com', 'disabled': False, 'region': 'eu'},
    {'username': 'newsletter', 'id': 1002, 'email': 'news@example.com', 'disabled': False, 'region': 'global'},
    {'username': 'dormant', 'id': 1003, 'email': 'dormant@example.com', 'disabled': True, 'region': 'global'},
]
NOT_FOUND_400 = (400, {'errors': [{'field': 'ip', 'message': 'not found'}]})


def id_page(*ids: str) -> tuple[int, dict[str, t.Any]]:
    return 200, {'result': list(ids), '_metadata': {'next_params': {'after_key': None, 'limit': '100'}}}


def run(args: dict[str, t.Any], *steps: t.Any, check_mode: bool = False, diff: bool = False):
    """Run the module against the scripted answers; every answer must be used."""
    transport = FakeTransport(*steps)
    outcome = run_module(sendgrid_ip.main, args, transport, check_mode=check_mode, diff=diff)
    transport.assert_done()
    assert API_KEY not in json.dumps(outcome.result, default=str)
    result = {**outcome.result, 'diff': outcome.diff} if 'diff' in outcome.result else outcome.result
    return result, transport.calls, int(outcome.failed)


IP_FIELDS = ('ip', 'is_auto_warmup', 'is_parent_assigned', 'is_enabled', 'is_leased', 'subusers')


def ip_view(result: dict[str, t.Any]) -> dict[str, t.Any]:
    """The IP's fields of the flat result (the address and its after-state beside it)."""
    return {field: result[field] for field in IP_FIELDS if field in result}


def requests_of(calls) -> list[tuple[str, str]]:
    return [(call.method, call.path) for call in calls]


# ------------------------------------------------------------------ settings


def test_settings_already_right_is_a_single_get():
    result, calls, code = run({'ip': IP, 'is_auto_warmup': True, 'is_parent_assigned': False},
                              (200, LEASED_IP))
    assert code == 0
    assert result['changed'] is False
    assert requests_of(calls) == [('GET', IP_PATH)]
    assert calls[0].query == {'include_region': 'true'}
    assert ip_view(result) == {'ip': IP, 'is_auto_warmup': True, 'is_parent_assigned': False, 'is_enabled': None,
                               'is_leased': True}
    assert 'diff' not in result


def test_patch_carries_only_the_differing_fields():
    result, calls, code = run(
        {'ip': IP, 'is_auto_warmup': True, 'is_parent_assigned': True},
        (200, LEASED_IP), (200, {'ip': IP, 'is_auto_warmup': True, 'is_parent_assigned': True}))
    assert code == 0
    assert result['changed'] is True
    assert requests_of(calls) == [('GET', IP_PATH), ('PATCH', IP_PATH)]
    assert calls[1].json == {'is_parent_assigned': True}
    assert result['is_parent_assigned'] is True
    assert result['is_auto_warmup'] is True
    assert 'subusers' not in result


def test_two_differing_fields_are_one_patch():
    _result, calls, _code = run(
        {'ip': IP, 'is_auto_warmup': False, 'is_parent_assigned': True, 'is_enabled': True},
        (200, OWNED_IP), (200, {}))
    assert requests_of(calls) == [('GET', IP_PATH), ('PATCH', IP_PATH)]
    assert calls[1].json == {'is_auto_warmup': False, 'is_parent_assigned': True}


def test_is_enabled_on_a_customer_owned_ip():
    result, calls, _code = run({'ip': IP, 'is_enabled': False}, (200, OWNED_IP), (200, {}))
    assert result['changed'] is True
    assert calls[1].method == 'PATCH' and calls[1].json == {'is_enabled': False}
    assert result['is_enabled'] is False


def test_check_mode_predicts_without_writing():
    result, calls, _code = run({'ip': IP, 'is_parent_assigned': True}, (200, LEASED_IP),
                               check_mode=True)
    assert result['changed'] is True
    assert requests_of(calls) == [('GET', IP_PATH)]
    assert result['is_parent_assigned'] is True


def test_diff_shows_before_and_after():
    result, _calls, _code = run({'ip': IP, 'is_auto_warmup': False}, (200, LEASED_IP), (200, {}),
                                diff=True)
    assert result['diff']['before']['is_auto_warmup'] is True
    assert result['diff']['after']['is_auto_warmup'] is False
    assert result['diff']['after'] == ip_view(result)


def test_ip_is_normalized_in_the_path():
    result, calls, _code = run({'ip': ' 192.0.2.10 ', 'is_auto_warmup': True}, (200, LEASED_IP))
    assert calls[0].path == IP_PATH
    assert result['ip'] == IP


# ------------------------------------------------------------------ subusers


def test_subusers_present_adds_missing_ids():
    result, calls, _code = run(
        {'ip': IP, 'subusers': ['newsletter', 'shop-eu']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page('1001'), (200, {'ip': IP, 'subusers': ['1001', '1002']}),
        diff=True)
    assert result['changed'] is True
    assert requests_of(calls) == [
        ('GET', IP_PATH), ('GET', '/v3/subusers'), ('GET', '/v3/subusers'), ('GET', SUBUSERS_PATH),
        ('POST', SUBUSERS_PATH + ':batchAdd')]
    # the short list of subusers is confirmed by one more read (the server may cap the limit asked)
    assert calls[1].query == {'include_region': 'true', 'limit': '500', 'offset': '0'}
    assert calls[2].query == {'include_region': 'true', 'limit': '3', 'offset': '3'}
    assert calls[3].query == {'limit': '100'}
    assert calls[4].json == {'subusers': ['1002']}
    assert result['subusers'] == ['newsletter', 'shop-eu']
    assert result['diff']['before']['subusers'] == ['shop-eu']
    assert result['diff']['after']['subusers'] == ['newsletter', 'shop-eu']


def test_subusers_present_already_there_makes_no_write():
    result, calls, _code = run(
        {'ip': IP, 'subusers': ['shop-eu']}, (200, LEASED_IP), offset_list(SUBUSERS), id_page('1001', '1002'))
    assert result['changed'] is False
    assert [call.method for call in calls] == ['GET'] * 4  # the subusers list is confirmed by one more read
    assert result['subusers'] == ['newsletter', 'shop-eu']


def test_subusers_exact_adds_and_removes_with_numeric_ids():
    result, calls, _code = run(
        {'ip': IP, 'subusers': ['newsletter'], 'subusers_state': 'exact'},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page('1001', '9999'), (200, {}), (204, None))
    assert result['changed'] is True
    assert requests_of(calls)[4:] == [('POST', SUBUSERS_PATH + ':batchAdd'), ('POST', SUBUSERS_PATH + ':batchDelete')]
    assert calls[4].json == {'subusers': ['1002']}
    # 9999 matches no subuser: it is shown and removed as the raw id.
    assert calls[5].json == {'subusers': ['1001', '9999']}
    assert result['subusers'] == ['newsletter']


def test_unknown_subuser_id_is_shown_raw():
    result, _calls, _code = run(
        {'ip': IP, 'subusers': ['shop-eu']}, (200, LEASED_IP), offset_list(SUBUSERS), id_page('1001', '9999'))
    assert result['changed'] is False
    assert result['subusers'] == ['9999', 'shop-eu']


def test_subusers_absent_removes_only_the_named():
    result, calls, _code = run(
        {'ip': IP, 'subusers': ['shop-eu', 'dormant'], 'subusers_state': 'absent'},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page('1001', '1002'), (204, None))
    assert requests_of(calls)[4:] == [('POST', SUBUSERS_PATH + ':batchDelete')]
    assert calls[4].json == {'subusers': ['1001']}
    assert result['subusers'] == ['newsletter']


def test_subusers_exact_empty_removes_all():
    result, calls, _code = run(
        {'ip': IP, 'subusers': [], 'subusers_state': 'exact'},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page('1002', '1001'), (204, None))
    assert calls[4].json == {'subusers': ['1001', '1002']}
    assert result['subusers'] == []


def test_settings_and_subusers_check_mode():
    result, calls, _code = run(
        {'ip': IP, 'is_auto_warmup': False, 'subusers': ['newsletter']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page(), check_mode=True, diff=True)
    assert result['changed'] is True
    assert [call.method for call in calls] == ['GET'] * 4  # the subusers list is confirmed by one more read
    assert ip_view(result) == {'ip': IP, 'is_auto_warmup': False, 'is_parent_assigned': False, 'is_enabled': None,
                               'is_leased': True, 'subusers': ['newsletter']}
    assert result['diff']['before']['subusers'] == []


def test_settings_and_subusers_together():
    _result, calls, _code = run(
        {'ip': IP, 'is_auto_warmup': False, 'subusers': ['newsletter']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page(), (200, {}), (200, {}))
    assert requests_of(calls)[4:] == [('PATCH', IP_PATH), ('POST', SUBUSERS_PATH + ':batchAdd')]
    assert calls[4].json == {'is_auto_warmup': False}
    assert calls[5].json == {'subusers': ['1002']}


# ------------------------------------------------------------------ errors


def test_unknown_usernames_are_all_named_before_any_write():
    result, calls, code = run(
        {'ip': IP, 'is_auto_warmup': False, 'subusers': ['newsletter', 'ghost', 'nobody']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page())
    assert code == 1
    assert result['msg'] == 'subusers: unknown subuser(s) on this account: ghost, nobody'
    assert all(call.method == 'GET' for call in calls)
    assert requests_of(calls) == [('GET', IP_PATH), ('GET', '/v3/subusers'), ('GET', '/v3/subusers'),
                                  ('GET', SUBUSERS_PATH)]


def test_is_enabled_on_a_leased_ip_fails_before_any_write():
    result, calls, code = run({'ip': IP, 'is_enabled': True, 'is_auto_warmup': False}, (200, LEASED_IP))
    assert code == 1
    assert 'is_enabled' in result['msg'] and 'leased from SendGrid' in result['msg']
    assert 'customer-owned' in result['msg']
    assert requests_of(calls) == [('GET', IP_PATH)]


def test_every_problem_is_named_in_one_error_before_any_write():
    result, calls, code = run(
        {'ip': IP, 'is_enabled': True, 'is_auto_warmup': False, 'subusers': ['newsletter', 'ghost']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page())
    assert code == 1
    assert result['msg'].startswith('the task has 2 problems; nothing was written: (1) is_enabled: 192.0.2.10 is'
                                    ' leased from SendGrid')
    assert result['problems'][1] == 'subusers: unknown subuser(s) on this account: ghost'
    assert all(call.method == 'GET' for call in calls)


# ------------------------------------------------------------------ rules checked before the PATCH (issue 7, section 4)

def test_a_subuser_of_another_region_fails_before_the_patch():
    # Today the PATCH is applied and the batchAdd is then refused: the IP is left half-changed.
    result, calls, code = run(
        {'ip': IP, 'is_auto_warmup': False, 'subusers': ['shop-eu', 'newsletter']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page())
    assert code == 1
    assert result['msg'] == 'subusers: shop-eu: 192.0.2.10 (us): an eu subuser can only send from eu IPs'
    assert all(call.method == 'GET' for call in calls)


def test_is_parent_assigned_false_on_an_ip_in_a_pool_fails_before_the_patch():
    in_pool = {**LEASED_IP, 'is_parent_assigned': True, 'pools': [{'name': 'transactional', 'id': '1'}]}
    result, calls, code = run({'ip': IP, 'is_parent_assigned': False}, (200, in_pool))
    assert code == 1
    assert result['msg'] == ('is_parent_assigned: 192.0.2.10 is in the pool(s) transactional, and an IP in a pool must'
                             ' stay parent-assigned; take it out of its pools first (mailops.sendgrid.sendgrid_ip_pool)')
    assert requests_of(calls) == [('GET', IP_PATH)]


def test_is_parent_assigned_false_on_an_ip_in_no_pool_is_one_patch():
    assigned = {**LEASED_IP, 'is_parent_assigned': True}
    result, calls, _code = run({'ip': IP, 'is_parent_assigned': False}, (200, assigned), (200, {}))
    assert result['changed'] is True
    assert calls[1].method == 'PATCH' and calls[1].json == {'is_parent_assigned': False}


@pytest.mark.parametrize('answer', [
    NOT_FOUND_400,
    (404, {'errors': [{'field': None, 'message': 'resource not found'}]}),
])
def test_ip_not_on_the_account(answer):
    result, calls, code = run({'ip': '198.51.100.7', 'is_auto_warmup': True}, answer, (200, []))
    assert code == 1
    assert result['msg'] == 'ip: 198.51.100.7 is not on this SendGrid account'
    assert requests_of(calls) == [('GET', '/v3/send_ips/ips/198.51.100.7'), ('GET', '/v3/ips')]


def test_an_ip_only_get_v3_ips_lists_is_not_called_unknown():
    result, calls, code = run({'ip': IP, 'is_auto_warmup': True}, NOT_FOUND_400, offset_list([{'ip': IP}]))
    assert code == 1
    assert result['msg'] == (
        'ip: 192.0.2.10 is on the account (GET /v3/ips lists it), but the IP Address Management API does not know it'
        ' (GET /v3/send_ips/ips/192.0.2.10 found no such IP), so its settings and subusers cannot be managed there'
        ' yet')
    assert requests_of(calls) == [('GET', IP_PATH), ('GET', '/v3/ips'), ('GET', '/v3/ips')]


@pytest.mark.parametrize('field, message', [('ip', 'invalid IP address'), ('pool', 'not found')])
def test_other_400_from_the_get_is_reported_as_is(field, message):
    result, _calls, code = run({'ip': IP, 'is_auto_warmup': True},
                               (400, {'errors': [{'field': field, 'message': message}]}))
    assert code == 1
    assert result['status'] == 400 and result['method'] == 'GET' and result['path'] == IP_PATH
    assert f'{field}: {message}' in result['msg']
    assert 'is not on this SendGrid account' not in result['msg']


@pytest.mark.parametrize('value', ['192.0.2.300', 'not-an-ip', '', '2001:db8::1'])
def test_malformed_ip_makes_no_request(value):
    result, calls, code = run({'ip': value, 'is_auto_warmup': True})
    assert code == 1
    assert result['msg'].startswith('ip: ')
    assert calls == []


def test_usernames_are_stripped_like_everywhere_else():
    result, calls, _code = run(
        {'ip': IP, 'subusers': [' newsletter ', 'newsletter']}, (200, LEASED_IP), offset_list(SUBUSERS), id_page(),
        (200, {}))
    assert result['subusers'] == ['newsletter']
    assert calls[-1].json == {'subusers': ['1002']}


@pytest.mark.parametrize('args, operations', [
    ({'is_auto_warmup': True}, ['UpdateIp (PATCH /v3/send_ips/ips/{ip})']),
    ({'subusers': ['newsletter']}, ['ListSubUserAssignedToIp', 'AddSubUsersToIp', 'DeleteSubUsersFromIp']),
])
def test_an_eu_host_without_the_global_only_operations_fails_before_any_request(args, operations):
    # api_url taken as the EU host (region eu): every operation sendgrid_ip writes with is served only by
    # api.sendgrid.com, so no host is known for them.
    result, calls, code = run({'ip': IP, 'region': 'eu', 'api_url': 'https://eu.example.test', **args})
    assert code == 1
    assert all(operation in result['msg'] for operation in operations)
    assert 'served only by the global host https://api.sendgrid.com' in result['msg']
    assert calls == []


def test_empty_username_makes_no_request():
    result, calls, code = run({'ip': IP, 'subusers': ['shop-eu', ' ']})
    assert code == 1
    assert result['msg'] == 'subusers: a name must not be empty'
    assert calls == []


def test_nothing_to_manage_is_an_error():
    result, calls, code = run({'ip': IP})
    assert code == 1
    assert 'one of the following is required' in result['msg']
    assert calls == []


def test_failed_batch_after_patch_says_what_was_applied():
    result, calls, code = run(
        {'ip': IP, 'is_parent_assigned': True, 'subusers': ['newsletter']},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page(), (200, {}),
        (400, {'errors': [{'field': 'subusers', 'message': 'unverified subusers: 1002'}]}))
    assert code == 1
    assert requests_of(calls)[4:] == [('PATCH', IP_PATH), ('POST', SUBUSERS_PATH + ':batchAdd')]
    assert 'subusers: unverified subusers: 1002' in result['msg']
    assert 'Already applied before this error: set is_parent_assigned=true on 192.0.2.10.' in result['msg']
    assert result['status'] == 400


def test_failed_delete_after_add_names_the_added_subusers():
    result, _calls, code = run(
        {'ip': IP, 'subusers': ['newsletter'], 'subusers_state': 'exact'},
        (200, LEASED_IP), offset_list(SUBUSERS), id_page('1001'), (200, {}), (401, {'errors': [{'message': 'denied'}]}))
    assert code == 1
    assert 'Already applied before this error: add 192.0.2.10 to subuser newsletter.' in result['msg']


def test_failed_first_write_claims_nothing_applied():
    result, _calls, code = run({'ip': IP, 'is_parent_assigned': True}, (200, LEASED_IP),
                               (400, {'errors': [{'field': 'is_parent_assigned', 'message': 'bad'}]}))
    assert code == 1
    assert 'Already applied' not in result['msg']
    assert result['method'] == 'PATCH'


def test_the_result_is_flat_the_ip_is_the_address():
    result, _calls, code = run({'ip': IP, 'is_auto_warmup': False, 'subusers': ['newsletter']},
                               (200, LEASED_IP), offset_list(SUBUSERS), id_page(), check_mode=True)
    assert code == 0
    assert result['ip'] == IP
    assert set(result) == {'changed', *IP_FIELDS, 'added', 'removed'}
    assert result['added'] == ['newsletter'] and result['removed'] == []
