# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SendGridAPI, IP lifecycle endpoints: the exact request of each method, which ones are retried, the hosts."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridConfigError,
    SendGridNetworkError,
    SendGridServerError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    empty_response,
    json_response,
    make_api,
)

BASE = 'https://api.sendgrid.com'
UNAVAILABLE = json_response(503, {'errors': [{'field': None, 'message': 'unavailable'}]})
PARTNER = f'{BASE}/v3/partners/accounts/sg%2F1/ips'


def calls(api):
    return [(c.method, c.url, c.json) for c in api.client.transport.calls]


# ------------------------------------------------------------------ buying IPs


def test_get_remaining_ips_returns_the_first_result():
    api = make_api((200, {'results': [{'remaining': 2, 'period': 'month', 'price_per_ip': 20}]}), (200, {}))
    assert api.get_remaining_ips() == {'remaining': 2, 'period': 'month', 'price_per_ip': 20}
    assert api.get_remaining_ips() == {}
    assert calls(api) == [('GET', f'{BASE}/v3/ips/remaining', None)] * 2


def test_add_ips_bodies():
    api = make_api((201, {'ips': []}), (201, {'ips': []}))
    api.add_ips(2)
    api.add_ips(1, ['b', 'a'], warmup=True)
    assert calls(api) == [('POST', f'{BASE}/v3/ips', {'count': 2}),
                          ('POST', f'{BASE}/v3/ips', {'count': 1, 'subusers': ['a', 'b'], 'warmup': True})]


def test_add_send_ip_body():
    api = make_api((201, {'ip': '198.51.100.10'}))
    assert api.add_send_ip('eu', True, False, ['1002', '1001']) == {'ip': '198.51.100.10'}
    assert calls(api) == [('POST', f'{BASE}/v3/send_ips/ips', {
        'is_auto_warmup': True, 'is_parent_assigned': False, 'region': 'eu', 'include_region': True,
        'subusers': ['1001', '1002']})]


@pytest.mark.parametrize('method, args', [
    ('add_ips', (1,)),
    ('add_send_ip', ('us', False, True)),
    ('create_subuser', ('acme', 'a@b.example', 'pw', ['192.0.2.1'])),
    ('create_reverse_dns', ('192.0.2.1', 'example.com')),
    ('add_partner_account_ips', ('sg/1', 1, 'us')),
])
def test_what_buys_or_creates_is_never_repeated_on_a_server_error_or_a_lost_answer(method, args):
    api = make_api(UNAVAILABLE, max_retries=3)
    with pytest.raises(SendGridServerError):
        getattr(api, method)(*args)
    assert len(calls(api)) == 1

    api = make_api(max_retries=3)
    api.client.transport.add_error('read timed out', request_sent=True)
    with pytest.raises(SendGridNetworkError) as raised:
        getattr(api, method)(*args)
    assert raised.value.outcome_unknown is True
    assert len(calls(api)) == 1


@pytest.mark.parametrize('method, args', [
    ('set_subuser_disabled', ('acme', True)),
    ('delete_subuser', ('acme',)),
    ('delete_reverse_dns', (7,)),
    ('validate_reverse_dns', (7,)),
    ('remove_partner_account_ips', ('sg/1', ['192.0.2.1'])),
])
def test_what_is_safe_to_repeat_is_retried_on_503(method, args):
    api = make_api(UNAVAILABLE, empty_response(204))
    getattr(api, method)(*args)
    assert len(calls(api)) == 2


def test_require_global_host():
    make_api().require_global_host('POST /v3/ips')
    make_api(base_url='http://127.0.0.1:8080').require_global_host('POST /v3/ips')
    with pytest.raises(SendGridConfigError) as raised:
        make_api(base_url='https://api.eu.sendgrid.com/').require_global_host('POST /v3/ips', 'POST /v3/send_ips/ips')
    assert raised.value.message == (
        'POST /v3/ips and POST /v3/send_ips/ips are served only by https://api.sendgrid.com (the parent account),'
        ' not by https://api.eu.sendgrid.com; run this task with region=global')


# ------------------------------------------------------------------ subusers


def test_create_subuser_bodies():
    api = make_api((200, {'user_id': 1}), (200, {'user_id': 2}))
    api.create_subuser('acme', 'a@b.example', 'pw', ['192.0.2.1'])
    api.create_subuser('acme eu', 'a@b.example', 'pw', ['203.0.113.1'], 'eu')
    assert calls(api) == [
        ('POST', f'{BASE}/v3/subusers', {'username': 'acme', 'email': 'a@b.example', 'password': 'pw',
                                         'ips': ['192.0.2.1']}),
        ('POST', f'{BASE}/v3/subusers', {'username': 'acme eu', 'email': 'a@b.example', 'password': 'pw',
                                         'ips': ['203.0.113.1'], 'region': 'eu', 'include_region': True}),
    ]


