#!/usr/bin/env python
"""Run a playbook as plan -> apply -> re-run against the emulator and check what each run wrote.

    check_playbook_converges.py [--ansible-playbook PATH] PLAYBOOK [-- EXTRA_ANSIBLE_PLAYBOOK_ARGS...]

Meant to run under ``run_with_emulator.py`` (it needs SENDGRID_EMULATOR_URL).  It runs PLAYBOOK
three times and counts, from the emulator's request log (``GET /_emulator/requests``, cleared
before each run), the API requests that are not reads:

    plan     ``--check --diff``: must succeed, report changed > 0 and make 0 writes
    apply    ``--diff``:         must succeed, report changed > 0 and make at least 1 write
    re-run   ``--diff``:         must succeed, report changed = 0 and make 0 writes

``changed`` is read from the PLAY RECAP (summed over its hosts).  The playbook's output is
shown as it runs.  Exits 0 when all three runs behave, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request

READ_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS'))
RECAP_LINE = re.compile(r'^\S+\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)'
                        r'\s+failed=(?P<failed>\d+)')


def log(message: str) -> None:
    print(f'[check_playbook_converges] {message}', flush=True)


def control(base_url: str, method: str, path: str):
    request = urllib.request.Request(base_url.rstrip('/') + path, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local emulator only
        return json.loads(response.read() or b'null')


def count_requests(entries: list[dict]) -> tuple[int, int, list[str]]:
    """(reads, writes, 'METHOD path' of each write) of the API requests in an emulator log."""
    reads, writes = 0, []
    for entry in entries:
        if entry.get('method', '').upper() in READ_METHODS:
            reads += 1
        else:
            writes.append(f"{entry.get('method')} {entry.get('path')} -> {entry.get('status')}")
    return reads, len(writes), writes


def changed_from_recap(output: str) -> int | None:
    """Sum of changed= over the PLAY RECAP lines, None when there is no recap."""
    counts = [int(match.group('changed')) for match in map(RECAP_LINE.match, output.splitlines()) if match]
    return sum(counts) if counts else None


def run_playbook(command: list[str]) -> tuple[int, str]:
    """Run ansible-playbook, echo its output as it comes and return (exit code, output)."""
    log('running: ' + ' '.join(command))
    lines = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          encoding='utf-8', errors='replace') as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line)
        returncode = proc.wait()
    sys.stdout.flush()
    return returncode, ''.join(lines)


def default_ansible_playbook() -> str:
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return beside if os.path.exists(beside) else (shutil.which('ansible-playbook') or 'ansible-playbook')


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if '--' in argv:
        split = argv.index('--')
        argv, extra = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('playbook')
    parser.add_argument('--ansible-playbook', default=default_ansible_playbook(),
                        help='ansible-playbook to run (default: %(default)s)')
    args = parser.parse_args(argv)

    base_url = os.environ.get('SENDGRID_EMULATOR_URL')
    if not base_url:
        log('SENDGRID_EMULATOR_URL is not set: run this under tests/utils/run_with_emulator.py')
        return 2

    # (name, extra options, whether it must report changes, whether it must write)
    runs = [('plan', ['--check', '--diff'], True, False),
            ('apply', ['--diff'], True, True),
            ('re-run', ['--diff'], False, False)]
    problems, summary = [], []
    for name, options, want_changed, want_writes in runs:
        control(base_url, 'DELETE', '/_emulator/requests')
        log(f'{name}: ansible-playbook {" ".join(options)}')
        returncode, output = run_playbook([args.ansible_playbook, args.playbook, *options, *extra])
        reads, writes, write_list = count_requests(control(base_url, 'GET', '/_emulator/requests'))
        changed = changed_from_recap(output)
        summary.append(f'  {name:7} exit={returncode} changed={changed} reads={reads} writes={writes}')
        summary.extend(f'            write: {write}' for write in write_list)
        if returncode:
            problems.append(f'{name}: ansible-playbook exited with {returncode}')
            break
        if changed is None:
            problems.append(f'{name}: no PLAY RECAP in the output')
        elif want_changed and not changed:
            problems.append(f'{name}: expected changes (changed > 0), got changed=0')
        elif not want_changed and changed:
            problems.append(f'{name}: expected changed=0, got changed={changed}')
        if want_writes and not writes:
            problems.append(f'{name}: expected writes to the API, the emulator logged none')
        elif not want_writes and writes:
            problems.append(f'{name}: expected no writes to the API, the emulator logged {writes}')

    log(f'{args.playbook}:\n' + '\n'.join(summary))
    for problem in problems:
        log(f'FAILED: {problem}')
    if not problems:
        log(f'{args.playbook}: plan wrote nothing, apply changed the account, the re-run changed nothing')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
