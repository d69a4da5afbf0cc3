# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP answers mean what they say: only 2xx is success, a 2xx must have the documented shape,
a request that cannot be sent is not retried, and an error that came on a retry after an attempt
whose outcome is unknown says so."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._client import Shape
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridAPIError,
    SendGridConfigError,
    SendGridNotFoundError,
    SendGridUnexpectedResponseError,
    SendGridValidationError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    empty_response,
    json_response,
    make_client,
    raw_response,
    transport_error,
)

UNAVAILABLE = json_response(503, {'errors': [{'field': None, 'message': 'unavailable'}]})


# ------------------------------------------------------------------ 3xx is not success

@pytest.mark.parametrize('status', [300, 301, 302, 303, 304, 307, 308])
def test_a_redirect_on_a_list_is_an_error_naming_status_and_host(status):
    client = make_client(json_response(status, [], {'Location': 'https://login.example.net/v3/ips?x=1'}))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips')
    exc = info.value
    assert isinstance(exc, SendGridAPIError)
    assert exc.status == status
    assert exc.location_host == 'login.example.net'
    assert f'GET /v3/ips returned HTTP {status}' in exc.message
    assert 'redirect to login.example.net' in exc.message
    assert 'not followed' in exc.message
    # only the host: the rest of the target (a query could carry anything) stays out of the message
    assert 'x=1' not in exc.message
    assert len(client.transport.calls) == 1


def test_a_redirect_on_a_put_is_an_error_not_a_change():
    client = make_client(empty_response(307, {'Location': '/v3/subusers/bob/ips'}))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('PUT', '/v3/subusers/bob/ips', body=['192.0.2.1'])
    assert info.value.status == 307
    assert info.value.location_host is None
    assert 'redirect to the same host' in info.value.message
    # a redirect is never retried nor followed
    assert len(client.transport.calls) == 1
    assert client.fake_clock.sleeps == []


def test_a_redirect_without_location():
    client = make_client(empty_response(302))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips')
    assert 'HTTP 302' in info.value.message
    assert 'without a Location' in info.value.message


@pytest.mark.parametrize('status', [100, 101, 199])
def test_a_status_below_200_is_an_error(status):
    client = make_client(empty_response(status))
    with pytest.raises(SendGridUnexpectedResponseError):
        client.request('GET', '/v3/ips')


@pytest.mark.parametrize('status', [200, 201, 202, 204, 299])
def test_any_2xx_is_success(status):
    client = make_client(json_response(status, {'ok': True}) if status != 204 else empty_response(204))
    client.request('GET', '/v3/x')


# ------------------------------------------------------------------ the documented shape

@pytest.mark.parametrize('body, problem', [
    ({'ips': []}, 'expected a JSON array, got an object'),
    ('text', 'expected a JSON array, got a string'),
    (None, 'expected a JSON array, got an empty body'),
    (7, 'expected a JSON array, got a number'),
])
def test_not_a_list_where_a_list_is_due(body, problem):
    client = make_client(json_response(200, body) if body is not None else empty_response(200))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips/assigned', expect=Shape.list_of())
    assert info.value.status == 200
    assert problem in info.value.message
    assert info.value.message.startswith('SendGrid unexpected response: GET /v3/ips/assigned returned HTTP 200')


@pytest.mark.parametrize('body, problem', [
    ([1, 2], 'expected a JSON object, got an array'),
    (None, 'expected a JSON object, got an empty body'),
    ({'name': 'p'}, 'the object lacks id'),
])
def test_not_an_object_where_one_is_due(body, problem):
    client = make_client(json_response(201, body) if body is not None else empty_response(201))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('POST', '/v3/send_ips/pools', body={'name': 'p'}, expect=Shape.object('id'))
    assert problem in info.value.message


@pytest.mark.parametrize('items, problem', [
    (['192.0.2.1'], 'item 1 is a string, not an object'),
    ([{'ip': '192.0.2.1'}, {'pools': []}], 'item 2 lacks ip'),
])
def test_items_must_have_the_documented_keys(items, problem):
    client = make_client((200, items))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips', expect=Shape.list_of('ip'))
    assert problem in info.value.message


