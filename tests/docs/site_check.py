"""What tests/docs checks in a built docs site, kept apart from pytest so that it can be tested on a small site too.

- ``serve(site)``: the site over HTTP on 127.0.0.1 (a random port), as a reader gets it from a web server (the
  theme links the site root as ``/``, which a ``file://`` URL cannot resolve).
- ``Browser``: Debian's headless chromium driven by Debian's chromium-driver through selenium, with a fresh profile
  and the switches that keep it off the network.
- ``crawl(browser, base_url, site)``: every HTML page of the site opened in the browser, with the links and the
  element ids the browser sees once the page has loaded.
- ``broken_links(pages, base_url, site)``: every link or resource reference to this site whose page or file does
  not exist, or whose ``#fragment`` names no element of that page.
- ``expected_pages(metadata, extra_docs)``: the page of every plugin and role (from ``ansible-doc
  --metadata-dump``) and of every guide (from docs/docsite/extra-docs.yml), relative to the collection's index.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote, urldefrag, urlsplit

COLLECTION = 'mailops.sendgrid'
COLLECTION_INDEX = 'collections/mailops/sendgrid/'  # the collection's index page is COLLECTION_INDEX + index.html

CHROMIUM_SWITCHES = ('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                     '--disable-component-update', '--disable-sync', '--disable-quic', '--window-size=1366,1800')

# What the browser reports of a loaded page: resolved URLs of links and resource references, and every id.
PAGE_SCRIPT = """
const refs = [];
for (const a of document.querySelectorAll('a[href]')) refs.push(['a', a.href]);
for (const l of document.querySelectorAll('link[href]')) refs.push(['link', l.href]);
for (const e of document.querySelectorAll('script[src], img[src]')) refs.push([e.tagName.toLowerCase(), e.src]);
const ids = [];
for (const e of document.querySelectorAll('[id]')) ids.push(e.id);
for (const a of document.querySelectorAll('a[name]')) ids.push(a.name);
return {title: document.title, refs: refs, ids: ids};
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


@contextmanager
def serve(site: str) -> Iterator[str]:
    """Serve SITE on 127.0.0.1; yields the base URL (ending in /)."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_QuietHandler, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}/'
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """Headless chromium (Debian's /usr/bin/chromium) through chromium-driver; use as a context manager."""

    def __init__(self, chromium: str = '/usr/bin/chromium', chromedriver: str = '/usr/bin/chromedriver'):
        self.chromium = chromium
        self.chromedriver = chromedriver
        self.driver = None
        self._profile = None

    def __enter__(self) -> 'Browser':
        # Imported here: the rest of this module works without selenium.
        from selenium import webdriver  # pylint: disable=import-outside-toplevel
        from selenium.webdriver.chrome.service import Service  # pylint: disable=import-outside-toplevel

        for path in (self.chromium, self.chromedriver):
            if not os.access(path, os.X_OK):
                raise RuntimeError(f'{path} is missing: apt-get install chromium chromium-driver')
        self._profile = tempfile.mkdtemp(prefix='sendgrid-docs-chromium-')
        options = webdriver.ChromeOptions()
        options.binary_location = self.chromium
        for switch in CHROMIUM_SWITCHES:
            options.add_argument(switch)
        options.add_argument(f'--user-data-dir={self._profile}')
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=self.chromedriver))
        self.driver.set_page_load_timeout(30)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if self.driver is not None:
                self.driver.quit()
        finally:
            if self._profile:
                shutil.rmtree(self._profile, ignore_errors=True)

    def open(self, url: str) -> dict:
        self.driver.get(url)
        return self.driver.execute_script(PAGE_SCRIPT)


@dataclass
class Page:
    url: str
    title: str
    refs: list[tuple[str, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


def html_files(site: str) -> list[str]:
    """Every .html file of the site, relative to it, with / as separator."""
    found = []
    for directory, _dirnames, filenames in os.walk(site):
        for filename in filenames:
            if filename.endswith('.html'):
                found.append(os.path.relpath(os.path.join(directory, filename), site).replace(os.sep, '/'))
    return sorted(found)


def crawl(browser: Browser, base_url: str, site: str) -> dict[str, Page]:
    """Open every HTML page of SITE in the browser; keyed by the page's path relative to the site."""
    pages = {}
    for rel in html_files(site):
        data = browser.open(base_url + rel)
        pages[rel] = Page(url=base_url + rel, title=data['title'], refs=[tuple(ref) for ref in data['refs']],
                          ids=set(data['ids']))
    return pages


def local_path(url: str, base_url: str) -> str | None:
    """The site-relative file a URL of this site names (index.html for a directory), or None for other sites."""
    if not url.startswith(base_url):
        return None
    path = unquote(urlsplit(url).path)[len(urlsplit(base_url).path):]
    if path == '' or path.endswith('/'):
        path += 'index.html'
    return path


def broken_links(pages: dict[str, Page], base_url: str, site: str) -> list[str]:
    problems = []
    for rel, page in sorted(pages.items()):
        for kind, url in page.refs:
            if not url.startswith(('http://', 'https://', 'file:')):
                continue  # mailto:, javascript:, data:
            target_url, fragment = urldefrag(url)
            target = local_path(target_url, base_url)
            if target is None:
                if url.startswith('file:'):
                    problems.append(f'{rel}: <{kind}> {url}: a file:// URL outside the site')
                continue  # another site: not checked here (no network)
            if not os.path.isfile(os.path.join(site, target)):
                problems.append(f'{rel}: <{kind}> {url}: no such page or file ({target})')
                continue
            if fragment and kind == 'a':
                ids = pages[target].ids if target in pages else set()
                if unquote(fragment) not in ids:
                    problems.append(f'{rel}: <a> {url}: {target} has no element with id "{unquote(fragment)}"')
    return problems


def expected_pages(metadata: dict, extra_docs: dict) -> dict[str, str]:
    """{page relative to the collection's index: what it documents} for every plugin, role and guide."""
    pages = {}
    for plugin_type, plugins in sorted(metadata['all'].items()):
        if plugin_type == 'keyword':
            continue  # playbook keywords, not plugins of the collection
        for fqcn in sorted(plugins):
            name = fqcn.split('.', 2)[2]
            pages[f'{name}_{plugin_type}.html'] = f'{plugin_type} {fqcn}'
    for section in extra_docs.get('sections') or []:
        for entry in section.get('toctree') or []:
            name = entry if isinstance(entry, str) else entry['ref']
            pages[f'docsite/{name}.html'] = f'guide {name} ({section.get("title")})'
    return pages
