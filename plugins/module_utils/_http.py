# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Transport layer: one ``requests.Session`` behind a small interface.

This is a private module_utils file: its API may change at any time.

The JSON API layer (``_client``) only sees ``Transport.send()`` and
``HTTPResponse``; tests replace the transport with a fake one.
"""

from __future__ import annotations

import ipaddress
import traceback
import typing as t
import warnings
from urllib.parse import urlsplit

REQUESTS_IMPORT_ERROR: str | None
try:
    import requests
    import requests.exceptions
    from urllib3 import exceptions as urllib3_exceptions
except ImportError:  # pragma: no cover - exercised through missing_required_lib
    requests = None  # type: ignore[assignment]
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

HAS_REQUESTS = REQUESTS_IMPORT_ERROR is None


class HTTPResponse:
    """A received HTTP response: status, headers (case-insensitive lookup) and raw body."""

    def __init__(self, status: int, headers: t.Mapping[str, str], body: bytes) -> None:
        self.status = status
        self._headers = {key.lower(): value for key, value in headers.items()}
        self.body = body

    def header(self, name: str) -> str | None:
        return self._headers.get(name.lower())


class TransportError(Exception):
    """No HTTP response was received.

    ``request_sent`` tells whether the request may have reached the server: when it
    is false (connection refused, connect timeout, DNS), repeating it is always safe.
    ``retryable`` is false for errors that a retry cannot fix (TLS verification).
    ``invalid_request`` is true when the request can never be sent as built (a header
    value HTTP forbids, a URL the library refuses): nothing left, nothing to retry.
    """

    def __init__(self, reason: str, request_sent: bool, retryable: bool = True, invalid_request: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request_sent = request_sent
        self.retryable = retryable and not invalid_request
        self.invalid_request = invalid_request


class Transport:
    """Interface of a transport. ``send`` returns an ``HTTPResponse`` or raises ``TransportError``."""

    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> HTTPResponse:
        raise NotImplementedError

    def close(self) -> None:
        """Release pooled connections."""


# Per-request proxies that override every proxy from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY).
NO_PROXIES: dict[str, str | None] = {'http': None, 'https': None, 'all': None}


class RequestsTransport(Transport):
    """Sends requests through one ``requests.Session`` so that connections are reused.

    ``verify`` is passed with every request, so that ``validate_certs=False`` holds even when
    ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` is set (requests would otherwise verify against
    that bundle); with ``validate_certs=True`` such a bundle is the trust store, as requests does.
    A loopback host (127.0.0.0/8, ::1, localhost) is never reached through a proxy from the
    environment; other hosts use the environment's proxies, as requests does.
    """

    def __init__(self, validate_certs: bool = True) -> None:
        if not HAS_REQUESTS:
            raise RuntimeError('the Python library requests is required')
        self.validate_certs = bool(validate_certs)
        self.session = requests.Session()
        self.session.verify = self.validate_certs
        if not self.validate_certs:
            # The user turned verification off on purpose; urllib3 would warn about it on every request.
            warnings.filterwarnings('ignore', category=urllib3_exceptions.InsecureRequestWarning)

    def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> HTTPResponse:
        invalid = _invalid_header(headers)
        if invalid:
            raise TransportError(invalid, request_sent=False, invalid_request=True)
        proxies = dict(NO_PROXIES) if _is_loopback_url(url) else None
        try:
            response = self.session.request(
                method, url, headers=headers, data=body, timeout=timeout, allow_redirects=False,
                auth=_keep_headers, verify=self.validate_certs, proxies=proxies)
        except (requests.exceptions.InvalidHeader, UnicodeError):
            # The library's message quotes the header value, which may be the API key: never pass it on.
            raise TransportError('a header value cannot be sent (a character HTTP forbids)', request_sent=False,
                                 invalid_request=True) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise TransportError(f'invalid URL: {_describe(exc)}', request_sent=False, invalid_request=True) from None
        except requests.exceptions.SSLError as exc:
            raise TransportError(f'TLS error: {_describe(exc)}', request_sent=False, retryable=False) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise TransportError(f'connection timed out: {_describe(exc)}', request_sent=False) from None
        except requests.exceptions.ReadTimeout:
            raise TransportError(f'no response within {timeout} seconds', request_sent=True) from None
        except requests.exceptions.ConnectionError as exc:
            raise TransportError(
                f'connection error: {_describe(exc)}', request_sent=not _is_connect_failure(exc)) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f'request failed: {_describe(exc)}', request_sent=True) from None
        return HTTPResponse(response.status_code, response.headers, response.content)

    def close(self) -> None:
        self.session.close()


def _invalid_header(headers: t.Mapping[str, str]) -> str | None:
    """Why one of ``headers`` cannot be sent (naming the header, never its value), or ``None``.

    HTTP/1.1 header values are one line of Latin-1 text without control characters.
    """
    for name, value in headers.items():
        if any(ord(char) < 32 and char != '\t' or ord(char) == 127 for char in value) or value != value.strip():
            return f'the value of the header {name} holds a line break or another control character'
        try:
            value.encode('latin-1')
        except UnicodeEncodeError:
            return f'the value of the header {name} holds characters outside Latin-1'
    return None


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 (with or without brackets) and localhost."""
    if host.lower() in ('localhost', 'localhost.localdomain'):
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False


def _is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname or '')
    except ValueError:
        return False


def _keep_headers(request: t.Any) -> t.Any:
    """An explicit no-op auth: stops requests from replacing our Authorization header with ~/.netrc credentials."""
    return request


def _is_connect_failure(exc: Exception) -> bool:
    """True when the connection could not be opened, so the request never left."""
    text = repr(exc)
    return any(marker in text for marker in (
        'NewConnectionError', 'Connection refused', 'Name or service not known',
        'Temporary failure in name resolution', 'nodename nor servname', 'No route to host',
    ))


def _describe(exc: Exception) -> str:
    """A short, single-line reason; the URL is left to the caller (it may carry user input)."""
    reason = exc.args[0] if exc.args else exc
    inner = getattr(reason, 'reason', None)
    text = str(inner if inner is not None else reason)
    return text.splitlines()[0][:300] if text else exc.__class__.__name__
