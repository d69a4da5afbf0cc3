# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_subuser_info
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    FakeTransport,
    offset_list,
    offset_reads,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

SUBUSERS = [
    {'username': 'shop-eu', 'id': 1001, 'email': 'shop@example.com', 'disabled': False, 'region': 'eu'},
    {'username': 'newsletter', 'id': 1002, 'email': 'news@example.com', 'disabled': False, 'region': 'global'},
    {'username': 'dormant', 'id': 1003.0, 'email': 'dormant@example.com', 'disabled': True, 'region': 'eu'},
]
IPS = [
    {'ip': '192.0.2.10', 'subusers': ['shop-eu', 'newsletter'], 'pools': [], 'warmup': False, 'start_date': None},
    {'ip': '192.0.2.9', 'subusers': ['shop-eu', 'ghost'], 'pools': [], 'warmup': False, 'start_date': None},
    {'ip': '192.0.2.11', 'subusers': [], 'pools': [], 'warmup': False, 'start_date': None},
    {'ip': '192.0.2.12', 'subusers': ['dormant'], 'pools': [], 'warmup': False, 'start_date': None},
]
# GET /v3/subusers/reputations: dormant has none; ghost is no subuser of the listing.
REPUTATIONS = (200, [{'username': 'shop-eu', 'reputation': 99}, {'username': 'newsletter', 'reputation': 95.2},
                     {'username': 'ghost', 'reputation': 12}])
SHOP = {'username': 'shop-eu', 'id': 1001, 'email': 'shop@example.com', 'disabled': False, 'region': 'eu',
        'ips': ['192.0.2.9', '192.0.2.10'], 'reputation': 99.0}
NEWSLETTER = {'username': 'newsletter', 'id': 1002, 'email': 'news@example.com', 'disabled': False,
              'region': 'global', 'ips': ['192.0.2.10'], 'reputation': 95.2}
DORMANT = {'username': 'dormant', 'id': 1003, 'email': 'dormant@example.com', 'disabled': True, 'region': 'eu',
           'ips': ['192.0.2.12'], 'reputation': None}


def run_outcome(args: dict[str, t.Any], *steps: t.Any, check_mode: bool = False):
    """Run the module against the scripted answers; every answer must be used."""
    transport = FakeTransport(*steps)
    outcome = run_module(sendgrid_subuser_info.main, args, transport, check_mode=check_mode)
    transport.assert_done()
    assert API_KEY not in json.dumps(outcome.result, default=str)
    return outcome, transport.calls


def run(args: dict[str, t.Any], *steps: t.Any, check_mode: bool = False):
    outcome, calls = run_outcome(args, *steps, check_mode=check_mode)
    return outcome.result, calls, int(outcome.failed)


@pytest.mark.parametrize('check_mode', [False, True])
def test_every_subuser_with_its_ips_in_two_listings_and_its_reputation_in_one_read(check_mode):
    result, calls, code = run({}, offset_list(SUBUSERS), offset_list(IPS), REPUTATIONS, check_mode=check_mode)
    assert code == 0
    assert result['changed'] is False
    # each list comes back short and is confirmed by one more read (the server may cap the limit asked)
    assert [(call.method, call.path, call.query) for call in calls] == [
        *offset_reads('/v3/subusers', len(SUBUSERS), {'include_region': 'true'}), *offset_reads('/v3/ips', len(IPS)),
        ('GET', '/v3/subusers/reputations', {})]
    assert result['subusers'] == [DORMANT, NEWSLETTER, SHOP]
    assert isinstance(result['subusers'][0]['id'], int)


def test_subuser_filter_is_exact():
    # Whatever the API's username query matches, only the exact username is returned.
    result, calls, _code = run({'subuser': 'shop-eu'},
                               offset_list([SUBUSERS[0], {**SUBUSERS[1], 'username': 'shop-eu-2'}]), offset_list(IPS),
                               REPUTATIONS)
    assert calls[0].query['username'] == 'shop-eu'
    assert [call.path for call in calls] == ['/v3/subusers'] * 2 + ['/v3/ips'] * 2 + ['/v3/subusers/reputations']
    assert result['subusers'] == [SHOP]


def test_unknown_subuser_is_an_error_without_reading_ips_or_reputations():
    result, calls, code = run({'subuser': 'nobody'}, (200, []))
    assert code == 1
    assert result['msg'] == 'subuser: unknown subuser(s) on this account: nobody'
    assert [call.path for call in calls] == ['/v3/subusers']


