# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_ip_pool: the exact HTTP calls of every path, against a scripted fake transport."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip_pool
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import FakeTransport, offset_list
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

POOLS = '/v3/send_ips/pools'
LIST_POOLS = ('GET', POOLS + '?limit=100', None)
LIST_ACCOUNT_IPS = ('GET', '/v3/send_ips/ips?include_region=true&limit=1000', None)


def page(items: list[t.Any], after_key: str | None = None) -> tuple[int, dict[str, t.Any]]:
    return 200, {'result': items, '_metadata': {'next_params': {'after_key': after_key}}}


def pools_page(*pools: tuple[str, str, int], after_key: str | None = None) -> tuple[int, dict[str, t.Any]]:
    return page([{'name': name, 'id': pool_id, 'total_ip_count': count, 'ips_preview': []}
                 for name, pool_id, count in pools], after_key)


def pool_ips_page(*ips: str, after_key: str | None = None) -> tuple[int, dict[str, t.Any]]:
    return page([{'ip': ip, 'pools': []} for ip in ips], after_key)


def account_ips(*ips: str, unassigned: t.Collection[str] = ()) -> tuple[int, dict[str, t.Any]]:
    """One page of GET /v3/send_ips/ips: every IP parent-assigned unless named in ``unassigned``."""
    return page([{'ip': ip, 'pools': [], 'is_parent_assigned': ip not in unassigned, 'is_leased': True}
                 for ip in ips])


def list_pool_ips(pool_id: str) -> tuple[str, str, None]:
    return 'GET', f'{POOLS}/{pool_id}/ips?limit=100', None


def subnet(count: int, third_octet: int = 0) -> list[str]:
    """``count`` (<= 250) distinct addresses in 10.0.<third_octet>.0/24, in sort order."""
    return [f'10.0.{third_octet}.{index + 1}' for index in range(count)]


def calls(transport: FakeTransport) -> list[tuple[str, str, t.Any]]:
    """(method, path?query, JSON body) of every request, in order."""
    return [(call.method, call.path + ('?' + call.query_string if call.query_string else ''), call.json)
            for call in transport.calls]


def writes(transport: FakeTransport) -> list[tuple[str, str, t.Any]]:
    return [call for call in calls(transport) if call[0] != 'GET']


