# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_subuser_info
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport
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
SHOP = {'username': 'shop-eu', 'id': 1001, 'email': 'shop@example.com', 'disabled': False, 'region': 'eu',
        'ips': ['192.0.2.9', '192.0.2.10']}
NEWSLETTER = {'username': 'newsletter', 'id': 1002, 'email': 'news@example.com', 'disabled': False,
              'region': 'global', 'ips': ['192.0.2.10']}
DORMANT = {'username': 'dormant', 'id': 1003, 'email': 'dormant@example.com', 'disabled': True, 'region': 'eu',
           'ips': ['192.0.2.12']}


def run(args: dict[str, t.Any], *steps: t.Any, check_mode: bool = False):
    """Run the module against the scripted answers; every answer must be used."""
    transport = FakeTransport(*steps)
    outcome = run_module(sendgrid_subuser_info.main, args, transport, check_mode=check_mode)
    transport.assert_done()
    assert API_KEY not in json.dumps(outcome.result, default=str)
    return outcome.result, transport.calls, int(outcome.failed)


@pytest.mark.parametrize('check_mode', [False, True])
def test_every_subuser_with_its_ips_in_two_requests(check_mode):
    result, calls, code = run({}, (200, SUBUSERS), (200, IPS), check_mode=check_mode)
    assert code == 0
    assert result['changed'] is False
    assert [(call.method, call.path) for call in calls] == [('GET', '/v3/subusers'), ('GET', '/v3/ips')]
    assert calls[0].query == {'include_region': 'true', 'limit': '500', 'offset': '0'}
    assert calls[1].query == {'limit': '500', 'offset': '0'}
    assert result['subusers'] == [DORMANT, NEWSLETTER, SHOP]
    assert isinstance(result['subusers'][0]['id'], int)


def test_username_filter_is_exact():
    # Whatever the API's username query matches, only the exact username is returned.
    result, calls, _code = run({'username': 'shop-eu'},
                               (200, [SUBUSERS[0], {**SUBUSERS[1], 'username': 'shop-eu-2'}]), (200, IPS))
    assert calls[0].query['username'] == 'shop-eu'
    assert len(calls) == 2
    assert result['subusers'] == [SHOP]


def test_unknown_username_is_an_error_without_reading_ips():
    result, calls, code = run({'username': 'nobody'}, (200, []))
    assert code == 1
    assert result['msg'] == 'username: unknown subuser(s) on this account: nobody'
    assert [call.path for call in calls] == ['/v3/subusers']


def test_a_username_that_exists_but_does_not_match_the_other_filters_is_an_empty_list():
    result, _calls, code = run({'username': 'shop-eu', 'disabled': True}, (200, [SUBUSERS[0]]))
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
    result, calls, _code = run(args, (200, SUBUSERS), (200, IPS))
    assert result['subusers'] == expected
    assert len(calls) == 2


def test_missing_region_is_null_and_no_ips_is_empty():
    result, _calls, _code = run({},
                                (200, [{'username': 'solo', 'id': 7, 'email': 'solo@example.com', 'disabled': False}]),
                                (200, IPS))
    assert result['subusers'] == [{'username': 'solo', 'id': 7, 'email': 'solo@example.com', 'disabled': False,
                                   'region': None, 'ips': []}]


def test_api_error_is_reported():
    result, _calls, code = run({}, (401, {'errors': [{'field': None, 'message': 'authorization required'}]}))
    assert code == 1
    assert result['status'] == 401 and result['path'] == '/v3/subusers'
    assert 'authorization required' in result['msg']
