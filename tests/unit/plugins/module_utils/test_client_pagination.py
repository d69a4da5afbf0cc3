# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The two pagination schemes: limit/offset and after_key cursors."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import (
    IPS_FALLBACK_PAGE_SIZE,
    IPS_PAGE_SIZE,
    SendGridAPI,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._client import Shape
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridUnexpectedResponseError,
    SendGridValidationError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeTransport,
    empty_response,
    json_response,
    make_client,
)

BASE = 'https://api.sendgrid.com'


def cursor_page(items, after_key=None, **extra_metadata):
    next_params = {'limit': '100'}
    if after_key is not None:
        next_params['after_key'] = after_key
    return (200, {'result': items, '_metadata': {'next_params': next_params, **extra_metadata}})


# ------------------------------------------------------------------ limit/offset

def test_offset_stops_on_short_page():
    client = make_client((200, ['a', 'b']), (200, ['c']))
    assert list(client.iter_offset_pages('/v3/ips', page_size=2)) == ['a', 'b', 'c']
    assert [c.url for c in client.transport.calls] == [
        f'{BASE}/v3/ips?limit=2&offset=0',
        f'{BASE}/v3/ips?limit=2&offset=2',
    ]
    assert all(c.method == 'GET' for c in client.transport.calls)


def test_offset_exactly_full_last_page_needs_one_extra_empty_call():
    client = make_client((200, ['a', 'b']), (200, ['c', 'd']), (200, []))
    assert list(client.iter_offset_pages('/v3/ips', page_size=2)) == ['a', 'b', 'c', 'd']
    assert [c.query['offset'] for c in client.transport.calls] == ['0', '2', '4']
    client.transport.assert_done()


def test_offset_single_empty_page():
    client = make_client((200, []))
    assert list(client.iter_offset_pages('/v3/subusers')) == []
    assert [c.url for c in client.transport.calls] == [f'{BASE}/v3/subusers?limit=500&offset=0']


@pytest.mark.parametrize('page, problem', [
    ({'unexpected': 'dict'}, 'expected a JSON array, got an object'),
    (None, 'expected a JSON array, got an empty body'),
])
def test_offset_non_list_page_is_an_error(page, problem):
    client = make_client((200, page) if page is not None else empty_response(200))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        list(client.iter_offset_pages('/v3/ips', page_size=2))
    assert problem in info.value.message
    assert len(client.transport.calls) == 1


def test_offset_keeps_query_and_is_lazy():
    client = make_client((200, [{'id': 1}]), (200, []))
    pages = client.iter_offset_pages('/v3/subusers', {'username': 'a b', 'region': None}, page_size=500)
    assert client.transport.calls == []
    assert list(pages) == [{'id': 1}]
    assert [c.url for c in client.transport.calls] == [
        f'{BASE}/v3/subusers?username=a%20b&limit=500&offset=0',
        f'{BASE}/v3/subusers?username=a%20b&limit=1&offset=1',
    ]


def capped_server(items, cap):
    """A limit/offset server that serves at most ``cap`` items per page whatever limit is asked."""
    def respond(call):
        limit, offset = int(call.query['limit']), int(call.query['offset'])
        assert offset % limit == 0, f'offset {offset} is not a multiple of limit {limit}'
        return json_response(200, items[offset:offset + min(limit, cap)])
    return FakeTransport(responder=respond)


