# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""JSON API layer of the SendGrid client.

This is a private module_utils file: its API may change at any time.

Knows HTTP the way SendGrid speaks it: bearer auth, the ``on-behalf-of`` header,
JSON bodies, only 2xx as success (a redirect is an error, never followed), the
documented shape of a body (``Shape``), error decoding into typed exceptions,
retries (429 with ``X-RateLimit-Reset`` in both its forms or ``Retry-After``, behind
one gate shared by every thread; 5xx and connection errors with exponential backoff
and jitter, only for requests that are safe to repeat), one time budget for all
retries of a call, and the two pagination schemes. It does not know any endpoint:
that is ``_api``.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
import typing as t
from urllib.parse import quote, urlencode, urlsplit

from ._errors import (
    SendGridAPIError,
    SendGridConfigError,
    SendGridInputError,
    SendGridNetworkError,
    SendGridRateLimitError,
    SendGridServerError,
    SendGridUnexpectedResponseError,
    decode_error_body,
    error_class_for,
    format_items,
    shorten,
)
from ._http import HTTPResponse, RequestsTransport, Transport, TransportError, is_loopback_host

__all__ = [
    'REGION_URLS', 'SendGridClient', 'Shape', 'build_path', 'encode_query', 'is_loopback_host', 'resolve_base_url',
    'resolve_hosts',
]

REGION_URLS = {
    'global': 'https://api.sendgrid.com',
    'eu': 'https://api.eu.sendgrid.com',
}

SAFE_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))
READ_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS'))
RETRYABLE_STATUSES = frozenset((500, 502, 503, 504))
EPOCH_THRESHOLD = 1_000_000_000  # X-RateLimit-Reset above this is a Unix time, below it a number of seconds
MAX_RATE_LIMIT_WAIT = 60.0
MIN_RATE_LIMIT_WAIT = 0.1
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BUDGET = 120.0
USER_AGENT = 'mailops.sendgrid/0.1.0'


# ---------------------------------------------------------------------------------------- connection settings

def resolve_hosts(region: str | None = None, api_url: str | None = None) -> tuple[str, str | None]:
    """The base URL of every request, and the one of the operations only ``api.sendgrid.com`` serves.

    Without ``api_url``, ``region`` picks the base URL and the global host is ``api.sendgrid.com``.
    With ``api_url`` and ``region: global``, ``api_url`` is the global host. With ``api_url`` and
    ``region: eu``, ``api_url`` is taken as the EU host, and the global host is unknown (``None``):
    the operations served only by the global host then cannot be sent (see ``_api``).
    """
    region = region or 'global'
    if region not in REGION_URLS:
        raise SendGridConfigError(f'region must be one of {", ".join(sorted(REGION_URLS))}, got {shorten(repr(region))}')
    base_url = resolve_base_url(region, api_url)
    if not api_url:
        return base_url, REGION_URLS['global']
    return base_url, base_url if region == 'global' else None


def resolve_base_url(region: str | None = None, api_url: str | None = None) -> str:
    """Return the base URL to use, validating ``api_url``.

    ``http://`` is accepted only for loopback hosts (a local emulator); any other
    host must use ``https://``. A trailing ``/v3`` (as SendGrid's docs write the base
    URL) is dropped: the client adds it to every path.
    """
    if not api_url:
        region = region or 'global'
        if region not in REGION_URLS:
            raise SendGridConfigError(
                f'region must be one of {", ".join(sorted(REGION_URLS))}, got {shorten(repr(region))}')
        return REGION_URLS[region]
    shown = shorten(repr(api_url))
    try:
        parts = urlsplit(api_url)
    except ValueError:  # e.g. an unbalanced '[' in the host
        parts = None
    if parts is not None and (parts.username or parts.password):
        raise SendGridConfigError('api_url must not contain credentials; use api_key')
    if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname or not _has_valid_port(parts):
        raise SendGridConfigError(f'api_url must be an http(s) URL such as https://api.sendgrid.com, got {shown}')
    if parts.query or parts.fragment:
        raise SendGridConfigError(f'api_url must not contain a query or fragment, got {shown}')
    if parts.scheme == 'http' and not is_loopback_host(parts.hostname):
        raise SendGridConfigError(
            f'api_url {shown} uses plain http:// for the non-loopback host {parts.hostname!r};'
            ' only https:// is accepted there (http:// is allowed for 127.0.0.0/8, ::1 and localhost only)')
    base_url = api_url.rstrip('/')
    if base_url.endswith('/v3'):
        base_url = base_url[:-3].rstrip('/')
    return base_url


