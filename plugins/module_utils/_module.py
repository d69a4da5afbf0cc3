# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every module of this collection shares: connection options, the client, error reporting.

This is a private module_utils file: its API may change at any time.
"""

from __future__ import annotations

import contextlib
import json
import typing as t

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ._api import SendGridAPI
from ._client import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_BUDGET,
    DEFAULT_TIMEOUT,
    SendGridClient,
    resolve_hosts,
)
from ._errors import SendGridError
from ._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR

CONNECTION_ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    'api_key': {'type': 'str', 'no_log': True, 'fallback': (env_fallback, ['SENDGRID_API_KEY'])},
    'region': {'type': 'str', 'choices': ['global', 'eu'], 'default': 'global'},
    'api_url': {'type': 'str', 'fallback': (env_fallback, ['SENDGRID_API_URL'])},
    'on_behalf_of': {'type': 'str'},
    'validate_certs': {'type': 'bool', 'default': True},
    'timeout': {'type': 'float', 'default': DEFAULT_TIMEOUT},
    'max_retries': {'type': 'int', 'default': DEFAULT_MAX_RETRIES},
    'retry_budget': {'type': 'float', 'default': DEFAULT_RETRY_BUDGET},
}


def diff_text(state: t.Mapping[str, t.Any]) -> str:
    """One side of a ``diff``: the dictionary as ansible-core's callback would print it, but in UTF-8.

    The callback renders a dictionary with ``json.dumps`` and its default ``ensure_ascii``, so a pool named
    ``marketing-üß`` would show as ``marketing-\\u00fc\\u00df``; a text it prints as it is. Same keys, order and
    indentation as the callback's own rendering; ``from_json`` reads it back.
    """
    return json.dumps(state, sort_keys=True, indent=4, separators=(',', ': '), ensure_ascii=False) + '\n'


def sendgrid_argument_spec(**module_options: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    """The connection options every module accepts, plus the module's own."""
    spec = {name: dict(option) for name, option in CONNECTION_ARGUMENT_SPEC.items()}
    spec.update(module_options)
    return spec


def client_from_settings(settings: t.Mapping[str, t.Any]) -> SendGridClient:
    """Build the client from connection settings (module params or lookup options).

    The one validation of every connection setting, for the modules and the lookup alike: a bad
    value is a ``SendGridConfigError`` naming the option, raised before any request.
    """
    region = settings.get('region') or 'global'
    base_url, global_base_url = resolve_hosts(region, settings.get('api_url'))
    return SendGridClient(
        api_key=settings.get('api_key'),
        base_url=base_url,
        global_base_url=global_base_url,
        region=region,
        on_behalf_of=settings.get('on_behalf_of'),
        timeout=settings.get('timeout'),
        max_retries=settings.get('max_retries'),
        retry_budget=settings.get('retry_budget'),
        validate_certs=settings.get('validate_certs') is not False,  # only an explicit false turns it off
    )


class SendGridModule:
    """An ``AnsibleModule`` with the SendGrid connection options and a ready ``SendGridAPI``.

    Use as ``with SendGridModule(argument_spec={...}, ...) as sg:``; any ``SendGridError``
    raised in the block becomes ``fail_json`` with the method, path, status and the
    API's messages, never a traceback.
    """

    def __init__(self, argument_spec: dict[str, dict[str, t.Any]], **kwargs: t.Any) -> None:
        self.module = AnsibleModule(argument_spec=sendgrid_argument_spec(**argument_spec), **kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self._api: SendGridAPI | None = None

    @property
    def params(self) -> dict[str, t.Any]:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    @property
    def diff_mode(self) -> bool:
        return bool(self.module._diff)

    @property
    def api(self) -> SendGridAPI:
        if self._api is None:
            self._api = SendGridAPI(client_from_settings(self.module.params))
        return self._api

    def __enter__(self) -> SendGridModule:
        return self

    def __exit__(self, exc_type: t.Any, exc: BaseException | None, tb: t.Any) -> bool:
        if self._api is not None:
            with contextlib.suppress(Exception):
                self._api.client.close()
        if isinstance(exc, SendGridError):
            self.module.fail_json(msg=exc.message, **exc.to_result())
        return False

    @staticmethod
    def diff(before: t.Mapping[str, t.Any], after: t.Mapping[str, t.Any]) -> dict[str, str]:
        """The ``diff`` of a result: ``before`` and ``after`` (dictionaries with sorted lists) as ``diff_text``."""
        return {'before': diff_text(before), 'after': diff_text(after)}

    def exit_json(self, **result: t.Any) -> t.NoReturn:
        self.module.exit_json(**result)