def run(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    result = run_module(sendgrid_ip_pool.main, args, transport, **kwargs)
    transport.assert_done()
    return result


# ------------------------------------------------------------------------------------ create


def test_create_with_ips_is_one_post_with_the_ips_in_the_body():
    transport = FakeTransport(
        pools_page(('other', '7', 1)),
        account_ips('192.0.2.10', '192.0.2.11', '192.0.2.12'),
        (201, {'name': 'transactional', 'id': '42', 'ips': ['192.0.2.10', '192.0.2.11']}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.11', '192.0.2.10', '192.0.2.11']}, transport, diff=True)

    assert not result.failed, result.result
    assert calls(transport) == [
        LIST_POOLS,
        LIST_ACCOUNT_IPS,
        ('POST', POOLS, {'name': 'transactional', 'ips': ['192.0.2.10', '192.0.2.11']}),
    ]
    assert result['changed'] is True
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', '42', ['192.0.2.10', '192.0.2.11'])
    assert result['added'] == ['192.0.2.10', '192.0.2.11']
    assert result['removed'] == []
    assert result.diff == {'before': {}, 'after': {'pool': 'transactional', 'ips': ['192.0.2.10', '192.0.2.11']}}


def test_create_without_ips_lists_no_account_ips_and_posts_only_the_name():
    transport = FakeTransport(pools_page(), (201, {'name': 'empty pool', 'id': '43', 'ips': []}))
    result = run({'pool': 'empty pool'}, transport)

    assert calls(transport) == [LIST_POOLS, ('POST', POOLS, {'name': 'empty pool'})]
    assert result['changed'] is True
    assert (result['pool'], result['pool_id'], result['ips']) == ('empty pool', '43', [])
    assert 'diff' not in result.result


def test_create_with_100_ips_puts_them_all_in_the_post():
    ips = subnet(100)
    transport = FakeTransport(pools_page(), account_ips(*ips), (201, {'name': 'big', 'id': '44', 'ips': ips}))
    result = run({'pool': 'big', 'ips': list(reversed(ips))}, transport)

    assert calls(transport) == [LIST_POOLS, LIST_ACCOUNT_IPS, ('POST', POOLS, {'name': 'big', 'ips': ips})]
    assert result['ips'] == ips


def test_create_with_150_ips_fails_before_any_write():
    ips = subnet(150)
    transport = FakeTransport(pools_page(), account_ips(*ips))
    result = run({'pool': 'big', 'ips': ips}, transport)

    assert result.failed
    assert result['msg'] == "ips: pool 'big' would hold 150 IPs; a pool holds at most 100"
    assert writes(transport) == []


def test_create_in_check_mode_writes_nothing_and_predicts_the_result():
    transport = FakeTransport(pools_page(), account_ips('192.0.2.10'))
    result = run({'pool': 'transactional', 'ips': ['192.0.2.10']}, transport, check_mode=True, diff=True)

    assert calls(transport) == [LIST_POOLS, LIST_ACCOUNT_IPS]
    assert result['changed'] is True
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', None, ['192.0.2.10'])
    assert result['added'] == ['192.0.2.10']
    assert result.diff == {'before': {}, 'after': {'pool': 'transactional', 'ips': ['192.0.2.10']}}


def test_create_when_the_account_has_100_pools_fails_before_any_write():
    transport = FakeTransport(
        pools_page(*[(f'pool-{index:03d}', str(index), 0) for index in range(60)], after_key='60'),
        pools_page(*[(f'pool-{index:03d}', str(index), 0) for index in range(60, 100)]),
    )
    result = run({'pool': 'one-too-many'}, transport)

    assert result.failed
    assert result['msg'] == 'pool: the account has 100 pools; creating one-too-many would exceed the limit of 100'
    assert calls(transport) == [LIST_POOLS, ('GET', POOLS + '?limit=100&after_key=60', None)]


def test_create_server_error_is_retried_and_an_applied_first_attempt_is_confirmed():
    # Pool names are unique: the repeat of a creation that was applied is refused, and one read confirms it.
    transport = FakeTransport(pools_page(), (500, {'errors': [{'field': None, 'message': 'internal error'}]}),
                              (400, {'errors': [{'field': 'name', 'message': 'already exists'}]}),
                              pools_page(('other', '7', 1), ('transactional', '9', 0)), pool_ips_page())
    result = run({'pool': 'transactional', 'max_retries': 3}, transport)

    assert not result.failed, result.result
    assert result['changed'] is True
    assert writes(transport) == [('POST', POOLS, {'name': 'transactional'})] * 2
    assert calls(transport)[-2:] == [LIST_POOLS, list_pool_ips('9')]


def test_create_server_errors_to_the_end_say_the_outcome_is_unknown():
    transport = FakeTransport(pools_page(), *[(500, {'errors': [{'field': None, 'message': 'internal error'}]})] * 4)
    result = run({'pool': 'transactional', 'max_retries': 3}, transport)

    assert result.failed
    assert writes(transport) == [('POST', POOLS, {'name': 'transactional'})] * 4
    assert result['status'] == 500 and result['method'] == 'POST' and result['path'] == POOLS
    assert 'internal error' in result['msg']
    assert 'it may or may not have been applied' in result['msg']


def test_create_connection_lost_after_sending_is_retried():
    transport = FakeTransport(pools_page())
    transport.add_error('read timed out', request_sent=True)
    transport.add(201, {'name': 'transactional', 'id': '42', 'ips': []})
    result = run({'pool': 'transactional', 'max_retries': 3}, transport)

    assert not result.failed, result.result
    assert result['changed'] is True
    assert writes(transport) == [('POST', POOLS, {'name': 'transactional'})] * 2


# ------------------------------------------------------------------------------------ membership


def test_existing_pool_with_the_same_ips_is_a_no_op_with_only_two_reads():
    transport = FakeTransport(
        pools_page(('transactional', '5', 2)),
        pool_ips_page('192.0.2.11', '192.0.2.10'),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.10', '192.0.2.11'], 'ips_state': 'exact'}, transport,
                 diff=True)

    assert calls(transport) == [LIST_POOLS, list_pool_ips('5')]
    assert result['changed'] is False
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', '5', ['192.0.2.10', '192.0.2.11'])
    assert result['added'] == [] and result['removed'] == []
    assert result.diff['before'] == result.diff['after']


def test_existing_pool_without_ips_option_is_a_no_op():
    transport = FakeTransport(pools_page(('transactional', '5', 1)), pool_ips_page('192.0.2.10'))
    result = run({'pool': 'transactional'}, transport)

    assert calls(transport) == [LIST_POOLS, list_pool_ips('5')]
    assert result['changed'] is False
    assert result['ips'] == ['192.0.2.10']


def test_present_adds_only_the_missing_ips_with_one_batch_add():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10', '192.0.2.11', '192.0.2.12'),
        (200, {'name': 'transactional', 'id': '5', 'ips': ['192.0.2.10', '192.0.2.11', '192.0.2.12']}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.12', '192.0.2.10', '192.0.2.11']}, transport)

    assert calls(transport) == [
        LIST_POOLS,
        list_pool_ips('5'),
        LIST_ACCOUNT_IPS,
        ('POST', POOLS + '/5/ips:batchAdd', {'ips': ['192.0.2.11', '192.0.2.12']}),
    ]
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.11', '192.0.2.12'] and result['removed'] == []
    assert result['ips'] == ['192.0.2.10', '192.0.2.11', '192.0.2.12']


def test_absent_removes_only_the_members_with_one_batch_delete_and_no_account_listing():
    transport = FakeTransport(
        pools_page(('transactional', '5', 3)),
        pool_ips_page('192.0.2.10', '192.0.2.11', '192.0.2.12'),
        (204, None),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.12', '192.0.2.10'], 'ips_state': 'absent'}, transport,
                 diff=True)

    assert calls(transport) == [
        LIST_POOLS,
        list_pool_ips('5'),
        ('POST', POOLS + '/5/ips:batchDelete', {'ips': ['192.0.2.10', '192.0.2.12']}),
    ]
    assert result['removed'] == ['192.0.2.10', '192.0.2.12'] and result['added'] == []
    assert result['ips'] == ['192.0.2.11']
    assert result.diff == {
        'before': {'pool': 'transactional', 'ips': ['192.0.2.10', '192.0.2.11', '192.0.2.12']},
        'after': {'pool': 'transactional', 'ips': ['192.0.2.11']},
    }


def test_absent_of_ips_not_in_the_pool_is_a_no_op_after_checking_they_exist():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10', '192.0.2.11'),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.11'], 'ips_state': 'absent'}, transport)

    assert calls(transport) == [LIST_POOLS, list_pool_ips('5'), LIST_ACCOUNT_IPS]
    assert result['changed'] is False


def test_exact_change_is_one_batch_delete_then_one_batch_add():
    transport = FakeTransport(
        pools_page(('transactional', '5', 2)),
        pool_ips_page('192.0.2.10', '192.0.2.11'),
        account_ips('192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13'),
        (204, None),
        (200, {'name': 'transactional', 'id': '5', 'ips': ['192.0.2.11', '192.0.2.12', '192.0.2.13']}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.13', '192.0.2.11', '192.0.2.12'], 'ips_state': 'exact'},
                 transport)

    assert calls(transport) == [
        LIST_POOLS,
        list_pool_ips('5'),
        LIST_ACCOUNT_IPS,
        ('POST', POOLS + '/5/ips:batchDelete', {'ips': ['192.0.2.10']}),
        ('POST', POOLS + '/5/ips:batchAdd', {'ips': ['192.0.2.12', '192.0.2.13']}),
    ]
    assert result['added'] == ['192.0.2.12', '192.0.2.13'] and result['removed'] == ['192.0.2.10']


def test_exact_empty_list_empties_the_pool():
    transport = FakeTransport(pools_page(('transactional', '5', 2)), pool_ips_page('192.0.2.10', '192.0.2.11'),
                              (204, None))
    result = run({'pool': 'transactional', 'ips': [], 'ips_state': 'exact'}, transport)

    assert writes(transport) == [('POST', POOLS + '/5/ips:batchDelete', {'ips': ['192.0.2.10', '192.0.2.11']})]
    assert result['ips'] == []


def test_exact_swap_in_a_full_pool_removes_before_adding():
    current, wanted = subnet(100, 1), subnet(50, 1) + subnet(50, 2)
    transport = FakeTransport(
        pools_page(('full', '9', 100)),
        pool_ips_page(*current[:100], after_key='x'),
        pool_ips_page(),
        account_ips(*current, *subnet(50, 2)),
        (204, None),
        (200, {'name': 'full', 'id': '9', 'ips': wanted}),
    )
    result = run({'pool': 'full', 'ips': wanted, 'ips_state': 'exact'}, transport)

    assert writes(transport) == [  # _api sends each chunk in plain string order
        ('POST', POOLS + '/9/ips:batchDelete', {'ips': sorted(subnet(100, 1)[50:])}),
        ('POST', POOLS + '/9/ips:batchAdd', {'ips': sorted(subnet(50, 2))}),
    ]
    assert ('GET', POOLS + '/9/ips?limit=100&after_key=x', None) in calls(transport)
    assert len(result['ips']) == 100


def test_membership_over_100_fails_before_any_write():
    transport = FakeTransport(
        pools_page(('transactional', '5', 95)),
        pool_ips_page(*subnet(95)),
        account_ips(*subnet(95), *subnet(10, 1)),
    )
    result = run({'pool': 'transactional', 'ips': subnet(10, 1)}, transport)

    assert result.failed
    assert result['msg'] == "ips: pool 'transactional' would hold 105 IPs; a pool holds at most 100"
    assert writes(transport) == []


def test_membership_check_mode_writes_nothing():
    transport = FakeTransport(
        pools_page(('transactional', '5', 2)),
        pool_ips_page('192.0.2.10', '192.0.2.11'),
        account_ips('192.0.2.10', '192.0.2.11', '192.0.2.12'),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.12'], 'ips_state': 'exact'}, transport,
                 check_mode=True, diff=True)

    assert writes(transport) == []
    assert result['changed'] is True
    assert result['added'] == ['192.0.2.12'] and result['removed'] == ['192.0.2.10', '192.0.2.11']
    assert result.diff['after'] == {'pool': 'transactional', 'ips': ['192.0.2.12']}


def test_unknown_ips_are_all_named_in_one_error_before_any_write():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10', '192.0.2.11'),
        offset_list([{'ip': '192.0.2.10'}, {'ip': '192.0.2.11'}]),
    )
    result = run({'pool': 'transactional', 'ips': ['198.51.100.7', '192.0.2.11', '192.0.2.99']}, transport)

    assert result.failed
    assert result['msg'] == 'ips: not on this SendGrid account: 192.0.2.99, 198.51.100.7'
    # GET /v3/ips decides which IPs exist: it is read for the IPs the IP-management listing lacks
    # (its short page confirmed by one more read)
    assert calls(transport)[-2:] == [('GET', '/v3/ips?limit=10000&offset=0', None), ('GET', '/v3/ips?limit=2&offset=2', None)]
    assert writes(transport) == []


def test_ips_the_parent_may_not_send_from_are_all_named_before_any_write():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', unassigned={'192.0.2.12', '192.0.2.13'}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.13', '192.0.2.11', '192.0.2.12'], 'ips_state': 'exact'},
                 transport)

    assert result.failed
    assert result['msg'] == ('ips: 192.0.2.12, 192.0.2.13 cannot join a pool: SendGrid only puts IPs the parent'
                             ' account may send from in a pool, and these have is_parent_assigned false (set it with'
                             ' mailops.sendgrid.sendgrid_ip first)')
    assert writes(transport) == []


