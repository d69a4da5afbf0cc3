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
"""

from __future__ import annotations

import typing as t

from ._errors import SendGridInputError

# The version and collection every deprecated option name of this collection is removed in.
REMOVED_IN = {'version': '1.0.0', 'collection_name': 'mailops.sendgrid'}


def _text(value: t.Any) -> str:
    return '' if value is None else str(value)


def clean_name(value: t.Any, option: str, strip: t.Any = None) -> str:
    """``value`` without surrounding whitespace; ``SendGridInputError`` naming ``option`` when it is empty or only
    whitespace.

    ``strip`` is accepted and ignored: callers written before the one rule passed ``strip=False`` for pool names.
    """
    text = _text(value).strip()
    if not text:
        raise SendGridInputError(f'{option}: must not be empty')
    return text


def clean_names(values: t.Iterable[t.Any], option: str, strip: t.Any = None) -> list[str]:
    """Each name cleaned as ``clean_name`` does, duplicates dropped, sorted (``strip`` is ignored likewise)."""
    texts = [_text(value).strip() for value in values]
    if not all(texts):
        raise SendGridInputError(f'{option}: a name must not be empty')
    return sorted(set(texts))


def renamed_from(old: str) -> dict[str, t.Any]:
    """The argument-spec keys that keep ``old`` working as a deprecated alias of an option (removed in 1.0.0):
    ``{'pool': {'type': 'str', **renamed_from('name')}}``."""
    return {'aliases': [old], 'deprecated_aliases': [{'name': old, **REMOVED_IN}]}
