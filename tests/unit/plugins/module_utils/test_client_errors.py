# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Error decoding into typed exceptions, and redaction of the API key."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridAPIError,
    SendGridAuthenticationError,
    SendGridError,
    SendGridNetworkError,
    SendGridNotFoundError,
    SendGridRateLimitError,
    SendGridServerError,
    SendGridValidationError,
    decode_error_body,
    format_items,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    json_response,
    make_client,
    raw_response,
    transport_error,
)


def fail(response, method='GET', path='/v3/send_ips/pools', **kwargs):
    """Send one request answered by ``response`` (no retries) and return the exception raised."""
    client = make_client(response, max_retries=0)
    with pytest.raises(SendGridError) as info:
        client.request(method, path, **kwargs)
    assert len(client.transport.calls) == 1
    return info.value


# ------------------------------------------------------------------ status mapping

@pytest.mark.parametrize('status, cls, kind', [
    (400, SendGridValidationError, 'validation error'),
    (401, SendGridAuthenticationError, 'authentication error'),
    (403, SendGridAuthenticationError, 'authentication error'),
    (404, SendGridNotFoundError, 'not found'),
    (409, SendGridValidationError, 'validation error'),
    (422, SendGridValidationError, 'validation error'),
    (429, SendGridRateLimitError, 'rate limit'),
    (500, SendGridServerError, 'server error'),
    (503, SendGridServerError, 'server error'),
    (418, SendGridAPIError, 'API error'),
])
def test_status_maps_to_exception_class(status, cls, kind):
    exc = fail(json_response(status, {'errors': [{'field': None, 'message': 'boom'}]}))
    assert exc.__class__ is cls
    assert isinstance(exc, SendGridAPIError)
    assert exc.status == status
    assert exc.method == 'GET'
    assert exc.path == '/v3/send_ips/pools'
    assert exc.message.startswith(f'SendGrid {kind}: GET /v3/send_ips/pools returned HTTP {status}: boom')
    assert str(exc) == exc.message


def test_message_has_method_path_status_but_no_query_or_host():
    exc = fail(json_response(400, {'errors': [{'field': 'limit', 'message': 'should be > 0 and <= 100'}]}),
               path='/v3/send_ips/ips', query={'limit': 500})
    assert exc.message == 'SendGrid validation error: GET /v3/send_ips/ips returned HTTP 400: limit: should be > 0 and <= 100'
    assert 'api.sendgrid.com' not in exc.message
    assert 'limit=500' not in exc.message


def test_to_result_keys():
    exc = fail(json_response(400, {'errors': [{'field': 'ips', 'message': 'bad'}]}), method='POST',
               path='/v3/send_ips/pools/p1/ips:batchAdd', body={'ips': ['x']}, idempotent=True)
    assert exc.to_result() == {
        'method': 'POST', 'path': '/v3/send_ips/pools/p1/ips:batchAdd', 'status': 400,
        'errors': [{'field': 'ips', 'message': 'bad'}],
    }


# ------------------------------------------------------------------ body shapes

def test_errors_with_field():
    exc = fail(json_response(400, {'errors': [
        {'field': 'ips', 'message': 'the total number of IPs per pool cannot exceed 100'}]}), method='POST')
    assert exc.errors == [{'field': 'ips', 'message': 'the total number of IPs per pool cannot exceed 100'}]
    assert exc.message == ('SendGrid validation error: POST /v3/send_ips/pools returned HTTP 400:'
                           ' ips: the total number of IPs per pool cannot exceed 100')


@pytest.mark.parametrize('field', [None, '', 'error'])
def test_errors_without_useful_field(field):
    exc = fail(json_response(400, {'errors': [{'field': field, 'message': '100 pools limit has been reached'}]}))
    assert exc.errors == [{'field': field, 'message': '100 pools limit has been reached'}]
    assert exc.message == 'SendGrid validation error: GET /v3/send_ips/pools returned HTTP 400: 100 pools limit has been reached'


