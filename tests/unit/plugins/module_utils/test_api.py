# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SendGridAPI: the exact request of every endpoint method, chunking and idempotency flags."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import chunked
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridNetworkError,
    SendGridUnexpectedResponseError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    empty_response,
    json_response,
    make_api,
    transport_error,
)

BASE = 'https://api.sendgrid.com'
UNAVAILABLE = json_response(503, {'errors': [{'field': None, 'message': 'unavailable'}]})


def calls(api):
    return [(c.method, c.url, c.json) for c in api.client.transport.calls]


def cursor(items, after_key=None):
    return (200, {'result': items, '_metadata': {'next_params': {'after_key': after_key}}})


# ------------------------------------------------------------------ /v3/ips

def test_list_ips():
    # a short first page is confirmed by one more read: the server may cap the limit it was asked for
    api = make_api((200, [{'ip': '192.0.2.1'}]), (200, []))
    assert api.list_ips() == [{'ip': '192.0.2.1'}]
    assert calls(api) == [('GET', f'{BASE}/v3/ips?limit=10000&offset=0', None),
                          ('GET', f'{BASE}/v3/ips?limit=1&offset=1', None)]


def test_list_ips_with_filters_and_pages():
    page = [{'ip': f'192.0.2.{n}'} for n in range(500)]
    api = make_api((200, page), (200, [{'ip': '198.51.100.1'}]))
    assert len(api.list_ips(subuser='shop eu', ip='192.0.2.1')) == 501
    assert [c[1] for c in calls(api)] == [
        f'{BASE}/v3/ips?subuser=shop%20eu&ip=192.0.2.1&limit=10000&offset=0',
        f'{BASE}/v3/ips?subuser=shop%20eu&ip=192.0.2.1&limit=500&offset=500',
    ]


def test_get_ip():
    api = make_api((200, {'ip': '192.0.2.1'}))
    assert api.get_ip('192.0.2.1') == {'ip': '192.0.2.1'}
    assert calls(api) == [('GET', f'{BASE}/v3/ips/192.0.2.1', None)]


def test_list_assigned_ips():
    api = make_api((200, []), (200, [{'ip': '192.0.2.1'}]), empty_response(200))
    assert api.list_assigned_ips() == []
    assert api.list_assigned_ips() == [{'ip': '192.0.2.1'}]
    with pytest.raises(SendGridUnexpectedResponseError, match='expected a JSON array, got an empty body'):
        api.list_assigned_ips()
    assert calls(api) == [('GET', f'{BASE}/v3/ips/assigned', None)] * 3


# ------------------------------------------------------------------ subusers

def test_list_subusers():
    api = make_api((200, [{'id': 1, 'username': 'bob'}]), (200, []))
    assert api.list_subusers() == [{'id': 1, 'username': 'bob'}]
    assert calls(api) == [('GET', f'{BASE}/v3/subusers?include_region=true&limit=500&offset=0', None),
                          ('GET', f'{BASE}/v3/subusers?include_region=true&limit=1&offset=1', None)]


def test_list_subusers_by_name():
    api = make_api((200, []))
    api.list_subusers(username='a b')
    assert calls(api) == [('GET', f'{BASE}/v3/subusers?username=a%20b&include_region=true&limit=500&offset=0', None)]


def test_set_subuser_ips():
    api = make_api((200, {'ips': ['192.0.2.1', '192.0.2.2']}))
    assert api.set_subuser_ips('shop eu', ('192.0.2.1', '192.0.2.2')) == ['192.0.2.1', '192.0.2.2']
    assert calls(api) == [('PUT', f'{BASE}/v3/subusers/shop%20eu/ips', ['192.0.2.1', '192.0.2.2'])]


def test_set_subuser_ips_empty_list_sends_empty_array():
    api = make_api((200, {'ips': []}))
    assert api.set_subuser_ips('bob', []) == []
    [call] = api.client.transport.calls
    assert call.body == b'[]'


def test_set_subuser_ips_answer_without_ips_is_an_unexpected_response():
    api = make_api(empty_response(200))
    with pytest.raises(SendGridUnexpectedResponseError, match='PUT /v3/subusers/bob/ips returned HTTP 200'):
        api.set_subuser_ips('bob', [])