def test_scalar_items():
    client = make_client((200, ['1', 2]), (200, [{'id': 1}]))
    assert client.request('GET', '/x', expect=Shape.list_of(scalars=True)) == ['1', 2]
    with pytest.raises(SendGridUnexpectedResponseError, match='item 1 is an object, not a string or number'):
        client.request('GET', '/x', expect=Shape.list_of(scalars=True))


def test_the_right_shape_passes_and_no_expectation_accepts_anything():
    client = make_client((200, [{'ip': '192.0.2.1'}]), (200, {'id': 'p'}), empty_response(204), (200, 'x'),
                         (200, {'whatever': 1}))
    assert client.request('GET', '/v3/ips', expect=Shape.list_of('ip')) == [{'ip': '192.0.2.1'}]
    assert client.request('POST', '/p', expect=Shape.object('id')) == {'id': 'p'}
    assert client.request('DELETE', '/p', expect=Shape.NONE) is None
    assert client.request('GET', '/x') == 'x'
    # a body nobody reads is not checked (Shape.NONE): the write was applied, its answer is not needed
    assert client.request('POST', '/p', expect=Shape.NONE) is None


def test_non_json_success_body_is_an_unexpected_response():
    client = make_client(raw_response(200, b'<html>ok</html>'))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips')
    assert info.value.status == 200
    assert 'the body is not valid JSON' in info.value.message


def test_unexpected_response_to_result():
    client = make_client((200, {}))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips', expect=Shape.list_of())
    assert info.value.to_result() == {
        'method': 'GET', 'path': '/v3/ips', 'status': 200,
        'errors': [{'field': None, 'message': 'expected a JSON array, got an object'}]}


def test_a_huge_unexpected_body_gives_a_short_message():
    client = make_client((200, {f'key{n}': 'v' * 1000 for n in range(500)}))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips', expect=Shape.list_of())
    assert len(info.value.message) < 4000


# ------------------------------------------------------------------ a request that can never be sent

def test_a_request_that_cannot_be_sent_is_not_retried():
    client = make_client(transport_error('a header value cannot be sent', request_sent=False, retryable=False,
                                         invalid_request=True), (200, {}))
    with pytest.raises(SendGridConfigError) as info:
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == 1
    assert client.fake_clock.sleeps == []
    assert info.value.message == 'GET /v3/ips cannot be sent: a header value cannot be sent'


# ------------------------------------------------------------------ an error after an unknown outcome

@pytest.mark.parametrize('first', [
    UNAVAILABLE,
    transport_error('connection reset by peer', request_sent=True),
    transport_error('no response within 30 seconds', request_sent=True),
])
def test_an_error_on_a_retry_after_an_unknown_outcome_says_so(first):
    client = make_client(first, json_response(400, {'errors': [{'field': 'ips', 'message': 'not in pool'}]}))
    with pytest.raises(SendGridValidationError) as info:
        client.request('POST', '/v3/send_ips/pools/1/ips:batchDelete', body={'ips': ['192.0.2.1']}, idempotent=True)
    assert info.value.after_unknown_outcome is True
    assert len(client.transport.calls) == 2


@pytest.mark.parametrize('first', [
    json_response(429, {}, {'Retry-After': '1'}),             # not processed
    transport_error('connection refused', request_sent=False),  # never left
])
def test_an_error_after_a_known_outcome_does_not_say_so(first):
    client = make_client(first, json_response(404, {'errors': [{'field': None, 'message': 'not warming'}]}))
    with pytest.raises(SendGridNotFoundError) as info:
        client.request('DELETE', '/v3/ips/warmup/192.0.2.1')
    assert info.value.after_unknown_outcome is False


def test_an_error_on_the_first_attempt_does_not_say_so():
    client = make_client(json_response(400, {'errors': [{'field': None, 'message': 'no'}]}))
    with pytest.raises(SendGridValidationError) as info:
        client.request('POST', '/x', idempotent=True)
    assert info.value.after_unknown_outcome is False


def test_the_api_key_never_appears_in_an_unexpected_response():
    client = make_client((200, {'echo': API_KEY}))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips', expect=Shape.list_of())
    assert API_KEY not in info.value.message
