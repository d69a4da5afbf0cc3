"""The built docs site (`make docs`), as a reader sees it in a browser: headless chromium over HTTP on 127.0.0.1.

What the site must show comes from the collection (ansible-doc's metadata dump, docs/docsite/extra-docs.yml).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from site_check import COLLECTION_INDEX, Browser, Page, broken_links, crawl, expected_pages, local_path, serve

SCREENSHOT_PAGE = 'sendgrid_ip_info_module.html'

# For the anchors of a plugin or role page (id="parameter-NAME", id="return-NAME"): whether each exists and the
# option title beside it (<p class="ansible-option-title">) is rendered with its name.
ANCHORS_SCRIPT = """
const report = {};
for (const id of arguments[0]) {
  const anchor = document.getElementById(id);
  let title = anchor;
  while (title && !(title.classList && title.classList.contains('ansible-option-title'))) title = title.nextElementSibling;
  const box = title ? title.getBoundingClientRect() : null;
  report[id] = {exists: !!anchor, text: title ? title.innerText.trim() : null,
                visible: !!(box && box.width > 0 && box.height > 0 && getComputedStyle(title).visibility !== 'hidden')};
}
return report;
"""

# Sections of a page: whether each is rendered, and its text and code blocks.
SECTIONS_SCRIPT = """
const report = {};
for (const id of arguments[0]) {
  const section = document.getElementById(id);
  const box = section ? section.getBoundingClientRect() : null;
  report[id] = {exists: !!section, visible: !!(box && box.height > 0),
                code: section ? Array.from(section.querySelectorAll('pre')).map(p => p.innerText).join('\\n') : ''};
}
return report;
"""

# Section ids antsibull-docs gives the options, examples and return values of a plugin page, per plugin type.
SECTION_IDS = {
    'module': ('parameters', 'examples', 'return-values'),
    'lookup': ('keyword-parameters', 'examples', 'return-value'),
}
DEFAULT_SECTION_IDS = ('parameters', 'examples', 'return-values')


def reachable(pages: dict[str, Page], base_url: str, start: str) -> set[str]:
    """Pages reached from START by following links (<a href>) within the site."""
    seen, queue = {start}, deque([start])
    while queue:
        for kind, url in pages[queue.popleft()].refs:
            target = local_path(url.split('#', 1)[0], base_url) if kind == 'a' else None
            if target in pages and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def anchor_problems(browser: Browser, ids: list[str], what: str) -> list[str]:
    problems = []
    for anchor_id, seen in browser.driver.execute_script(ANCHORS_SCRIPT, ids).items():
        name = anchor_id.split('-', 1)[1].rsplit('--', 1)[-1]
        # A lookup's list of results is RETURN's `_raw`, which antsibull-docs titles "Return value".
        title = 'Return value' if anchor_id == 'return-_raw' else name
        if not seen['exists']:
            problems.append(f'{what} {name}: no element id="{anchor_id}"')
        elif seen['text'] != title or not seen['visible']:
            problems.append(f'{what} {name}: its title is not shown (text {seen["text"]!r}, visible {seen["visible"]})')
    return problems


def test_collection_index_links_every_plugin_role_and_guide(browser, base_url, pages, metadata, extra_docs):
    expected = expected_pages(metadata, extra_docs)
    kinds = {what.split()[0] for what in expected.values()}
    assert {'module', 'lookup', 'role', 'guide'} <= kinds, f'the collection documents less than expected: {expected}'

    index = COLLECTION_INDEX + 'index.html'
    browser.open(base_url + index)
    shown = set(browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]'))"
        ".filter(a => a.getBoundingClientRect().height > 0).map(a => a.href.split('#')[0]);"))
    missing = {page: what for page, what in expected.items() if base_url + COLLECTION_INDEX + page not in shown}
    assert not missing, f'{index} does not show a link to: {missing}'

    # ... and a reader gets there from the site's front page.
    lost = sorted(set(COLLECTION_INDEX + page for page in expected) - reachable(pages, base_url, 'index.html'))
    assert not lost, f'not reachable from index.html by links: {lost}'


def test_plugin_page_shows_options_examples_and_return_values(browser, base_url, metadata, plugin):
    plugin_type, fqcn = plugin
    name = fqcn.split('.', 2)[2]
    info = metadata['all'][plugin_type][fqcn]
    page = f'{COLLECTION_INDEX}{name}_{plugin_type}.html'
    browser.open(base_url + page)
    assert fqcn in browser.driver.title, f'{page}: title {browser.driver.title!r}'

    options_id, examples_id, returns_id = SECTION_IDS.get(plugin_type, DEFAULT_SECTION_IDS)
    options = sorted((info['doc'].get('options') or {}))
    returns = sorted((info.get('return') or {}))
    wanted = [options_id] if options else []
    wanted += [examples_id] + ([returns_id] if returns else [])
    sections = browser.driver.execute_script(SECTIONS_SCRIPT, wanted)
    problems = [f'section #{sid} is {"not shown" if section["exists"] else "missing"}'
                for sid, section in sections.items() if not (section['exists'] and section['visible'])]
    if name not in sections[examples_id]['code']:
        problems.append(f'the examples show no code using {name}: {sections[examples_id]["code"][:200]!r}')
    problems += anchor_problems(browser, [f'parameter-{option}' for option in options], 'option')
    problems += anchor_problems(browser, [f'return-{key}' for key in returns], 'return value')
    assert info.get('examples'), f'{fqcn} has no EXAMPLES'
    assert not problems, f'{page}:\n' + '\n'.join(problems)


def test_role_pages_show_every_entry_point_option(browser, base_url, metadata):
    roles = metadata['all'].get('role') or {}
    assert roles, 'ansible-doc finds no role: the collection has one (roles/ip_layout)'
    problems = []
    for fqcn, info in sorted(roles.items()):
        page = f'{COLLECTION_INDEX}{fqcn.split(".", 2)[2]}_role.html'
        browser.open(base_url + page)
        for entry_point, spec in sorted(info['entry_points'].items()):
            ids = [f'parameter-{entry_point}--{option}' for option in sorted(spec.get('options') or {})]
            assert ids, f'{fqcn} entry point {entry_point} documents no option'
            problems += [f'{page}: {problem}' for problem in anchor_problems(browser, ids, f'{entry_point} option')]
    assert not problems, '\n'.join(problems)


def test_no_page_has_a_broken_internal_link(pages, base_url, site, metadata, extra_docs):
    assert 'index.html' in pages and len(pages) > len(expected_pages(metadata, extra_docs))
    checked = sum(1 for page in pages.values() for _kind, url in page.refs if url.startswith(base_url))
    assert checked > 100, f'only {checked} internal links found: is the crawl seeing the pages?'
    problems = broken_links(pages, base_url, str(site))
    assert not problems, f'{len(problems)} broken internal link(s):\n' + '\n'.join(problems)


def test_screenshot_of_a_module_page(browser, base_url):
    path = Path(os.environ.get('SENDGRID_DOCS_SCREENSHOT') or 'docs-screenshot.png').resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    browser.open(f'{base_url}{COLLECTION_INDEX}{SCREENSHOT_PAGE}')
    assert browser.driver.save_screenshot(str(path)), f'chromium saved no screenshot to {path}'
    assert path.stat().st_size > 20_000, f'{path} is only {path.stat().st_size} bytes: a blank page?'
    print(f'\nscreenshot of {SCREENSHOT_PAGE}: {path}')


def test_the_link_check_finds_broken_links(tmp_path, browser):
    """The checker itself: a missing page, a missing anchor and a file:// link are reported, good links are not."""
    (tmp_path / 'sub').mkdir()
    (tmp_path / 'index.html').write_text(
        '<a href="sub/page.html#here">ok</a> <a href="sub/">ok, a directory</a> <a href="#top">ok</a>'
        '<a id="top" href="sub/page.html#nowhere">no anchor</a> <a href="gone.html">no page</a>'
        '<a href="file:///etc/hostname">file</a> <a href="https://example.invalid/">other site: not checked</a>'
        '<link rel="stylesheet" href="missing.css">', encoding='utf-8')
    (tmp_path / 'sub' / 'page.html').write_text('<p id="here">here</p>', encoding='utf-8')
    (tmp_path / 'sub' / 'index.html').write_text('<a href="../index.html">up</a>', encoding='utf-8')
    with serve(str(tmp_path)) as url:
        problems = broken_links(crawl(browser, url, str(tmp_path)), url, str(tmp_path))
    assert [problem.split(': ', 2)[1] for problem in problems] == [
        f'<a> {url}sub/page.html#nowhere', f'<a> {url}gone.html', '<a> file:///etc/hostname', f'<link> {url}missing.css',
    ], problems
