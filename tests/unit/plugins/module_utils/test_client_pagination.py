# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The two pagination schemes: limit/offset and after_key cursors."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import empty_response, make_client

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


@pytest.mark.parametrize('page', [{'unexpected': 'dict'}, None])
def test_offset_non_list_page_stops(page):
    client = make_client((200, page) if page is not None else empty_response(200))
    assert list(client.iter_offset_pages('/v3/ips', page_size=2)) == []
    assert len(client.transport.calls) == 1


def test_offset_keeps_query_and_is_lazy():
    client = make_client((200, [{'id': 1}]))
    pages = client.iter_offset_pages('/v3/subusers', {'username': 'a b', 'region': None}, page_size=500)
    assert client.transport.calls == []
    assert list(pages) == [{'id': 1}]
    assert client.transport.calls[0].url == f'{BASE}/v3/subusers?username=a%20b&limit=500&offset=0'


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


def test_cursor_empty_body_stops():
    client = make_client(empty_response(200))
    assert list(client.iter_cursor_pages('/v3/send_ips/pools')) == []
    assert len(client.transport.calls) == 1


def test_cursor_repeated_key_stops():
    client = make_client(cursor_page([1], 'k1'), cursor_page([2], 'k2'), cursor_page([3], 'k1'), cursor_page([4], 'k3'))
    assert list(client.iter_cursor_pages('/v3/send_ips/pools')) == [1, 2, 3]
    assert len(client.transport.calls) == 3
    assert client.transport.pending == 1


def test_cursor_same_key_twice_in_a_row_stops():
    client = make_client(cursor_page([1], 'k1'), cursor_page([2], 'k1'), cursor_page([3]))
    assert list(client.iter_cursor_pages('/v3/send_ips/pools')) == [1, 2]
    assert len(client.transport.calls) == 2


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
