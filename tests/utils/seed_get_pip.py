#!/usr/bin/env python
"""Seed ansible-test's pip bootstrap cache with an offline stand-in for get-pip.py.

``ansible-test --venv`` bootstraps pip into every virtual environment it creates by
running ``get-pip-<version>.py``, which it downloads from ci-files.testing.ansible.com
and caches as ``~/.ansible/test/cache/get_pip_<version with _>.py``.  That host is not
reachable from our machines (only package registries are), so we put a small script of
our own into the cache instead.  ansible-test runs it through its ``quiet_pip.py`` (with
``runpy`` as ``__main__``) with arguments like::

    --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel

The stand-in runs ``python -m ensurepip`` (pip bundled with CPython) and then
``python -m pip install`` with the same arguments, so the requested pip version still
comes from PyPI.

The pip version(s) are read from the installed ansible-test, so this works for any
ansible-core release (2.18, 2.19, ...).  A cache file that is a real get-pip.py (one
without our marker) is never overwritten.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import types

MARKER = '# mailops-sendgrid test harness: offline get-pip stand-in'

STAND_IN = MARKER + '''
# Written by tests/utils/seed_get_pip.py; safe to delete (it is re-created by `make`).
import subprocess
import sys

DROP = ('--no-setuptools', '--no-wheel')  # get-pip.py options that `pip install` does not accept


def main():
    args = [arg for arg in sys.argv[1:] if arg not in DROP]
    if '--no-setuptools' not in sys.argv[1:]:
        args.append('setuptools')
    if '--no-wheel' not in sys.argv[1:]:
        args.append('wheel')
    rc = subprocess.call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
    if rc:
        sys.exit('ensurepip failed with exit code %d for %s' % (rc, sys.executable))
    sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args))


main()
'''


def pip_versions(python_versions: list[str]) -> set[str]:
    """Return the pip versions ansible-test bootstraps for the given Python versions."""
    versions: set[str] = set()
    try:
        from ansible_test._internal.python_requirements import get_venv_packages
    except ImportError:
        get_venv_packages = None

    if get_venv_packages is not None:
        for python_version in python_versions:
            versions.add(get_venv_packages(types.SimpleNamespace(version=python_version))['pip'])
        return versions

    # Fallback: read the pins from the source of ansible-test (older/newer layouts).
    import ansible_test

    source_path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source_path, encoding='utf-8') as source_file:
        source = source_file.read()
    versions.update(re.findall(r"""\bpip\s*=\s*['"]([0-9][0-9A-Za-z.]*)['"]""", source))
    if not versions:
        raise SystemExit(f'cannot find the pip version ansible-test bootstraps in {source_path}')
    return versions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--python-version', action='append', dest='python_versions',
                        help='Python version(s) ansible-test will create venvs for (default: the running one)')
    parser.add_argument('--cache-dir', default=os.path.expanduser('~/.ansible/test/cache'))
    args = parser.parse_args()

    python_versions = args.python_versions or ['%d.%d' % sys.version_info[:2]]
    os.makedirs(args.cache_dir, exist_ok=True)

    for version in sorted(pip_versions(python_versions)):
        path = os.path.join(args.cache_dir, 'get_pip_%s.py' % version.replace('.', '_'))
        if os.path.exists(path):
            with open(path, encoding='utf-8', errors='replace') as existing:
                content = existing.read()
            if MARKER not in content:
                print(f'get-pip cache: keeping real get-pip for pip {version}: {path}')
                continue
            if content == STAND_IN:
                continue  # already in place
        temp_path = path + '.harness-tmp'
        with open(temp_path, 'w', encoding='utf-8') as stand_in:
            stand_in.write(STAND_IN)
        os.replace(temp_path, path)
        print(f'get-pip cache: wrote offline stand-in for pip {version}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