def test_several_errors_joined():
    exc = fail(json_response(400, {'errors': [{'field': 'name', 'message': 'already exists'},
                                              {'field': None, 'message': 'second'}]}))
    assert exc.message.endswith('HTTP 400: name: already exists; second')
    assert len(exc.errors) == 2


def test_errors_with_help_and_id():
    help_obj = {'url': 'https://docs.sendgrid.com/x'}
    exc = fail(json_response(400, {'errors': [{'field': 'username', 'message': 'bad name', 'help': help_obj}],
                                   'id': 'req-123'}))
    assert exc.errors == [{'field': 'username', 'message': 'bad name', 'help': help_obj, 'id': 'req-123'}]
    assert exc.message.endswith('HTTP 400: username: bad name')


def test_error_id_variant():
    exc = fail(json_response(400, {'errors': [{'field': None, 'message': 'no IPs available', 'error_id': 'IP_1001'}]}))
    assert exc.errors == [{'field': None, 'message': 'no IPs available', 'error_id': 'IP_1001'}]


def test_legacy_error_shape():
    exc = fail(json_response(404, {'error': 'Unable to locate specified IPs Pool'}), method='DELETE',
               path='/v3/ips/pools/p%201')
    assert exc.__class__ is SendGridNotFoundError
    assert exc.errors == [{'field': None, 'message': 'Unable to locate specified IPs Pool'}]
    assert exc.message == 'SendGrid not found: DELETE /v3/ips/pools/p%201 returned HTTP 404: Unable to locate specified IPs Pool'


def test_message_shape_and_bare_list_and_string_errors():
    assert fail(json_response(400, {'message': 'plain'})).errors == [{'field': None, 'message': 'plain'}]
    assert fail(json_response(400, [{'field': 'a', 'message': 'm'}, 'text'])).errors == [
        {'field': 'a', 'message': 'm'}, {'field': None, 'message': 'text'}]
    assert fail(json_response(400, {'errors': 'just text'})).errors == [{'field': None, 'message': 'just text'}]


def test_non_json_text_body():
    exc = fail(raw_response(502, '<html><body>502 Bad Gateway</body></html>\n'))
    assert exc.__class__ is SendGridServerError
    assert exc.errors == [{'field': None, 'message': '<html><body>502 Bad Gateway</body></html>'}]
    assert exc.message == ('SendGrid server error: GET /v3/send_ips/pools returned HTTP 502:'
                           ' <html><body>502 Bad Gateway</body></html>')


def test_long_text_body_is_shortened():
    exc = fail(raw_response(500, 'x' * 2000))
    assert exc.errors == [{'field': None, 'message': 'x' * 500}]


@pytest.mark.parametrize('raw', [b'', b'   ', b'{}', b'{"errors": []}'])
def test_empty_body(raw):
    exc = fail(raw_response(404, raw))
    assert exc.__class__ is SendGridNotFoundError
    assert exc.errors == []
    assert exc.message == 'SendGrid not found: GET /v3/send_ips/pools returned HTTP 404: no error message in the response'


def test_decode_error_body_direct():
    assert decode_error_body({'errors': [{'field': 'f', 'message': None, 'error': 'from error key'}]}) == [
        {'field': 'f', 'message': 'from error key'}]
    assert decode_error_body(None, '') == []
    assert decode_error_body(None, ' text ') == [{'field': None, 'message': 'text'}]
    assert decode_error_body({'id': 'only-id'}) == []


# ------------------------------------------------------------------ authentication

def test_missing_scope():
    exc = fail(json_response(401, {'errors': [{'field': None, 'message': 'access forbidden'},
                                              {'field': None, 'message': 'missing required scope: ips.read'}]}))
    assert exc.__class__ is SendGridAuthenticationError
    assert exc.missing_scope == 'ips.read'
    assert 'missing required scope: ips.read' in exc.message


def test_missing_scope_absent():
    exc = fail(json_response(401, {'errors': [{'field': None, 'message': 'authorization required'}]}))
    assert exc.missing_scope is None
    exc = fail(json_response(403, {'errors': [{'field': None, 'message': 'Missing Required Scope'}]}))
    assert exc.missing_scope is None


