# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""JSON API layer of the SendGrid client.

This is a private module_utils file: its API may change at any time.

Knows HTTP the way SendGrid speaks it: bearer auth, the ``on-behalf-of`` header,
JSON bodies, error decoding into typed exceptions, retries (429 with
``X-RateLimit-Reset`` in both its forms or ``Retry-After``; 5xx and connection
errors with exponential backoff and jitter, only for requests that are safe to
repeat), one time budget for all retries of a call, and the two pagination
schemes. It does not know any endpoint: that is ``_api``.
"""

from __future__ import annotations

import ipaddress
import json
import random
import threading
import time
import typing as t
from urllib.parse import quote, urlencode, urlsplit

from ._errors import (
    SendGridConfigError,
    SendGridNetworkError,
    SendGridRateLimitError,
    SendGridServerError,
    decode_error_body,
    error_class_for,
)
from ._http import HTTPResponse, RequestsTransport, Transport, TransportError

REGION_URLS = {
    'global': 'https://api.sendgrid.com',
    'eu': 'https://api.eu.sendgrid.com',
}

SAFE_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))
RETRYABLE_STATUSES = frozenset((500, 502, 503, 504))
EPOCH_THRESHOLD = 1_000_000_000  # X-RateLimit-Reset above this is a Unix time, below it a number of seconds
MAX_RATE_LIMIT_WAIT = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
USER_AGENT = 'mailops.sendgrid/0.1.0'


def resolve_base_url(region: str | None = None, api_url: str | None = None) -> str:
    """Return the base URL to use, validating ``api_url``.

    ``http://`` is accepted only for loopback hosts (a local emulator); any other
    host must use ``https://``.
    """
    if not api_url:
        region = region or 'global'
        if region not in REGION_URLS:
            raise SendGridConfigError(f'region must be one of {", ".join(sorted(REGION_URLS))}, got {region!r}')
        return REGION_URLS[region]
    try:
        parts = urlsplit(api_url)
    except ValueError:  # e.g. an unbalanced '[' in the host
        parts = None
    if parts is not None and (parts.username or parts.password):
        raise SendGridConfigError('api_url must not contain credentials; use api_key')
    if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname or not _has_valid_port(parts):
        raise SendGridConfigError(f'api_url must be an http(s) URL such as https://api.sendgrid.com, got {api_url!r}')
    if parts.query or parts.fragment:
        raise SendGridConfigError(f'api_url must not contain a query or fragment, got {api_url!r}')
    if parts.scheme == 'http' and not is_loopback_host(parts.hostname):
        raise SendGridConfigError(
            f'api_url {api_url!r} uses plain http:// for the non-loopback host {parts.hostname!r};'
            ' only https:// is accepted there (http:// is allowed for 127.0.0.0/8, ::1 and localhost only)')
    return api_url.rstrip('/')


def _has_valid_port(parts: t.Any) -> bool:
    """False for a non-numeric or out-of-range port (reading ``port`` raises ``ValueError`` then)."""
    try:
        return parts.port is None or parts.port >= 0
    except ValueError:
        return False


def is_loopback_host(host: str) -> bool:
    if host.lower() in ('localhost', 'localhost.localdomain'):
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False


def build_path(template: str, *segments: t.Any) -> str:
    """Fill the ``{}`` placeholders of ``template`` with percent-encoded path segments.

    A space becomes ``%20`` (never ``+``) and ``/`` inside a segment is encoded, so a
    pool named ``a/b`` cannot escape its path segment.
    """
    return template.format(*(_quote_segment(segment) for segment in segments))


def _quote_segment(segment: t.Any) -> str:
    encoded = quote(str(segment), safe='')
    # '.' and '..' would be resolved as dot segments (requests does), leaving the path segment.
    return encoded.replace('.', '%2E') if encoded in ('.', '..') else encoded


def encode_query(params: t.Mapping[str, t.Any] | None) -> str:
    """Encode query parameters; ``None`` values are dropped, booleans are ``true``/``false``."""
    if not params:
        return ''
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        pairs.append((key, str(value)))
    return urlencode(pairs, quote_via=quote)


class SendGridClient:
    """Talks JSON to the SendGrid v3 API. Every module and plugin uses one of these."""

    def __init__(
        self,
        api_key: str,
        base_url: str = REGION_URLS['global'],
        on_behalf_of: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        retry_budget: float = 120.0,
        validate_certs: bool = True,
        transport: Transport | None = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
        wall_clock: t.Callable[[], float] = time.time,
        jitter: t.Callable[[float, float], float] = random.uniform,
    ) -> None:
        if not api_key or not str(api_key).strip():
            raise SendGridConfigError(
                'no SendGrid API key: set the api_key option or the SENDGRID_API_KEY environment variable')
        self._api_key = str(api_key).strip()
        self.base_url = base_url.rstrip('/')
        self.on_behalf_of = on_behalf_of
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_budget = retry_budget
        self.transport = transport if transport is not None else RequestsTransport(validate_certs=validate_certs)
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._jitter = jitter
        self.request_count = 0
        self.write_count = 0
        # Last X-RateLimit-Remaining seen, and its X-RateLimit-Reset as a wall-clock time (see wait_for_rate_limit).
        self.rate_limit_remaining: int | None = None
        self.rate_limit_reset_at: float | None = None
        self._state_lock = threading.Lock()       # counters and rate-limit state: one client serves many threads
        self._rate_limit_gate = threading.Lock()  # one thread sleeps for a spent rate limit, the others queue

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        body: t.Any = None,
        idempotent: bool | None = None,
    ) -> t.Any:
        """Send one API call and return the decoded JSON body (``None`` for an empty body).

        ``path`` must already be encoded (see ``build_path``). ``idempotent`` says whether
        the call may be repeated after a 5xx or a connection error that happened once the
        request was sent; it defaults to true for GET, PUT and DELETE, false otherwise.
        A 429 is always retried, as SendGrid did not process the request.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in SAFE_METHODS
        url = self.base_url + path
        encoded_query = encode_query(query)
        if encoded_query:
            url += '?' + encoded_query
        headers = {
            'Authorization': f'Bearer {self._api_key}',
            'Accept': 'application/json',
            'User-Agent': USER_AGENT,
        }
        if self.on_behalf_of:
            headers['on-behalf-of'] = self.on_behalf_of
        payload = None
        if body is not None:
            headers['Content-Type'] = 'application/json'
            payload = json.dumps(body).encode('utf-8')

        deadline = self._clock() + self.retry_budget
        attempt = 0
        while True:
            attempt += 1
            with self._state_lock:
                self.request_count += 1
                if method != 'GET':
                    self.write_count += 1
            try:
                response = self.transport.send(method, url, headers, payload, self.timeout)
            except TransportError as exc:
                retry_allowed = exc.retryable and (idempotent or not exc.request_sent)
                if retry_allowed and attempt <= self.max_retries:
                    wait = self._backoff(attempt)
                    if self._clock() + wait <= deadline:
                        self._sleep(wait)
                        continue
                raise SendGridNetworkError(
                    method, path, self._redact(exc.reason),
                    outcome_unknown=exc.request_sent and not idempotent) from None

            self._record_rate_limit(response)
            if response.status < 400:
                return self._decode(method, path, response)

            wait = self._retry_wait(response, attempt, idempotent)
            if wait is not None and attempt <= self.max_retries and self._clock() + wait <= deadline:
                self._sleep(wait)
                continue
            raise self._error(method, path, response, attempt, deadline, idempotent)

    def _retry_wait(self, response: HTTPResponse, attempt: int, idempotent: bool) -> float | None:
        if response.status == 429:
            return self._rate_limit_wait(response, attempt)
        if response.status in RETRYABLE_STATUSES and idempotent:
            return self._backoff(attempt)
        return None

    def _rate_limit_wait(self, response: HTTPResponse, attempt: int) -> float:
        """Seconds to wait before retrying a 429, from the headers SendGrid sent."""
        wait: float | None = None
        reset = _parse_number(response.header('X-RateLimit-Reset'))
        if reset is not None:
            wait = reset - self._wall_clock() if reset > EPOCH_THRESHOLD else reset
        retry_after = _parse_number(response.header('Retry-After'))
        if retry_after is not None:
            wait = max(wait or 0.0, retry_after)
        if wait is None:
            wait = self._backoff(attempt)
        # A reset in the past or right now: wait a little rather than hammering the API.
        return min(max(wait, 0.1), MAX_RATE_LIMIT_WAIT)

    def _record_rate_limit(self, response: HTTPResponse) -> None:
        remaining = _parse_number(response.header('X-RateLimit-Remaining'))
        if remaining is None:
            return
        reset = _parse_number(response.header('X-RateLimit-Reset'))
        if reset is not None and reset <= EPOCH_THRESHOLD:
            reset += self._wall_clock()
        with self._state_lock:
            self.rate_limit_remaining = int(remaining)
            self.rate_limit_reset_at = reset

    def wait_for_rate_limit(self) -> float:
        """Call before starting a new request: when the last response said no request remains
        (``X-RateLimit-Remaining: 0``), sleep until its ``X-RateLimit-Reset`` (at most 60 s).

        Returns the seconds slept. Thread-safe: one caller sleeps while the others queue behind
        it, then go on; the spent reading is dropped so that nobody waits twice for one reset.
        """
        with self._rate_limit_gate:
            with self._state_lock:
                remaining, reset_at = self.rate_limit_remaining, self.rate_limit_reset_at
                if remaining is None or remaining > 0:
                    return 0.0
                self.rate_limit_remaining = None
            wait = 0.0 if reset_at is None else min(reset_at - self._wall_clock(), MAX_RATE_LIMIT_WAIT)
            if wait <= 0:
                return 0.0
            self._sleep(wait)
            return wait

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
        return self._jitter(ceiling / 2, ceiling)

    def _error(
        self, method: str, path: str, response: HTTPResponse, attempts: int, deadline: float, idempotent: bool,
    ) -> Exception:
        # Redact before decoding: the text may be cut to 500 characters, which could cut the key in two.
        text = self._redact(response.body.decode('utf-8', errors='replace'))
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = None
        errors = decode_error_body(body, text)
        for item in errors:
            item['message'] = self._redact(item['message'])
        detail = None
        cls = error_class_for(response.status)
        if cls is SendGridRateLimitError or (cls is SendGridServerError and attempts > 1):
            spent = max(0.0, self.retry_budget - (deadline - self._clock()))
            detail = (f'gave up after {attempts} attempts in {spent:.1f} s; retry budget {self.retry_budget:g} s,'
                      f' max_retries {self.max_retries}')
        elif cls is SendGridServerError and not idempotent:
            detail = ('not retried, as this request is not safe to repeat: it may or may not have been applied;'
                      ' run the task again to converge')
        return cls(method, path, response.status, errors, detail=detail)

    def _decode(self, method: str, path: str, response: HTTPResponse) -> t.Any:
        if not response.body or not response.body.strip():
            return None
        try:
            return json.loads(response.body.decode('utf-8'))
        except ValueError:
            raise SendGridServerError(method, path, response.status, [
                {'field': None, 'message': 'response body is not valid JSON'}]) from None

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, '********') if self._api_key else text

    # ------------------------------------------------------------------ pagination

    def iter_offset_pages(
        self, path: str, query: t.Mapping[str, t.Any] | None = None, page_size: int = 500,
    ) -> t.Iterator[t.Any]:
        """Items of a limit/offset list (bare JSON array); stops on a short page."""
        offset = 0
        while True:
            page = self.request('GET', path, query={**(query or {}), 'limit': page_size, 'offset': offset})
            items = page if isinstance(page, list) else []
            yield from items
            if len(items) < page_size:
                return
            offset += page_size

    def iter_cursor_pages(
        self, path: str, query: t.Mapping[str, t.Any] | None = None, page_size: int = 100,
    ) -> t.Iterator[t.Any]:
        """Items of an ``after_key`` list (``{"result": [...], "_metadata": {"next_params": ...}}``)."""
        after_key = None
        seen_keys: set[str] = set()
        while True:
            params = {**(query or {}), 'limit': page_size}
            if after_key is not None:
                params['after_key'] = after_key
            page = self.request('GET', path, query=params) or {}
            yield from page.get('result') or []
            metadata = page.get('_metadata') or {}
            # The schema nests the key under next_params; one of the spec's examples puts it in _metadata itself.
            after_key = (metadata.get('next_params') or {}).get('after_key', metadata.get('after_key'))
            if after_key in (None, '') or str(after_key) in seen_keys:
                return
            seen_keys.add(str(after_key))

    def iter_marker_pages(
        self, path: str, query: t.Mapping[str, t.Any] | None = None, page_size: int = 100,
    ) -> t.Iterator[t.Any]:
        """Items of a list whose ``offset`` is the last item already read (``{"result": [...], "pages": {"last"}}``).

        The partner IP provisioning list works this way: the next page starts after ``pages.last``. A page
        shorter than ``page_size`` is not taken as the last one (the server may cap the limit lower); the list
        ends on an empty page, a page without ``pages.last``, or a ``last`` already seen.
        """
        marker = None
        seen: set[str] = set()
        while True:
            params = {**(query or {}), 'limit': page_size}
            if marker is not None:
                params['offset'] = marker
            page = self.request('GET', path, query=params)
            page = page if isinstance(page, dict) else {}
            items = page.get('result') or []
            yield from items
            marker = (page.get('pages') or {}).get('last')
            if not items or marker in (None, '') or str(marker) in seen:
                return
            seen.add(str(marker))

    def close(self) -> None:
        self.transport.close()


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
