# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of the sendgrid_ip_layout module: one check only the controller can make, then the module.

YAML 1.1 reads unquoted keys such as ``yes``, ``off``, ``0x1F`` and ``12:30`` as booleans and numbers. By
the time the module runs they are strings (``"true"``, ``"31"``, ``"750"``) that look like names, so a pool
named ``yes`` would silently become a pool named ``true``. Here, before the module runs, the keys still have
the types YAML gave them; a key of ``pools`` or ``subusers`` that is not a string fails the task with a
message that says to quote it, and nothing is read or written.
"""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

# Only _names (and _errors): importing _layout here would load the whole client, requests included, on the
# controller for every run of the task, for a check that needs none of it.
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import mistyped_keys


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect

        args = self._task.args
        problems = mistyped_keys('pools', args.get('pools')) + mistyped_keys('subusers', args.get('subusers'))
        if problems:
            from ansible_collections.mailops.sendgrid.plugins.module_utils._layout import SendGridLayoutError

            error = SendGridLayoutError(problems)
            result.update(failed=True, changed=False, msg=error.message, **error.to_result())
            return result

        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
