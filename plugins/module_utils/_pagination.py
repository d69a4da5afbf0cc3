# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The list schemes of the SendGrid API, as methods of the client (``_client.SendGridClient`` inherits them).

This is a private module_utils file: its API may change at any time.

``iter_offset_pages``: ``limit``/``offset`` lists (a bare JSON array per page: ``GET /v3/ips``, ``/v3/subusers``,
``/v3/whitelabel/ips``); ``iter_cursor_pages``: the ``after_key`` lists of ``/v3/send_ips``; ``iter_marker_pages``:
the partner IP list, whose ``offset`` is the last item read. Each reads every page through ``request()`` and never
takes a page shorter than asked for the last one before the server has shown it serves pages that long (a server
may cap the limit). A listing that could not be complete is an error, never a short answer.
"""

from __future__ import annotations

import json
import typing as t

from ._errors import SendGridUnexpectedResponseError, SendGridValidationError, shorten
from ._shapes import Shape


class PaginationMixin:
    """The three list schemes over ``self.request`` (see ``_client.SendGridClient``).

    The client provides ``request()``, ``_local.last_status`` (the status of this thread's last response) and
    ``_page_sizes`` (the page sizes a server refused larger ones of, per host and list).
    """

    _local: t.Any
    _page_sizes: dict[tuple[str | None, str], int]
    request: t.Callable[..., t.Any]

    def iter_offset_pages(
        self,
        path: str,
        query: t.Mapping[str, t.Any] | None = None,
        page_size: int = 500,
        expect: Shape | None = None,
        base_url: str | None = None,
        fallback_page_size: int | None = None,
    ) -> t.Iterator[t.Any]:
        """Items of a limit/offset list (a bare JSON array per page, ``expect`` checks each).

        With ``fallback_page_size`` (smaller than ``page_size``), a 400 to the first page is taken as the server
        refusing a limit that large: the first page is asked again, once, with ``fallback_page_size``, and this
        client asks that size of this list from then on. A 400 to that read too is the error.

        The server may serve fewer items than the limit asked (a cap of its own), so a short
        page ends the list only once the server has shown it serves pages of that size: when
        the first page comes back short but not empty, one more page is read at
        ``offset=len(page)``, ``limit=len(page)`` (offset stays a multiple of limit). So a
        server serving 100 when asked 500 still yields every item, for at most one extra read.
        A server that answers that read with the same page ignores ``offset`` and holds no more;
        the same page again after a full one is an error (the listing could not be complete).
        """
        shape = expect or Shape.list_of()
        key = (base_url, path)
        limit, offset = self._page_sizes.get(key, page_size), 0
        full = False          # a page of `limit` items came back: the server serves pages of this size
        confirming = False    # this read checks whether a short first page was the whole list
        previous: list[t.Any] | None = None
        while True:
            try:
                page = self.request('GET', path, query={**(query or {}), 'limit': limit, 'offset': offset},
                                    expect=shape, base_url=base_url)
            except SendGridValidationError as exc:
                if exc.status != 400 or offset or fallback_page_size is None or limit <= fallback_page_size:
                    raise
                limit = self._page_sizes[key] = fallback_page_size
                continue
            status = self._local.last_status
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
            page = self.request('GET', path, query=params, expect=shape, base_url=base_url)
            status = self._local.last_status
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
        limit lower): the list ends on an empty page. As with ``iter_offset_pages``, a server that answers
        the page after a short first page with that same page ignores ``offset`` and holds no more: the list
        ends there. Any other marker that comes back a second time is an error, as the listing would never end.
        """
        shape = expect or Shape.object('result')
        item_shape = items or Shape.list_of()
        marker: t.Any = None
        seen: set[str] = set()
        previous: list[t.Any] | None = None
        first_short = False   # the first page held fewer items than asked: the next one confirms the end
        while True:
            params = {**(query or {}), 'limit': page_size}
            if marker is not None:
                params['offset'] = marker
            page = self.request('GET', path, query=params, expect=shape, base_url=base_url)
            status = self._local.last_status
            result, pages = page.get('result'), page.get('pages') or {}
            pages_problem = Shape.object().problem(pages)
            problem = item_shape.problem(result) or (f'pages: {pages_problem}' if pages_problem else None)
            if problem:
                raise SendGridUnexpectedResponseError('GET', path, status, problem)
            if result and result == previous and first_short and len(seen) == 1:
                return
            yield from result
            if not result:
                return
            first_short = previous is None and len(result) < page_size
            previous = result
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
