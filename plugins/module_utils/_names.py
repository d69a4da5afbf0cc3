# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names given by the user (subusers, pools, account ids) and the names of options: one rule for every module,
the lookup and the layout.

This is a private module_utils file: its API may change at any time.

Every name is stripped of leading and trailing whitespace, the same way in every module (``docs/docsite/rst/
vocabulary.rst``); nothing else is changed. A name that is empty or only whitespace is an error that names the
option. A pool name is no exception: SendGrid refuses one that starts with a space, and a stray space at either end
would otherwise make one module find a pool another says does not exist.

``mistyped_keys`` names the keys of a ``name -> list`` mapping that YAML did not read as strings; the layout's
action plugin asks it on the controller, which imports only this file and ``_errors`` for that.
"""

from __future__ import annotations

import typing as t

from ._errors import SendGridInputError

# The version and collection every deprecated option name of this collection is removed in.
REMOVED_IN = {'version': '1.0.0', 'collection_name': 'mailops.sendgrid'}


def _text(value: t.Any) -> str:
    return '' if value is None else str(value)


def clean_name(value: t.Any, option: str) -> str:
    """``value`` without surrounding whitespace; ``SendGridInputError`` naming ``option`` when it is empty or only
    whitespace."""
    text = _text(value).strip()
    if not text:
        raise SendGridInputError(f'{option}: must not be empty')
    return text


def clean_names(values: t.Iterable[t.Any], option: str) -> list[str]:
    """Each name cleaned as ``clean_name`` does, duplicates dropped, sorted."""
    texts = [_text(value).strip() for value in values]
    if not all(texts):
        raise SendGridInputError(f'{option}: a name must not be empty')
    return sorted(set(texts))


def renamed_from(old: str) -> dict[str, t.Any]:
    """The argument-spec keys that keep ``old`` working as a deprecated alias of an option (removed in 1.0.0):
    ``{'pool': {'type': 'str', **renamed_from('name')}}``."""
    return {'aliases': [old], 'deprecated_aliases': [{'name': old, **REMOVED_IN}]}


def mistyped_keys(part: str, value: t.Any) -> list[str]:
    """Keys of a ``name -> list of IPs`` part that are not strings: YAML 1.1 reads an unquoted ``yes``, ``off``,
    ``0x1F`` or ``12:30`` as a boolean or a number. A module only ever sees them as strings (``"true"``,
    ``"31"``, ``"750"``), so the action plugin checks them before the module runs."""
    if not isinstance(value, t.Mapping):
        return []
    problems = []
    for key in value:
        if isinstance(key, bool):
            problems.append(
                f'{part}: the name {key!r} is a boolean, not a name: YAML reads an unquoted yes, no, on, off, true or'
                " false as a boolean; quote the name as you meant it, for example 'yes': [...]")
        elif isinstance(key, (int, float)):
            problems.append(
                f'{part}: the name {key!r} is a number, not a name: YAML reads unquoted names such as 0x1F, 012 or'
                " 12:30 as numbers; quote the name as you meant it, for example '12:30': [...]")
        elif not isinstance(key, str):
            problems.append(f'{part}: the name {key!r} is a {type(key).__name__}, not a name; quote it')
    return problems
