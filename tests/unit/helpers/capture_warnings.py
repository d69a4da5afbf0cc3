# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Record the warnings a module emits with ``AnsibleModule.warn`` (the same on every ansible-core).

Import as ``ansible_collections.mailops.sendgrid.tests.unit.helpers.capture_warnings``.

``with captured_warnings() as warnings: run_module(...)`` leaves each warning's text in the list ``warnings``.
"""

from __future__ import annotations

import contextlib
import typing as t
from unittest import mock

from ansible.module_utils import basic


@contextlib.contextmanager
def captured_warnings() -> t.Iterator[list[str]]:
    warnings: list[str] = []

    def warn(self: t.Any, warning: str, **_kwargs: t.Any) -> None:
        warnings.append(warning)

    with mock.patch.object(basic.AnsibleModule, 'warn', warn):
        yield warnings
