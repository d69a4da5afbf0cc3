#!/usr/bin/env python
"""Run galaxy-importer (the checks Galaxy makes on upload) over a built collection tarball.

    run_galaxy_importer.py --config CFG --workdir DIR [--allow-warnings] [--ignore-warning REGEX]... TARBALL

Run it with the Python of the venv that has galaxy-importer: that venv's bin/ goes first on
PATH, because galaxy-importer runs ``ansible-doc``, ``ansible-lint`` and ``flake8`` from PATH.
``python -m galaxy_importer.main TARBALL`` runs in DIR (it writes importer_result.json there)
with GALAXY_IMPORTER_CONFIG=CFG and its temporary files under DIR.  Fails when:

- the importer exits non-zero or does not print "Importer processing completed successfully";
- it logs an ERROR or CRITICAL line, or a WARNING line (ansible-lint and flake8 findings are
  logged as warnings) unless --allow-warnings, or one that an --ignore-warning regular expression
  matches (those are listed as ignored);
- importer_result.json lacks documentation for a module or plugin (ansible-doc failed for it)
  or a short description for a module, plugin or role (an action plugin named after a module is
  documented by that module).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys

SUCCESS = 'Importer processing completed successfully'
# Content types that carry no documentation of their own.
UNDOCUMENTED_TYPES = frozenset(('doc_fragments', 'module_utils'))


def log(message: str) -> None:
    print(f'[run_galaxy_importer] {message}', flush=True)


def run_importer(tarball: str, config: str, workdir: str) -> tuple[int, list[str]]:
    bindir = os.path.dirname(sys.executable)
    tmp_root = os.path.join(workdir, 'tmp')
    ansible_tmp = os.path.join(workdir, 'ansible-tmp')
    for directory in (tmp_root, ansible_tmp):
        os.makedirs(directory, exist_ok=True)
    env = dict(os.environ,
               PATH=bindir + os.pathsep + os.environ.get('PATH', ''),
               GALAXY_IMPORTER_CONFIG=config,
               GALAXY_IMPORTER_TMP_ROOT_DIR=tmp_root,
               GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=ansible_tmp,
               ANSIBLE_HOME=os.path.join(workdir, 'ansible-home'),
               NO_COLOR='1')
    command = [sys.executable, '-m', 'galaxy_importer.main', tarball]
    log('running: ' + ' '.join(command))
    lines = []
    with subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, encoding='utf-8', errors='replace') as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line.rstrip('\n'))
        returncode = proc.wait()
    sys.stdout.flush()
    return returncode, lines


def check_result(path: str) -> tuple[list[str], list[str]]:
    """(problems, summary lines) from importer_result.json."""
    try:
        with open(path, encoding='utf-8') as handle:
            result = json.load(handle)
    except (OSError, ValueError) as ex:
        return [f'cannot read {path}: {ex}'], []

    problems = []
    contents = result.get('contents') or []
    by_type = collections.Counter(content.get('content_type') for content in contents)
    # An action plugin that bears a module's name runs that module's tasks and is documented by it (ansible-doc
    # has no action type); any other action plugin needs documentation of its own.
    documented_modules = {content.get('name') for content in contents
                          if content.get('content_type') == 'module' and content.get('description')}

    def module_documents(kind: str, name: str) -> bool:
        return kind == 'action' and name in documented_modules

    for content in contents:
        kind, name = content.get('content_type'), content.get('name')
        if kind not in UNDOCUMENTED_TYPES and not content.get('description') and not module_documents(kind, name):
            problems.append(f'{kind} {name} has no short description')
    for doc in (result.get('docs_blob') or {}).get('contents') or []:
        kind, name = doc.get('content_type'), doc.get('content_name')
        if (kind not in UNDOCUMENTED_TYPES and kind != 'role' and not doc.get('doc_strings')
                and not module_documents(kind, name)):
            problems.append(f'{kind} {name}: galaxy-importer got no documentation from ansible-doc')

    metadata = result.get('metadata') or {}
    docs_blob = result.get('docs_blob') or {}
    summary = [
        f"collection {metadata.get('namespace')}.{metadata.get('name')} {metadata.get('version')}, "
        f"requires_ansible {result.get('requires_ansible')!r}",
        'contents: ' + ', '.join(f'{count} {kind}' for kind, count in sorted(by_type.items())),
        'documentation files: ' + (', '.join(doc.get('name', '?') for doc in docs_blob.get('documentation_files') or [])
                                   or 'none'),
        f"collection README rendered: {'yes' if (docs_blob.get('collection_readme') or {}).get('html') else 'NO'}",
    ]
    if not (docs_blob.get('collection_readme') or {}).get('html'):
        problems.append('the collection README was not rendered')
    return problems, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('tarball')
    parser.add_argument('--config', required=True, help='galaxy-importer config file')
    parser.add_argument('--workdir', required=True, help='working directory (importer_result.json goes here)')
    parser.add_argument('--allow-warnings', action='store_true', help='do not fail on WARNING lines')
    parser.add_argument('--ignore-warning', action='append', default=[], metavar='REGEX',
                        help='do not fail on WARNING lines this regular expression matches (repeatable)')
    args = parser.parse_args()

    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    result_path = os.path.join(workdir, 'importer_result.json')
    if os.path.exists(result_path):
        os.remove(result_path)

    returncode, lines = run_importer(os.path.abspath(args.tarball), os.path.abspath(args.config), workdir)
    problems = []
    if returncode:
        problems.append(f'galaxy-importer exited with {returncode}')
    if SUCCESS not in lines:
        problems.append(f'galaxy-importer did not print "{SUCCESS}"')
    errors = [line for line in lines if line.startswith(('ERROR', 'CRITICAL'))]
    ignore = [re.compile(pattern) for pattern in args.ignore_warning]
    warnings, ignored = [], []
    for line in lines:
        if line.startswith('WARNING'):
            (ignored if any(pattern.search(line) for pattern in ignore) else warnings).append(line)
    problems += [f'importer error: {line}' for line in errors]
    if not args.allow_warnings:
        problems += [f'importer warning: {line}' for line in warnings]
    result_problems, summary = check_result(result_path)
    problems += result_problems

    summary.append(f'{len(errors)} error(s), {len(warnings)} warning(s), {len(ignored)} ignored warning(s)')
    summary += [f'  ignored (--ignore-warning): {line}' for line in ignored]
    log('summary:\n  ' + '\n  '.join(summary))
    for problem in problems:
        log(f'FAILED: {problem}')
    if not problems:
        log(f'{os.path.basename(args.tarball)}: imported cleanly')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