def test_removing_an_ip_the_parent_may_not_send_from_is_allowed():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10', '192.0.2.11', unassigned={'192.0.2.11'}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.11', '192.0.2.10'], 'ips_state': 'absent'}, transport,
                 check_mode=True)

    assert not result.failed, result.result
    assert result['removed'] == ['192.0.2.10']


def test_malformed_ips_fail_before_any_request():
    transport = FakeTransport()
    result = run({'pool': 'transactional', 'ips': ['192.0.2.300', 'not-an-ip', '192.0.2.10']}, transport)

    assert result.failed
    assert "'192.0.2.300' is not a valid IP address" in result['msg']
    assert "'not-an-ip' is not a valid IP address" in result['msg']
    assert transport.calls == []


def test_api_error_on_batch_add_is_reported_with_method_path_and_status():
    transport = FakeTransport(
        pools_page(('transactional', '5', 0)),
        pool_ips_page(),
        account_ips('192.0.2.10'),
        (400, {'errors': [{'field': 'ips', 'message': 'unable to verify IPs assignability: 192.0.2.10'}]}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.10']}, transport)

    assert result.failed
    assert result['status'] == 400
    assert result['method'] == 'POST' and result['path'] == POOLS + '/5/ips:batchAdd'
    assert 'ips: unable to verify IPs assignability: 192.0.2.10' in result['msg']


# ------------------------------------------------------------------------------------ names and rename


@pytest.mark.parametrize('option, value, message', [
    ('pool', 'a', "pool: pool name 'a' must be 2 to 64 characters long (1 given)"),
    ('pool', 'x' * 65, 'must be 2 to 64 characters long (65 given)'),
    ('pool', '.hidden', """pool: pool name '.hidden' must not start with "." or a space"""),
    ('pool', ' a ', "pool: pool name 'a' must be 2 to 64 characters long (1 given)"),
    ('pool', '  ', 'pool: must not be empty'),
    ('new_name', ' \t', 'new_name: must not be empty'),
    ('new_name', '.hidden', """new_name: pool name '.hidden' must not start with "." or a space"""),
    ('new_name', 'b', "new_name: pool name 'b' must be 2 to 64 characters long"),
])
def test_bad_names_fail_before_any_request(option, value, message):
    args = {'pool': 'transactional', option: value}
    transport = FakeTransport()
    result = run(args, transport)

    assert result.failed
    assert message in result['msg']
    assert transport.calls == []


def test_names_of_2_and_64_characters_are_accepted():
    transport = FakeTransport(pools_page(('ab', '1', 0)), pool_ips_page(), (200, {'name': 'y' * 64, 'id': '1'}))
    result = run({'pool': 'ab', 'new_name': 'y' * 64}, transport)

    assert not result.failed, result.result
    assert calls(transport) == [LIST_POOLS, list_pool_ips('1'), ('PUT', POOLS + '/1', {'name': 'y' * 64})]


def test_rename_is_one_put():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        (200, {'name': 'transactional eu', 'id': '5'}),
    )
    result = run({'pool': 'transactional', 'new_name': 'transactional eu'}, transport, diff=True)

    assert calls(transport) == [LIST_POOLS, list_pool_ips('5'), ('PUT', POOLS + '/5', {'name': 'transactional eu'})]
    assert result['changed'] is True
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional eu', '5', ['192.0.2.10'])
    assert result.diff == {
        'before': {'pool': 'transactional', 'ips': ['192.0.2.10']},
        'after': {'pool': 'transactional eu', 'ips': ['192.0.2.10']},
    }


def test_rename_again_when_only_the_new_name_exists_is_a_no_op():
    transport = FakeTransport(pools_page(('transactional eu', '5', 1)), pool_ips_page('192.0.2.10'))
    result = run({'pool': 'transactional', 'new_name': 'transactional eu'}, transport)

    assert calls(transport) == [LIST_POOLS, list_pool_ips('5')]
    assert result['changed'] is False
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional eu', '5', ['192.0.2.10'])


def test_rename_to_the_same_name_is_a_no_op():
    transport = FakeTransport(pools_page(('transactional', '5', 0)), pool_ips_page())
    result = run({'pool': 'transactional', 'new_name': 'transactional'}, transport)

    assert writes(transport) == []
    assert result['changed'] is False


def test_rename_and_membership_change_are_a_put_then_a_batch_add():
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10', '192.0.2.11'),
        (200, {'name': 'renamed', 'id': '5'}),
        (200, {'name': 'renamed', 'id': '5', 'ips': ['192.0.2.10', '192.0.2.11']}),
    )
    result = run({'pool': 'transactional', 'new_name': 'renamed', 'ips': ['192.0.2.11']}, transport)

    assert writes(transport) == [
        ('PUT', POOLS + '/5', {'name': 'renamed'}),
        ('POST', POOLS + '/5/ips:batchAdd', {'ips': ['192.0.2.11']}),
    ]
    assert (result['pool'], result['pool_id'], result['ips']) == ('renamed', '5', ['192.0.2.10', '192.0.2.11'])