def test_set_subuser_ips_is_retried_on_503():
    api = make_api(UNAVAILABLE, (200, {'ips': []}))
    api.set_subuser_ips('bob', ['192.0.2.1'])
    assert len(api.client.transport.calls) == 2


# ------------------------------------------------------------------ /v3/send_ips/ips

def test_list_send_ips():
    api = make_api(cursor([{'ip': '192.0.2.1'}], 'k'), cursor([{'ip': '192.0.2.2'}]))
    assert api.list_send_ips() == [{'ip': '192.0.2.1'}, {'ip': '192.0.2.2'}]
    assert [c[1] for c in calls(api)] == [
        f'{BASE}/v3/send_ips/ips?include_region=true&limit=1000',
        f'{BASE}/v3/send_ips/ips?include_region=true&limit=1000&after_key=k',
    ]


def test_list_send_ips_filters():
    api = make_api(cursor([]))
    api.list_send_ips(is_leased=False, is_enabled=True, region='eu', start_added_at=1700000000)
    assert calls(api) == [('GET', f'{BASE}/v3/send_ips/ips?include_region=true&is_leased=false&is_enabled=true'
                                  '&region=eu&start_added_at=1700000000&limit=1000', None)]


def test_get_send_ip():
    api = make_api((200, {'ip': '192.0.2.1', 'is_enabled': True}))
    assert api.get_send_ip('192.0.2.1') == {'ip': '192.0.2.1', 'is_enabled': True}
    assert calls(api) == [('GET', f'{BASE}/v3/send_ips/ips/192.0.2.1?include_region=true', None)]


def test_update_send_ip_patches_only_given_settings_and_is_retried():
    api = make_api(UNAVAILABLE, (200, {'ip': '192.0.2.1', 'is_enabled': False}))
    assert api.update_send_ip('192.0.2.1', is_enabled=False) == {'ip': '192.0.2.1', 'is_enabled': False}
    assert calls(api) == [('PATCH', f'{BASE}/v3/send_ips/ips/192.0.2.1', {'is_enabled': False})] * 2


def test_list_ip_subuser_ids():
    api = make_api(cursor([1001, '1002'], 'n'), cursor([1003]))
    assert api.list_ip_subuser_ids('192.0.2.1') == ['1001', '1002', '1003']
    assert [c[1] for c in calls(api)] == [
        f'{BASE}/v3/send_ips/ips/192.0.2.1/subusers?limit=100',
        f'{BASE}/v3/send_ips/ips/192.0.2.1/subusers?limit=100&after_key=n',
    ]


@pytest.mark.parametrize('method_name, action', [('add_subusers_to_ip', 'batchAdd'),
                                                 ('remove_subusers_from_ip', 'batchDelete')])
def test_subuser_batches_are_chunked_by_1000_sorted(method_name, action):
    ids = [str(n) for n in range(5000, 2500, -1)]  # 2500 ids, reverse order
    answer = (200, {'ip': '192.0.2.1', 'subusers': []}) if action == 'batchAdd' else empty_response(204)
    api = make_api(answer, answer, answer)
    getattr(api, method_name)('192.0.2.1', ids)
    recorded = api.client.transport.calls
    assert [(c.method, c.url) for c in recorded] == [('POST', f'{BASE}/v3/send_ips/ips/192.0.2.1/subusers:{action}')] * 3
    chunks = [c.json['subusers'] for c in recorded]
    assert [len(chunk) for chunk in chunks] == [1000, 1000, 500]
    assert chunks[0] + chunks[1] + chunks[2] == sorted(ids)
    assert all(set(c.json) == {'subusers'} for c in recorded)


@pytest.mark.parametrize('method_name', ['add_subusers_to_ip', 'remove_subusers_from_ip'])
def test_subuser_batches_retried_on_503(method_name):
    api = make_api(UNAVAILABLE, (200, {}))
    getattr(api, method_name)('192.0.2.1', ['2', '1'])
    assert [c.json for c in api.client.transport.calls] == [{'subusers': ['1', '2']}] * 2


def test_empty_batch_makes_no_call():
    api = make_api()
    api.add_subusers_to_ip('192.0.2.1', [])
    api.remove_ips_from_pool('p1', [])
    api.add_ips_to_pool('p1', [])
    assert api.client.transport.calls == []


# ------------------------------------------------------------------ pools