def _has_valid_port(parts: t.Any) -> bool:
    """False for a non-numeric or out-of-range port (reading ``port`` raises ``ValueError`` then)."""
    try:
        return parts.port is None or parts.port >= 0
    except ValueError:
        return False


def _show(value: t.Any) -> str:
    return shorten(repr(value) if isinstance(value, str) else str(value), 60)


def check_api_key(api_key: t.Any) -> str:
    """The key, stripped; refused (without showing it) when it is empty or cannot travel in an HTTP header."""
    key = '' if api_key is None else str(api_key).strip()
    if not key:
        raise SendGridConfigError(
            'no SendGrid API key: set the api_key option or the SENDGRID_API_KEY environment variable')
    if _has_control_character(key):
        raise SendGridConfigError(
            'api_key holds a line break, a tab or another control character; a SendGrid API key is one line of'
            ' printable ASCII. Check how it was set: surrounding whitespace is removed, inner characters are not'
            ' (the key is not shown)')
    if not _is_latin1(key):
        raise SendGridConfigError(
            'api_key holds characters outside Latin-1, which no HTTP header can carry; a SendGrid API key is'
            ' printable ASCII (the key is not shown)')
    return key


def check_on_behalf_of(value: t.Any) -> str | None:
    if value is None or value == '':
        return None
    text = str(value)
    if _has_control_character(text) or not _is_latin1(text) or text != text.strip():
        raise SendGridConfigError(
            'on_behalf_of must be a subuser username: one line of Latin-1 text without control characters or'
            f' surrounding whitespace, got {_show(text)}')
    return text


def _has_control_character(text: str) -> bool:
    return any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text)


def _is_latin1(text: str) -> bool:
    try:
        text.encode('latin-1')
    except UnicodeEncodeError:
        return False
    return True


def check_seconds(name: str, value: t.Any, default: float, allow_zero: bool) -> float:
    """A finite number of seconds (> 0, or >= 0 with ``allow_zero``); ``None`` is the default."""
    if value is None:
        return default
    rule = '0 or more' if allow_zero else 'greater than 0'
    message = (f'{name} must be a number of seconds, {rule}, got {_show(value)}' if allow_zero
               else f'{name} must be a number of seconds {rule}, got {_show(value)}')
    if isinstance(value, bool):
        raise SendGridConfigError(message)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SendGridConfigError(message) from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise SendGridConfigError(message)
    return number


def check_count(name: str, value: t.Any, default: int) -> int:
    """A whole number, 0 or more; ``None`` is the default."""
    if value is None:
        return default
    message = f'{name} must be 0 or more, got {_show(value)}'
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise SendGridConfigError(message)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SendGridConfigError(message) from None
    if number < 0:
        raise SendGridConfigError(message)
    return number


# ---------------------------------------------------------------------------------------- paths and queries

_PLACEHOLDER = re.compile(r'\{[^{}]*\}')


def build_path(template: str, *segments: t.Any) -> str:
    """Fill the placeholders of ``template`` (``{}`` or the spec's ``{name}``) with percent-encoded segments.

    A space becomes ``%20`` (never ``+``) and ``/`` inside a segment is encoded, so a pool
    named ``a/b`` cannot escape its path segment. ``.`` and ``..`` are refused
    (``SendGridInputError``): HTTP libraries and servers resolve them even percent-encoded.
    """
    values = iter(segments)
    count = len(_PLACEHOLDER.findall(template))
    if count != len(segments):
        raise ValueError(f'{template} takes {count} path segment(s), got {len(segments)}')
    return _PLACEHOLDER.sub(lambda match: _quote_segment(next(values)), template)


def _quote_segment(segment: t.Any) -> str:
    text = str(segment)
    if text in ('.', '..'):
        raise SendGridInputError(
            f"{text!r} cannot be used as a path segment: '.' and '..' would be resolved away on the way to"
            ' SendGrid, and the request would reach another resource')
    return quote(text, safe='')


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


# ---------------------------------------------------------------------------------------- response shapes

