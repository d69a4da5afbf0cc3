# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted, recording fake of the SendGrid client's ``Transport`` for unit tests.

Import as ``ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport``.

API
---
``FakeTransport(*steps, responder=None)``
    A ``Transport`` whose ``send()`` pops the next scripted step (FIFO). A step is

    - an ``HTTPResponse`` (build one with ``json_response`` / ``raw_response`` / ``empty_response``),
    - a ``TransportError`` instance (raised; build one with ``transport_error``),
    - a callable ``step(call) -> HTTPResponse`` (may raise ``TransportError``),
    - a tuple ``(status, body)`` or ``(status, body, headers)``: shorthand for ``json_response``,
    - an ``OffsetList(items)`` (build one with ``offset_list``): a whole limit/offset listing in one
      step. It answers every ``GET`` of its path in a row with ``items[offset:offset + limit]``
      (so the client's extra read that confirms a short first page gets ``[]``), and is done at
      the first request that is not such a ``GET`` (then served by the next step).

    When the queue is empty, ``responder(call)`` is used if given; otherwise ``send()`` raises
    ``AssertionError('unexpected request ...')`` so an extra call fails the test.

    ``add(status=200, body=None, headers=None, raw=None)`` / ``add_error(reason, request_sent, retryable=True)``
    / ``add_step(step)`` append steps and return the transport (chainable).
    ``calls``: list of ``Call`` (every ``send()``, in order, including failed ones).
    ``pending``: number of unused scripted steps; ``assert_done()`` asserts it is 0.
    ``closed``: true once ``close()`` was called.

``Call``: ``method``, ``url``, ``headers`` (a copy of the dict sent), ``body`` (bytes or None),
    ``timeout``; helpers ``path`` (URL path, still percent-encoded), ``query_string`` (raw),
    ``query`` (dict of decoded parameters, last value wins), ``json`` (decoded body or None),
    ``header(name)`` (case-insensitive).

``offset_reads(path, count, query=None, page_size=None) -> list[(method, path, query)]``
    The requests the client makes to list ``count`` items of a limit/offset list served without a cap:
    the full pages, then the end (an empty page, or one more read that confirms a short first page).
    ``page_size`` defaults to ``offset_page_size(path)``, the limit the client asks of that list.

``FakeClock(start=1000.0, wall_start=1_700_000_000.0)``
    ``clock()`` (monotonic), ``wall_clock()`` (Unix time) and ``sleep(seconds)``; ``sleep``
    records into ``sleeps`` and advances both clocks. ``advance(seconds)`` moves both clocks
    without recording a sleep.

``max_jitter(low, high) -> high`` / ``min_jitter(low, high) -> low``: deterministic jitters.

``make_client(*steps, api_key=API_KEY, transport=None, clock=None, jitter=max_jitter, **client_kwargs)``
    Returns a ``SendGridClient`` wired to a ``FakeTransport`` (``client.transport``) and a
    ``FakeClock`` (``client.fake_clock``; its sleeps are ``client.fake_clock.sleeps``). Any other
    ``SendGridClient`` keyword (``base_url``, ``on_behalf_of``, ``max_retries``, ``retry_budget``,
    ``timeout``, ``region``, ``global_base_url``) passes through.

``make_api(*steps, **kwargs)``: ``SendGridAPI(make_client(...))``; the fake is ``api.client.transport``.

``API_KEY``: the default fake key (``SG.fake-key.0123456789abcdef``). ``BASE_URL``: ``https://api.sendgrid.com``.
"""

from __future__ import annotations

import json
import typing as t
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import IPS_PAGE_SIZE, SendGridAPI
from ansible_collections.mailops.sendgrid.plugins.module_utils._client import SendGridClient
from ansible_collections.mailops.sendgrid.plugins.module_utils._http import HTTPResponse, Transport, TransportError

API_KEY = 'SG.fake-key.0123456789abcdef'
BASE_URL = 'https://api.sendgrid.com'


def json_response(status: int = 200, body: t.Any = None, headers: t.Mapping[str, str] | None = None) -> HTTPResponse:
    """A response whose body is ``body`` encoded as JSON (``None`` gives an empty body)."""
    all_headers = dict(headers or {})
    raw = b''
    if body is not None:
        raw = json.dumps(body).encode('utf-8')
        all_headers.setdefault('Content-Type', 'application/json')
    return HTTPResponse(status, all_headers, raw)


def raw_response(status: int, raw: bytes | str, headers: t.Mapping[str, str] | None = None) -> HTTPResponse:
    """A response with a raw (possibly non-JSON) body."""
    if isinstance(raw, str):
        raw = raw.encode('utf-8')
    return HTTPResponse(status, dict(headers or {}), raw)


def empty_response(status: int = 204, headers: t.Mapping[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(status, dict(headers or {}), b'')


def transport_error(reason: str = 'connection refused', request_sent: bool = False, retryable: bool = True,
                    invalid_request: bool = False) -> TransportError:
    return TransportError(reason, request_sent=request_sent, retryable=retryable, invalid_request=invalid_request)


class OffsetList:
    """A scripted limit/offset listing (see the module docstring)."""

    def __init__(self, items: t.Sequence[t.Any], path: str | None = None,
                 headers: t.Mapping[str, str] | None = None) -> None:
        self.items = list(items)
        self.path = path
        self.headers = dict(headers or {})
        self.served = 0

    def matches(self, call: Call) -> bool:
        """A page of this listing: a GET of its path, and not offset 0 again (that starts another listing)."""
        return (call.method == 'GET' and 'offset' in call.query and (self.path is None or call.path == self.path)
                and not (self.served and call.query['offset'] == '0'))

    def __call__(self, call: Call) -> HTTPResponse:
        if self.path is None:
            self.path = call.path
        self.served += 1
        limit, offset = int(call.query['limit']), int(call.query['offset'])
        return json_response(200, self.items[offset:offset + limit], self.headers)

    def __repr__(self) -> str:
        return f'OffsetList({len(self.items)} items, path={self.path!r}, served={self.served})'


def offset_list(items: t.Sequence[t.Any], path: str | None = None,
                headers: t.Mapping[str, str] | None = None) -> OffsetList:
    return OffsetList(items, path, headers)


def offset_page_size(path: str) -> int:
    """The limit the client asks of a limit/offset list (``_api``'s page sizes): 10,000 for ``/v3/ips``, else 500."""
    return IPS_PAGE_SIZE if path == '/v3/ips' else 500


def offset_reads(path: str, count: int, query: t.Mapping[str, str] | None = None,
                 page_size: int | None = None) -> list[tuple[str, str, dict[str, str]]]:
    page_size = page_size or offset_page_size(path)
    base = dict(query or {})
    if 0 < count < page_size:
        return [('GET', path, {**base, 'limit': str(page_size), 'offset': '0'}),
                ('GET', path, {**base, 'limit': str(count), 'offset': str(count)})]
    pages = count // page_size + 1
    return [('GET', path, {**base, 'limit': str(page_size), 'offset': str(page * page_size)}) for page in range(pages)]


class Call:
    """One recorded ``Transport.send()``."""

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float) -> None:
        self.method = method
        self.url = url
        self.headers = dict(headers)
        self.body = body
        self.timeout = timeout

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query_string(self) -> str:
        return urlsplit(self.url).query

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def json(self) -> t.Any:
        return None if self.body is None else json.loads(self.body.decode('utf-8'))

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def __repr__(self) -> str:
        return f'Call({self.method} {self.url} body={self.body!r})'


Step = t.Union[HTTPResponse, TransportError, t.Callable[[Call], HTTPResponse], tuple, OffsetList]


class FakeTransport(Transport):
    """See the module docstring."""

    def __init__(self, *steps: Step, responder: t.Callable[[Call], HTTPResponse] | None = None) -> None:
        self._steps: list[Step] = list(steps)
        self.responder = responder
        self.calls: list[Call] = []
        self.closed = False

    def add(self, status: int = 200, body: t.Any = None, headers: t.Mapping[str, str] | None = None,
            raw: bytes | str | None = None) -> FakeTransport:
        self._steps.append(raw_response(status, raw, headers) if raw is not None else json_response(status, body, headers))
        return self

    def add_error(self, reason: str = 'connection refused', request_sent: bool = False, retryable: bool = True) -> FakeTransport:
        self._steps.append(transport_error(reason, request_sent, retryable))
        return self

    def add_step(self, step: Step) -> FakeTransport:
        self._steps.append(step)
        return self

    @property
    def pending(self) -> int:
        """Scripted steps not used yet (a listing that served a request counts as used)."""
        return len([step for step in self._steps if not (isinstance(step, OffsetList) and step.served)])

    def assert_done(self) -> None:
        assert not self.pending, f'{self.pending} scripted response(s) were not used: {self._steps!r}'

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float) -> HTTPResponse:
        call = Call(method, url, headers, body, timeout)
        self.calls.append(call)
        while self._steps and isinstance(self._steps[0], OffsetList):
            listing = self._steps[0]
            if listing.matches(call):
                return listing(call)
            if not listing.served:
                raise AssertionError(f'{call!r} where the listing {listing!r} was expected')
            self._steps.pop(0)
        if self._steps:
            step = self._steps.pop(0)
        elif self.responder is not None:
            step = self.responder
        else:
            raise AssertionError(f'unexpected request {method} {url} (no scripted response left)')
        if isinstance(step, TransportError):
            raise step
        if isinstance(step, HTTPResponse):
            return step
        if isinstance(step, tuple):
            return json_response(*step)
        return step(call)

    def close(self) -> None:
        self.closed = True


class FakeClock:
    """Deterministic monotonic clock, wall clock and sleep."""

    def __init__(self, start: float = 1000.0, wall_start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.wall = wall_start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


def max_jitter(low: float, high: float) -> float:
    return high


def min_jitter(low: float, high: float) -> float:
    return low


def make_client(
    *steps: Step,
    api_key: str = API_KEY,
    transport: FakeTransport | None = None,
    clock: FakeClock | None = None,
    jitter: t.Callable[[float, float], float] = max_jitter,
    **client_kwargs: t.Any,
) -> SendGridClient:
    transport = transport if transport is not None else FakeTransport(*steps)
    clock = clock if clock is not None else FakeClock()
    client = SendGridClient(
        api_key,
        transport=transport,
        sleep=clock.sleep,
        clock=clock.clock,
        wall_clock=clock.wall_clock,
        jitter=jitter,
        **client_kwargs,
    )
    client.fake_clock = clock  # type: ignore[attr-defined]
    return client


def make_api(*steps: Step, **kwargs: t.Any) -> SendGridAPI:
    return SendGridAPI(make_client(*steps, **kwargs))
