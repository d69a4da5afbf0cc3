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
retries of a call. The pagination schemes are ``_pagination``'s (``SendGridClient`` inherits them). It does not
know any endpoint: that is ``_api``.
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

from ._connection import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_BUDGET,
    DEFAULT_TIMEOUT,
    REGION_URLS,
    check_api_key,
    check_count,
    check_on_behalf_of,
    check_region,
    check_seconds,
    resolve_base_url,
    resolve_hosts,
)
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
    shorten,
)
from ._http import HTTPResponse, RequestsTransport, Transport, TransportError, is_loopback_host
from ._pagination import PaginationMixin
from ._shapes import Shape

# Re-exported: the client is where callers look for these.
__all__ = [
    'DEFAULT_MAX_RETRIES', 'DEFAULT_RETRY_BUDGET', 'DEFAULT_TIMEOUT', 'REGION_URLS', 'SendGridClient', 'Shape',
    'build_path', 'encode_query', 'is_loopback_host', 'resolve_base_url', 'resolve_hosts',
]

SAFE_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))
READ_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS'))
RETRYABLE_STATUSES = frozenset((500, 502, 503, 504))
EPOCH_THRESHOLD = 1_000_000_000  # X-RateLimit-Reset above this is a Unix time, below it a number of seconds
MAX_RATE_LIMIT_WAIT = 60.0
MIN_RATE_LIMIT_WAIT = 0.1
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
USER_AGENT = 'mailops.sendgrid/0.2.0'


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


# ---------------------------------------------------------------------------------------- the client

class SendGridClient(PaginationMixin):
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
        self.region = check_region(region)
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
        # (host, path) of an offset list -> the page size to ask, once the server refused a larger limit with a 400.
        self._page_sizes: dict[tuple[str | None, str], int] = {}

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
        The status of the answer is kept as ``last_status`` (per thread) for the pagination.
        """
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
        prior_unknown = False  # ... as it stood before the last attempt
        last: HTTPResponse | None = None
        while True:
            if not self._wait_at_gate(deadline):
                if last is None:
                    raise self._not_sent_error(method, path)
                raise self._error(method, path, last, attempt, deadline, idempotent, unknown, prior_unknown)
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
                self._local.last_status = response.status
                return self._result(method, path, response, expect)
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
            raise self._error(method, path, response, attempt, deadline, idempotent, unknown, prior_unknown)

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

    def _wait_at_gate(self, deadline: float) -> bool:
        """Sleep until the shared 429 gate opens; false (without sleeping) when it opens after ``deadline``."""
        while True:
            with self._state_lock:
                wait = self._gate_until - self._clock()
            if wait <= 0:
                return True
            if self._clock() + wait > deadline:
                return False
            self._sleep(wait)

    def _not_sent_error(self, method: str, path: str) -> SendGridRateLimitError:
        with self._state_lock:
            wait, errors = self._gate_until - self._clock(), list(self._gate_errors)
        return SendGridRateLimitError(method, path, 429, errors, sent=False, detail=(
            f'an earlier request of this run got HTTP 429 and SendGrid accepts no request before {wait:.1f} s from'
            f' now, past the retry budget {self.retry_budget:g} s'))

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
        unknown: bool = False, prior_unknown: bool = False,
    ) -> SendGridAPIError:
        """The error for ``response``, the answer to the last of ``attempts``.

        ``unknown``: an attempt may have been applied (a 5xx, an answer lost); ``prior_unknown``: that was
        so before the last attempt already, which ``after_unknown_outcome`` tells the caller.
        """
        errors = self._decode_errors(response)
        detail = None
        cls = error_class_for(response.status)
        if cls is SendGridRateLimitError or (cls is SendGridServerError and attempts > 1):
            spent = max(0.0, self.retry_budget - (deadline - self._clock()))
            detail = (f'gave up after {attempts} attempts in {spent:.1f} s; retry budget {self.retry_budget:g} s,'
                      f' max_retries {self.max_retries}')
            if cls is SendGridServerError and unknown and method not in READ_METHODS:
                detail += ('; it may or may not have been applied (the outcome is unknown):'
                           ' run the task again to converge')
        elif cls is SendGridServerError and not idempotent:
            detail = ('not retried, as this request is not safe to repeat: it may or may not have been applied;'
                      ' run the task again to converge')
        error = cls(method, path, response.status, errors, detail=detail)
        error.after_unknown_outcome = prior_unknown
        return error

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, '********') if self._api_key else text

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
