# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_ip_layout, per IP (issue 8): settings and reverse DNS, and ``ips_state`` with the deprecated ``exclusive``.

The exact requests: a fixed number of list reads (``GET /v3/send_ips/ips`` for the settings, ``GET
/v3/whitelabel/ips`` for reverse DNS, each only when that part is declared), then one ``PATCH`` per IP whose
settings differ and one ``POST /v3/whitelabel/ips`` per missing record. Writes are pinned with ``concurrency: 1``.
"""

from __future__ import annotations

import typing as t
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip_layout
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeTransport,
    empty_response,
    offset_list,
    offset_reads,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module


def ip(address, subusers=(), pools=()):
    return {'ip': address, 'subusers': list(subusers), 'pools': list(pools), 'warmup': False, 'start_date': None,
            'whitelabeled': False, 'assigned_at': None}


def send_ip(address, is_auto_warmup=False, is_parent_assigned=True, pools=()):
    return {'ip': address, 'region': 'us', 'is_auto_warmup': is_auto_warmup, 'is_parent_assigned': is_parent_assigned,
            'is_leased': True, 'pools': [{'name': name, 'id': '7'} for name in pools]}


def record(record_id, address, domain='example.com', subdomain='mail', valid=False):
    host = f'o{record_id}.{subdomain}.{domain}'
    return {'id': record_id, 'ip': address, 'rdns': host, 'domain': domain, 'subdomain': subdomain, 'users': [],
            'valid': valid, 'legacy': False, 'a_record': {'valid': valid, 'type': 'a', 'host': host, 'data': address}}


ACCOUNT_IPS = [ip('192.0.2.10', pools=['transactional']), ip('192.0.2.11'), ip('192.0.2.12'), ip('192.0.2.13')]
SEND_IPS = [send_ip('192.0.2.10', pools=['transactional']), send_ip('192.0.2.11', is_auto_warmup=True),
            send_ip('192.0.2.12', is_parent_assigned=False), send_ip('192.0.2.13')]
RECORDS = [record(1, '192.0.2.10', valid=True), record(2, '192.0.2.11', domain='example.net')]
POOLS = {'result': [{'name': 'transactional', 'id': '7'}], '_metadata': {}}

READ_IPS = offset_reads('/v3/ips', len(ACCOUNT_IPS))
READ_SEND_IPS = ('GET', '/v3/send_ips/ips', {'include_region': 'true', 'limit': '1000'})
READ_RECORDS = offset_reads('/v3/whitelabel/ips', len(RECORDS), page_size=100)
READ_POOLS = ('GET', '/v3/send_ips/pools', {'limit': '100'})


def cursor(entries):
    return 200, {'result': list(entries), '_metadata': {'next_params': {'after_key': None}}}


def calls(transport):
    return [(call.method, call.path, call.query) for call in transport.calls]


def writes(transport):
    return [(call.method, call.path, call.json) for call in transport.calls if call.method != 'GET']


class Run:
    """The module's result plus the deprecations it announced."""

    def __init__(self, result, deprecations):
        self.result = result
        self.deprecations = deprecations

    def __getattr__(self, name):
        return getattr(self.result, name)

    def __getitem__(self, key):
        return self.result[key]


def run(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> Run:
    deprecations: list[dict[str, t.Any]] = []

    def deprecate(self, msg, version=None, date=None, collection_name=None):
        deprecations.append({'msg': msg, 'version': version, 'collection_name': collection_name})

    with mock.patch.object(basic.AnsibleModule, 'deprecate', deprecate):
        result = run_module(sendgrid_ip_layout.main, {'concurrency': 1, **args}, transport, **kwargs)
    return Run(result, deprecations)


# ------------------------------------------------------------------------------------ settings


def test_settings_read_the_send_ips_listing_once_and_patch_only_the_ips_that_differ():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), cursor(SEND_IPS),
                              (200, {'ip': '192.0.2.13', 'is_auto_warmup': True, 'is_parent_assigned': True}))
    result = run({'ips': {
        '192.0.2.10': {'is_auto_warmup': False, 'is_parent_assigned': True},   # already so
        '192.0.2.11': {'is_auto_warmup': True},                                 # already so
        '192.0.2.13': {'is_auto_warmup': True, 'is_parent_assigned': True},     # one field differs
    }}, transport, diff=True)
    assert not result.failed, result.result
    assert calls(transport) == [*READ_IPS, READ_SEND_IPS, ('PATCH', '/v3/send_ips/ips/192.0.2.13', {})]
    # only the field that differs is sent
    assert transport.calls[-1].json == {'is_auto_warmup': True}
    assert result['changed'] is True
    assert result['changes']['ips'] == {'192.0.2.13': {'settings': {'is_auto_warmup': True}, 'reverse_dns': None}}
    assert result['summary']['ip_settings_changed'] == 1
    assert result['summary']['writes'] == 1
    assert result.diff['before']['ips']['192.0.2.13'] == {'is_auto_warmup': False, 'is_parent_assigned': True}
    assert result.diff['after']['ips']['192.0.2.13'] == {'is_auto_warmup': True, 'is_parent_assigned': True}
    assert result['a_records'] == []
    transport.assert_done()