def test_rename_check_mode_writes_nothing():
    transport = FakeTransport(pools_page(('transactional', '5', 0)), pool_ips_page())
    result = run({'pool': 'transactional', 'new_name': 'renamed'}, transport, check_mode=True)

    assert writes(transport) == []
    assert result['changed'] is True
    assert (result['pool'], result['pool_id'], result['ips']) == ('renamed', '5', [])


def test_rename_when_both_names_exist_fails_before_any_write():
    transport = FakeTransport(pools_page(('transactional', '5', 0), ('renamed', '6', 0)))
    result = run({'pool': 'transactional', 'new_name': 'renamed'}, transport)

    assert result.failed
    assert result['msg'] == ("cannot rename pool 'transactional' to 'renamed': a pool named 'renamed' already exists"
                             " (id 6); delete one of them first")
    assert calls(transport) == [LIST_POOLS]


def test_rename_when_neither_name_exists_fails_before_any_write():
    transport = FakeTransport(pools_page(('other', '5', 0)))
    result = run({'pool': 'transactional', 'new_name': 'renamed', 'ips': ['192.0.2.10']}, transport)

    assert result.failed
    assert result['msg'] == "cannot rename pool 'transactional' to 'renamed': no pool has either name"
    assert calls(transport) == [LIST_POOLS]


