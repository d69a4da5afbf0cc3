# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What really goes on the wire, through the real ``requests`` transport, to tiny servers on 127.0.0.1.

Proxies from the environment, ``validate_certs`` against ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``,
redirects (never followed), dot segments, and header values that cannot be sent.
"""

from __future__ import annotations

import http.server
import os
import shutil
import ssl
import subprocess
import threading
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._client import SendGridClient, build_path
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridConfigError,
    SendGridInputError,
    SendGridNetworkError,
    SendGridUnexpectedResponseError,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._http import RequestsTransport, TransportError
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import client_from_settings

KEY = 'SG.wire-test-key.0123456789'
PROXY_VARIABLES = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with ``server.answer`` (status, headers, body) and records what it received."""

    protocol_version = 'HTTP/1.1'

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:
            pass

    def _serve(self) -> None:
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        self.server.received.append({  # type: ignore[attr-defined]
            'method': self.command, 'target': self.path, 'headers': dict(self.headers), 'body': body})
        status, headers, payload = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def do_CONNECT(self) -> None:  # a proxy asked to tunnel: record it and refuse
        self.server.received.append({  # type: ignore[attr-defined]
            'method': 'CONNECT', 'target': self.path, 'headers': dict(self.headers), 'body': b''})
        self.send_response(403)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args: t.Any) -> None:
        pass