def test_matching_settings_make_the_reads_and_no_write():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), cursor(SEND_IPS))
    result = run({'ips': {'192.0.2.11': {'is_auto_warmup': True}}}, transport)
    assert result['changed'] is False
    assert calls(transport) == [*READ_IPS, READ_SEND_IPS]
    assert result['changes']['ips'] == {}
    transport.assert_done()


def test_parent_assignment_is_set_before_the_ip_joins_a_pool():
    # 192.0.2.12 is not parent-assigned: the layout sets it and puts the IP in a pool, so the PATCH comes first.
    transport = FakeTransport(offset_list(ACCOUNT_IPS), (200, POOLS), cursor(SEND_IPS),
                              (200, {'ip': '192.0.2.12', 'is_auto_warmup': False, 'is_parent_assigned': True}),
                              (200, {}))
    result = run({'pools': {'transactional': ['192.0.2.12']},
                  'ips': {'192.0.2.12': {'is_parent_assigned': True}}}, transport)
    assert not result.failed, result.result
    assert writes(transport) == [
        ('PATCH', '/v3/send_ips/ips/192.0.2.12', {'is_parent_assigned': True}),
        ('POST', '/v3/send_ips/pools/7/ips:batchAdd', {'ips': ['192.0.2.12']}),
    ]
    transport.assert_done()


def test_parent_assignment_is_taken_away_after_the_ip_leaves_its_pool():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), (200, POOLS), cursor(SEND_IPS), empty_response(204),
                              (200, {'ip': '192.0.2.10', 'is_auto_warmup': False}))
    result = run({'pools': {'transactional': []}, 'ips_state': 'exact',
                  'ips': {'192.0.2.10': {'is_parent_assigned': False}}}, transport)
    assert not result.failed, result.result
    assert writes(transport) == [
        ('POST', '/v3/send_ips/pools/7/ips:batchDelete', {'ips': ['192.0.2.10']}),
        ('PATCH', '/v3/send_ips/ips/192.0.2.10', {'is_parent_assigned': False}),
    ]


# ------------------------------------------------------------------------------------ reverse DNS


def test_reverse_dns_reads_the_records_once_and_creates_only_the_missing_one():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), offset_list(RECORDS),
                              (201, record(3, '192.0.2.13')))
    result = run({'ips': {
        '192.0.2.10': {'reverse_dns': {'domain': 'Example.COM.', 'subdomain': 'mail'}},   # already there
        '192.0.2.13': {'reverse_dns': {'domain': 'example.com', 'subdomain': 'mail'}},
    }}, transport, diff=True)
    assert not result.failed, result.result
    assert calls(transport) == [*READ_IPS, *READ_RECORDS, ('POST', '/v3/whitelabel/ips', {})]
    assert transport.calls[-1].json == {'ip': '192.0.2.13', 'domain': 'example.com', 'subdomain': 'mail'}
    assert result['changes']['ips'] == {'192.0.2.13': {
        'settings': {}, 'reverse_dns': {'created': True, 'domain': 'example.com', 'subdomain': 'mail', 'deleted': []}}}
    assert result['summary']['reverse_dns_created'] == 1
    assert result['summary']['reverse_dns_deleted'] == 0
    # the A records the operator must create, one per declared record, the new one with the host SendGrid chose
    assert result['a_records'] == [
        {'ip': '192.0.2.10', 'host': 'o1.mail.example.com', 'type': 'A', 'data': '192.0.2.10', 'valid': True},
        {'ip': '192.0.2.13', 'host': 'o3.mail.example.com', 'type': 'A', 'data': '192.0.2.13', 'valid': False},
    ]
    assert result.diff['before']['ips']['192.0.2.13'] == {'reverse_dns': None}
    assert result.diff['after']['ips']['192.0.2.13'] == {
        'reverse_dns': {'domain': 'example.com', 'subdomain': 'mail', 'rdns': 'o3.mail.example.com', 'valid': False}}
    transport.assert_done()