# ------------------------------------------------------------------------------------ delete


def test_delete_existing_pool_is_one_delete_and_reports_its_ips():
    transport = FakeTransport(
        pools_page(('a', '4', 0), ('transactional', '5', 2)),
        pool_ips_page('192.0.2.11', '192.0.2.10'),
        (204, None),
    )
    result = run({'pool': 'transactional', 'state': 'absent'}, transport, diff=True)

    assert calls(transport) == [LIST_POOLS, list_pool_ips('5'), ('DELETE', POOLS + '/5', None)]
    assert result['changed'] is True
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', None, [])
    assert result['removed'] == ['192.0.2.10', '192.0.2.11'] and result['added'] == []
    assert result.diff == {'before': {'pool': 'transactional', 'ips': ['192.0.2.10', '192.0.2.11']}, 'after': {}}


def test_delete_in_check_mode_writes_nothing():
    transport = FakeTransport(pools_page(('transactional', '5', 1)), pool_ips_page('192.0.2.10'))
    result = run({'pool': 'transactional', 'state': 'absent'}, transport, check_mode=True, diff=True)

    assert writes(transport) == []
    assert result['changed'] is True
    assert result.diff == {'before': {'pool': 'transactional', 'ips': ['192.0.2.10']}, 'after': {}}


def test_delete_missing_pool_is_a_no_op_with_one_read():
    transport = FakeTransport(pools_page(('other', '5', 0)))
    result = run({'pool': 'transactional', 'state': 'absent'}, transport, diff=True)

    assert calls(transport) == [LIST_POOLS]
    assert result['changed'] is False
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', None, [])
    assert result['removed'] == []
    assert result.diff == {'before': {}, 'after': {}}