def test_list_pools():
    api = make_api(cursor([{'id': 'a', 'name': 'one'}], 'x'), cursor([{'id': 'b', 'name': 'two'}]))
    assert [p['id'] for p in api.list_pools()] == ['a', 'b']
    assert [c[1] for c in calls(api)] == [f'{BASE}/v3/send_ips/pools?limit=100',
                                          f'{BASE}/v3/send_ips/pools?limit=100&after_key=x']


def test_list_pool_ips():
    api = make_api(cursor([{'ip': '192.0.2.1', 'region': 'us'}, {'ip': '192.0.2.2'}]))
    assert api.list_pool_ips('pool id') == ['192.0.2.1', '192.0.2.2']
    assert calls(api) == [('GET', f'{BASE}/v3/send_ips/pools/pool%20id/ips?limit=100', None)]


def test_create_pool():
    api = make_api(json_response(201, {'id': 'p1', 'name': 'a', 'ips': []}), json_response(201, {'id': 'p2'}))
    assert api.create_pool('a') == {'id': 'p1', 'name': 'a', 'ips': []}
    api.create_pool('b', ('192.0.2.1',))
    assert calls(api) == [
        ('POST', f'{BASE}/v3/send_ips/pools', {'name': 'a'}),
        ('POST', f'{BASE}/v3/send_ips/pools', {'name': 'b', 'ips': ['192.0.2.1']}),
    ]


def test_create_pool_retried_on_503():
    # pool names are unique: a repeat of an applied creation is refused, and confirmed (see test_api_writes)
    api = make_api(UNAVAILABLE, json_response(201, {'id': 'p1'}))
    assert api.create_pool('a') == {'id': 'p1'}
    assert len(api.client.transport.calls) == 2


def test_create_pool_timeouts_to_the_end_are_outcome_unknown():
    api = make_api(*[transport_error('no response within 30 seconds', request_sent=True)] * 6)
    with pytest.raises(SendGridNetworkError) as info:
        api.create_pool('a')
    assert info.value.outcome_unknown is True
    assert len(api.client.transport.calls) == 6


def test_create_pool_retried_on_429():
    api = make_api(json_response(429, {}, {'Retry-After': '1'}), json_response(201, {'id': 'p1'}))
    assert api.create_pool('a') == {'id': 'p1'}
    assert len(api.client.transport.calls) == 2


def test_rename_pool():
    api = make_api((200, {'id': 'p1', 'name': 'new'}))
    assert api.rename_pool('p1', 'new') == {'id': 'p1', 'name': 'new'}
    assert calls(api) == [('PUT', f'{BASE}/v3/send_ips/pools/p1', {'name': 'new'})]


def test_delete_pool():
    api = make_api(empty_response(204))
    assert api.delete_pool('p/1') is None
    assert calls(api) == [('DELETE', f'{BASE}/v3/send_ips/pools/p%2F1', None)]


@pytest.mark.parametrize('method_name, action', [('add_ips_to_pool', 'batchAdd'), ('remove_ips_from_pool', 'batchDelete')])
def test_pool_ip_batches_are_chunked_by_100_sorted(method_name, action):
    ips = [f'10.{n // 256}.{n % 256}.1' for n in range(250)][::-1]
    answer = (200, {'id': 'p1', 'name': 'p', 'ips': []}) if action == 'batchAdd' else empty_response(204)
    api = make_api(answer, answer, answer)
    getattr(api, method_name)('p1', ips)
    recorded = api.client.transport.calls
    assert [(c.method, c.url) for c in recorded] == [('POST', f'{BASE}/v3/send_ips/pools/p1/ips:{action}')] * 3
    chunks = [c.json['ips'] for c in recorded]
    assert [len(chunk) for chunk in chunks] == [100, 100, 50]
    assert chunks[0] + chunks[1] + chunks[2] == sorted(ips)


@pytest.mark.parametrize('method_name', ['add_ips_to_pool', 'remove_ips_from_pool'])
def test_pool_ip_batches_retried_on_503(method_name):
    api = make_api(UNAVAILABLE, (200, {}))
    getattr(api, method_name)('p1', ['192.0.2.2', '192.0.2.1'])
    assert [c.json for c in api.client.transport.calls] == [{'ips': ['192.0.2.1', '192.0.2.2']}] * 2


# ------------------------------------------------------------------ warmup