def _kind(value: t.Any) -> str:
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, list):
        return 'an array'
    return 'an object'


class Shape:
    """The documented shape of a 2xx body, declared per operation in ``_api``.

    ``Shape.object('id')``: a JSON object with (at least) these keys. ``Shape.list_of('ip')``: a
    JSON array of objects with these keys (``scalars=True``: of strings or numbers).
    ``Shape.cursor_of(...)``: an ``after_key`` page, ``{"result": [...], "_metadata": {...}}``,
    whose ``result`` items are checked the same way. ``Shape.NONE``: the body is not read at all
    (a 204, or a write whose answer nobody needs); ``request`` then returns ``None``.
    """

    NONE: t.ClassVar[Shape]

    def __init__(self, kind: str, keys: t.Sequence[str] = (), scalars: bool = False) -> None:
        self.kind = kind
        self.keys = tuple(keys)
        self.scalars = scalars

    @classmethod
    def object(cls, *keys: str) -> Shape:
        return cls('object', keys)

    @classmethod
    def list_of(cls, *keys: str, scalars: bool = False) -> Shape:
        return cls('list', keys, scalars)

    @classmethod
    def cursor_of(cls, *keys: str, scalars: bool = False) -> Shape:
        return cls('cursor', keys, scalars)

    def __repr__(self) -> str:
        return f'Shape({self.kind!r}, keys={self.keys!r}, scalars={self.scalars!r})'

    def problem(self, body: t.Any, empty: bool = False) -> str | None:
        """What is wrong with ``body`` (``empty``: there was no body at all), or ``None``."""
        if self.kind == 'none':
            return None
        if self.kind == 'list':
            if empty or not isinstance(body, list):
                return f'expected a JSON array, got {"an empty body" if empty else _kind(body)}'
            return self._items_problem(body)
        if empty or not isinstance(body, dict):
            return f'expected a JSON object, got {"an empty body" if empty else _kind(body)}'
        if self.kind == 'object':
            missing = [key for key in self.keys if key not in body]
            return f'the object lacks {format_items(missing)}' if missing else None
        return self._cursor_problem(body)

    def _cursor_problem(self, body: dict[str, t.Any]) -> str | None:
        if 'result' not in body:
            return 'a cursor page lacks result'
        if not isinstance(body['result'], list):
            return f'result is {_kind(body["result"])}, not an array'
        metadata = body.get('_metadata')
        if metadata is not None and not isinstance(metadata, dict):
            return f'_metadata is {_kind(metadata)}, not an object'
        next_params = (metadata or {}).get('next_params')
        if next_params is not None and not isinstance(next_params, dict):
            return f'next_params is {_kind(next_params)}, not an object'
        for where in (next_params or {}, metadata or {}):
            key = where.get('after_key')
            if key is not None and (isinstance(key, bool) or not isinstance(key, (str, int, float))):
                return f'after_key is {_kind(key)}, not a string or number'
        return self._items_problem(body['result'])

    def _items_problem(self, items: list[t.Any]) -> str | None:
        for number, item in enumerate(items, start=1):
            if self.scalars:
                if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                    return f'item {number} is {_kind(item)}, not a string or number'
            elif self.keys:
                if not isinstance(item, dict):
                    return f'item {number} is {_kind(item)}, not an object'
                missing = [key for key in self.keys if key not in item]
                if missing:
                    return f'item {number} lacks {format_items(missing)}'
        return None


Shape.NONE = Shape('none')


# ---------------------------------------------------------------------------------------- the client

