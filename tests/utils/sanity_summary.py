#!/usr/bin/env python
"""Summarise an ``ansible-test sanity --junit`` run: which tests passed, failed or were skipped, and why.

    sanity_summary.py COLLECTION_ROOT

ansible-test skips a sanity test silently when the collection has no file the test applies to
(for example pslint without PowerShell files), but also when a tool it needs is missing
(shellcheck without a shellcheck binary).  This prints one line per test and fails when a
test was skipped although the collection has files it applies to, or for a reason not
explained here, so a skip never goes unnoticed in CI.
"""

from __future__ import annotations

import glob
import os
import sys
import xml.etree.ElementTree as ET

# Sanity tests that ansible-test skips when the collection has none of these files: what they are,
# and path prefixes and suffixes (relative to the collection root) that match them.
TARGET_RULES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    'pslint': ('PowerShell files (.ps1/.psm1/.psd1)', (), ('.ps1', '.psm1', '.psd1')),
    'shellcheck': ('shell scripts (.sh)', (), ('.sh',)),
    'changelog': ('changelogs/config.yaml or changelog fragments', ('changelogs/config.yaml', 'changelogs/fragments/'), ()),
    'empty-init': ('__init__.py files under plugins/modules/ or tests/unit/', ('plugins/modules/', 'tests/unit/'), ('/__init__.py',)),
    'action-plugin-docs': ('action plugins', ('plugins/action/',), ('.py',)),
    'integration-aliases': ('integration targets', ('tests/integration/targets/',), ()),
    'validate-modules': ('modules', ('plugins/modules/',), ()),
    'ansible-doc': ('plugins with documentation', ('plugins/',), ('.py', '.yml', '.yaml')),
    'import': ('Python plugins or module_utils', ('plugins/',), ('.py',)),
}


def collection_files(root: str) -> list[str]:
    files = []
    for directory, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(directory, root)
        if rel_dir == os.path.join('tests', 'output') or rel_dir.startswith(os.path.join('tests', 'output') + os.sep):
            dirnames[:] = []
            continue
        for filename in filenames:
            files.append(os.path.normpath(os.path.join(rel_dir, filename)).replace(os.sep, '/'))
    return files


def has_targets(rule: tuple[str, tuple[str, ...], tuple[str, ...]], files: list[str]) -> bool:
    _reason, prefixes, suffixes = rule
    for path in files:
        if prefixes and not path.startswith(prefixes):
            continue
        if suffixes and not ('/' + path).endswith(suffixes):
            continue
        return True
    return False


def base_name(test_name: str) -> str:
    # junit names look like "pylint", "compile-python-3.11" or "pslint-python-3.11"
    name, sep, _version = test_name.rpartition('-python-')
    return name if sep else test_name


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    reports = sorted(glob.glob(os.path.join(root, 'tests', 'output', 'junit', 'ansible-test-sanity-*.xml')))
    if not reports:
        print('sanity summary: no junit reports found (did ansible-test sanity run with --junit?)')
        return 1

    files = collection_files(root)
    problems = 0
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    print('sanity summary:')
    for report in reports:
        for case in ET.parse(report).getroot().iter('testcase'):
            name = case.get('name', '?')
            if case.find('failure') is not None or case.find('error') is not None:
                status, note = 'failed', 'see the errors above'
            elif case.find('skipped') is not None:
                status = 'skipped'
                rule = TARGET_RULES.get(base_name(name))
                if rule is None:
                    note = 'PROBLEM: skipped for a reason this harness does not know; check the ansible-test output'
                    problems += 1
                elif has_targets(rule, files):
                    note = f'PROBLEM: skipped although the collection has {rule[0]} (is a tool missing?)'
                    problems += 1
                else:
                    note = f'nothing to test: the collection has no {rule[0]}'
            else:
                status, note = 'passed', ''
            counts[status] += 1
            print(f'  {name:32} {status:8} {note}'.rstrip())
    print(f"sanity: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    if problems:
        print(f'sanity summary: {problems} unexplained skip(s)')
    return 1 if problems or counts['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
