"""Where the time of an ansible-playbook run goes, from its timing events and the emulator's request log.

``breakdown()`` splits one run into: the start of ``ansible-playbook`` (until the play starts), each task,
the end; and the sendgrid_ip_layout task into the time before its first request (the controller's
templating of the arguments, AnsiballZ, the module's start-up, imports and argument checks), the reads,
the planning between the last read and the first write, the writes, and the time after the last request
(the result: building it, ``exit_json``, the controller's handling of it). The events come from the
``bench_timing`` callback (``callback_plugins/``); request times are the emulator's (``time`` when it
answered, ``duration_ms`` with its latency), on the same clock.

``importtime_summary()`` reads a ``python -X importtime`` report of the module process.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

MODULE_TASK = 'Converge the SendGrid account to the IP layout'
IMPORTS_OF_INTEREST = {
    'ansible.module_utils.basic': 'ansible_basic_s',
    'requests': 'requests_s',
    'ansible_collections.mailops.sendgrid.plugins.module_utils._layout': 'layout_utils_s',
    'ansible_collections.mailops.sendgrid.plugins.module_utils._module': 'module_utils_s',
}


def short_task(name: str) -> str:
    """``mailops.sendgrid.ip_layout : Validating arguments ...`` -> ``Validating arguments ...`` (cut)."""
    name = name.split(' : ')[-1]
    return name if len(name) <= 40 else name[:37] + '...'


def breakdown(events: list[dict[str, t.Any]], requests: list[dict[str, t.Any]], process: t.Any,
              module_process: tuple[float, float] | None = None) -> dict[str, t.Any]:
    """Seconds per part of one run (see the module docstring); ``{}`` without timing events.

    ``module_process`` (when the probe interpreter recorded it): when the module's process started and ended,
    which splits the module task further (see ``module_phases``).
    """
    starts = [event for event in events if event['event'] == 'playbook_start']
    ends = [event for event in events if event['event'] == 'playbook_end']
    if not starts or not ends:
        return {}
    play_start, play_end = starts[0]['time'], ends[-1]['time']
    result: dict[str, t.Any] = {
        'process_s': round(process.wall, 3),
        'before_play_s': round(play_start - process.started, 3),
        'after_play_s': round(process.started + process.wall - play_end, 3),
        'tasks': [],
    }
    order: list[str] = []
    spans: dict[str, list[float]] = {}
    for event in events:
        if event['event'] == 'task_start':
            name = event['task']
            if name not in spans:
                order.append(name)
                spans[name] = [event['time'], event['time']]
        elif event['event'] == 'host_end' and event['task'] in spans:
            spans[event['task']][1] = max(spans[event['task']][1], event['time'])
    for name in order:
        begin, end = spans[name]
        result['tasks'].append({'task': short_task(name), 'seconds': round(end - begin, 3)})
    module = [event for event in events if event.get('task', '').endswith(MODULE_TASK)]
    host_start = [event['time'] for event in module if event['event'] == 'host_start']
    host_end = [event['time'] for event in module if event['event'] == 'host_end']
    if host_start and host_end:
        result['module_task'] = module_phases(host_start[0], host_end[-1], requests, module_process)
    return result


def module_phases(begin: float, end: float, requests: list[dict[str, t.Any]],
                  module_process: tuple[float, float] | None = None) -> dict[str, float]:
    """The module task from its start to its end on the controller, split at its first and last request and,
    when it wrote, at its last read before the first write. With ``module_process`` (start, end), also:
    ``controller_before_s`` (the action plugin, templating, AnsiballZ, until the module's process starts),
    ``module_start_s`` (its interpreter, imports, argument checks, until its first request),
    ``module_end_s`` (after its last request: the result, ``exit_json``, the process's exit) and
    ``controller_after_s`` (the controller's handling of the result)."""
    timed = sorted(((entry['time'] - (entry.get('duration_ms') or 0) / 1000, entry['time'], entry['method'])
                    for entry in requests), key=lambda item: item[0])
    phases = {'total_s': end - begin}
    if not timed:
        phases['no_request_s'] = end - begin
        return _rounded(phases)
    first_write = next((start for start, _end, method in timed if method != 'GET'), None)
    reads = [item for item in timed if item[2] == 'GET' and (first_write is None or item[0] < first_write)]
    last_read_end = max((item[1] for item in reads), default=timed[0][0])
    last_end = max(item[1] for item in timed)
    phases['to_first_request_s'] = timed[0][0] - begin
    phases['reads_s'] = last_read_end - timed[0][0]
    if first_write is not None:
        phases['plan_s'] = first_write - last_read_end
        phases['writes_s'] = last_end - first_write
    phases['after_last_request_s'] = end - last_end
    if module_process:
        started, ended = module_process
        phases.update(controller_before_s=started - begin, module_start_s=timed[0][0] - started,
                      module_end_s=ended - last_end, controller_after_s=end - ended)
    return _rounded(phases)


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 3) for key, value in values.items()}


def importtime_summary(path: Path) -> dict[str, float]:
    """Seconds of all imports of a process (the top-level entries of ``-X importtime``) and of a few of them."""
    total = 0
    named: dict[str, float] = {}
    if not path.exists():
        return {}
    for line in path.read_text(encoding='utf-8', errors='replace').splitlines():
        if not line.startswith('import time:') or 'cumulative' in line:
            continue
        try:
            _self, cumulative, name = line[len('import time:'):].split('|', 2)
            microseconds = int(cumulative.strip())
        except ValueError:
            continue
        if not name[1:].startswith(' '):       # ' name' is a top-level import, '   name' one it made
            total += microseconds
        key = IMPORTS_OF_INTEREST.get(name.strip())
        if key:
            named[key] = max(named.get(key, 0), microseconds / 1e6)
    return {'total_s': round(total / 1e6, 3), **{key: round(value, 3) for key, value in named.items()}}