def test_reverse_dns_in_check_mode_writes_nothing_and_says_the_host_is_not_known_yet():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), offset_list(RECORDS))
    result = run({'ips': {'192.0.2.13': {'reverse_dns': {'domain': 'example.com'}}}}, transport, check_mode=True)
    assert result['changed'] is True
    assert writes(transport) == []
    assert result['a_records'] == [{'ip': '192.0.2.13', 'host': None, 'type': 'A', 'data': '192.0.2.13',
                                    'valid': False}]
    assert result['summary']['writes'] == 1


def test_a_record_of_another_domain_is_refused_before_any_write():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), cursor(SEND_IPS), offset_list(RECORDS))
    result = run({'ips': {'192.0.2.13': {'is_auto_warmup': True},
                          '192.0.2.11': {'reverse_dns': {'domain': 'example.com', 'subdomain': 'mail'}}}}, transport)
    assert result.failed
    assert writes(transport) == []
    assert result['problems'] == [
        'ips.192.0.2.11: already has reverse DNS for another domain or subdomain: o2.mail.example.net (id 2, domain'
        ' example.net, subdomain mail). Set reverse_dns.force: true to replace it']


def test_force_deletes_the_other_record_then_creates_the_declared_one():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), offset_list(RECORDS), empty_response(204),
                              (201, record(3, '192.0.2.11')))
    result = run({'ips': {'192.0.2.11': {'reverse_dns': {'domain': 'example.com', 'subdomain': 'mail',
                                                         'force': True}}}}, transport)
    assert not result.failed, result.result
    assert writes(transport) == [
        ('DELETE', '/v3/whitelabel/ips/2', None),
        ('POST', '/v3/whitelabel/ips', {'ip': '192.0.2.11', 'domain': 'example.com', 'subdomain': 'mail'}),
    ]
    assert result['changes']['ips']['192.0.2.11']['reverse_dns']['deleted'] == ['o2.mail.example.net']
    assert result['summary']['reverse_dns_deleted'] == 1


def test_both_parts_cost_one_read_each_whatever_the_number_of_ips():
    many = [ip(f'10.0.{n // 250}.{n % 250 + 1}') for n in range(600)]
    transport = FakeTransport(offset_list(many), cursor([send_ip(entry['ip']) for entry in many]), offset_list([]))
    declared = {entry['ip']: {'is_auto_warmup': False, 'reverse_dns': {'domain': 'example.com'}} for entry in many}
    result = run({'ips': declared}, transport, check_mode=True)
    assert not result.failed, result.result
    assert [path for _method, path, _query in calls(transport)] == [
        '/v3/ips', '/v3/ips', '/v3/send_ips/ips', '/v3/whitelabel/ips']
    assert result['summary']['reverse_dns_created'] == 600


# ------------------------------------------------------------------------------------ rules and bad input


