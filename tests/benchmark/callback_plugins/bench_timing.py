# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark callback: when each task started and when each host's result came back (JSON lines).

Enabled by tests/benchmark/run.py with ANSIBLE_CALLBACK_PLUGINS pointing here and
ANSIBLE_CALLBACKS_ENABLED=bench_timing; writes to $BENCH_TIMING_FILE. Only times and names: never a
task's arguments or results (they may hold the API key).
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_timing
type: aggregate
short_description: Times of tasks and host results, for the benchmark
description:
  - Appends one JSON line per event (playbook start, task start, host result, end) to E(BENCH_TIMING_FILE).
requirements:
  - E(BENCH_TIMING_FILE) set to a writable path
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._path = os.environ.get('BENCH_TIMING_FILE')

    def _emit(self, event: str, **fields: object) -> None:
        if not self._path:
            return
        with open(self._path, 'a', encoding='utf-8') as sink:
            sink.write(json.dumps({'event': event, 'time': time.time(), **fields}) + '\n')

    def v2_playbook_on_start(self, playbook: object) -> None:
        self._emit('playbook_start')

    def v2_playbook_on_task_start(self, task: object, is_conditional: bool) -> None:
        self._emit('task_start', task=task.get_name(), action=task.action)

    def v2_runner_on_start(self, host: object, task: object) -> None:
        self._emit('host_start', host=host.get_name(), task=task.get_name())

    def _result(self, status: str, result: object) -> None:
        self._emit('host_end', status=status, host=result._host.get_name(), task=result._task.get_name(),
                   changed=bool(result._result.get('changed')))

    def v2_runner_on_ok(self, result: object) -> None:
        self._result('ok', result)

    def v2_runner_on_failed(self, result: object, ignore_errors: bool = False) -> None:
        self._result('failed', result)

    def v2_runner_on_skipped(self, result: object) -> None:
        self._result('skipped', result)

    def v2_runner_on_unreachable(self, result: object) -> None:
        self._result('unreachable', result)

    def v2_playbook_on_stats(self, stats: object) -> None:
        self._emit('playbook_end')