class Server:
    """A threaded HTTP(S) server on 127.0.0.1 and a random port."""

    def __init__(self, answer: tuple[int, dict[str, str], bytes] = (200, {'Content-Type': 'application/json'}, b'[]'),
                 tls: ssl.SSLContext | None = None) -> None:
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
        self.httpd.daemon_threads = True
        self.httpd.received = []  # type: ignore[attr-defined]
        self.httpd.answer = answer  # type: ignore[attr-defined]
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def received(self) -> list[dict[str, t.Any]]:
        return self.httpd.received  # type: ignore[attr-defined]

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: t.Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def clean_env(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def client_for(url: str, **settings: t.Any) -> SendGridClient:
    return client_from_settings({'api_key': KEY, 'api_url': url, 'max_retries': 0, 'timeout': 5, **settings})


def received_text(server: Server) -> str:
    return repr(server.received)


# ------------------------------------------------------------------ proxies

@pytest.mark.parametrize('variable', ['HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'])
@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_loopback_http_never_goes_through_a_proxy_from_the_environment(clean_env, variable, host):
    with Server() as proxy, Server() as api:
        clean_env.setenv(variable, f'http://127.0.0.1:{proxy.port}')
        client = client_for(f'http://{host}:{api.port}')
        try:
            assert client.request('GET', '/v3/ips') == []
        finally:
            client.close()
        assert proxy.received == []
        assert [entry['target'] for entry in api.received] == ['/v3/ips']
        assert api.received[0]['headers']['Authorization'] == f'Bearer {KEY}'


def test_https_to_a_real_host_still_uses_the_proxy_from_the_environment(clean_env):
    # Users behind a proxy need it. The proxy only sees CONNECT (the key travels inside TLS): it refuses here,
    # so the request fails without ever leaving this machine.
    with Server() as proxy:
        clean_env.setenv('HTTPS_PROXY', f'http://127.0.0.1:{proxy.port}')
        client = client_for('https://api.sendgrid.com')
        try:
            with pytest.raises(SendGridNetworkError):
                client.request('GET', '/v3/ips')
        finally:
            client.close()
        assert [entry['method'] for entry in proxy.received] == ['CONNECT']
        assert proxy.received[0]['target'] == 'api.sendgrid.com:443'
        assert KEY not in received_text(proxy)


# ------------------------------------------------------------------ validate_certs

@pytest.fixture(scope='module')
def self_signed(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (made with the openssl command line)."""
    openssl = shutil.which('openssl')
    assert openssl, 'the openssl command is needed to make a test certificate'
    directory = tmp_path_factory.mktemp('tls')
    cert, key = directory / 'cert.pem', directory / 'key.pem'
    subprocess.run([openssl, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
                    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', str(key), '-out', str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context, cert


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_validate_certs_false_is_honoured_when_a_ca_bundle_is_set_in_the_environment(clean_env, self_signed, variable):
    context, _cert = self_signed
    clean_env.setenv(variable, _ca_bundle_without(self_signed))
    with Server(tls=context) as api:
        client = client_for(f'https://127.0.0.1:{api.port}', validate_certs=False)
        try:
            assert client.request('GET', '/v3/ips') == []
        finally:
            client.close()
        assert len(api.received) == 1


@pytest.mark.parametrize('variable', [None, 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_validate_certs_true_stays_true(clean_env, self_signed, variable):
    context, _cert = self_signed
    if variable:
        clean_env.setenv(variable, _ca_bundle_without(self_signed))
    with Server(tls=context) as api:
        client = client_for(f'https://127.0.0.1:{api.port}', validate_certs=True)
        try:
            with pytest.raises(SendGridNetworkError) as info:
                client.request('GET', '/v3/ips')
        finally:
            client.close()
        assert 'TLS error' in info.value.message
        assert api.received == []


def test_validate_certs_true_trusts_the_bundle_from_the_environment(clean_env, self_signed):
    context, cert = self_signed
    clean_env.setenv('REQUESTS_CA_BUNDLE', str(cert))
    with Server(tls=context) as api:
        client = client_for(f'https://127.0.0.1:{api.port}', validate_certs=True)
        try:
            assert client.request('GET', '/v3/ips') == []
        finally:
            client.close()


def _ca_bundle_without(self_signed: t.Any) -> str:
    """A CA bundle that exists but does not hold the test certificate (the system's, or certifi's)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.exists(candidate):
            return candidate
    import certifi  # requests depends on it
    return certifi.where()


# ------------------------------------------------------------------ redirects are never followed

def test_a_redirect_to_another_host_is_not_followed_and_the_key_stays_here(clean_env):
    with Server() as elsewhere:
        target = f'http://localhost:{elsewhere.port}/v3/ips'
        with Server((302, {'Location': target}, b'')) as api:
            client = client_for(f'http://127.0.0.1:{api.port}')
            try:
                with pytest.raises(SendGridUnexpectedResponseError) as info:
                    client.request('GET', '/v3/ips')
            finally:
                client.close()
            assert len(api.received) == 1
        assert elsewhere.received == []
    assert 'HTTP 302' in info.value.message and 'redirect to localhost' in info.value.message


# ------------------------------------------------------------------ dot segments

@pytest.mark.parametrize('segment', ['.', '..'])
def test_dot_segments_are_refused_before_any_request(clean_env, segment):
    with Server((204, {}, b'')) as api:
        client = client_for(f'http://127.0.0.1:{api.port}')
        try:
            with pytest.raises(SendGridInputError) as info:
                client.request('DELETE', build_path('/v3/send_ips/pools/{}', segment))
        finally:
            client.close()
        assert api.received == []
    assert f"{segment!r} cannot be used as a path segment" in info.value.message


@pytest.mark.parametrize('segment, on_the_wire', [
    ('...', '/v3/send_ips/pools/...'),
    ('a..b', '/v3/send_ips/pools/a..b'),
    ('.hidden', '/v3/send_ips/pools/.hidden'),
    ('a b/c', '/v3/send_ips/pools/a%20b%2Fc'),
    ('%2E%2E', '/v3/send_ips/pools/%252E%252E'),
])
def test_other_segments_arrive_as_built(clean_env, segment, on_the_wire):
    with Server((204, {}, b'')) as api:
        client = client_for(f'http://127.0.0.1:{api.port}')
        try:
            client.request('DELETE', build_path('/v3/send_ips/pools/{}', segment))
        finally:
            client.close()
        assert [entry['target'] for entry in api.received] == [on_the_wire]


# ------------------------------------------------------------------ header values that cannot be sent

@pytest.mark.parametrize('key', [
    'SG.abc\r\nX-Injected: 1', 'SG.abc\ndef', 'SG.abc\rdef', 'SG.abc\x00def', 'SG.abc\x7fdef', 'SG.abc\tdef',
    'SG.abc\u2013def', 'SG.\U0001F511key',
])
def test_an_api_key_that_cannot_be_sent_is_refused_before_any_request(clean_env, key):
    with Server() as api:
        with pytest.raises(SendGridConfigError) as info:
            client = client_for(f'http://127.0.0.1:{api.port}', api_key=key)
            client.request('GET', '/v3/ips')
        assert api.received == []
    message = info.value.message
    assert message.startswith('api_key ')
    assert 'the key is not shown' in message
    for fragment in (key, 'SG.abc', 'SG.\U0001F511', 'X-Injected', '\u2013', 'abc\\', "'SG"):
        assert fragment not in message


def test_a_header_value_that_cannot_be_sent_is_not_retried_and_not_echoed(clean_env):
    # The backstop under the client's own checks: the transport itself refuses, without the value.
    with Server() as api:
        transport = RequestsTransport()
        try:
            with pytest.raises(TransportError) as info:
                transport.send('GET', f'http://127.0.0.1:{api.port}/v3/ips',
                               {'Authorization': 'Bearer SG.secret\r\nX: y'}, None, 5)
            with pytest.raises(TransportError) as latin:
                transport.send('GET', f'http://127.0.0.1:{api.port}/v3/ips',
                               {'Authorization': 'Bearer SG.secret\u2013'}, None, 5)
        finally:
            transport.close()
        assert api.received == []
    for exc in (info.value, latin.value):
        assert exc.retryable is False and exc.request_sent is False and exc.invalid_request is True
        assert 'secret' not in exc.reason
        assert 'Authorization' in exc.reason


def test_an_on_behalf_of_that_cannot_be_sent_is_refused(clean_env):
    with pytest.raises(SendGridConfigError) as info:
        client_for('http://127.0.0.1:9', on_behalf_of='shop\r\nX-Evil: 1')
    assert 'on_behalf_of' in info.value.message
