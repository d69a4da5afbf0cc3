# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SendGridClient: headers, body encoding, URL building and connection settings."""

from __future__ import annotations

import json

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils import _client
from ansible_collections.mailops.sendgrid.plugins.module_utils._client import (
    SendGridClient,
    build_path,
    encode_query,
    is_loopback_host,
    resolve_base_url,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridConfigError,
    SendGridInputError,
    SendGridUnexpectedResponseError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    FakeTransport,
    empty_response,
    make_client,
    raw_response,
)


# ------------------------------------------------------------------ headers and bodies

def test_get_sends_exact_headers_and_no_body():
    client = make_client((200, [{'ip': '192.0.2.1'}]))
    assert client.request('GET', '/v3/ips/assigned') == [{'ip': '192.0.2.1'}]
    [call] = client.transport.calls
    assert call.method == 'GET'
    assert call.url == 'https://api.sendgrid.com/v3/ips/assigned'
    assert call.headers == {
        'Authorization': f'Bearer {API_KEY}',
        'Accept': 'application/json',
        'User-Agent': _client.USER_AGENT,
    }
    assert _client.USER_AGENT.startswith('mailops.sendgrid/')
    assert call.body is None
    assert call.timeout == 30.0


def test_method_is_upper_cased_and_timeout_passed():
    client = make_client((200, {}), timeout=7.5)
    client.request('get', '/v3/ips')
    assert client.transport.calls[0].method == 'GET'
    assert client.transport.calls[0].timeout == 7.5


def test_on_behalf_of_header_only_when_set():
    with_obo = make_client((200, {}), on_behalf_of='shop-eu')
    with_obo.request('GET', '/v3/ips')
    assert with_obo.transport.calls[0].headers['on-behalf-of'] == 'shop-eu'

    without = make_client((200, {}), on_behalf_of=None)
    without.request('GET', '/v3/ips')
    assert all(key.lower() != 'on-behalf-of' for key in without.transport.calls[0].headers)

    empty = make_client((200, {}), on_behalf_of='')
    empty.request('GET', '/v3/ips')
    assert all(key.lower() != 'on-behalf-of' for key in empty.transport.calls[0].headers)


def test_json_body_sets_content_type_and_is_utf8_json():
    client = make_client((201, {'id': 'p1'}))
    body = {'name': 'caf\u00e9 pool', 'ips': ['192.0.2.1', '192.0.2.2']}
    assert client.request('POST', '/v3/send_ips/pools', body=body) == {'id': 'p1'}
    [call] = client.transport.calls
    assert call.headers['Content-Type'] == 'application/json'
    assert call.headers['Authorization'] == f'Bearer {API_KEY}'
    assert call.body == json.dumps(body).encode('utf-8')
    assert json.loads(call.body.decode('utf-8')) == body


@pytest.mark.parametrize('body, raw', [([], b'[]'), ({}, b'{}'), (['192.0.2.1'], b'["192.0.2.1"]'), (False, b'false')])
def test_falsy_bodies_are_still_sent(body, raw):
    client = make_client((200, {'ips': []}))
    client.request('PUT', '/v3/subusers/bob/ips', body=body)
    [call] = client.transport.calls
    assert call.body == raw
    assert call.headers['Content-Type'] == 'application/json'


def test_api_key_is_stripped():
    client = make_client((200, {}), api_key='  SG.spaced.key \n')
    client.request('GET', '/v3/ips')
    assert client.transport.calls[0].headers['Authorization'] == 'Bearer SG.spaced.key'


@pytest.mark.parametrize('key', ['', '   ', None])
def test_empty_api_key_is_a_config_error(key):
    transport = FakeTransport()
    with pytest.raises(SendGridConfigError) as info:
        SendGridClient(key, transport=transport)
    assert 'SENDGRID_API_KEY' in str(info.value)
    assert transport.calls == []


def test_query_is_encoded_into_url_and_none_dropped():
    client = make_client((200, []))
    client.request('GET', '/v3/ips', query={'subuser': 'a b', 'ip': None, 'include_region': True, 'limit': 10})
    assert client.transport.calls[0].url == 'https://api.sendgrid.com/v3/ips?subuser=a%20b&include_region=true&limit=10'


def test_query_with_only_none_values_adds_no_question_mark():
    client = make_client((200, []))
    client.request('GET', '/v3/ips', query={'ip': None})
    assert client.transport.calls[0].url == 'https://api.sendgrid.com/v3/ips'


