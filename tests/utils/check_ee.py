#!/usr/bin/env python
"""Check meta/execution-environment.yml with ansible-builder, without building an image.

    check_ee.py --collection COLLECTION_ROOT --workdir SCRATCH [--introspect COLLECTIONS_DIR]...
                [--expect-core SERIES] [--variant SERIES:PYTHON]...

1. As docs/docsite/rst/awx.rst says, a direct build uses a scratch folder holding a copy of the
   collection's meta/ and, at its top, a copy of meta/execution-environment.yml (the file's
   paths are relative to the collection root).  ``ansible-builder create`` writes the build
   context there (no Podman or Docker needed), and the context's Python requirements must
   name ``requests``.
   With ``--expect-core SERIES``, the ansible-core the context installs (its ``ANSIBLE_INSTALL_REFS``),
   resolved by pip from PyPI for the context's Python (``PYPKG``), must be of that series: the EE
   the definition builds gets the newest tested ansible-core.
2. Each ``--variant SERIES:PYTHON`` (``2.18:3.11``) is the same definition with ansible-core pinned to
   that series on that Python (``pythonX.Y`` from the base image): its context is created too and its
   ansible-core resolved the same way, so the definition also builds for the oldest tested series.
3. For each ``--introspect`` collections directory (the parent of ``ansible_collections/``),
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
import tempfile

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


def create_context(collection: str, workdir: str, builder: str, variant: tuple[str, str] | None = None) -> list[str]:
    """ansible-builder create in WORKDIR; VARIANT (series, Python) pins ansible-core and the Python first."""
    problems = []
    if os.path.isdir(workdir):
        shutil.rmtree(workdir)
    os.makedirs(workdir)
    shutil.copytree(os.path.join(collection, 'meta'), os.path.join(workdir, 'meta'))
    definition = os.path.join(workdir, 'execution-environment.yml')
    shutil.copy2(os.path.join(collection, 'meta', 'execution-environment.yml'), definition)
    if variant:
        series, python = variant
        with open(definition, encoding='utf-8') as handle:
            data = yaml.safe_load(handle)
        data['dependencies']['ansible_core'] = {'package_pip': f'ansible-core{series_specifier(series)}'}
        data['dependencies']['python_interpreter'] = {'package_system': f'python{python}',
                                                      'python_path': f'/usr/bin/python{python}'}
        with open(definition, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(data, handle, sort_keys=False)
        log(f'variant: ansible-core{series_specifier(series)} on python{python}')
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


def series_specifier(series: str) -> str:
    major, minor = (int(part) for part in series.split('.'))
    return f'>={major}.{minor},<{major}.{minor + 1}'


def context_args(workdir: str) -> dict[str, str]:
    """The ARG defaults of the context's Containerfile (Dockerfile for docker, Containerfile for podman)."""
    for name in ('Containerfile', 'Dockerfile'):
        path = os.path.join(workdir, 'context', name)
        if os.path.isfile(path):
            with open(path, encoding='utf-8') as handle:
                return dict(re.findall(r'^ARG (\w+)="([^"]*)"', handle.read(), flags=re.MULTILINE))
    raise RuntimeError(f'no Containerfile or Dockerfile in {workdir}/context')


def resolve_core(workdir: str, expect_series: str) -> list[str]:
    """Which ansible-core pip installs for the context's ANSIBLE_INSTALL_REFS on its Python; must be EXPECT_SERIES."""
    args = context_args(workdir)
    refs = [ref for ref in args.get('ANSIBLE_INSTALL_REFS', '').split() if names_requirement(ref, 'ansible-core')]
    python = re.fullmatch(r'python(3\.\d+)', args.get('PYPKG', ''))
    if not refs or not python:
        return [f'the context names no ansible-core or no pythonX.Y: ANSIBLE_INSTALL_REFS={args.get("ANSIBLE_INSTALL_REFS")!r} '
                f'PYPKG={args.get("PYPKG")!r}']
    with tempfile.TemporaryDirectory(prefix='check-ee-') as dest:
        run([sys.executable, '-m', 'pip', 'download', '--disable-pip-version-check', '--quiet', '--no-deps',
             '--only-binary=:all:', '--implementation', 'cp', '--python-version', python.group(1), '--dest', dest,
             refs[0]], cwd=workdir)
        wheels = [name for name in os.listdir(dest) if name.startswith('ansible_core-')]
    if not wheels:
        return [f'pip resolved no ansible-core wheel for {refs[0]} on Python {python.group(1)}']
    version = wheels[0].split('-')[1]
    if not version.startswith(expect_series + '.'):
        return [f'{refs[0]} on Python {python.group(1)} installs ansible-core {version}, not {expect_series}']
    log(f'the EE gets ansible-core {version} ({refs[0]}) on Python {python.group(1)}')
    return []


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
    parser.add_argument('--expect-core', metavar='SERIES', help='the ansible-core series the definition must install')
    parser.add_argument('--variant', action='append', default=[], metavar='SERIES:PYTHON',
                        help='also create the context with ansible-core SERIES on pythonPYTHON (repeatable)')
    args = parser.parse_args()

    fqcn = collection_fqcn(args.collection)
    collection, workdir = os.path.abspath(args.collection), os.path.abspath(args.workdir)
    problems: list[str] = []
    try:
        problems += create_context(collection, workdir, args.ansible_builder)
        if not problems and args.expect_core:
            problems += resolve_core(workdir, args.expect_core)
        if not problems:
            for collections_dir in args.introspect:
                problems += introspect(workdir, os.path.abspath(collections_dir), fqcn)
        for variant in args.variant:
            if not re.fullmatch(r'\d+\.\d+:\d+\.\d+', variant):
                parser.error(f'--variant {variant}: expected SERIES:PYTHON, like 2.18:3.11')
            series, python = variant.split(':')
            variant_dir = f'{workdir}-{series}'
            variant_problems = create_context(collection, variant_dir, args.ansible_builder, (series, python))
            problems += variant_problems or resolve_core(variant_dir, series)
    except (OSError, RuntimeError, subprocess.SubprocessError) as ex:
        problems.append(str(ex))
    for problem in problems:
        log(f'FAILED: {problem}')
    if not problems:
        log(f'meta/execution-environment.yml: build context created; {REQUIRED} reaches the EE either way')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
