#!/usr/bin/env python
"""Check meta/execution-environment.yml with ansible-builder, without building an image.

    check_ee.py --collection COLLECTION_ROOT --workdir SCRATCH [--introspect COLLECTIONS_DIR]...

1. As docs/docsite/rst/awx.rst says, a direct build uses a scratch folder holding a copy of the
   collection's meta/ and, at its top, a copy of meta/execution-environment.yml (the file's
   paths are relative to the collection root).  ``ansible-builder create`` writes the build
   context there (no Podman or Docker needed), and the context's Python requirements must
   name ``requests``.
2. For each ``--introspect`` collections directory (the parent of ``ansible_collections/``),
   the introspection script that ansible-builder puts into every EE build context must find
   ``requests`` from collection NAMESPACE.NAME: that is how an EE that installs the
   collection gets it without listing it.

Run it with the Python of the venv that has ansible-builder (its ``ansible-builder`` is taken
from beside that Python unless ``--ansible-builder`` says otherwise).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

import yaml

REQUIRED = 'requests'


def log(message: str) -> None:
    print(f'[check_ee] {message}', flush=True)


def run(command: list[str], cwd: str) -> str:
    log('running: ' + ' '.join(command))
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    print(result.stdout, end='' if result.stdout.endswith('\n') or not result.stdout else '\n', flush=True)
    if result.returncode:
        raise RuntimeError(f'{command[0]} exited with {result.returncode}')
    return result.stdout


def names_requirement(line: str, name: str) -> bool:
    """Whether a pip requirement line (comments allowed) is for the distribution NAME."""
    match = re.match(r'\s*([A-Za-z0-9][A-Za-z0-9._-]*)', line.split('#', 1)[0])
    return bool(match) and re.sub(r'[-_.]+', '-', match.group(1)).lower() == name


def create_context(collection: str, workdir: str, builder: str) -> list[str]:
    problems = []
    if os.path.isdir(workdir):
        shutil.rmtree(workdir)
    os.makedirs(workdir)
    shutil.copytree(os.path.join(collection, 'meta'), os.path.join(workdir, 'meta'))
    shutil.copy2(os.path.join(collection, 'meta', 'execution-environment.yml'), workdir)
    run([builder, 'create', '--file', 'execution-environment.yml', '--context', 'context'], cwd=workdir)

    requirements = os.path.join(workdir, 'context', '_build', 'requirements.txt')
    if not os.path.isfile(requirements):
        return [f'ansible-builder create wrote no {requirements}']
    with open(requirements, encoding='utf-8') as handle:
        lines = [line.rstrip('\n') for line in handle]
    found = [line for line in lines if names_requirement(line, REQUIRED)]
    if found:
        log(f'build context requirements name {REQUIRED}: {found[0]}')
    else:
        problems.append(f'{requirements} does not name {REQUIRED}: {lines}')
    return problems


def introspect(workdir: str, collections_dir: str, fqcn: str) -> list[str]:
    script = os.path.join(workdir, 'context', '_build', 'scripts', 'introspect.py')
    output = run([sys.executable, script, 'introspect', collections_dir], cwd=workdir)
    try:
        python = (yaml.safe_load(output) or {}).get('python') or []
    except yaml.YAMLError as ex:
        return [f'introspection of {collections_dir} printed no YAML: {ex}']
    wanted = [line for line in python if names_requirement(line, REQUIRED) and f'from collection {fqcn}' in line]
    if wanted:
        log(f'introspection of {collections_dir} finds: {wanted[0]}')
        return []
    return [f'introspection of {collections_dir} does not find {REQUIRED} from collection {fqcn}: {python}']


def collection_fqcn(collection: str) -> str:
    with open(os.path.join(collection, 'galaxy.yml'), encoding='utf-8') as handle:
        galaxy = yaml.safe_load(handle)
    return f"{galaxy['namespace']}.{galaxy['name']}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collection', required=True, help='collection root (holds galaxy.yml and meta/)')
    parser.add_argument('--workdir', required=True, help='scratch folder, wiped first')
    parser.add_argument('--introspect', action='append', default=[], metavar='COLLECTIONS_DIR',
                        help='collections directory to introspect (repeatable)')
    parser.add_argument('--ansible-builder', default=os.path.join(os.path.dirname(sys.executable), 'ansible-builder'))
    args = parser.parse_args()

    fqcn = collection_fqcn(args.collection)
    problems: list[str] = []
    try:
        problems += create_context(os.path.abspath(args.collection), os.path.abspath(args.workdir), args.ansible_builder)
        if not problems:
            for collections_dir in args.introspect:
                problems += introspect(os.path.abspath(args.workdir), os.path.abspath(collections_dir), fqcn)
    except (OSError, RuntimeError) as ex:
        problems.append(str(ex))
    for problem in problems:
        log(f'FAILED: {problem}')
    if not problems:
        log(f'meta/execution-environment.yml: build context created; {REQUIRED} reaches the EE either way')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