def test_bad_per_ip_input_is_one_error_and_nothing_is_written():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), (200, POOLS), cursor(SEND_IPS), offset_list(RECORDS))
    result = run({'pools': {'transactional': ['192.0.2.13']}, 'ips': {
        '2001:db8::1': {'is_auto_warmup': True},
        '192.0.2.99': {'is_auto_warmup': True},
        '192.0.2.10': {'is_parent_assigned': False},           # in a pool that stays
        '192.0.2.13': {'is_parent_assigned': False},           # the same layout puts it in a pool
        '192.0.2.11': {'is_auto_warmup': 'maybe', 'colour': 'red'},
        '192.0.2.12': {'reverse_dns': {'domain': 'localhost'}},
        'nonsense': {},
    }}, transport)
    assert result.failed
    assert writes(transport) == []
    assert result['problems'] == [
        "ips: '2001:db8::1' is an IPv6 address; SendGrid accepts only IPv4 addresses here",
        "ips: 'nonsense' is not a valid IP address",
        "ips.192.0.2.11: unknown key(s) colour; the keys are is_auto_warmup, is_parent_assigned, reverse_dns",
        "ips.192.0.2.11: is_auto_warmup must be true or false, got 'maybe'",
        "ips.192.0.2.12.reverse_dns.domain: 'localhost' must have at least 2 labels, such as example.com",
        'ips: not on this SendGrid account: 192.0.2.99',
        'ips.192.0.2.10: is_parent_assigned false: 192.0.2.10 is in the pool(s) transactional after the layout, and an'
        ' IP in a pool must stay parent-assigned; list those pools without it in the layout, with ips_state: exact',
        'ips.192.0.2.13: is_parent_assigned false: 192.0.2.13 is in the pool(s) transactional after the layout, and an'
        ' IP in a pool must stay parent-assigned; list those pools without it in the layout, with ips_state: exact',
    ]


def test_a_pool_gaining_an_ip_the_layout_leaves_unassigned_is_refused():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), (200, POOLS), cursor(SEND_IPS))
    result = run({'pools': {'transactional': ['192.0.2.12']}, 'ips': {'192.0.2.12': {'is_auto_warmup': True}}},
                 transport)
    assert result.failed
    assert writes(transport) == []
    assert result['problems'][0].startswith('pools.transactional: 192.0.2.12 cannot join a pool')


def test_settings_of_an_ip_the_send_ips_listing_lacks_are_refused():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), cursor(SEND_IPS[:3]))
    result = run({'ips': {'192.0.2.13': {'is_auto_warmup': True}}}, transport)
    assert result.failed
    assert writes(transport) == []
    assert result['problems'] == [
        'ips: the settings of 192.0.2.13 cannot be compared: GET /v3/send_ips/ips does not list them (an IP SendGrid'
        ' added a moment ago can take a while to show there); run the task again later']


def test_a_refused_send_ips_listing_fails_the_settings_before_any_write():
    transport = FakeTransport(offset_list(ACCOUNT_IPS),
                              (401, {'errors': [{'field': '', 'message': 'missing required scope: ips.read'}]}))
    result = run({'ips': {'192.0.2.13': {'is_auto_warmup': True}}}, transport)
    assert result.failed
    assert writes(transport) == []
    assert result['problems'][0].startswith('ips: the settings of 192.0.2.13 cannot be compared: ')


def test_settings_need_the_global_host_and_fail_before_any_write():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), cursor(SEND_IPS))
    result = run({'ips': {'192.0.2.13': {'is_auto_warmup': True}}, 'region': 'eu',
                  'api_url': 'https://api.eu.sendgrid.com'}, transport)
    assert result.failed
    assert 'UpdateIp (PATCH /v3/send_ips/ips/{ip})' in result['msg']
    assert writes(transport) == []


# ------------------------------------------------------------------------------------ ips_state and exclusive

EXACT_CASE = {'subusers': {'shop': ['192.0.2.11']}}
SHOP_IPS = [ip('192.0.2.10', subusers=['shop']), ip('192.0.2.11', subusers=['shop'])]


@pytest.mark.parametrize('args, deprecated', [
    ({'ips_state': 'exact'}, False),
    ({'exclusive': True}, True),
    ({'exclusive': True, 'ips_state': 'exact'}, True),
])
def test_ips_state_exact_and_exclusive_true_are_the_same_plan(args, deprecated):
    transport = FakeTransport(offset_list(SHOP_IPS), (200, {'ips': ['192.0.2.11']}))
    result = run({**EXACT_CASE, **args}, transport)
    assert not result.failed, result.result
    assert writes(transport) == [('PUT', '/v3/subusers/shop/ips', ['192.0.2.11'])]
    expected = [{'msg': 'exclusive is deprecated: use ips_state: exact instead of exclusive: true, and ips_state:'
                        ' present instead of exclusive: false',
                 'version': '1.0.0', 'collection_name': 'mailops.sendgrid'}]
    assert result.deprecations == (expected if deprecated else [])


