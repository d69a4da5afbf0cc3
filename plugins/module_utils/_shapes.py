# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The documented shape of a 2xx body, which ``_api`` declares per operation and the client checks.

This is a private module_utils file: its API may change at any time.
"""

from __future__ import annotations

import typing as t

from ._errors import format_items


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
