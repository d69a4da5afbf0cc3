"""The guides show what runs: each code block of docs/docsite/rst/ marked as an example file is that file.

A marker is an rst comment right before a ``code-block`` directive:

    .. example-file: docs/examples/emulator_seed.json      the block is the whole file
    .. example-excerpt: docs/examples/emulator_checks.yml  the block is a run of consecutive lines of the file

Indentation is compared after dedenting (rst renders a block dedented; an excerpt may come from inside a play).
A page with at least one marker must mark every code block but ``console`` and ``text`` ones, so that nothing it
shows can drift from the files that `make package-examples` runs. Needs only SENDGRID_DOCS_COLLECTIONS_PATH.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

MARKER = re.compile(r'^\.\. example-(?P<kind>file|excerpt): (?P<path>\S+)\s*$')
CODE_BLOCK = re.compile(r'^(?P<indent>\s*)\.\. code-block:: *(?P<language>\S*)\s*$')
UNMARKED_LANGUAGES = frozenset(('console', 'text'))
# Pages that must use markers (the ones written for them); any other page may start using them.
MARKED_PAGES = ('emulator.rst',)


def code_blocks(text: str) -> list[dict]:
    """Every code block of an rst text: its line number, language, dedented content, and the marker before it."""
    lines = text.splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = CODE_BLOCK.match(line)
        if not match:
            continue
        indent = len(match.group('indent'))
        body, index = [], number + 1
        while index < len(lines) and (not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > indent):
            body.append(lines[index])
            index += 1
        while body and not body[-1].strip():
            body.pop()
        # Directive options (":caption: ...") and the blank line that ends them come before the content.
        while body and (not body[0].strip() or body[0].strip().startswith(':')):
            body.pop(0)
        previous = next((lines[i] for i in range(number - 1, -1, -1) if lines[i].strip()), '')
        marker = MARKER.match(previous.strip())
        blocks.append({'line': number + 1, 'language': match.group('language'),
                       'content': textwrap.dedent('\n'.join(body)),
                       'kind': marker.group('kind') if marker else None, 'path': marker.group('path') if marker else None})
    return blocks


def problems_of(page: Path, root: Path, must_mark: bool) -> tuple[list[str], int]:
    """(problems, number of marked blocks) of one rst page; ROOT is the collection root the paths start from."""
    problems, marked = [], 0
    blocks = code_blocks(page.read_text(encoding='utf-8'))
    must_mark = must_mark or any(block['kind'] for block in blocks)
    for block in blocks:
        where = f'{page.name}:{block["line"]}'
        if not block['kind']:
            if must_mark and block['language'] not in UNMARKED_LANGUAGES:
                problems.append(f'{where}: a {block["language"] or "plain"} code block without an example marker')
            continue
        marked += 1
        source = root / block['path']
        if not source.is_file():
            problems.append(f'{where}: {block["path"]} does not exist')
            continue
        shown, text = block['content'], source.read_text(encoding='utf-8')
        if block['kind'] == 'file':
            if shown.rstrip('\n') != text.rstrip('\n'):
                problems.append(f'{where}: the block is not {block["path"]} in full')
        else:
            count = len(shown.splitlines())
            file_lines = text.splitlines()
            if not any(textwrap.dedent('\n'.join(file_lines[start:start + count])) == shown
                       for start in range(len(file_lines) - count + 1)):
                problems.append(f'{where}: the block is not a run of consecutive lines of {block["path"]}')
    return problems, marked


def test_guides_show_the_example_files_as_they_are(collection_root):
    rst = collection_root / 'docs' / 'docsite' / 'rst'
    problems, marked = [], {}
    for page in sorted(rst.glob('*.rst')):
        found, marked[page.name] = problems_of(page, collection_root, page.name in MARKED_PAGES)
        problems += found
    assert not problems, '\n'.join(problems)
    for name in MARKED_PAGES:
        assert marked.get(name), f'{name} shows no marked example: nothing ties it to what runs'


@pytest.mark.parametrize('kind, shown, expected', [
    ('file', '{"a": 1}', []),
    ('file', '{"a": 2}', ['page.rst:3: the block is not ex.json in full']),
    ('excerpt', '- name: two\n  debug:', []),
    ('excerpt', '- name: two\n  debug: {}', ['page.rst:3: the block is not a run of consecutive lines of ex.yml']),
    ('excerpt', '- name: one\n- name: three', ['page.rst:3: the block is not a run of consecutive lines of ex.yml']),
])
def test_the_checker_finds_a_block_that_differs(tmp_path, kind, shown, expected):
    (tmp_path / 'ex.json').write_text('{"a": 1}\n', encoding='utf-8')
    (tmp_path / 'ex.yml').write_text('- hosts: x\n  tasks:\n    - name: one\n    - name: two\n      debug:\n'
                                     '    - name: three\n', encoding='utf-8')
    path = 'ex.json' if kind == 'file' else 'ex.yml'
    page = tmp_path / 'page.rst'
    page.write_text(f'.. example-{kind}: {path}\n\n.. code-block:: yaml\n\n'
                    + textwrap.indent(shown, '    ') + '\n\nText.\n\n.. code-block:: console\n\n    $ true\n',
                    encoding='utf-8')
    assert problems_of(page, tmp_path, must_mark=True) == (expected, 1)


def test_the_checker_finds_an_unmarked_block(tmp_path):
    page = tmp_path / 'page.rst'
    page.write_text('Text.\n\n.. code-block:: yaml\n\n    a: 1\n', encoding='utf-8')
    assert problems_of(page, tmp_path, must_mark=True) == (['page.rst:3: a yaml code block without an example marker'], 0)
    assert problems_of(page, tmp_path, must_mark=False) == ([], 0)