# ------------------------------------------------------------------ the API key never leaks

def assert_no_key(exc):
    for text in (str(exc), exc.message, repr(exc.args), repr(exc.to_result()), repr(vars(exc))):
        assert API_KEY not in text


def test_key_echoed_in_error_message_is_redacted():
    exc = fail(json_response(401, {'errors': [{'field': None, 'message': f'The provided key {API_KEY} is invalid'}]}))
    assert_no_key(exc)
    assert exc.errors == [{'field': None, 'message': 'The provided key ******** is invalid'}]


def test_key_echoed_in_any_error_item_value_is_redacted():
    exc = fail(json_response(400, {'errors': [{'field': API_KEY, 'message': 'bad', 'help': {'echo': API_KEY},
                                               'error_id': API_KEY}], 'id': API_KEY}))
    assert_no_key(exc)


def test_key_echoed_in_legacy_and_text_bodies_is_redacted():
    assert_no_key(fail(json_response(404, {'error': f'no such key {API_KEY}'})))
    assert_no_key(fail(raw_response(500, f'proxy error; Authorization: Bearer {API_KEY}')))


def test_key_straddling_the_text_truncation_is_redacted():
    # The non-JSON body is cut to 500 characters; a key crossing that limit must not leak its head.
    exc = fail(raw_response(502, 'x' * 480 + f'Bearer {API_KEY} trailer'))
    assert_no_key(exc)
    assert API_KEY[:10] not in exc.message


def test_key_echoed_after_429_retries_is_redacted():
    body = {'errors': [{'field': None, 'message': f'too many requests for {API_KEY}'}]}
    client = make_client(*[json_response(429, body, {'Retry-After': '1'})] * 3, retry_budget=2.5)
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('GET', '/v3/ips')
    assert_no_key(info.value)


def test_key_in_transport_error_reason_is_redacted():
    client = make_client(transport_error(f'proxy refused Authorization: Bearer {API_KEY}', request_sent=True))
    with pytest.raises(SendGridNetworkError) as info:
        client.request('POST', '/v3/send_ips/pools', body={'name': 'p'})
    assert_no_key(info.value)
    assert info.value.reason == 'proxy refused Authorization: Bearer ********'


# ------------------------------------------------------------------ a user-facing error is at most a few kB

def test_format_items():
    assert format_items([]) == ''
    assert format_items(['a']) == 'a'
    assert format_items(['a', 'b', 'c']) == 'a, b, c'
    assert format_items(str(n) for n in range(25)) == ', '.join(str(n) for n in range(20)) + ' and 5 more'
    assert format_items(range(3), limit=2) == '0, 1 and 1 more'
    assert format_items(['x', 'y'], separator='; ') == 'x; y'
    long_item = 'z' * 1000
    shown = format_items([long_item])
    assert len(shown) <= 200 and shown.endswith('...')


def test_format_items_is_bounded_whatever_the_input():
    assert len(format_items(['q' * 10_000] * 10_000)) < 4500


def test_thousands_of_api_errors_give_a_short_message():
    errors = [{'field': 'ips', 'message': f'ip 10.0.{n // 256}.{n % 256} is not assignable ' + 'x' * 300}
              for n in range(5000)]
    exc = fail(json_response(400, {'errors': errors}))
    assert len(exc.message) < 5000
    assert exc.message.endswith(' and 4980 more')
    assert 'ip 10.0.0.0 is not assignable' in exc.message
    # the result handed to fail_json is bounded the same way
    result = exc.to_result()
    assert len(result['errors']) == 20
    assert len(repr(result)) < 8000
    assert result['errors_total'] == 5000


def test_one_huge_error_message_is_shortened():
    exc = fail(json_response(400, {'errors': [{'field': None, 'message': 'y' * 100_000}]}))
    assert len(exc.message) < 1000
    assert len(repr(exc.to_result())) < 1000