class SendGridClient:
    """Talks JSON to the SendGrid v3 API. Every module and plugin uses one of these.

    ``region`` and ``global_base_url`` tell where the operations served only by
    ``api.sendgrid.com`` go (``_api`` decides which ones those are): with ``region='global'``
    the global host is ``base_url`` itself unless given; with ``region='eu'`` it is
    ``global_base_url``, and ``None`` means unknown (``api_url`` taken as the EU host).
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = REGION_URLS['global'],
        on_behalf_of: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int | None = DEFAULT_MAX_RETRIES,
        retry_budget: float | None = DEFAULT_RETRY_BUDGET,
        validate_certs: bool = True,
        transport: Transport | None = None,
        sleep: t.Callable[[float], None] = time.sleep,
        clock: t.Callable[[], float] = time.monotonic,
        wall_clock: t.Callable[[], float] = time.time,
        jitter: t.Callable[[float, float], float] = random.uniform,
        region: str | None = 'global',
        global_base_url: str | None = None,
    ) -> None:
        self._api_key = check_api_key(api_key)
        self.on_behalf_of = check_on_behalf_of(on_behalf_of)
        self.timeout = check_seconds('timeout', timeout, DEFAULT_TIMEOUT, allow_zero=False)
        self.max_retries = check_count('max_retries', max_retries, DEFAULT_MAX_RETRIES)
        self.retry_budget = check_seconds('retry_budget', retry_budget, DEFAULT_RETRY_BUDGET, allow_zero=True)
        self.region = region or 'global'
        if self.region not in REGION_URLS:
            raise SendGridConfigError(
                f'region must be one of {", ".join(sorted(REGION_URLS))}, got {shorten(repr(region))}')
        self.base_url = base_url.rstrip('/')
        if global_base_url:
            self.global_base_url: str | None = global_base_url.rstrip('/')
        else:
            self.global_base_url = self.base_url if self.region == 'global' else None
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
        # The shared 429 gate: no request of any thread is sent before this monotonic time.
        self._gate_until = 0.0
        self._gate_errors: list[dict[str, t.Any]] = []
        self._state_lock = threading.Lock()       # counters and rate-limit state: one client serves many threads
        self._rate_limit_gate = threading.Lock()  # wait_for_rate_limit: one thread sleeps, the others queue
        self._local = threading.local()           # per thread: seconds already waited for the next request

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        body: t.Any = None,
        idempotent: bool | None = None,
        expect: Shape | None = None,
        base_url: str | None = None,
    ) -> t.Any:
        """Send one API call and return the decoded JSON body (``None`` for an empty body).

        ``path`` must already be encoded (see ``build_path``). ``idempotent`` says whether
        the call may be repeated after a 5xx or a connection error that happened once the
        request was sent; it defaults to true for GET, PUT and DELETE, false otherwise.
        A 429 is always retried, as SendGrid did not process the request. ``expect`` is the
        documented shape of a 2xx body (``SendGridUnexpectedResponseError`` if it lacks it).
        ``base_url`` sends this call to another host than ``self.base_url``.

        An API error raised after an attempt whose outcome is unknown (a 5xx, or a connection
        lost once the request was sent) has ``after_unknown_outcome`` set: the first attempt
        may have been applied, which ``_api`` confirms by a read where it knows how.
        """
        return self._request(method, path, query, body, idempotent, expect, base_url)[1]

    def _request(
        self,
        method: str,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        body: t.Any = None,
        idempotent: bool | None = None,
        expect: Shape | None = None,
        base_url: str | None = None,
    ) -> tuple[int, t.Any]:
        """``request``, returning the status with the body."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in SAFE_METHODS
        url = (base_url or self.base_url).rstrip('/') + path
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

        # Time this thread already spent waiting for this request (wait_for_rate_limit) counts against its budget.
        deadline = self._clock() - self._local.__dict__.pop('waited', 0.0) + self.retry_budget
        attempt = 0
        retries = 0            # the retries that count against max_retries
        unknown = False        # an attempt so far may have been applied: its outcome is unknown
        last: HTTPResponse | None = None
        while True:
            self._wait_at_gate(method, path, deadline, attempt, last, idempotent)
            attempt += 1
            prior_unknown = unknown
            with self._state_lock:
                self.request_count += 1
                if method not in READ_METHODS:
                    self.write_count += 1
            try:
                response = self.transport.send(method, url, headers, payload, self.timeout)
            except TransportError as exc:
                if exc.invalid_request:
                    raise SendGridConfigError(f'{method} {path} cannot be sent: {self._redact(exc.reason)}') from None
                unknown = unknown or exc.request_sent
                retry_allowed = exc.retryable and (idempotent or not exc.request_sent)
                if retry_allowed and retries < self.max_retries:
                    wait = self._backoff(retries + 1)
                    if self._clock() + wait <= deadline:
                        retries += 1
                        self._sleep(wait)
                        continue
                raise SendGridNetworkError(
                    method, path, self._redact(exc.reason),
                    outcome_unknown=unknown and method not in READ_METHODS) from None

            last = response
            self._record_rate_limit(response)
            if 200 <= response.status < 300:
                return response.status, self._result(method, path, response, expect)
            if response.status < 400:
                raise self._unexpected_status(method, path, response)

            if response.status == 429:
                wait, announced = self._rate_limit_wait(response, retries + 1)
                if announced:
                    # The server said when to come back: every thread waits at the gate (at the top of the
                    # loop), and this retry does not count against max_retries; the time budget bounds it.
                    self._raise_gate(wait, response)
                    if self._clock() + wait <= deadline:
                        continue
                elif retries < self.max_retries and self._clock() + wait <= deadline:
                    retries += 1
                    self._sleep(wait)
                    continue
            else:
                unknown = unknown or response.status >= 500
                if response.status in RETRYABLE_STATUSES and idempotent and retries < self.max_retries:
                    wait = self._backoff(retries + 1)
                    if self._clock() + wait <= deadline:
                        retries += 1
                        self._sleep(wait)
                        continue
            error = self._error(method, path, response, attempt, deadline, idempotent,
                                unknown=unknown and method not in READ_METHODS)
            error.after_unknown_outcome = prior_unknown
            raise error

    def _result(self, method: str, path: str, response: HTTPResponse, expect: Shape | None) -> t.Any:
        if expect is Shape.NONE:
            return None
        empty = not response.body or not response.body.strip()
        body = None
        if not empty:
            try:
                body = json.loads(response.body.decode('utf-8'))
            except ValueError:  # UnicodeDecodeError is a ValueError
                raise SendGridUnexpectedResponseError(
                    method, path, response.status, 'the body is not valid JSON') from None
        if expect is not None:
            problem = expect.problem(body, empty)
            if problem:
                raise SendGridUnexpectedResponseError(method, path, response.status, self._redact(problem))
        return body

    def _unexpected_status(self, method: str, path: str, response: HTTPResponse) -> SendGridUnexpectedResponseError:
        status = response.status
        host = None
        if 300 <= status < 400:
            location = response.header('Location')
            if not location:
                problem = 'a redirect without a Location, not followed'
            else:
                try:
                    host = urlsplit(location.strip()).hostname
                except ValueError:
                    host = None
                target = shorten(self._redact(host), 100) if host else 'the same host'
                problem = (f'a redirect to {target}, not followed (the API key is never sent elsewhere);'
                           ' check api_url and region')
        else:
            problem = 'not a success status'
        return SendGridUnexpectedResponseError(method, path, status, problem, location_host=host)

    # ------------------------------------------------------------------ rate limits

    def _wait_at_gate(
        self, method: str, path: str, deadline: float, attempts: int, last: HTTPResponse | None, idempotent: bool,
    ) -> None:
        """Sleep until the shared 429 gate opens; give up when it opens after this request's deadline."""
        while True:
            with self._state_lock:
                wait = self._gate_until - self._clock()
                errors = list(self._gate_errors)
            if wait <= 0:
                return
            if self._clock() + wait > deadline:
                if last is not None:
                    raise self._error(method, path, last, attempts, deadline, idempotent)
                raise SendGridRateLimitError(method, path, 429, errors, sent=False, detail=(
                    f'an earlier request of this run got HTTP 429 and SendGrid accepts no request before'
                    f' {wait:.1f} s from now, past the retry budget {self.retry_budget:g} s'))
            self._sleep(wait)

    def _raise_gate(self, wait: float, response: HTTPResponse) -> None:
        errors = self._decode_errors(response)
        with self._state_lock:
            until = self._clock() + wait
            if until > self._gate_until:
                self._gate_until = until
                self._gate_errors = errors

    def _rate_limit_wait(self, response: HTTPResponse, retry: int) -> tuple[float, bool]:
        """Seconds to wait before retrying a 429, and whether the server announced them.

        Announced: ``X-RateLimit-Reset`` (a Unix time or seconds) or ``Retry-After`` in the
        future. Otherwise (no header, unreadable, now or past): a backoff wait that counts
        against ``max_retries``, never a hot loop.
        """
        wait: float | None = None
        reset = _parse_number(response.header('X-RateLimit-Reset'))
        if reset is not None:
            wait = reset - self._wall_clock() if reset > EPOCH_THRESHOLD else reset
        retry_after = _parse_number(response.header('Retry-After'))
        if retry_after is not None:
            wait = max(wait or 0.0, retry_after)
        if wait is None:
            return min(max(self._backoff(retry), MIN_RATE_LIMIT_WAIT), MAX_RATE_LIMIT_WAIT), False
        if wait <= 0:
            return MIN_RATE_LIMIT_WAIT, False
        return min(max(wait, MIN_RATE_LIMIT_WAIT), MAX_RATE_LIMIT_WAIT), True

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
        """Call before starting a new write: when the last response said no request remains
        (``X-RateLimit-Remaining: 0``), sleep until its ``X-RateLimit-Reset`` (at most 60 s).

        The time spent here (queueing included) counts against the retry budget of the next
        request this thread sends; a wait longer than the whole budget is not slept (the
        request goes out at once and its own answer decides). Returns the seconds slept.
        Thread-safe: one caller sleeps while the others queue behind it, then go on; the spent
        reading is dropped so that nobody waits twice for one reset. A 429 needs no call: the
        shared gate inside ``request`` makes every thread wait for its announced reset.
        """
        started = self._clock()
        slept = 0.0
        with self._rate_limit_gate:
            with self._state_lock:
                remaining, reset_at = self.rate_limit_remaining, self.rate_limit_reset_at
                spent = remaining is not None and remaining <= 0
                if spent:
                    self.rate_limit_remaining = None
            wait = 0.0 if not spent or reset_at is None else min(reset_at - self._wall_clock(), MAX_RATE_LIMIT_WAIT)
            if 0 < wait <= self.retry_budget:
                self._sleep(wait)
                slept = wait
        self._local.waited = self._local.__dict__.get('waited', 0.0) + (self._clock() - started)
        return slept

    def _backoff(self, retry: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2^(retry-1), capped."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (retry - 1)))
        return self._jitter(ceiling / 2, ceiling)

    # ------------------------------------------------------------------ errors

    def _decode_errors(self, response: HTTPResponse) -> list[dict[str, t.Any]]:
        # Redact before decoding: the text may be cut to 500 characters, which could cut the key in two.
        text = self._redact(response.body.decode('utf-8', errors='replace'))
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = None
        errors = decode_error_body(body, text)
        for item in errors:
            item['message'] = self._redact(item['message'])
        return errors

    def _error(
        self, method: str, path: str, response: HTTPResponse, attempts: int, deadline: float, idempotent: bool,
        unknown: bool = False,
    ) -> SendGridAPIError:
        """The error for ``response``; ``unknown``: a write whose outcome is unknown (a 5xx, a lost answer)."""
        errors = self._decode_errors(response)
        detail = None
        cls = error_class_for(response.status)
        if cls is SendGridRateLimitError or (cls is SendGridServerError and attempts > 1):
            spent = max(0.0, self.retry_budget - (deadline - self._clock()))
            detail = (f'gave up after {attempts} attempts in {spent:.1f} s; retry budget {self.retry_budget:g} s,'
                      f' max_retries {self.max_retries}')
            if cls is SendGridServerError and unknown:
                detail += ('; it may or may not have been applied (the outcome is unknown):'
                           ' run the task again to converge')
        elif cls is SendGridServerError and not idempotent:
            detail = ('not retried, as this request is not safe to repeat: it may or may not have been applied;'
                      ' run the task again to converge')
        return cls(method, path, response.status, errors, detail=detail)

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, '********') if self._api_key else text

    # ------------------------------------------------------------------ pagination

    def iter_offset_pages(
        self,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        page_size: int = 500,
        expect: Shape | None = None,
        base_url: str | None = None,
    ) -> t.Iterator[t.Any]:
        """Items of a limit/offset list (a bare JSON array per page, ``expect`` checks each).

        The server may serve fewer items than the limit asked (a cap of its own), so a short
        page ends the list only once the server has shown it serves pages of that size: when
        the first page comes back short but not empty, one more page is read at
        ``offset=len(page)``, ``limit=len(page)`` (offset stays a multiple of limit). So a
        server serving 100 when asked 500 still yields every item, for at most one extra read.
        A server that answers that read with the same page ignores ``offset`` and holds no more;
        the same page again after a full one is an error (the listing could not be complete).
        """
        shape = expect or Shape.list_of()
        limit, offset = page_size, 0
        full = False          # a page of `limit` items came back: the server serves pages of this size
        confirming = False    # this read checks whether a short first page was the whole list
        previous: list[t.Any] | None = None
        while True:
            status, page = self._request('GET', path, query={**(query or {}), 'limit': limit, 'offset': offset},
                                         expect=shape, base_url=base_url)
            if len(page) > limit:
                raise SendGridUnexpectedResponseError(
                    'GET', path, status, f'{len(page)} items for limit {limit} (offset {offset})')
            if page and page == previous:
                if confirming:
                    return
                raise SendGridUnexpectedResponseError(
                    'GET', path, status, f'the same page again for offset {offset}: the server ignores offset,'
                    ' so the listing cannot be complete')
            yield from page
            if not page or (len(page) < limit and full):
                return
            if len(page) < limit:
                # The first page came back short: the server may cap the limit at len(page).
                limit = len(page)
                confirming = True
            else:
                confirming = False
            full = True
            offset += limit
            previous = page

    def iter_cursor_pages(
        self,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        page_size: int = 100,
        expect: Shape | None = None,
        base_url: str | None = None,
    ) -> t.Iterator[t.Any]:
        """Items of an ``after_key`` list (``{"result": [...], "_metadata": {"next_params": ...}}``).

        The key is passed back exactly as received (a string stays that string); the list ends
        when no key comes back. A key that comes back a second time is an error: the listing
        would never end, or would silently stop short.
        """
        shape = expect or Shape.cursor_of()
        after_key: t.Any = None
        seen: set[str] = set()
        while True:
            params = {**(query or {}), 'limit': page_size}
            if after_key is not None:
                params['after_key'] = after_key if isinstance(after_key, str) else json.dumps(after_key)
            status, page = self._request('GET', path, query=params, expect=shape, base_url=base_url)
            yield from page['result']
            metadata = page.get('_metadata') or {}
            # The schema nests the key under next_params; one of the spec's examples puts it in _metadata itself.
            after_key = (metadata.get('next_params') or {}).get('after_key', metadata.get('after_key'))
            if after_key is None or after_key == '':
                return
            marker = json.dumps(after_key)
            if marker in seen:
                raise SendGridUnexpectedResponseError(
                    'GET', path, status, f'the after_key {shorten(repr(after_key), 80)} again: the listing would'
                    ' never end')
            seen.add(marker)

    def iter_marker_pages(
        self,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        page_size: int = 100,
        expect: Shape | None = None,
        items: Shape | None = None,
        marker_of: t.Callable[[t.Any], t.Any] | None = None,
        base_url: str | None = None,
    ) -> t.Iterator[t.Any]:
        """Items of a list whose ``offset`` is the last item already read (``{"result": [...], "pages": {"last"}}``).

        The partner IP provisioning list works this way: the next page starts after ``pages.last`` (or, when
        a page does not give it, after ``marker_of(its last item)``). ``items`` checks the shape of
        ``result``. A page shorter than ``page_size`` is not taken as the last one (the server may cap the
        limit lower): the list ends on an empty page. A marker that comes back a second time is an error,
        as the listing would never end.
        """
        shape = expect or Shape.object('result')
        item_shape = items or Shape.list_of()
        marker: t.Any = None
        seen: set[str] = set()
        while True:
            params = {**(query or {}), 'limit': page_size}
            if marker is not None:
                params['offset'] = marker
            status, page = self._request('GET', path, query=params, expect=shape, base_url=base_url)
            result, pages = page.get('result'), page.get('pages') or {}
            problem = item_shape.problem(result) or (None if isinstance(pages, dict) else
                                                     f'pages is {_kind(pages)}, not an object')
            if problem:
                raise SendGridUnexpectedResponseError('GET', path, status, problem)
            yield from result
            if not result:
                return
            marker = pages.get('last')
            if marker in (None, '') and marker_of is not None:
                marker = marker_of(result[-1])
            if marker in (None, ''):
                raise SendGridUnexpectedResponseError(
                    'GET', path, status, 'a page without pages.last: the next page cannot be asked for, so the'
                    ' listing could not be complete')
            if json.dumps(marker) in seen:
                raise SendGridUnexpectedResponseError(
                    'GET', path, status, f'pages.last {shorten(repr(marker), 80)} again: the listing would never end')
            seen.add(json.dumps(marker))

    def close(self) -> None:
        self.transport.close()


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
