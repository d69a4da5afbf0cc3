# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The requests a ``FakeTransport`` recorded, in a form a test can compare with a literal list.

Import as ``ansible_collections.mailops.sendgrid.tests.unit.helpers.call_log``.

``calls(transport)``: ``[(method, 'path?query', JSON body or None)]`` of every request, in order.
``writes(transport)``: the same, without the GETs.
``offset_calls(path, count, query='', page_size=None)``: the GETs the client makes to read a limit/offset list
    of ``count`` items served without a cap (see ``fake_transport.offset_reads``, which gives the default page size), in the form of ``calls``;
    ``query`` is the encoded query before ``limit`` and ``offset`` (``'include_region=true'``).
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote, urlencode

from .fake_transport import FakeTransport, offset_reads

CallEntry = t.Tuple[str, str, t.Any]


def calls(transport: FakeTransport) -> list[CallEntry]:
    return [(call.method, call.path + ('?' + call.query_string if call.query_string else ''), call.json)
            for call in transport.calls]


def writes(transport: FakeTransport) -> list[CallEntry]:
    return [call for call in calls(transport) if call[0] != 'GET']


def offset_calls(path: str, count: int, query: str = '', page_size: int | None = None) -> list[CallEntry]:
    entries = []
    for method, _path, params in offset_reads(path, count, page_size=page_size):
        paging = urlencode([('limit', params['limit']), ('offset', params['offset'])], quote_via=quote)
        entries.append((method, f'{path}?{query + "&" if query else ""}{paging}', None))
    return entries
