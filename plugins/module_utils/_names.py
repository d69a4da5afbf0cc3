# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names given by the user (subusers, pools, account ids): one rule for every module, the lookup and the layout.

This is a private module_utils file: its API may change at any time.

A name that is empty or only whitespace is an error that names the option. Subuser usernames and
account ids are stripped of leading and trailing whitespace (SendGrid allows none in them), nothing
else is changed. Pool names are kept exactly as given (``strip=False``): a pool name may hold spaces,
and SendGrid refuses one that starts with a space (``_ips.pool_name_problems``), so a stray space is
reported rather than silently dropped.

``mistyped_keys`` names the keys of a ``name -> list`` mapping that YAML did not read as strings; the layout's
action plugin asks it on the controller, which imports only this file and ``_errors`` for that.
"""

from __future__ import annotations

import typing as t

from ._errors import SendGridInputError


def _text(value: t.Any) -> str:
    return '' if value is None else str(value)


def clean_name(value: t.Any, option: str, strip: bool = True) -> str:
    """``value`` (without surrounding whitespace unless ``strip=False``); ``SendGridInputError`` naming
    ``option`` when it is empty or only whitespace."""
    text = _text(value)
    if not text.strip():
        raise SendGridInputError(f'{option}: must not be empty')
    return text.strip() if strip else text


def clean_names(values: t.Iterable[t.Any], option: str, strip: bool = True) -> list[str]:
    """Each name cleaned as ``clean_name`` does, duplicates dropped, sorted."""
    texts = [_text(value) for value in values]
    if any(not text.strip() for text in texts):
        raise SendGridInputError(f'{option}: a name must not be empty')
    return sorted({text.strip() if strip else text for text in texts})


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