def test_the_subuser_is_stripped_like_everywhere_else():
    result, calls, code = run({'subuser': ' shop-eu ', 'disabled': True}, offset_list([SUBUSERS[0]]))
    assert code == 0 and result['subusers'] == []
    assert calls[0].query['username'] == 'shop-eu'


def test_a_username_that_exists_but_does_not_match_the_other_filters_is_an_empty_list():
    result, _calls, code = run({'subuser': 'shop-eu', 'disabled': True}, offset_list([SUBUSERS[0]]))
    assert code == 0
    assert result['subusers'] == []


@pytest.mark.parametrize('args, expected', [
    ({'disabled': True}, [DORMANT]),
    ({'disabled': False}, [NEWSLETTER, SHOP]),
    ({'subuser_region': 'eu'}, [DORMANT, SHOP]),
    ({'subuser_region': 'global'}, [NEWSLETTER]),
    ({'subuser_region': 'eu', 'disabled': False}, [SHOP]),
])
def test_filters(args, expected):
    result, calls, _code = run(args, offset_list(SUBUSERS), offset_list(IPS), REPUTATIONS)
    assert result['subusers'] == expected
    assert [call.path for call in calls] == ['/v3/subusers'] * 2 + ['/v3/ips'] * 2 + ['/v3/subusers/reputations']


def test_missing_region_is_null_and_no_ips_is_empty():
    result, _calls, _code = run({},
                                offset_list([{'username': 'solo', 'id': 7, 'email': 'solo@example.com',
                                              'disabled': False}]),
                                offset_list(IPS), (200, []))
    assert result['subusers'] == [{'username': 'solo', 'id': 7, 'email': 'solo@example.com', 'disabled': False,
                                   'region': None, 'ips': [], 'reputation': None}]


def test_api_error_is_reported():
    result, _calls, code = run({}, (401, {'errors': [{'field': None, 'message': 'authorization required'}]}))
    assert code == 1
    assert result['status'] == 401 and result['path'] == '/v3/subusers'
    assert 'authorization required' in result['msg']


@pytest.mark.parametrize('answer, reason', [
    ((401, {'errors': [{'field': None, 'message': 'missing required scope: subusers.reputations.read'}]}),
     'GET /v3/subusers/reputations returned HTTP 401: missing required scope: subusers.reputations.read'),
    ((403, {'errors': [{'field': None, 'message': 'you dont have permission to access this resource'}]}),
     'GET /v3/subusers/reputations returned HTTP 403: you dont have permission to access this resource'),
    ((404, {'errors': [{'field': None, 'message': 'not found'}]}),
     'GET /v3/subusers/reputations returned HTTP 404: not found'),
    ((200, [{'username': 'shop-eu', 'score': 'high'}]), 'GET /v3/subusers/reputations returned HTTP 200'),
    ((200, {'reputations': []}), 'GET /v3/subusers/reputations returned HTTP 200: expected a JSON array'),
])
def test_reputations_that_cannot_be_read_are_null_with_a_warning(answer, reason):
    outcome, _calls = run_outcome({}, offset_list(SUBUSERS), offset_list(IPS), answer)
    warnings = outcome.warnings
    assert not outcome.failed
    assert [entry['reputation'] for entry in outcome['subusers']] == [None, None, None]
    assert len(warnings) == 1
    assert warnings[0].startswith('subuser reputations are not returned (every reputation is null): SendGrid')
    assert reason in warnings[0]


def test_reputations_server_error_fails_the_task():
    result, _calls, code = run({'max_retries': 0}, offset_list(SUBUSERS), offset_list(IPS),
                               (500, {'errors': [{'message': 'boom'}]}))
    assert code == 1
    assert result['path'] == '/v3/subusers/reputations'


def test_username_is_a_deprecated_alias_of_subuser():
    outcome, calls = run_outcome({'username': 'shop-eu'}, offset_list([SUBUSERS[0]]), offset_list(IPS), REPUTATIONS)
    assert not outcome.failed, outcome.result
    assert calls[0].query['username'] == 'shop-eu'
    assert [entry['username'] for entry in outcome['subusers']] == ['shop-eu']
    assert outcome.deprecations == [
        ("Alias 'username' is deprecated. See the module docs for more information", '1.0.0')]


def test_an_empty_subuser_is_an_error_naming_the_option():
    result, calls, code = run({'subuser': '  '})
    assert code == 1 and result['msg'] == 'subuser: must not be empty' and calls == []
