#!/usr/bin/env python
"""Check what a collection tarball built by ``ansible-galaxy collection build`` holds.

    check_tarball.py [--series "2.18 2.19 ..."] [--dirty-build COLLECTION_ROOT --workdir SCRATCH] TARBALL...

For each TARBALL (and, with --dirty-build, for one more built here):

- no member is test output, a cache, a virtual environment, a VCS directory or build output (OFFENDING);
  every offending path is listed. The emulator and the other tests under tests/ may ship.
- it has what a user needs: MANIFEST.json, FILES.json, meta/runtime.yml, README.md and the plugins.
- with --series, meta/runtime.yml's ``requires_ansible`` admits exactly those ansible-core series: every X.Y.0
  and X.Y.99 of each, and neither the series before the oldest nor the one after the newest. It says what is
  tested, no more.

--dirty-build copies COLLECTION_ROOT to SCRATCH/ansible_collections/NAMESPACE/NAME, plants one sample of every
OFFENDING kind in it (what a developer's work tree holds after testing: .venv, __pycache__, tests/output, ...),
and builds it with the ``ansible-galaxy`` beside this Python: galaxy.yml's build_ignore must keep every one out.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

# (what, regular expression on a member's path, a sample path that matches it, to plant in a dirty copy)
OFFENDING = [
    ('ansible-test output', r'(^|/)tests/output(/|$)', 'tests/output/junit/python3.11-units.xml'),
    ('generated integration config', r'(^|/)tests/integration/(integration_config\.yml|cloud-config-[^/]*)$',
     'tests/integration/integration_config.yml'),
    ('Python bytecode cache', r'(^|/)__pycache__(/|$)|\.py[cod]$', 'plugins/module_utils/__pycache__/_api.cpython-311.pyc'),
    ('virtual environment', r'(^|/)(\.?venv[^/]*|\.nox|\.tox)(/|$)|(^|/)pyvenv\.cfg$', '.venv/pyvenv.cfg'),
    ('virtual environment', r'(^|/)(\.?venv[^/]*|\.nox|\.tox)(/|$)|(^|/)pyvenv\.cfg$', '.nox/sanity/pyvenv.cfg'),
    ('VCS directory', r'(^|/)\.(git|hg|svn)(/|$)', '.git/HEAD'),
    ('tool cache', r'(^|/)\.(pytest_cache|mypy_cache|ruff_cache|cache|ansible)(/|$)', '.pytest_cache/README.md'),
    ('tool cache', r'(^|/)\.(pytest_cache|mypy_cache|ruff_cache|cache|ansible)(/|$)', '.ansible/roles/x.yml'),
    ('tool cache', r'(^|/)\.(pytest_cache|mypy_cache|ruff_cache|cache|ansible)(/|$)', '.mypy_cache/3.11/x.json'),
    ('antsibull-changelog cache', r'(^|/)changelogs/\.plugin-cache\.yaml$', 'changelogs/.plugin-cache.yaml'),
    ('coverage data', r'(^|/)(\.coverage(\.[^/]*)?|htmlcov(/.*)?|coverage\.xml)$', '.coverage'),
    ('build output', r'(^|/)(build|dist|_build|[^/]*\.egg-info)(/|$)|(^|/)docs/docsite/(build|rst/_build)(/|$)',
     'build/lib/x.py'),
    ('build output', r'(^|/)(build|dist|_build|[^/]*\.egg-info)(/|$)|(^|/)docs/docsite/(build|rst/_build)(/|$)',
     'mailops_sendgrid.egg-info/PKG-INFO'),
    ('collection tarball', r'\.tar\.gz$', 'mailops-sendgrid-0.0.1.tar.gz'),
    ('editor or OS leftovers', r'(^|/)(\.DS_Store|\.idea|\.vscode)(/|$)|\.sw[po]$|~$|\.retry$', '.idea/workspace.xml'),
]
REQUIRED = ('MANIFEST.json', 'FILES.json', 'meta/runtime.yml', 'README.md')


def offending(path: str) -> list[str]:
    return sorted({what for what, pattern, _sample in OFFENDING if re.search(pattern, path)})


def members(tarball: str) -> list[str]:
    with tarfile.open(tarball, 'r:gz') as archive:
        return [member.name.removeprefix('./').rstrip('/') for member in archive.getmembers()]


def read_member(tarball: str, name: str) -> str:
    with tarfile.open(tarball, 'r:gz') as archive:
        for candidate in (name, './' + name):
            try:
                handle = archive.extractfile(candidate)
            except KeyError:
                continue
            if handle is not None:
                return handle.read().decode('utf-8')
    raise KeyError(name)


def check_requires_ansible(runtime_yml: str, series: list[str]) -> list[str]:
    requires = (yaml.safe_load(runtime_yml) or {}).get('requires_ansible')
    if not requires:
        return ['meta/runtime.yml has no requires_ansible']
    spec = SpecifierSet(requires)
    problems = []
    for one in series:
        for patch in (0, 99):
            if Version(f'{one}.{patch}') not in spec:
                problems.append(f'requires_ansible "{requires}" does not admit {one}.{patch}, a tested series')
    major, minor = (int(part) for part in series[0].split('.'))
    before = f'{major}.{minor - 1}.99'
    major, minor = (int(part) for part in series[-1].split('.'))
    after = f'{major}.{minor + 1}.0'
    for version in (before, after):
        if Version(version) in spec:
            problems.append(f'requires_ansible "{requires}" admits {version}: no test runs there (tested: {" ".join(series)})')
    if not problems:
        print(f'[check_tarball] requires_ansible "{requires}": exactly the tested series {" ".join(series)}')
    return problems


def check(tarball: str, series: list[str]) -> list[str]:
    names = members(tarball)
    problems = [f'{name}: {", ".join(offending(name))}' for name in names if offending(name)]
    for required in REQUIRED:
        if required not in names:
            problems.append(f'{required}: missing')
    if not any(name.startswith('plugins/modules/') and name.endswith('.py') for name in names):
        problems.append('plugins/modules/*.py: missing')
    if series and 'meta/runtime.yml' in names:
        problems += check_requires_ansible(read_member(tarball, 'meta/runtime.yml'), series)
    shipped_tests = sum(1 for name in names if name.startswith('tests/'))
    print(f'[check_tarball] {tarball}: {len(names)} members ({shipped_tests} under tests/), '
          f'{len(problems)} problem(s)')
    return problems


def dirty_build(collection: str, workdir: str) -> str:
    """Build a tarball from a copy of COLLECTION with a sample of every offending kind planted in it."""
    galaxy = yaml.safe_load(open(os.path.join(collection, 'galaxy.yml'), encoding='utf-8'))
    if os.path.isdir(workdir):
        shutil.rmtree(workdir)
    copy = os.path.join(workdir, 'ansible_collections', galaxy['namespace'], galaxy['name'])
    output = os.path.join(collection, 'tests', 'output')
    shutil.copytree(collection, copy, ignore=lambda directory, names: ['output'] if os.path.join(directory, 'output') == output else [])
    for _what, _pattern, sample in OFFENDING:
        path = os.path.join(copy, sample)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('planted by tests/utils/check_tarball.py\n')
    dist = os.path.join(workdir, 'dist')
    ansible_galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    command = [ansible_galaxy, 'collection', 'build', '--force', '--output-path', dist, copy]
    print('[check_tarball] planted %d offending samples in %s; running: %s' % (len(OFFENDING), copy, ' '.join(command)),
          flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(dist, f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('tarballs', nargs='*', metavar='TARBALL')
    parser.add_argument('--series', default='', help='the tested ansible-core series, space-separated, oldest first')
    parser.add_argument('--dirty-build', metavar='COLLECTION_ROOT', help='also build and check a dirty copy of it')
    parser.add_argument('--workdir', help='scratch folder for --dirty-build (wiped first)')
    args = parser.parse_args()
    series = args.series.split()

    tarballs = list(args.tarballs)
    if args.dirty_build:
        if not args.workdir:
            parser.error('--dirty-build needs --workdir')
        tarballs.append(dirty_build(args.dirty_build, args.workdir))
    if not tarballs:
        parser.error('no tarball to check')

    failed = False
    for tarball in tarballs:
        problems = check(tarball, series)
        for problem in problems:
            print(f'[check_tarball] {os.path.basename(tarball)}: {problem}')
        failed = failed or bool(problems)
    if not failed:
        print(f'[check_tarball] OK: {len(tarballs)} tarball(s) hold nothing that should not ship')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
