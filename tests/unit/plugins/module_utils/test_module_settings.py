# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""client_from_settings and the shared argument spec."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridConfigError
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_settings,
    sendgrid_argument_spec,
)


def test_client_from_settings():
    client = client_from_settings({
        'api_key': 'SG.k', 'region': 'eu', 'api_url': None, 'on_behalf_of': '', 'timeout': 12,
        'max_retries': -3, 'retry_budget': 9, 'validate_certs': False,
    })
    try:
        assert client.base_url == 'https://api.eu.sendgrid.com'
        assert client.on_behalf_of is None
        assert client.timeout == 12.0
        assert client.max_retries == 0
        assert client.retry_budget == 9.0
        assert client.transport.session.verify is False
    finally:
        client.close()


def test_client_from_settings_defaults_and_api_url():
    client = client_from_settings({'api_key': 'SG.k', 'api_url': 'http://127.0.0.1:9000/', 'max_retries': 0})
    try:
        assert client.base_url == 'http://127.0.0.1:9000'
        assert client.max_retries == 0
        assert client.retry_budget == 120.0
        assert client.timeout == 30.0
        assert client.transport.session.verify is True
    finally:
        client.close()


@pytest.mark.parametrize('settings', [{}, {'api_key': ''}, {'api_key': 'SG.k', 'api_url': 'http://example.com'}])
def test_client_from_settings_config_errors(settings):
    with pytest.raises(SendGridConfigError):
        client_from_settings(settings)


def test_argument_spec():
    spec = sendgrid_argument_spec(name={'type': 'str', 'required': True})
    assert spec['name'] == {'type': 'str', 'required': True}
    assert spec['api_key']['no_log'] is True
    assert set(CONNECTION_ARGUMENT_SPEC) <= set(spec)
    spec['api_key']['no_log'] = False
    assert CONNECTION_ARGUMENT_SPEC['api_key']['no_log'] is True
