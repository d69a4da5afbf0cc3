# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only callback of tests/faults: every task result, with its timing, as one JSON file."""

from __future__ import annotations

DOCUMENTATION = r"""
name: fault_results
type: aggregate
short_description: Write every task result of a playbook run to a JSON file (tests/faults only)
description:
  - Records, for each task result, the task name, its status (ok, failed, skipped, unreachable), the wall-clock
    times at which the task started and its result arrived, and the result itself (internal keys removed).
  - Written when the run ends, to the file named by the E(FAULT_RESULTS_FILE) environment variable.
  - The tests of tests/faults use the times to tell which task made which request in the emulator's log.
requirements:
  - the FAULT_RESULTS_FILE environment variable
"""

import json
import os
import time
import typing as t

from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import strip_internal_keys


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fault_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.records: list[dict[str, t.Any]] = []
        self.task_started: dict[str, float] = {}

    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        self.task_started[task._uuid] = time.time()

    def _record(self, status: str, result: t.Any) -> None:
        payload = result.result if hasattr(result, 'result') else result._result
        self.records.append({
            'task': result.task_name,
            'status': status,
            'start': self.task_started.get(result._task._uuid),
            'end': time.time(),
            'result': strip_internal_keys(dict(payload)),
        })

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._record('ok', result)

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._record('failed', result)

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._record('unreachable', result)

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        path = os.environ.get('FAULT_RESULTS_FILE')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(self.records, handle, default=str, indent=1)