@pytest.mark.parametrize('total', [0, 1, 99, 100, 101, 250, 300, 1000])
def test_offset_a_server_that_caps_the_limit_still_yields_every_item(total):
    items = [{'n': n} for n in range(total)]
    client = make_client(transport=capped_server(items, cap=100))
    assert list(client.iter_offset_pages('/v3/ips', page_size=500)) == items
    if total < 100:
        # one page (empty, or short and then confirmed by one more read)
        expected = 1 if total == 0 else 2
    else:
        # every page of 100, then the end: a shorter page, or an empty one when the total is a multiple of 100
        expected = -(-total // 100) + (1 if total % 100 == 0 else 0)
    assert len(client.transport.calls) == expected


@pytest.mark.parametrize('total', [1, 7, 499])
def test_offset_a_short_first_page_costs_exactly_one_more_read(total):
    items = [{'n': n} for n in range(total)]
    client = make_client(transport=capped_server(items, cap=10_000))
    assert list(client.iter_offset_pages('/v3/ips', page_size=500)) == items
    assert [(c.query['limit'], c.query['offset']) for c in client.transport.calls] == [
        ('500', '0'), (str(total), str(total))]


def test_offset_a_full_first_page_then_a_short_one_costs_no_extra_read():
    items = [{'n': n} for n in range(700)]
    client = make_client(transport=capped_server(items, cap=10_000))
    assert list(client.iter_offset_pages('/v3/ips', page_size=500)) == items
    assert [(c.query['limit'], c.query['offset']) for c in client.transport.calls] == [('500', '0'), ('500', '500')]


def test_offset_a_server_that_ignores_offset_on_a_short_list_gives_the_list_once():
    """A server that answers every offset with the same short page (Prism with its example) holds no more."""
    page = [{'ip': '192.0.2.1'}, {'ip': '192.0.2.2'}]
    client = make_client(transport=FakeTransport(responder=lambda call: json_response(200, page)))
    assert list(client.iter_offset_pages('/v3/ips', page_size=500)) == page
    assert len(client.transport.calls) == 2


def test_offset_a_server_that_ignores_offset_on_full_pages_is_an_error():
    client = make_client((200, ['a', 'b']), (200, ['a', 'b']))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        list(client.iter_offset_pages('/v3/ips', page_size=2))
    assert 'the same page again for offset 2' in info.value.message


def test_offset_more_items_than_the_limit_is_an_error():
    client = make_client((200, ['a', 'b', 'c']))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        list(client.iter_offset_pages('/v3/ips', page_size=2))
    assert '3 items for limit 2' in info.value.message


def test_offset_items_are_checked_against_the_shape():
    client = make_client((200, [{'ip': '192.0.2.1'}, {'nope': 1}]))
    with pytest.raises(SendGridUnexpectedResponseError, match='item 2 lacks ip'):
        list(client.iter_offset_pages('/v3/ips', page_size=500, expect=Shape.list_of('ip')))


# ------------------------------------------------------------------ after_key cursor

def test_cursor_follows_after_key_until_null():
    client = make_client(cursor_page([1, 2], 'k1'), cursor_page([3], 'k2'),
                         (200, {'result': [4], '_metadata': {'next_params': {'after_key': None}}}))
    assert list(client.iter_cursor_pages('/v3/send_ips/pools')) == [1, 2, 3, 4]
    assert [c.url for c in client.transport.calls] == [
        f'{BASE}/v3/send_ips/pools?limit=100',
        f'{BASE}/v3/send_ips/pools?limit=100&after_key=k1',
        f'{BASE}/v3/send_ips/pools?limit=100&after_key=k2',
    ]


@pytest.mark.parametrize('last_page', [
    {'result': ['x'], '_metadata': {'next_params': {}}},
    {'result': ['x'], '_metadata': {'next_params': {'after_key': ''}}},
    {'result': ['x'], '_metadata': {'next_params': None}},
    {'result': ['x'], '_metadata': {}},
    {'result': ['x']},
])
def test_cursor_stops_on_missing_or_empty_key(last_page):
    client = make_client(cursor_page(['a'], 'k1'), (200, last_page))
    assert list(client.iter_cursor_pages('/v3/send_ips/ips')) == ['a', 'x']
    assert len(client.transport.calls) == 2


@pytest.mark.parametrize('page, problem', [
    (None, 'expected a JSON object, got an empty body'),
    ([1, 2], 'expected a JSON object, got an array'),
    ({'_metadata': {}}, 'a cursor page lacks result'),
    ({'result': {'a': 1}}, 'result is an object, not an array'),
    ({'result': [1], '_metadata': []}, '_metadata is an array, not an object'),
    ({'result': [1], '_metadata': {'next_params': 'k'}}, 'next_params is a string, not an object'),
])
def test_cursor_page_without_the_documented_shape_is_an_error(page, problem):
    client = make_client((200, page) if page is not None else empty_response(200))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        list(client.iter_cursor_pages('/v3/send_ips/pools'))
    assert problem in info.value.message
    assert len(client.transport.calls) == 1


def test_cursor_repeated_key_is_an_error():
    client = make_client(cursor_page([1], 'k1'), cursor_page([2], 'k2'), cursor_page([3], 'k1'), cursor_page([4], 'k3'))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        list(client.iter_cursor_pages('/v3/send_ips/pools'))
    assert "after_key 'k1' again" in info.value.message
    assert len(client.transport.calls) == 3
    assert client.transport.pending == 1


def test_cursor_same_key_twice_in_a_row_is_an_error():
    client = make_client(cursor_page([1], 'k1'), cursor_page([2], 'k1'), cursor_page([3]))
    with pytest.raises(SendGridUnexpectedResponseError):
        list(client.iter_cursor_pages('/v3/send_ips/pools'))
    assert len(client.transport.calls) == 2


@pytest.mark.parametrize('key, sent', [
    ('0012', '0012'),               # a string of digits stays a string: leading zeros kept
    (' 7', '%207'),
    ('192.0.2.7', '192.0.2.7'),
    ('a/b+c', 'a%2Fb%2Bc'),
    (1234, '1234'),
])
def test_cursor_key_is_passed_back_as_received(key, sent):
    client = make_client(cursor_page(['a'], key), cursor_page(['b']))
    assert list(client.iter_cursor_pages('/v3/send_ips/ips')) == ['a', 'b']
    assert client.transport.calls[1].query_string == f'limit=100&after_key={sent}'


def test_cursor_items_are_checked_against_the_shape():
    client = make_client(cursor_page([{'ip': '192.0.2.1'}, 'x']))
    with pytest.raises(SendGridUnexpectedResponseError, match='item 2 is a string, not an object'):
        list(client.iter_cursor_pages('/v3/send_ips/ips', expect=Shape.cursor_of('ip')))


def test_cursor_numeric_key_and_query_passed_back():
    client = make_client(cursor_page(['a'], 1234), cursor_page(['b']))
    items = list(client.iter_cursor_pages('/v3/send_ips/ips', {'include_region': True, 'is_leased': False}))
    assert items == ['a', 'b']
    assert [c.url for c in client.transport.calls] == [
        f'{BASE}/v3/send_ips/ips?include_region=true&is_leased=false&limit=100',
        f'{BASE}/v3/send_ips/ips?include_region=true&is_leased=false&limit=100&after_key=1234',
    ]


def test_cursor_page_size_is_configurable():
    client = make_client(cursor_page([]))
    list(client.iter_cursor_pages('/v3/send_ips/pools', page_size=7))
    assert client.transport.calls[0].query == {'limit': '7'}


def test_cursor_accepts_the_key_directly_under_metadata():
    """The spec's ListIp example puts next_params' keys in _metadata itself."""
    client = make_client((200, {'result': [1], '_metadata': {'after_key': '7', 'limit': '100'}}),
                         (200, {'result': [2], '_metadata': {'after_key': None}}))
    assert list(client.iter_cursor_pages('/v3/send_ips/ips')) == [1, 2]
    assert [c.url for c in client.transport.calls] == [
        f'{BASE}/v3/send_ips/ips?limit=100',
        f'{BASE}/v3/send_ips/ips?limit=100&after_key=7',
    ]


# ------------------------------------------------------------------ a server that refuses a large limit

def limit_refusing_server(items, max_limit, cap=10_000):
    """A limit/offset server that answers a limit above ``max_limit`` with a 400 naming ``limit``."""
    def respond(call):
        limit, offset = int(call.query['limit']), int(call.query['offset'])
        if limit > max_limit:
            return json_response(400, {'errors': [{'field': 'limit', 'message': f'limit must be <= {max_limit}'}]})
        return json_response(200, items[offset:offset + min(limit, cap)])
    return FakeTransport(responder=respond)


def test_offset_a_refused_large_limit_falls_back_once_and_is_remembered():
    items = [{'n': n} for n in range(1200)]
    client = make_client(transport=limit_refusing_server(items, max_limit=500))
    pages = client.iter_offset_pages('/v3/ips', page_size=10_000, fallback_page_size=500)
    assert list(pages) == items
    assert [(c.query['limit'], c.query['offset']) for c in client.transport.calls] == [
        ('10000', '0'), ('500', '0'), ('500', '500'), ('500', '1000')]
    # The same client asks the size the server accepts from then on: no refused read again.
    del client.transport.calls[:]
    assert list(client.iter_offset_pages('/v3/ips', page_size=10_000, fallback_page_size=500)) == items
    assert [c.query['limit'] for c in client.transport.calls] == ['500', '500', '500']


def test_offset_a_refused_fallback_limit_is_the_error():
    client = make_client(transport=limit_refusing_server([{'n': 1}], max_limit=100))
    with pytest.raises(SendGridValidationError) as info:
        list(client.iter_offset_pages('/v3/ips', page_size=10_000, fallback_page_size=500))
    assert info.value.status == 400 and 'limit must be <= 100' in info.value.message
    assert [c.query['limit'] for c in client.transport.calls] == ['10000', '500']


@pytest.mark.parametrize('fallback', [None, 10_000])
def test_offset_without_a_smaller_fallback_a_400_is_the_error_at_once(fallback):
    client = make_client(transport=limit_refusing_server([{'n': 1}], max_limit=500))
    with pytest.raises(SendGridValidationError):
        list(client.iter_offset_pages('/v3/ips', page_size=10_000, fallback_page_size=fallback))
    assert len(client.transport.calls) == 1


def test_offset_a_400_after_the_first_page_is_never_retried_with_another_limit():
    client = make_client((200, ['a', 'b']), (400, {'errors': [{'field': 'offset', 'message': 'bad offset'}]}))
    with pytest.raises(SendGridValidationError):
        list(client.iter_offset_pages('/v3/ips', page_size=2, fallback_page_size=1))
    assert len(client.transport.calls) == 2


def test_list_ips_asks_large_pages_and_falls_back_to_500_when_refused():
    assert (IPS_PAGE_SIZE, IPS_FALLBACK_PAGE_SIZE) == (10_000, 500)
    items = [{'ip': f'192.0.2.{n}', 'subusers': [], 'pools': [], 'warmup': False} for n in range(1, 4)]
    api = SendGridAPI(make_client(transport=limit_refusing_server(items, max_limit=500)))
    assert api.list_ips() == items
    assert [(c.query['limit'], c.query['offset']) for c in api.client.transport.calls] == [
        ('10000', '0'), ('500', '0'), ('3', '3')]
