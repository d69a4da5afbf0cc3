# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SendGridAPI, IP lifecycle endpoints: the exact request of each method, which ones are retried, the hosts."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils import _api
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridConfigError,
    SendGridNetworkError,
    SendGridServerError,
    SendGridUnexpectedResponseError,
    SendGridValidationError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeTransport,
    empty_response,
    json_response,
    make_api,
    make_client,
    offset_list,
)

BASE = 'https://api.sendgrid.com'
UNAVAILABLE = json_response(503, {'errors': [{'field': None, 'message': 'unavailable'}]})
EU = 'https://api.eu.sendgrid.com'
PARTNER = f'{BASE}/v3/partners/accounts/sg%2F1/ips'


def calls(api):
    return [(c.method, c.url, c.json) for c in api.client.transport.calls]


# ------------------------------------------------------------------ buying IPs


def test_get_remaining_ips_returns_the_first_result():
    api = make_api((200, {'results': [{'remaining': 2, 'period': 'month', 'price_per_ip': 20}]}), (200, {'results': []}))
    assert api.get_remaining_ips() == {'remaining': 2, 'period': 'month', 'price_per_ip': 20}
    assert api.get_remaining_ips() == {}
    assert calls(api) == [('GET', f'{BASE}/v3/ips/remaining', None)] * 2


def test_get_remaining_ips_without_results_is_an_unexpected_answer():
    with pytest.raises(SendGridUnexpectedResponseError):
        make_api((200, {})).get_remaining_ips()


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
    ('add_partner_account_ips', ('sg/1', 1, 'us')),
])
def test_what_buys_is_never_repeated_on_a_server_error_or_a_lost_answer(method, args):
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


def test_a_subuser_creation_repeated_after_it_was_applied_is_confirmed_by_a_read():
    acme = {'username': 'acme', 'id': 1006, 'email': 'OPS@acme.example', 'disabled': False, 'region': 'global'}
    api = make_api(UNAVAILABLE, (400, {'errors': [{'field': 'username', 'message': 'username exists'}]}),
                   offset_list([acme]))
    answer = api.create_subuser('acme', 'ops@acme.example', 'pw', ['192.0.2.1'])
    assert answer == {'username': 'acme', 'user_id': 1006, 'email': 'OPS@acme.example', 'region': 'global'}
    assert [c[0] for c in calls(api)] == ['POST', 'POST', 'GET', 'GET']


def test_a_subuser_creation_refused_at_once_is_not_confirmed():
    api = make_api((400, {'errors': [{'field': 'username', 'message': 'username exists'}]}))
    with pytest.raises(SendGridValidationError):
        api.create_subuser('acme', 'ops@acme.example', 'pw', ['192.0.2.1'])
    assert len(calls(api)) == 1


def test_a_subuser_of_that_name_with_another_email_does_not_confirm_a_creation():
    other = {'username': 'acme', 'id': 1006, 'email': 'someone@else.example'}
    api = make_api(UNAVAILABLE, (400, {'errors': [{'field': 'username', 'message': 'username exists'}]}),
                   offset_list([other]))
    with pytest.raises(SendGridValidationError) as raised:
        api.create_subuser('acme', 'ops@acme.example', 'pw', ['192.0.2.1'])
    assert 'a read shows that the change is not in place' in raised.value.message


def test_a_reverse_dns_creation_repeated_after_it_was_applied_is_confirmed_by_a_read():
    record = {'id': 7, 'ip': '192.0.2.1', 'domain': 'example.com', 'subdomain': 'mail'}
    api = make_api(UNAVAILABLE, (400, {'errors': [{'field': 'ip', 'message': 'ip already has a record'}]}),
                   offset_list([{**record, 'ip': '192.0.2.10', 'id': 8}, record]))
    assert api.create_reverse_dns('192.0.2.1', 'example.com', 'mail') == record


@pytest.mark.parametrize('method, args, confirm', [
    ('delete_subuser', ('acme',), offset_list([{'username': 'acme-2', 'id': 1}])),
    ('delete_reverse_dns', (7,), json_response(404, {'errors': [{'message': 'not found'}]})),
    ('remove_partner_account_ips', ('sg/1', ['192.0.2.1']), json_response(200, {'result': [], 'pages': {}})),
])
def test_a_deletion_repeated_after_it_was_applied_is_confirmed_by_a_read(method, args, confirm):
    api = make_api(UNAVAILABLE, (400, {'errors': [{'field': None, 'message': 'invalid username'}]}), confirm)
    getattr(api, method)(*args)
    assert [c[0] for c in calls(api)][:2] == ['DELETE', 'DELETE']


@pytest.mark.parametrize('method, args, answer', [
    ('set_subuser_disabled', ('acme', True), empty_response(204)),
    ('delete_subuser', ('acme',), empty_response(204)),
    ('delete_reverse_dns', (7,), empty_response(204)),
    ('validate_reverse_dns', (7,), json_response(200, {'id': 7, 'valid': True})),
    ('remove_partner_account_ips', ('sg/1', ['192.0.2.1']), empty_response(204)),
])
def test_what_is_safe_to_repeat_is_retried_on_503(method, args, answer):
    api = make_api(UNAVAILABLE, answer)
    getattr(api, method)(*args)
    assert len(calls(api)) == 2