@pytest.mark.parametrize('extra', [{'ips': ['192.0.2.10']}, {'new_name': 'renamed'}, {'ips': []}])
def test_delete_with_ips_or_new_name_fails_before_any_request(extra):
    transport = FakeTransport()
    result = run({'pool': 'transactional', 'state': 'absent', **extra}, transport)

    assert result.failed
    assert 'state=absent deletes the pool and takes neither new_name nor ips' in result['msg']
    assert transport.calls == []


# ------------------------------------------------------------------------------------ issue 7


def test_absent_ips_of_a_pool_that_does_not_exist_create_nothing():
    transport = FakeTransport(pools_page(('other', '7', 1)), account_ips('192.0.2.10'))
    result = run({'pool': 'transactional', 'ips': ['192.0.2.10'], 'ips_state': 'absent'}, transport, diff=True)

    assert not result.failed, result.result
    assert result['changed'] is False
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', None, [])
    assert result['added'] == [] and result['removed'] == []
    assert result.diff == {'before': {}, 'after': {}}
    assert writes(transport) == []


def test_an_ip_the_ip_management_listing_lacks_is_not_called_unknown():
    # On the account (GET /v3/ips has it), but GET /v3/send_ips/ips lacks it: the API decides, with a warning.
    transport = FakeTransport(
        pools_page(('transactional', '5', 1)),
        pool_ips_page('192.0.2.10'),
        account_ips('192.0.2.10'),
        offset_list([{'ip': '192.0.2.10'}, {'ip': '192.0.2.11'}]),
        (200, {'name': 'transactional', 'id': '5', 'ips': ['192.0.2.10', '192.0.2.11']}),
    )
    result = run({'pool': 'transactional', 'ips': ['192.0.2.11']}, transport)

    assert not result.failed, result.result
    assert result['added'] == ['192.0.2.11']
    assert result.warnings == [
        'whether the parent may send from 192.0.2.11 could not be established (GET /v3/send_ips/ips does not list'
        ' them), so it was not checked before adding them to a pool; SendGrid decides']
    assert writes(transport) == [('POST', POOLS + '/5/ips:batchAdd', {'ips': ['192.0.2.11']})]


