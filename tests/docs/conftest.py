"""Fixtures of tests/docs: the built docs site, served on 127.0.0.1 and opened in headless chromium.

Run (after `make docs`; `make package-site` does both):

    SENDGRID_DOCS_SITE=BUILD/docs/site/build/html SENDGRID_DOCS_COLLECTIONS_PATH=BUILD/src \
    SENDGRID_DOCS_SCREENSHOT=BUILD/docs/screenshots/sendgrid_ip_info_module.png \
        .venv/package/docs/bin/python -m pytest tests/docs

SENDGRID_DOCS_COLLECTIONS_PATH holds ansible_collections/mailops/sendgrid: what the site must document comes from
there (``ansible-doc --metadata-dump`` of the ansible-doc beside the Python that runs pytest, and
docs/docsite/extra-docs.yml), never from a list in the test.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_check import COLLECTION, Browser, Page, crawl, serve  # noqa: E402  pylint: disable=wrong-import-position


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f'tests/docs needs {name} (see tests/docs/conftest.py)', returncode=2)
    return value


@pytest.fixture(scope='session')
def site() -> Path:
    path = Path(_env('SENDGRID_DOCS_SITE')).resolve()
    if not (path / 'index.html').is_file():
        pytest.exit(f'no built site at {path} (run `make docs`)', returncode=2)
    return path


@pytest.fixture(scope='session')
def collection_root() -> Path:
    return Path(_env('SENDGRID_DOCS_COLLECTIONS_PATH')).resolve() / 'ansible_collections' / 'mailops' / 'sendgrid'


@functools.cache
def load_metadata() -> dict:
    """``ansible-doc --metadata-dump`` of the collection: every plugin and role with its documentation."""
    ansible_doc = Path(sys.executable).parent / 'ansible-doc'
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_env('SENDGRID_DOCS_COLLECTIONS_PATH'))
    result = subprocess.run([str(ansible_doc), '--metadata-dump', '--no-fail-on-errors', COLLECTION], check=True,
                            stdout=subprocess.PIPE, text=True, env=env)
    data = json.loads(result.stdout)
    if not data['all'].get('module'):
        pytest.exit(f'ansible-doc finds no module of {COLLECTION} in {env["ANSIBLE_COLLECTIONS_PATH"]}', returncode=2)
    return data


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``plugin`` parameters: (type, FQCN) of every module and plugin of the collection with documentation."""
    if 'plugin' in metafunc.fixturenames:
        plugins = [(plugin_type, fqcn) for plugin_type, found in sorted(load_metadata()['all'].items())
                   if plugin_type not in ('keyword', 'role') for fqcn in sorted(found)]
        metafunc.parametrize('plugin', plugins, ids=[f'{fqcn}:{plugin_type}' for plugin_type, fqcn in plugins])


@pytest.fixture(scope='session')
def metadata() -> dict:
    return load_metadata()


@pytest.fixture(scope='session')
def extra_docs(collection_root: Path) -> dict:
    with open(collection_root / 'docs' / 'docsite' / 'extra-docs.yml', encoding='utf-8') as handle:
        return yaml.safe_load(handle) or {}


@pytest.fixture(scope='session')
def base_url(site: Path) -> Iterator[str]:
    with serve(str(site)) as url:
        yield url


@pytest.fixture(scope='session')
def browser() -> Iterator[Browser]:
    with Browser(chromium=os.environ.get('CHROMIUM', '/usr/bin/chromium'),
                 chromedriver=os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')) as opened:
        yield opened


@pytest.fixture(scope='session')
def pages(browser: Browser, base_url: str, site: Path) -> dict[str, Page]:
    return crawl(browser, base_url, str(site))