def test_subuser_paths_encode_the_username():
    api = make_api(empty_response(204), empty_response(204))
    api.set_subuser_disabled('a/b c', False)
    api.delete_subuser('a/b c')
    assert calls(api) == [('PATCH', f'{BASE}/v3/subusers/a%2Fb%20c', {'disabled': False}),
                          ('DELETE', f'{BASE}/v3/subusers/a%2Fb%20c', None)]


def test_list_subuser_reputations():
    api = make_api((200, [{'username': 'a', 'reputation': 99}]), (200, {'unexpected': True}))
    assert api.list_subuser_reputations() == [{'username': 'a', 'reputation': 99}]
    assert api.list_subuser_reputations() == []
    assert calls(api) == [('GET', f'{BASE}/v3/subusers/reputations', None)] * 2


# ------------------------------------------------------------------ reverse DNS


def test_reverse_dns_calls():
    record = {'id': 7, 'ip': '192.0.2.1'}
    api = make_api((200, [record]), (200, record), (201, record), (201, record), empty_response(204),
                   (200, {'id': 7, 'valid': True}))
    assert api.list_reverse_dns('192.0.2.') == [record]
    assert api.get_reverse_dns(7) == record
    api.create_reverse_dns('192.0.2.1', 'example.com', 'mail')
    api.create_reverse_dns('192.0.2.1', 'example.com')
    api.delete_reverse_dns(7)
    assert api.validate_reverse_dns(7) == {'id': 7, 'valid': True}
    assert calls(api) == [
        ('GET', f'{BASE}/v3/whitelabel/ips?ip=192.0.2.&limit=100&offset=0', None),
        ('GET', f'{BASE}/v3/whitelabel/ips/7', None),
        ('POST', f'{BASE}/v3/whitelabel/ips', {'ip': '192.0.2.1', 'domain': 'example.com', 'subdomain': 'mail'}),
        ('POST', f'{BASE}/v3/whitelabel/ips', {'ip': '192.0.2.1', 'domain': 'example.com'}),
        ('DELETE', f'{BASE}/v3/whitelabel/ips/7', None),
        ('POST', f'{BASE}/v3/whitelabel/ips/7/validate', None),
    ]


# ------------------------------------------------------------------ partner IP provisioning


def test_partner_listing_follows_the_last_ip_until_an_empty_page():
    api = make_api(
        (200, {'result': [{'ip': '192.0.2.2', 'region': 'us'}], 'pages': {'last': '192.0.2.2'}}),
        (200, {'result': [{'ip': '192.0.2.1', 'region': 'us'}], 'pages': {'last': '192.0.2.1'}}),
        (200, {'result': [], 'pages': {}}),
    )
    assert api.list_partner_account_ips('sg/1') == [{'ip': '192.0.2.2', 'region': 'us'},
                                                    {'ip': '192.0.2.1', 'region': 'us'}]
    assert [c[1] for c in calls(api)] == [f'{PARTNER}?limit=5000', f'{PARTNER}?limit=5000&offset=192.0.2.2',
                                          f'{PARTNER}?limit=5000&offset=192.0.2.1']


@pytest.mark.parametrize('pages', [
    [{'result': [{'ip': '192.0.2.1'}], 'pages': {}}],                              # no marker
    [{'result': [{'ip': '192.0.2.1'}]}],                                           # no pages at all
    [{'result': [{'ip': '192.0.2.1'}], 'pages': {'last': '192.0.2.1'}},
     {'result': [{'ip': '192.0.2.1'}], 'pages': {'last': '192.0.2.1'}}],           # the same marker again
    [['not', 'an', 'object']],
])
def test_partner_listing_stops_without_a_new_marker(pages):
    api = make_api(*[(200, body) for body in pages])
    result = api.list_partner_account_ips('sg/1')
    assert len(calls(api)) == len(pages)
    assert result == ([] if isinstance(pages[0], list) else [{'ip': '192.0.2.1'}])


def test_add_partner_account_ips_takes_one_to_ten():
    api = make_api((201, {'ips': ['192.0.2.1'], 'region': 'us'}))
    assert api.add_partner_account_ips('sg/1', 1, 'us') == {'ips': ['192.0.2.1'], 'region': 'us'}
    assert calls(api) == [('POST', PARTNER, {'count': 1, 'region': 'us'})]
    for count in (0, 11):
        with pytest.raises(ValueError):
            api.add_partner_account_ips('sg/1', count, 'us')


def test_remove_partner_account_ips_is_chunked_by_ten_sorted():
    ips = [f'192.0.2.{index}' for index in range(12, 0, -1)]
    api = make_api(empty_response(204), empty_response(204))
    api.remove_partner_account_ips('sg/1', ips)
    assert calls(api) == [
        ('DELETE', PARTNER, {'ips': [f'192.0.2.{index}' for index in range(1, 11)]}),
        ('DELETE', PARTNER, {'ips': ['192.0.2.11', '192.0.2.12']}),
    ]