@pytest.mark.parametrize('args', [{}, {'ips_state': 'present'}, {'exclusive': False}])
def test_ips_state_present_is_the_default_and_exclusive_false_maps_to_it(args):
    transport = FakeTransport(offset_list(SHOP_IPS))
    result = run({**EXACT_CASE, **args}, transport)
    assert result['changed'] is False
    assert writes(transport) == []
    assert bool(result.deprecations) == ('exclusive' in args)


@pytest.mark.parametrize('exclusive, ips_state', [(True, 'present'), (False, 'exact')])
def test_contradicting_exclusive_and_ips_state_fail_before_any_request(exclusive, ips_state):
    transport = FakeTransport()
    result = run({**EXACT_CASE, 'exclusive': exclusive, 'ips_state': ips_state}, transport)
    assert result.failed
    assert result['msg'] == (f'exclusive: {str(exclusive).lower()} contradicts ips_state: {ips_state}; give only'
                             ' ips_state (exclusive is deprecated)')
    assert transport.calls == []


# ------------------------------------------------------------------------------------ writes that fail or surprise


def test_a_failed_parent_assignment_leaves_the_pool_join_that_needs_it_not_attempted():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), (200, POOLS), cursor(SEND_IPS),
                              (400, {'errors': [{'field': 'ip', 'message': 'ip unverified ownership'}]}))
    result = run({'pools': {'transactional': ['192.0.2.12']},
                  'ips': {'192.0.2.12': {'is_parent_assigned': True}}}, transport)
    assert result.failed
    assert writes(transport) == [('PATCH', '/v3/send_ips/ips/192.0.2.12', {'is_parent_assigned': True})]
    assert result['writes_applied'] == []
    assert result['writes_failed'][0].startswith('set is_parent_assigned=true on 192.0.2.12: ')
    assert result['writes_not_attempted'] == ['add 192.0.2.12 to pool transactional']
    transport.assert_done()


def test_a_creation_answered_with_another_ips_record_is_named_in_a_warning():
    transport = FakeTransport(offset_list(ACCOUNT_IPS), offset_list(RECORDS), (201, record(1, '192.0.2.10')))
    result = run({'ips': {'192.0.2.13': {'reverse_dns': {'domain': 'example.com', 'subdomain': 'mail'}}}}, transport)
    assert not result.failed, result.result
    assert result.warnings == ['POST /v3/whitelabel/ips for 192.0.2.13 answered a record of the IP 192.0.2.10 (id 1);'
                               ' check it with sendgrid_reverse_dns_info']
    # the result shows the record as SendGrid describes it
    assert result['a_records'] == [{'ip': '192.0.2.13', 'host': 'o1.mail.example.com', 'type': 'A',
                                    'data': '192.0.2.10', 'valid': False}]


def test_the_plan_puts_each_parent_assignment_in_the_phase_its_pool_move_needs():
    # Run concurrently, only the phases keep the order: a PATCH to true before the pool join, to false after the
    # removal, and every other write in between.
    from ansible_collections.mailops.sendgrid.plugins.module_utils._layout import converge_layout
    from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import make_api

    account = [ip('192.0.2.10', pools=['transactional']), ip('192.0.2.12'), ip('192.0.2.13')]
    api = make_api(offset_list(account), (200, POOLS), cursor(SEND_IPS))
    plan, report = converge_layout(api, pools={'transactional': ['192.0.2.12']}, exclusive=True, check_mode=True,
                                   ips={'192.0.2.10': {'is_parent_assigned': False},
                                        '192.0.2.12': {'is_parent_assigned': True},
                                        '192.0.2.13': {'is_auto_warmup': True}})
    assert report is None
    assert [(job.phase, [write.description for write in job.writes]) for job in plan.jobs()] == [
        (0, ['remove 192.0.2.10 from pool transactional', 'add 192.0.2.12 to pool transactional']),
        (1, ['set is_parent_assigned=false on 192.0.2.10']),
        (-1, ['set is_parent_assigned=true on 192.0.2.12']),
        (0, ['set is_auto_warmup=true on 192.0.2.13']),
    ]