def test_base_url_trailing_slash_is_stripped_in_client():
    client = make_client((200, {}), base_url='http://127.0.0.1:8080/')
    client.request('GET', '/v3/ips')
    assert client.transport.calls[0].url == 'http://127.0.0.1:8080/v3/ips'


@pytest.mark.parametrize('response', [empty_response(204), raw_response(200, b''), raw_response(200, b'  \n')])
def test_empty_success_body_returns_none(response):
    client = make_client(response)
    assert client.request('DELETE', '/v3/send_ips/pools/p1') is None


def test_non_json_success_body_is_an_unexpected_response():
    client = make_client(raw_response(200, b'<html>ok</html>'))
    with pytest.raises(SendGridUnexpectedResponseError) as info:
        client.request('GET', '/v3/ips')
    assert info.value.status == 200
    assert info.value.errors == [{'field': None, 'message': 'the body is not valid JSON'}]
    assert 'GET /v3/ips returned HTTP 200' in str(info.value)


def test_counters_and_close():
    client = make_client((200, {}), (200, {}), (200, {}))
    client.request('GET', '/v3/ips')
    client.request('POST', '/v3/ips/warmup', body={'ip': '192.0.2.1'})
    client.request('DELETE', '/v3/ips/warmup/192.0.2.1')
    assert client.request_count == 3
    assert client.write_count == 2
    client.close()
    assert client.transport.closed is True


# ------------------------------------------------------------------ resolve_base_url

@pytest.mark.parametrize('region, expected', [
    (None, 'https://api.sendgrid.com'),
    ('global', 'https://api.sendgrid.com'),
    ('eu', 'https://api.eu.sendgrid.com'),
])
def test_regions(region, expected):
    assert resolve_base_url(region) == expected
    assert resolve_base_url(region, '') == expected


def test_unknown_region():
    with pytest.raises(SendGridConfigError, match=r"region must be one of eu, global, got 'us'"):
        resolve_base_url('us')


@pytest.mark.parametrize('api_url, expected', [
    ('https://api.sendgrid.com', 'https://api.sendgrid.com'),
    ('https://proxy.example.com/sendgrid/', 'https://proxy.example.com/sendgrid'),
    ('https://api.sendgrid.com///', 'https://api.sendgrid.com'),
    ('http://127.0.0.1:8080', 'http://127.0.0.1:8080'),
    ('http://127.5.5.5/', 'http://127.5.5.5'),
    ('http://[::1]:3000/', 'http://[::1]:3000'),
    ('http://localhost:8080/', 'http://localhost:8080'),
    ('http://LOCALHOST', 'http://LOCALHOST'),
    ('https://api.sendgrid.com/v3', 'https://api.sendgrid.com'),
    ('https://api.sendgrid.com/v3/', 'https://api.sendgrid.com'),
])
def test_api_url_accepted(api_url, expected):
    # api_url wins over the region
    assert resolve_base_url('eu', api_url) == expected


@pytest.mark.parametrize('host, expected', [
    ('127.0.0.1', True), ('127.5.5.5', True), ('::1', True), ('[::1]', True), ('localhost', True),
    ('localhost.localdomain', True), ('10.0.0.1', False), ('example.com', False), ('127.0.0.1.example.com', False),
    ('::2', False), ('0.0.0.0', False),
])
def test_is_loopback_host(host, expected):
    assert is_loopback_host(host) is expected


@pytest.mark.parametrize('api_url', ['http://10.0.0.1', 'http://10.0.0.1:8080/', 'http://example.com', 'http://api.sendgrid.com'])
def test_plain_http_rejected_for_non_loopback(api_url):
    with pytest.raises(SendGridConfigError) as info:
        resolve_base_url(None, api_url)
    assert 'only https:// is accepted' in str(info.value)


@pytest.mark.parametrize('api_url', [
    'https://user:s3cr3t-pw@api.sendgrid.com',
    'https://apikey:s3cr3t-pw@api.sendgrid.com/',
    'http://user:s3cr3t-pw@127.0.0.1:8080',
    'https://s3cr3t-pw@api.sendgrid.com',
    'ftp://user:s3cr3t-pw@api.sendgrid.com',
    'https://user:s3cr3t-pw@',
    'https://user:s3cr3t-pw@api.sendgrid.com:abc',
])
def test_credentials_in_api_url_rejected_without_echoing_them(api_url):
    with pytest.raises(SendGridConfigError) as info:
        resolve_base_url(None, api_url)
    assert 's3cr3t-pw' not in str(info.value)


