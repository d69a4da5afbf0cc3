#!/usr/bin/env python
"""Build the collection's HTML documentation site the way Ansible's docsite builds collection docs.

    build_docs.py --collections-path COLLECTIONS_DIR --dest SITE_DIR [--collection mailops.sendgrid]

Run it with the Python of the venv that has antsibull-docs, Sphinx and sphinx-ansible-theme
(tests/requirements-docs.txt); ``antsibull-docs`` is taken from beside that Python.

1. ``antsibull-docs sphinx-init --use-current --dest-dir SITE_DIR COLLECTION`` writes a fresh Sphinx
   project (conf.py, build.sh, antsibull-docs.cfg) for the collection found in COLLECTIONS_DIR
   (the parent of ``ansible_collections/``).
2. Its ``build.sh``, unchanged, runs ``antsibull-docs collection`` (every plugin and role, and the
   extra docs of docs/docsite/extra-docs.yml) and ``sphinx-build -M html rst build -c . -W
   --keep-going``: every Sphinx warning is an error. The site is SITE_DIR/build/html.

Offline, the intersphinx inventories conf.py names cannot be downloaded; conf.py falls back to
local files beside rst/ (``../ansible_devel.inv`` ...), which this script writes first:

- ``ansible_devel.inv`` holds the labels of Ansible's own docsite that the generated pages link to:
  ``ansible_collections.ansible.builtin.<name>_<type>`` for every plugin of the installed
  ansible-core (from ``ansible-doc --list``), and the few docsite pages that antsibull-docs'
  templates reference (DOCSITE_LABELS). They point to the same URLs as the real inventory, so the
  links work in the built site; any other reference to Ansible's docsite stays unresolved and fails
  the build, as a typo would.
- ``python2.inv``, ``python3.inv`` and ``jinja2.inv`` are empty: the collection's docs do not link
  there, and a reference that does fails the build.

The build runs with its HTTP(S) proxy set to a closed port on 127.0.0.1, so Sphinx never reaches the
network for the inventories and always uses these files: the same site with or without a network.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zlib

# Where the build's HTTP clients are sent instead of the network: a loopback port nothing listens on (discard).
NO_NETWORK_PROXY = 'http://127.0.0.1:9'

# Labels of Ansible's docsite that antsibull-docs' templates link to, with their page on that site.
DOCSITE_LABELS = {
    'action_plugins': 'plugins/action.html#action-plugins',
    'ansible_configuration_settings': 'reference_appendices/config.html#ansible-configuration-settings',
    'common_return_values': 'reference_appendices/common_return_values.html#common-return-values',
}

# Plugin types of `ansible-doc --list` whose pages have an `ansible_collections.ansible.builtin.NAME_TYPE` label.
PLUGIN_TYPES = ('become', 'cache', 'callback', 'cliconf', 'connection', 'filter', 'httpapi', 'inventory', 'keyword',
                'lookup', 'module', 'netconf', 'shell', 'strategy', 'test', 'vars')


def log(message: str) -> None:
    print(f'[build_docs] {message}', flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    log('running: ' + ' '.join(command))
    return subprocess.run(command, check=True, **kwargs)


def builtin_labels(bindir: str, env: dict[str, str]) -> dict[str, str]:
    labels = {}
    for plugin_type in PLUGIN_TYPES:
        result = subprocess.run([os.path.join(bindir, 'ansible-doc'), '--list', '--json', '-t', plugin_type,
                                 'ansible.builtin'], check=False, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env)
        if result.returncode:
            continue  # a plugin type this ansible-core does not list
        for fqcn in json.loads(result.stdout or '{}'):
            name = fqcn.rsplit('.', 1)[-1]
            label = f'ansible_collections.ansible.builtin.{name}_{plugin_type}'
            anchor = label.replace('.', '-').replace('_', '-')
            labels[label] = f'collections/ansible/builtin/{name}_{plugin_type}.html#{anchor}'
    if not labels:
        raise SystemExit('ansible-doc --list found no ansible.builtin plugin: is ansible-core installed here?')
    return labels


def write_inventory(path: str, project: str, labels: dict[str, str]) -> None:
    """Write a Sphinx objects.inv (version 2) with LABELS as std:label entries."""
    header = f'# Sphinx inventory version 2\n# Project: {project}\n# Version: \n# The remainder of this file is compressed using zlib.\n'
    lines = ''.join(f'{label} std:label -1 {uri} -\n' for label, uri in sorted(labels.items()))
    with open(path, 'wb') as handle:
        handle.write(header.encode('utf-8'))
        handle.write(zlib.compress(lines.encode('utf-8')))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collections-path', required=True, help='parent of ansible_collections/ holding the collection')
    parser.add_argument('--dest', required=True, help='site directory (wiped first); the HTML goes to DEST/build/html')
    parser.add_argument('--collection', default='mailops.sendgrid')
    args = parser.parse_args()

    bindir = os.path.dirname(sys.executable)
    dest = os.path.abspath(args.dest)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.collections_path),
               PATH=bindir + os.pathsep + os.environ.get('PATH', ''))
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    os.makedirs(dest, mode=0o755)
    os.chmod(dest, 0o755)  # sphinx-init wants a directory only its owner can write to

    run([os.path.join(bindir, 'antsibull-docs'), 'sphinx-init', '--use-current', '--fail-on-error', '--dest-dir', dest,
         args.collection], env=env)

    labels = builtin_labels(bindir, env)
    labels.update(DOCSITE_LABELS)
    write_inventory(os.path.join(dest, 'ansible_devel.inv'), 'Ansible', labels)
    for name in ('python2', 'python3', 'jinja2'):
        write_inventory(os.path.join(dest, f'{name}.inv'), name, {})
    log(f'offline intersphinx inventories in {dest}: ansible_devel.inv ({len(labels)} labels), python2/python3/jinja2 (empty)')

    offline = {name: NO_NETWORK_PROXY for name in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY')}
    offline.update(no_proxy='', NO_PROXY='')
    try:
        run(['bash', os.path.join(dest, 'build.sh')], env=dict(env, **offline), cwd=dest)
    except subprocess.CalledProcessError as ex:
        log(f'FAILED: build.sh exited with {ex.returncode} (Sphinx warnings are errors: see above)')
        return 1
    index = os.path.join(dest, 'build', 'html', 'index.html')
    if not os.path.isfile(index):
        log(f'FAILED: no {index}')
        return 1
    log(f'docs site built: {index}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