def test_purchases_go_to_the_global_host_with_region_eu_and_need_one():
    answers = FakeTransport((201, {'ips': []}), (201, {'ip': '198.51.100.10'}), (200, {'results': []}))
    api = make_api(transport=answers, base_url=EU, region='eu', global_base_url=BASE)
    api.add_ips(1)
    api.add_send_ip('us', False, True)
    api.get_remaining_ips()
    assert [c[1] for c in calls(api)] == [f'{BASE}/v3/ips', f'{BASE}/v3/send_ips/ips', f'{EU}/v3/ips/remaining']

    api = make_api(base_url='http://127.0.0.1:8080', region='eu', global_base_url=None)
    with pytest.raises(SendGridConfigError) as raised:
        api.require(_api.ADD_IPS, _api.ADD_SEND_IP, _api.CREATE_SUBUSER)
    assert 'AddIp (POST /v3/ips), IpAddressManagementAddIp (POST /v3/send_ips/ips) are served only' in \
        raised.value.message
    assert api.client.transport.calls == []


# ------------------------------------------------------------------ subusers


def test_create_subuser_bodies():
    answer = {'username': 'acme', 'user_id': 1, 'email': 'a@b.example'}
    api = make_api((200, answer), (200, answer))
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
    with pytest.raises(SendGridUnexpectedResponseError):
        api.list_subuser_reputations()
    assert calls(api) == [('GET', f'{BASE}/v3/subusers/reputations', None)] * 2


# ------------------------------------------------------------------ reverse DNS


def test_reverse_dns_calls():
    record = {'id': 7, 'ip': '192.0.2.1'}
    api = make_api(offset_list([record]), (200, record), (201, record), (201, record), empty_response(204),
                   (200, {'id': 7, 'valid': True}))
    assert api.list_reverse_dns('192.0.2.') == [record]
    assert api.get_reverse_dns(7) == record
    api.create_reverse_dns('192.0.2.1', 'example.com', 'mail')
    api.create_reverse_dns('192.0.2.1', 'example.com')
    api.delete_reverse_dns(7)
    assert api.validate_reverse_dns(7) == {'id': 7, 'valid': True}
    assert calls(api) == [
        ('GET', f'{BASE}/v3/whitelabel/ips?ip=192.0.2.&limit=100&offset=0', None),
        ('GET', f'{BASE}/v3/whitelabel/ips?ip=192.0.2.&limit=1&offset=1', None),
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


def test_partner_listing_without_pages_last_goes_on_after_the_last_ip():
    api = make_api((200, {'result': [{'ip': '192.0.2.2'}]}), (200, {'result': [], 'pages': {}}))
    assert api.list_partner_account_ips('sg/1') == [{'ip': '192.0.2.2'}]
    assert [c[1] for c in calls(api)] == [f'{PARTNER}?limit=5000', f'{PARTNER}?limit=5000&offset=192.0.2.2']


def test_partner_listing_that_ignores_offset_after_a_short_first_page_ends_there():
    # A stateless server (Prism answering the spec's example) gives the same short page for every offset: as
    # with the offset lists, that server holds no more, and each IP is listed once.
    page = {'result': [{'ip': '174.0.2.1', 'region': 'us'}, {'ip': '192.0.0.1', 'region': 'eu'}],
            'pages': {'last': '192.0.0.1'}}
    api = make_api((200, page), (200, page))
    assert api.list_partner_account_ips('sg/1') == page['result']
    assert [c[1] for c in calls(api)] == [f'{PARTNER}?limit=5000', f'{PARTNER}?limit=5000&offset=192.0.0.1']


def test_marker_pages_repeated_after_a_full_page_are_an_error():
    page = {'result': [{'ip': '192.0.2.1'}, {'ip': '192.0.2.2'}], 'pages': {'last': '192.0.2.2'}}
    client = make_client((200, page), (200, page))
    with pytest.raises(SendGridUnexpectedResponseError, match="pages.last '192.0.2.2' again"):
        list(client.iter_marker_pages('/v3/partners/accounts/sg/ips', page_size=2))
    assert len(client.transport.calls) == 2


def test_marker_pages_repeated_later_are_an_error():
    first = {'result': [{'ip': '192.0.2.3'}], 'pages': {'last': '192.0.2.3'}}
    second = {'result': [{'ip': '192.0.2.1'}], 'pages': {'last': '192.0.2.1'}}
    client = make_client((200, first), (200, second), (200, second))
    with pytest.raises(SendGridUnexpectedResponseError, match="pages.last '192.0.2.1' again"):
        list(client.iter_marker_pages('/v3/partners/accounts/sg/ips', page_size=5))


@pytest.mark.parametrize('pages, problem', [
    ([['not', 'an', 'object']], 'expected a JSON object'),
    ([{'pages': {}}], 'the object lacks result'),
    ([{'result': {'ip': '192.0.2.1'}, 'pages': {}}], 'expected a JSON array'),
    ([{'result': [{'address': '192.0.2.1'}], 'pages': {}}], 'ip'),
    ([{'result': [{'ip': '192.0.2.1'}], 'pages': 'next'}], 'pages: expected a JSON object, got a string'),
])
def test_partner_listing_that_cannot_be_complete_is_an_error(pages, problem):
    api = make_api(*[(200, body) for body in pages])
    with pytest.raises(SendGridUnexpectedResponseError) as raised:
        api.list_partner_account_ips('sg/1')
    assert problem in raised.value.message
    assert len(calls(api)) == len(pages)


def test_partner_listing_keeps_an_ip_seen_twice_once():
    api = make_api((200, {'result': [{'ip': '192.0.2.2'}, {'ip': '192.0.2.1'}], 'pages': {'last': '192.0.2.1'}}),
                   (200, {'result': [{'ip': '192.0.2.1'}], 'pages': {'last': '192.0.2.0'}}),
                   (200, {'result': [], 'pages': {}}))
    assert [entry['ip'] for entry in api.list_partner_account_ips('sg/1')] == ['192.0.2.2', '192.0.2.1']


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