def test_warmup_calls():
    api = make_api((200, [{'ip': '192.0.2.1', 'start_date': 1}]), (200, [{'ip': '192.0.2.2'}]), empty_response(204),
                   (200, []))
    assert api.list_warmup() == [{'ip': '192.0.2.1', 'start_date': 1}]
    assert api.start_warmup('192.0.2.2') == [{'ip': '192.0.2.2'}]
    assert api.stop_warmup('192.0.2.2') is None
    assert api.list_warmup() == []
    assert calls(api) == [
        ('GET', f'{BASE}/v3/ips/warmup', None),
        ('POST', f'{BASE}/v3/ips/warmup', {'ip': '192.0.2.2'}),
        ('DELETE', f'{BASE}/v3/ips/warmup/192.0.2.2', None),
        ('GET', f'{BASE}/v3/ips/warmup', None),
    ]


def test_start_warmup_retried_on_503():
    # a repeat of an applied start is refused ("already warming") and confirmed (see test_api_writes)
    api = make_api(UNAVAILABLE, (200, [{'ip': '192.0.2.1', 'start_date': 1}]))
    assert api.start_warmup('192.0.2.1') == [{'ip': '192.0.2.1', 'start_date': 1}]
    assert len(api.client.transport.calls) == 2


# ------------------------------------------------------------------ every answer is held to its documented shape

SHAPE_CASES = [
    ('list_ips', lambda api: api.list_ips(), {'ips': []}, 'expected a JSON array, got an object'),
    ('list_ips items', lambda api: api.list_ips(), [{'address': '192.0.2.1'}], 'item 1 lacks ip'),
    ('get_ip', lambda api: api.get_ip('192.0.2.1'), [], 'expected a JSON object, got an array'),
    ('list_assigned_ips', lambda api: api.list_assigned_ips(), {}, 'expected a JSON array, got an object'),
    ('list_subusers', lambda api: api.list_subusers(), [{'username': 'bob'}], 'item 1 lacks id'),
    ('list_send_ips', lambda api: api.list_send_ips(), [], 'expected a JSON object, got an array'),
    ('list_send_ips result', lambda api: api.list_send_ips(), {'_metadata': {}}, 'a cursor page lacks result'),
    ('get_send_ip', lambda api: api.get_send_ip('192.0.2.1'), {'pools': []}, 'the object lacks ip'),
    ('list_ip_subuser_ids', lambda api: api.list_ip_subuser_ids('192.0.2.1'), {'result': [{'id': 1}]},
     'item 1 is an object, not a string or number'),
    ('list_pools', lambda api: api.list_pools(), {'result': [{'name': 'p'}]}, 'item 1 lacks id'),
    ('list_pool_ips', lambda api: api.list_pool_ips('1'), {'result': ['192.0.2.1']}, 'item 1 is a string, not an object'),
    ('create_pool', lambda api: api.create_pool('p'), {'name': 'p'}, 'the object lacks id'),
    ('list_warmup', lambda api: api.list_warmup(), {}, 'expected a JSON array, got an object'),
    ('start_warmup', lambda api: api.start_warmup('192.0.2.1'), {'ip': '192.0.2.1'}, 'expected a JSON array'),
    ('update_send_ip', lambda api: api.update_send_ip('192.0.2.1', is_enabled=True), [], 'expected a JSON object'),
    ('set_subuser_ips', lambda api: api.set_subuser_ips('bob', []), {}, 'the object lacks ips'),
]


@pytest.mark.parametrize('name, call, body, problem', SHAPE_CASES, ids=[case[0] for case in SHAPE_CASES])
def test_an_answer_without_the_documented_shape_is_an_error(name, call, body, problem):
    api = make_api((200, body))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        call(api)
    assert problem in info.value.message, name
    assert len(api.client.transport.calls) == 1


@pytest.mark.parametrize('call', [
    lambda api: api.delete_pool('1'),
    lambda api: api.stop_warmup('192.0.2.1'),
    lambda api: api.remove_ips_from_pool('1', ['192.0.2.1']),
    lambda api: api.remove_subusers_from_ip('192.0.2.1', ['1']),
])
def test_a_204_answer_is_not_read(call):
    api = make_api(json_response(204, {'unexpected': 'but harmless'}))
    assert call(api) is None


def test_chunked():
    assert list(chunked([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunked([], 2)) == []
    assert list(chunked((1, 2), 2)) == [[1, 2]]
