# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's ``main()`` in-process against a ``FakeTransport``.

Import as ``ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner``.

``run_module(main, args, transport, check_mode=False, diff=False) -> ModuleResult``
    Runs ``main()`` with ``args`` as module arguments (``api_key`` defaults to the fake key),
    the real client wired to ``transport`` (only ``RequestsTransport`` is replaced, so URL
    validation and the whole client stack run), and returns the ``exit_json``/``fail_json``
    keyword arguments as ``ModuleResult.result`` with ``ModuleResult.failed``, the messages the module
    passed to ``module.warn()`` as ``ModuleResult.warnings``, and the deprecation messages of the arguments (a
    deprecated alias used) as ``ModuleResult.deprecations`` (``(msg, version)`` pairs).

``ModuleResult.diff``
    The result's ``diff`` with ``before`` and ``after`` read back from the text the modules give (JSON), so that
    tests compare dictionaries; ``ModuleResult['diff']`` is the text itself.
"""

from __future__ import annotations

import contextlib
import json
import typing as t
from unittest import mock

from ansible.module_utils import basic

from .fake_transport import API_KEY, FakeTransport


class ModuleResult:
    def __init__(self, result: dict[str, t.Any], failed: bool, warnings: list[str] | None = None,
                 deprecations: list[tuple[str, str | None]] | None = None) -> None:
        self.result = result
        self.failed = failed
        self.warnings = list(warnings or [])
        self.deprecations = list(deprecations or [])

    def __getitem__(self, key: str) -> t.Any:
        return self.result[key]

    @property
    def diff(self) -> dict[str, t.Any]:
        diff = dict(self.result['diff'])
        for side in ('before', 'after'):
            assert isinstance(diff[side], str), f'diff {side} is {type(diff[side]).__name__}, not the rendered text'
            diff[side] = json.loads(diff[side])
        return diff


class _Exit(Exception):
    def __init__(self, result: dict[str, t.Any], failed: bool) -> None:
        super().__init__(result)
        self.result = result
        self.failed = failed


@contextlib.contextmanager
def _module_args(args: dict[str, t.Any]) -> t.Iterator[None]:
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    except ImportError:  # ansible-core 2.18
        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()):
            yield
        return
    with patch_module_args(args):
        yield


def run_module(
    main: t.Callable[[], None],
    args: dict[str, t.Any],
    transport: FakeTransport,
    check_mode: bool = False,
    diff: bool = False,
) -> ModuleResult:
    module_args = {'api_key': API_KEY, **args, '_ansible_check_mode': check_mode, '_ansible_diff': diff}

    def exit_json(self: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise _Exit(kwargs, failed=False)

    def fail_json(self: t.Any, msg: str, **kwargs: t.Any) -> t.NoReturn:
        raise _Exit({'msg': msg, **kwargs}, failed=True)

    warnings: list[str] = []
    deprecations: list[tuple[str, str | None]] = []

    def warn(self: t.Any, warning: str, **kwargs: t.Any) -> None:
        warnings.append(warning)

    def deprecate(msg: str, version: str | None = None, *args: t.Any, **kwargs: t.Any) -> None:
        deprecations.append((msg, version))

    with _module_args(module_args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json), \
            mock.patch.object(basic.AnsibleModule, 'warn', warn), \
            mock.patch('ansible.module_utils.common.arg_spec.deprecate', deprecate), \
            mock.patch('ansible_collections.mailops.sendgrid.plugins.module_utils._client.RequestsTransport',
                       lambda validate_certs=True: transport):
        try:
            main()
        except _Exit as exc:
            return ModuleResult(exc.result, exc.failed, warnings, deprecations)
    raise AssertionError('the module returned without calling exit_json or fail_json')