def test_a_dictionary_where_the_ips_are_due_is_refused():
    transport = FakeTransport()
    result = run({'pool': 'transactional', 'ips': {'192.0.2.10': None}}, transport)

    assert result.failed
    assert 'ips' in result['msg'] and 'list' in result['msg']
    assert transport.calls == []


# ------------------------------------------------------------------------------------ the vocabulary (issue 10)


def test_the_result_is_flat_the_pool_is_its_name():
    transport = FakeTransport(pools_page(('transactional', '5', 1)), pool_ips_page('192.0.2.10'))
    result = run({'pool': 'transactional'}, transport)
    assert set(result.result) == {'changed', 'pool', 'pool_id', 'ips', 'added', 'removed'}
    assert (result['pool'], result['pool_id'], result['ips']) == ('transactional', '5', ['192.0.2.10'])


def test_name_is_a_deprecated_alias_of_pool():
    transport = FakeTransport(pools_page(('transactional', '5', 1)), pool_ips_page('192.0.2.10'))
    result = run({'name': 'transactional'}, transport)
    assert not result.failed, result.result
    assert result['pool'] == 'transactional' and result['changed'] is False
    assert result.deprecations == [("Alias 'name' is deprecated. See the module docs for more information", '1.0.0')]


def test_pool_names_are_stripped_like_every_other_name():
    transport = FakeTransport(pools_page(('transactional', '5', 1)), pool_ips_page('192.0.2.10'),
                              (200, {'name': 'bulk mail', 'id': '5'}))
    result = run({'pool': ' transactional\t', 'new_name': ' bulk mail '}, transport)
    assert not result.failed, result.result
    assert writes(transport) == [('PUT', POOLS + '/5', {'name': 'bulk mail'})]
    assert result['pool'] == 'bulk mail'


def test_the_diff_shows_the_names_as_written_in_utf8():
    transport = FakeTransport(pools_page(), (201, {'name': 'marketing-üß', 'id': '9', 'ips': []}))
    result = run({'pool': 'marketing-üß'}, transport, diff=True)
    assert not result.failed, result.result
    after = result['diff']['after']
    assert isinstance(after, str) and '"pool": "marketing-üß"' in after and '\\u00fc' not in after
    assert result.diff == {'before': {}, 'after': {'pool': 'marketing-üß', 'ips': []}}
