# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip_warmup
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport, offset_list
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

IP = '192.0.2.13'
WARMUP = '/v3/ips/warmup'
SEND_IP = '/v3/send_ips/ips/192.0.2.13'
IP_RECORD = {'ip': IP, 'is_auto_warmup': False, 'is_parent_assigned': True, 'is_enabled': None, 'is_leased': True,
             'pools': [], 'added_at': 1700000000, 'region': 'us'}
OTHER_WARMING = {'ip': '192.0.2.20', 'start_date': 1600000000}


def run(args: dict[str, t.Any], *steps: t.Any, check_mode: bool = False, diff: bool = False):
    """Run the module against the scripted answers; every answer must be used."""
    transport = FakeTransport(*steps)
    outcome = run_module(sendgrid_ip_warmup.main, args, transport, check_mode=check_mode, diff=diff)
    transport.assert_done()
    assert API_KEY not in json.dumps(outcome.result, default=str)
    requests = [(call.method, call.path) for call in transport.calls]
    result = {**outcome.result, 'diff': outcome.diff} if 'diff' in outcome.result else outcome.result
    return result, requests, transport.calls, int(outcome.failed)


def test_start_posts_the_ip_and_returns_the_start_date():
    result, requests, calls, code = run(
        {'ip': IP},
        (200, [OTHER_WARMING]), (200, IP_RECORD), (200, [{'ip': IP, 'start_date': 1735689600}]), diff=True)
    assert code == 0
    assert result['changed'] is True
    assert requests == [('GET', WARMUP), ('GET', SEND_IP), ('POST', WARMUP)]
    assert calls[2].json == {'ip': IP}
    assert result['ip'] == IP and result['warmup'] is True and result['start_date'] == 1735689600
    assert result['diff'] == {'before': {'ip': IP, 'warmup': False}, 'after': {'ip': IP, 'warmup': True}}


def test_start_when_already_warming_is_one_read():
    result, requests, _calls, _code = run(
        {'ip': IP, 'state': 'started'}, (200, [OTHER_WARMING, {'ip': IP, 'start_date': 1700000001}]))
    assert result['changed'] is False
    assert requests == [('GET', WARMUP)]
    assert result['warmup'] is True and result['start_date'] == 1700000001
    assert 'diff' not in result


def test_start_in_check_mode_writes_nothing():
    result, requests, _calls, _code = run({'ip': IP}, (200, []), (200, IP_RECORD), check_mode=True)
    assert result['changed'] is True
    assert requests == [('GET', WARMUP), ('GET', SEND_IP)]
    assert result['warmup'] is True and result['start_date'] is None


def test_stop_deletes_the_ip():
    result, requests, calls, _code = run(
        {'ip': IP, 'state': 'stopped'}, (200, [{'ip': IP, 'start_date': 1700000001}]), (204, None),
        diff=True)
    assert result['changed'] is True
    assert requests == [('GET', WARMUP), ('DELETE', '/v3/ips/warmup/192.0.2.13')]
    assert calls[1].body is None
    assert result['warmup'] is False and result['start_date'] is None
    assert result['diff']['before']['warmup'] is True and result['diff']['after']['warmup'] is False


def test_stop_in_check_mode_writes_nothing():
    result, requests, _calls, _code = run(
        {'ip': IP, 'state': 'stopped'}, (200, [{'ip': IP, 'start_date': 1700000001}]), check_mode=True)
    assert result['changed'] is True
    assert requests == [('GET', WARMUP)]
    assert result['warmup'] is False


def test_stop_when_not_warming_checks_the_ip_and_writes_nothing():
    result, requests, _calls, _code = run({'ip': IP, 'state': 'stopped'}, (200, [OTHER_WARMING]),
                                          (200, IP_RECORD))
    assert result['changed'] is False
    assert requests == [('GET', WARMUP), ('GET', SEND_IP)]
    assert result['warmup'] is False and result['start_date'] is None


@pytest.mark.parametrize('state', ['started', 'stopped'])
@pytest.mark.parametrize('answer', [
    (400, {'errors': [{'field': 'ip', 'message': 'not found'}]}),
    (404, {'errors': [{'field': None, 'message': 'resource not found'}]}),
])
def test_ip_not_on_the_account(state, answer):
    result, requests, _calls, code = run({'ip': '198.51.100.7', 'state': state}, (200, []), answer,
                                         offset_list([{'ip': '198.51.100.70'}]))
    assert code == 1
    assert result['msg'] == 'ip: 198.51.100.7 is not on this SendGrid account'
    # GET /v3/ips decides: it is asked before the IP is called unknown
    assert requests == [('GET', WARMUP), ('GET', '/v3/send_ips/ips/198.51.100.7'), ('GET', '/v3/ips'), ('GET', '/v3/ips')]


@pytest.mark.parametrize('answer', [
    (400, {'errors': [{'field': 'ip', 'message': 'not found'}]}),
    (404, {'errors': [{'field': None, 'message': 'resource not found'}]}),  # an account without that API
])
def test_an_ip_only_get_v3_ips_lists_is_warmed_up(answer):
    # The IP Address Management API does not know the IP, GET /v3/ips does: the warmup API can warm it.
    result, requests, calls, code = run({'ip': IP}, (200, []), answer, offset_list([{'ip': IP}]),
                                        (200, [{'ip': IP, 'start_date': 1735689600}]))
    assert code == 0 and result['changed'] is True
    assert requests == [('GET', WARMUP), ('GET', SEND_IP), ('GET', '/v3/ips'), ('GET', '/v3/ips'), ('POST', WARMUP)]
    assert calls[2].query == {'ip': IP, 'limit': '10000', 'offset': '0'}


@pytest.mark.parametrize('value', ['192.0.2.256', 'warm-me', '', '2001:db8::1'])
def test_malformed_ip_makes_no_request(value):
    result, requests, _calls, code = run({'ip': value})
    assert code == 1
    assert result['msg'].startswith('ip: ')
    assert requests == []


def test_api_error_on_start_is_reported():
    result, requests, _calls, code = run(
        {'ip': IP}, (200, []), (200, IP_RECORD),
        (404, {'errors': [{'field': None, 'message': 'resource not found'}]}))
    assert code == 1
    assert requests[-1] == ('POST', WARMUP)
    assert result['status'] == 404 and result['method'] == 'POST'
    assert 'resource not found' in result['msg']
