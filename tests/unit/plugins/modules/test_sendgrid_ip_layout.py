# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_ip_layout: the exact requests of the no-op, the changes, check mode, diff and each error path.

Writes are pinned with ``concurrency: 1`` so their order is the plan's; the concurrent executor itself is
covered in ``tests/unit/plugins/module_utils/test__layout.py``.
"""

from __future__ import annotations

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip_layout
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    FakeTransport,
    empty_response,
    offset_list,
    offset_reads,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module


def ip(address, subusers=(), pools=(), warmup=False):
    return {'ip': address, 'subusers': list(subusers), 'pools': list(pools), 'warmup': warmup,
            'start_date': 1700000000 if warmup else None, 'rdns': '', 'whitelabeled': False, 'assigned_at': None}


ACCOUNT_IPS = [
    ip('192.0.2.10', ['shop-eu'], ['transactional']),
    ip('192.0.2.11', ['newsletter'], ['transactional']),
    ip('192.0.2.12', ['shop-us']),
    ip('192.0.2.20', ['newsletter']),
    ip('192.0.2.21', warmup=True),
    ip('192.0.2.22'),
]
SUBUSERS = [{'id': 1000 + n, 'username': name, 'email': f'{name}@example.com', 'disabled': False}
            for n, name in enumerate(['shop-eu', 'newsletter', 'shop-us'])]
POOLS = {'result': [{'name': 'transactional', 'id': '7', 'total_ip_count': 2, 'ips_preview': [], 'regions': ['us']}],
         '_metadata': {'next_params': {'after_key': None}}}

SEND_IPS = {'result': [{'ip': entry['ip'], 'region': 'us', 'is_parent_assigned': True, 'is_leased': True}
                       for entry in ACCOUNT_IPS], '_metadata': {'next_params': {'after_key': None}}}

# The two offset lists come back short: each is confirmed by one more read (the server may cap the limit asked).
READ_IPS = offset_reads('/v3/ips', len(ACCOUNT_IPS))
READ_SUBUSERS = offset_reads('/v3/subusers', len(SUBUSERS), {'include_region': 'true'})
READ_POOLS = ('GET', '/v3/send_ips/pools', {'limit': '100'})
READ_SEND_IPS = ('GET', '/v3/send_ips/ips', {'include_region': 'true', 'limit': '1000'})
ALL_READS = [*READ_IPS, *READ_SUBUSERS, READ_POOLS, READ_SEND_IPS]

MATCHING_LAYOUT = {
    'pools': {'transactional': ['192.0.2.10', '192.0.2.11']},
    'subusers': {'shop-eu': ['192.0.2.10'], 'newsletter': ['192.0.2.11', '192.0.2.20'], 'shop-us': ['192.0.2.12']},
    'warmup': ['192.0.2.21'],
}


def reads(pools=True, subusers=True, facts=True):
    steps = [offset_list(ACCOUNT_IPS)]
    if subusers:
        steps.append(offset_list(SUBUSERS))
    if pools:
        steps.append((200, POOLS))
    if facts:
        steps.append((200, SEND_IPS))
    return steps


def calls(transport):
    return [(call.method, call.path, call.query) for call in transport.calls]


def writes(transport):
    return [(call.method, call.path, call.json) for call in transport.calls if call.method != 'GET']


def run(args, transport, **kwargs):
    return run_module(sendgrid_ip_layout.main, args, transport, **kwargs)


# ------------------------------------------------------------------------------------ no-op


def test_matching_layout_reads_only_the_ip_listing():
    # Every named subuser and pool is in GET /v3/ips with its IPs: no other read is needed to compare or check.
    transport = FakeTransport(*reads(pools=False, subusers=False, facts=False))
    result = run({**MATCHING_LAYOUT, 'ips_state': 'exact'}, transport)
    assert not result.failed, result.result
    assert result['changed'] is False
    assert result['check_mode'] is False
    assert calls(transport) == [*READ_IPS]
    assert result['summary'] == {'subusers_changed': 0, 'pools_created': 0, 'pools_changed': 0, 'ips_added': 0,
                                 'ips_removed': 0, 'warmup_started': 0, 'warmup_stopped': 0, 'ip_settings_changed': 0,
                                 'reverse_dns_created': 0, 'reverse_dns_deleted': 0, 'writes': 0}
    assert result['changes'] == {'subusers': {}, 'pools': {}, 'warmup': {'started': [], 'stopped': []}}
    assert result['report'] == ['The account already matches the IP layout: nothing changed.']
    # The result stays small whatever the layout's size: no echo of the declared pools and subusers (0.1.0's
    # `layout`), and the before and after of the declared parts only in diff mode.
    assert 'layout' not in result.result and 'diff' not in result.result
    transport.assert_done()


def test_omitted_parts_are_neither_read_nor_written():
    transport = FakeTransport(*reads(pools=False, subusers=False, facts=False))
    result = run({'warmup': ['192.0.2.21'], 'ips_state': 'exact'}, transport)
    assert result['changed'] is False
    assert calls(transport) == [*READ_IPS]
    assert result['report'] == ['The account already matches the IP layout: nothing changed.']


# ------------------------------------------------------------------------------------ the fewest writes


def test_three_subusers_one_differs_makes_exactly_one_batch_add():
    transport = FakeTransport(*reads(pools=False), (200, {'ip': '192.0.2.22', 'subusers': ['1001']}))
    result = run({'subusers': {'shop-eu': ['192.0.2.10'], 'newsletter': ['192.0.2.22'], 'shop-us': ['192.0.2.12']}},
                 transport)
    assert result['changed'] is True
    assert calls(transport) == [*READ_IPS, *READ_SUBUSERS, READ_SEND_IPS,
                                ('POST', '/v3/send_ips/ips/192.0.2.22/subusers:batchAdd', {})]
    # ips_state present: an addition, by subuser id, that keeps whatever else the subuser has at that moment
    assert transport.calls[-1].json == {'subusers': ['1001']}
    assert result['changes']['subusers'] == {'newsletter': {'added': ['192.0.2.22'], 'removed': []}}
    assert result['summary']['subusers_changed'] == 1
    assert result['summary']['writes'] == 1


def test_ips_state_present_never_removes():
    transport = FakeTransport(*reads(pools=False, subusers=False, facts=False))
    result = run({'pools': {'transactional': ['192.0.2.10']}, 'subusers': {'newsletter': ['192.0.2.20']},
                  'warmup': []}, transport)
    assert result['changed'] is False
    assert writes(transport) == []


def test_ips_state_exact_sets_the_exact_set_and_stops_unlisted_warmup():
    transport = FakeTransport(*reads(subusers=False), empty_response(204), (200, {}), (200, {'ips': ['192.0.2.20']}),
                              (200, [{'ip': '192.0.2.22', 'start_date': 1700000000}]), empty_response(204))
    result = run({'pools': {'transactional': ['192.0.2.10', '192.0.2.12']}, 'subusers': {'newsletter': ['192.0.2.20']},
                  'warmup': ['192.0.2.22'], 'ips_state': 'exact', 'concurrency': 1}, transport, diff=True)
    assert result['changed'] is True
    assert writes(transport) == [
        ('POST', '/v3/send_ips/pools/7/ips:batchDelete', {'ips': ['192.0.2.11']}),
        ('POST', '/v3/send_ips/pools/7/ips:batchAdd', {'ips': ['192.0.2.12']}),
        ('PUT', '/v3/subusers/newsletter/ips', ['192.0.2.20']),
        ('POST', '/v3/ips/warmup', {'ip': '192.0.2.22'}),
        ('DELETE', '/v3/ips/warmup/192.0.2.21', None),
    ]
    assert result['summary'] == {'subusers_changed': 1, 'pools_created': 0, 'pools_changed': 1, 'ips_added': 1,
                                 'ips_removed': 2, 'warmup_started': 1, 'warmup_stopped': 1, 'ip_settings_changed': 0,
                                 'reverse_dns_created': 0, 'reverse_dns_deleted': 0, 'writes': 5}
    assert result.diff == {
        'before': {'pools': {'transactional': ['192.0.2.10', '192.0.2.11']},
                   'subusers': {'newsletter': ['192.0.2.11', '192.0.2.20']},
                   'warmup': ['192.0.2.21']},
        'after': {'pools': {'transactional': ['192.0.2.10', '192.0.2.12']},
                  'subusers': {'newsletter': ['192.0.2.20']},
                  'warmup': ['192.0.2.22']},
    }
    transport.assert_done()


def test_ips_state_exact_without_warmup_leaves_warmup_alone():
    transport = FakeTransport(*reads(pools=False, subusers=False, facts=False))
    result = run({'subusers': {'shop-eu': ['192.0.2.10']}, 'ips_state': 'exact'}, transport)
    assert result['changed'] is False
    assert calls(transport) == [*READ_IPS]


def test_missing_pool_is_created_with_its_ips_in_the_body():
    transport = FakeTransport(*reads(subusers=False),
                              (201, {'name': 'marketing', 'id': '8', 'ips': ['192.0.2.20', '192.0.2.22']}))
    result = run({'pools': {'marketing': ['192.0.2.22', '192.0.2.20']}}, transport, diff=True)
    assert calls(transport) == [*READ_IPS, READ_POOLS, READ_SEND_IPS, ('POST', '/v3/send_ips/pools', {})]
    assert transport.calls[-1].json == {'name': 'marketing', 'ips': ['192.0.2.20', '192.0.2.22']}
    assert result['changes']['pools'] == {'marketing': {'created': True, 'added': ['192.0.2.20', '192.0.2.22'],
                                                        'removed': []}}
    assert result['summary']['pools_created'] == 1 and result['summary']['ips_added'] == 2
    assert result.diff == {'before': {'pools': {}}, 'after': {'pools': {'marketing': ['192.0.2.20', '192.0.2.22']}}}


# ------------------------------------------------------------------------------------ check mode


def test_check_mode_returns_the_full_plan_and_writes_nothing():
    transport = FakeTransport(*reads())
    result = run({'pools': {'marketing': ['192.0.2.20']}, 'subusers': {'shop-eu': ['192.0.2.22']},
                  'warmup': ['192.0.2.22'], 'ips_state': 'exact'}, transport, check_mode=True, diff=True)
    assert result['changed'] is True
    assert calls(transport) == ALL_READS
    assert result['changes'] == {
        'subusers': {'shop-eu': {'added': ['192.0.2.22'], 'removed': ['192.0.2.10']}},
        'pools': {'marketing': {'created': True, 'added': ['192.0.2.20'], 'removed': []}},
        'warmup': {'started': ['192.0.2.22'], 'stopped': ['192.0.2.21']},
    }
    assert result['summary']['writes'] == 4
    assert result.diff['after'] == {'pools': {'marketing': ['192.0.2.20']}, 'subusers': {'shop-eu': ['192.0.2.22']},
                                    'warmup': ['192.0.2.22']}
    assert result['report'] == [
        'Check mode, nothing was written. Would make 4 write(s): 1 subuser(s) changed, 1 pool(s) created, 0 pool(s)'
        ' changed, 2 IP assignment(s) added, 1 removed, warmup started for 1 IP(s), stopped for 1, 0 IP(s) with new'
        ' settings, 0 reverse DNS record(s) created, 0 deleted.',
        'pool marketing: would be created; would add [192.0.2.20], would remove []',
        'subuser shop-eu: would add [192.0.2.22], would remove [192.0.2.10]',
        'warmup: would start for 192.0.2.22',
        'warmup: would stop for 192.0.2.21 (they would send their full volume)',
    ]
    assert 'layout' not in result.result
    assert result['check_mode'] is True


# ------------------------------------------------------------------------------------ errors


def test_invalid_layout_is_one_error_listing_everything_and_nothing_is_written():
    transport = FakeTransport(*reads())
    result = run({
        'pools': {'.hidden': ['192.0.2.10'], 'big': [f'10.1.0.{n}' for n in range(1, 102)]},
        'subusers': {'nobody': ['192.0.2.10'], 'shop-eu': ['2001:db8::1', '192.0.2.300', '198.51.100.7']},
        'warmup': ['192.0.2.99'],
    }, transport)
    assert result.failed
    assert calls(transport) == ALL_READS
    assert result['problems'] == [
        "pools: pool name '.hidden' must not start with \".\" or a space",
        'pools.big: would hold 101 IPs; a pool holds at most 100',
        "subusers.shop-eu: '2001:db8::1' is an IPv6 address; SendGrid accepts only IPv4 addresses here",
        "subusers.shop-eu: '192.0.2.300' is not a valid IP address",
        # at most 20 items named, the rest counted (issue 7, section 5)
        'pools.big: not on this SendGrid account: ' + ', '.join(f'10.1.0.{n}' for n in range(1, 21)) + ' and 81 more',
        'subusers.shop-eu: not on this SendGrid account: 198.51.100.7',
        'warmup: not on this SendGrid account: 192.0.2.99',
        'subusers: unknown subuser(s) on this account: nobody',
    ]
    assert result['msg'].startswith('the IP layout has 8 problems; nothing was written: (1) pools: ')
    assert 'traceback' not in str(result.result).lower()


def test_zero_concurrency_fails_before_any_request():
    transport = FakeTransport()
    result = run({'warmup': ['192.0.2.21'], 'concurrency': 0}, transport)
    assert result.failed
    assert result['msg'] == 'concurrency must be at least 1, got 0'
    assert transport.calls == []


def test_partial_failure_lists_applied_and_failed_and_reports_changed():
    transport = FakeTransport(
        *reads(pools=False),
        (200, {'ip': '192.0.2.20', 'subusers': ['1000']}),
        (400, {'errors': [{'field': 'subusers', 'message': 'unverified subusers: 1002'}]}),
    )
    result = run({'subusers': {'shop-eu': ['192.0.2.20'], 'shop-us': ['192.0.2.22']}, 'concurrency': 1}, transport)
    assert result.failed
    assert result['changed'] is True
    assert result['writes_applied'] == ['add 192.0.2.20 to subuser shop-eu']
    assert result['writes_failed'] == [
        'add 192.0.2.22 to subuser shop-us: SendGrid validation error: POST'
        ' /v3/send_ips/ips/192.0.2.22/subusers:batchAdd returned HTTP 400: subusers: unverified subusers: 1002']
    assert result['writes_not_attempted'] == []
    assert result['msg'].startswith('1 of 2 writes failed; the layout is only partly applied.')
    assert 'Applied (these stay in place): add 192.0.2.20 to subuser shop-eu' in result['msg']
    assert 'run the task again' in result['msg']
    assert len(writes(transport)) == 2


def test_authentication_error_is_reported_without_the_key():
    transport = FakeTransport((401, {'errors': [{'field': None, 'message': 'authorization required'}]}))
    result = run({'warmup': []}, transport)
    assert result.failed
    assert result['status'] == 401
    assert result['method'] == 'GET' and result['path'] == '/v3/ips'
    assert API_KEY not in str(result.result)


# ------------------------------------------------------------------------------------ issue 7: rules and input

RULES_IPS = [ip('192.0.2.1'), ip('192.0.2.3'), ip('192.0.2.4'), ip('198.51.100.3')]
RULES_SUBUSERS = [{'id': 2001, 'username': 'alpha', 'email': 'a@example.com', 'disabled': False, 'region': 'global'},
                  {'id': 2002, 'username': 'delta-eu', 'email': 'd@example.com', 'disabled': False, 'region': 'eu'}]
RULES_SEND_IPS = {'result': [
    {'ip': '192.0.2.1', 'region': 'us', 'is_parent_assigned': True},
    {'ip': '192.0.2.3', 'region': 'us', 'is_parent_assigned': True},
    {'ip': '192.0.2.4', 'region': 'us', 'is_parent_assigned': False},
    {'ip': '198.51.100.3', 'region': 'us', 'is_parent_assigned': True},
], '_metadata': {}}


def test_another_regions_ip_for_a_subuser_fails_before_alpha_is_written():
    transport = FakeTransport(offset_list(RULES_IPS), offset_list(RULES_SUBUSERS), (200, RULES_SEND_IPS))
    result = run({'subusers': {'alpha': ['192.0.2.3'], 'delta-eu': ['192.0.2.1']}}, transport)
    assert result.failed
    assert result['problems'] == ['subusers.delta-eu: 192.0.2.1 (us): an eu subuser can only send from eu IPs']
    assert result['msg'] == ('the IP layout has 1 problem; nothing was written: (1) subusers.delta-eu: 192.0.2.1 (us):'
                             ' an eu subuser can only send from eu IPs')
    assert writes(transport) == []
    transport.assert_done()


def test_an_ip_the_parent_may_not_send_from_fails_before_the_pool_is_created():
    pools = {'result': [{'name': 'transactional', 'id': '7'}], '_metadata': {}}
    transport = FakeTransport(offset_list(RULES_IPS), (200, pools), (200, RULES_SEND_IPS))
    result = run({'pools': {'transactional': ['198.51.100.3'], 'new-pool': ['192.0.2.4']}}, transport)
    assert result.failed
    assert [problem.split(':')[0] for problem in result['problems']] == ['pools.new-pool']
    assert 'is_parent_assigned false' in result['msg']
    assert writes(transport) == []


def test_unchecked_rules_are_module_warnings():
    send_ips = {'result': [], '_metadata': {}}
    transport = FakeTransport(offset_list(RULES_IPS), offset_list(RULES_SUBUSERS), (200, send_ips))
    result = run({'subusers': {'delta-eu': ['192.0.2.1']}}, transport, check_mode=True)
    assert not result.failed and result['changed'] is True
    assert result.warnings == [
        'the region of 192.0.2.1 could not be established (GET /v3/send_ips/ips does not list them), so it was not'
        ' checked against the region of the subusers they are given to; SendGrid decides']


def test_a_dictionary_instead_of_a_list_of_ips_is_refused():
    transport = FakeTransport(offset_list(ACCOUNT_IPS))
    result = run({'pools': {'transactional': {'192.0.2.10': None, '192.0.2.11': None}}}, transport)
    assert result.failed
    assert result['problems'] == [
        'pools.transactional: must be a list of IP addresses, got a dictionary (its keys are not taken as IPs)']
    assert writes(transport) == []