def test_credentials_message():
    with pytest.raises(SendGridConfigError, match='must not contain credentials'):
        resolve_base_url(None, 'https://user:pw@api.sendgrid.com')


@pytest.mark.parametrize('api_url', [
    'api.sendgrid.com', 'ftp://api.sendgrid.com', 'https://', 'not a url', 'file:///etc/passwd',
    'https://api.sendgrid.com/?x=1', 'https://api.sendgrid.com/#frag', 'http://[::1', 'https://api.sendgrid.com:abc',
    'https://api.sendgrid.com:99999',
])
def test_garbage_api_url_is_a_config_error(api_url):
    with pytest.raises(SendGridConfigError):
        resolve_base_url(None, api_url)


# ------------------------------------------------------------------ build_path / encode_query

@pytest.mark.parametrize('segment, expected', [
    ('my pool', '/v3/send_ips/pools/my%20pool'),
    ('a/b', '/v3/send_ips/pools/a%2Fb'),
    ('caf\u00e9', '/v3/send_ips/pools/caf%C3%A9'),
    ('a+b', '/v3/send_ips/pools/a%2Bb'),
    ('?#%', '/v3/send_ips/pools/%3F%23%25'),
    ('...', '/v3/send_ips/pools/...'),
    ('a..b', '/v3/send_ips/pools/a..b'),
    ('192.0.2.1', '/v3/send_ips/pools/192.0.2.1'),
    (42, '/v3/send_ips/pools/42'),
])
def test_build_path_encodes_one_segment(segment, expected):
    assert build_path('/v3/send_ips/pools/{}', segment) == expected


@pytest.mark.parametrize('segment', ['.', '..'])
def test_build_path_refuses_dot_segments(segment):
    # requests turns %2E back into '.', and a dot segment is then resolved away: refused (see test_client_wire)
    with pytest.raises(SendGridInputError, match='cannot be used as a path segment'):
        build_path('/v3/send_ips/pools/{}', segment)


def test_build_path_takes_spec_placeholders_and_checks_the_count():
    assert build_path('/v3/send_ips/pools/{poolid}/ips', '7') == '/v3/send_ips/pools/7/ips'
    assert build_path('/v3/ips') == '/v3/ips'
    with pytest.raises(ValueError):
        build_path('/v3/send_ips/pools/{poolid}')
    with pytest.raises(ValueError):
        build_path('/v3/ips', 'x')


def test_build_path_keeps_colon_template_literal():
    assert build_path('/v3/send_ips/pools/{}/ips:batchAdd', 'p 1') == '/v3/send_ips/pools/p%201/ips:batchAdd'
    assert build_path('/v3/send_ips/ips/{}/subusers:batchDelete', '2001:db8::1') == \
        '/v3/send_ips/ips/2001%3Adb8%3A%3A1/subusers:batchDelete'


def test_build_path_segment_reaches_transport_encoded():
    client = make_client(empty_response(204))
    client.request('DELETE', build_path('/v3/send_ips/pools/{}', 'a b/c'))
    assert client.transport.calls[0].url == 'https://api.sendgrid.com/v3/send_ips/pools/a%20b%2Fc'


def test_encode_query():
    assert encode_query({'a': True, 'b': False, 'c': None, 'd': 'x y', 'e': 5, 'f': 'a&b=c/d'}) == \
        'a=true&b=false&d=x%20y&e=5&f=a%26b%3Dc%2Fd'
    assert encode_query(None) == ''
    assert encode_query({}) == ''
    assert encode_query({'only': None}) == ''
    assert encode_query({'u': 'caf\u00e9'}) == 'u=caf%C3%A9'


def test_user_agent_names_the_version_of_galaxy_yml():
    """The User-Agent says which release sends the request: the version galaxy.yml builds."""
    import os
    import re

    galaxy = os.path.join(os.path.dirname(_client.__file__), '..', '..', 'galaxy.yml')
    with open(galaxy, encoding='utf-8') as handle:
        version = re.search(r'^version:\s*(\S+)\s*$', handle.read(), re.MULTILINE).group(1)
    assert _client.USER_AGENT == f'mailops.sendgrid/{version}'
