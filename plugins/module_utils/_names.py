# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names given by the user (subusers, pools, account ids): one rule for every module.

This is a private module_utils file: its API may change at any time.

Leading and trailing whitespace is stripped; a name that is empty after stripping is an error
that names the option. Nothing else is changed, so a name is shown as the user wrote it.
"""

from __future__ import annotations

import typing as t

from ._errors import SendGridInputError


def clean_name(value: t.Any, option: str) -> str:
    """``value`` without surrounding whitespace; ``SendGridInputError`` naming ``option`` when that is empty."""
    text = '' if value is None else str(value).strip()
    if not text:
        raise SendGridInputError(f'{option}: must not be empty')
    return text


def clean_names(values: t.Iterable[t.Any], option: str) -> list[str]:
    """Each name cleaned as ``clean_name`` does, duplicates dropped, sorted."""
    names = {'' if value is None else str(value).strip() for value in values}
    if '' in names:
        raise SendGridInputError(f'{option}: a name must not be empty')
    return sorted(names)
