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
        'max_retries': 3, 'retry_budget': 9, 'validate_certs': False,
    })
    try:
        assert client.base_url == 'https://api.eu.sendgrid.com'
        assert client.global_base_url == 'https://api.sendgrid.com'
        assert client.on_behalf_of is None
        assert client.timeout == 12.0
        assert client.max_retries == 3
        assert client.retry_budget == 9.0
        assert client.transport.validate_certs is False
    finally:
        client.close()


def test_client_from_settings_defaults_and_api_url():
    client = client_from_settings({'api_key': 'SG.k', 'api_url': 'http://127.0.0.1:9000/', 'max_retries': 0})
    try:
        assert client.base_url == 'http://127.0.0.1:9000'
        assert client.max_retries == 0
        assert client.retry_budget == 120.0
        assert client.timeout == 30.0
        assert client.transport.validate_certs is True
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


# ------------------------------------------------------------------ no option value reaches a library as a crash

@pytest.mark.parametrize('option, value, message', [
    ('timeout', -1, 'timeout must be a number of seconds greater than 0, got -1'),
    ('timeout', 0, 'timeout must be a number of seconds greater than 0, got 0'),
    ('timeout', float('nan'), 'timeout must be a number of seconds greater than 0, got nan'),
    ('timeout', float('inf'), 'timeout must be a number of seconds greater than 0, got inf'),
    ('timeout', 'soon', "timeout must be a number of seconds greater than 0, got 'soon'"),
    ('max_retries', -1, 'max_retries must be 0 or more, got -1'),
    ('max_retries', 'many', "max_retries must be 0 or more, got 'many'"),
    ('max_retries', 2.5, 'max_retries must be 0 or more, got 2.5'),
    ('retry_budget', -0.5, 'retry_budget must be a number of seconds, 0 or more, got -0.5'),
    ('retry_budget', float('inf'), 'retry_budget must be a number of seconds, 0 or more, got inf'),
    ('retry_budget', 'x', "retry_budget must be a number of seconds, 0 or more, got 'x'"),
])
def test_bad_numbers_are_config_errors_naming_the_option(option, value, message):
    with pytest.raises(SendGridConfigError) as info:
        client_from_settings({'api_key': 'SG.k', option: value})
    assert info.value.message == message


@pytest.mark.parametrize('option, value, expected', [
    ('timeout', 0.5, 0.5), ('timeout', '7', 7.0), ('timeout', None, 30.0),
    ('max_retries', 0, 0), ('max_retries', '3', 3), ('max_retries', None, 5),
    ('retry_budget', 0, 0.0), ('retry_budget', '2.5', 2.5), ('retry_budget', None, 120.0),
])
def test_good_numbers(option, value, expected):
    client = client_from_settings({'api_key': 'SG.k', option: value})
    try:
        assert getattr(client, option) == expected
    finally:
        client.close()


@pytest.mark.parametrize('api_url, expected', [
    ('https://api.sendgrid.com/v3', 'https://api.sendgrid.com'),
    ('https://api.sendgrid.com/v3/', 'https://api.sendgrid.com'),
    ('https://api.eu.sendgrid.com/v3', 'https://api.eu.sendgrid.com'),
    ('http://127.0.0.1:8080/v3/', 'http://127.0.0.1:8080'),
    ('https://proxy.example.com/sendgrid/v3', 'https://proxy.example.com/sendgrid'),
    ('https://proxy.example.com/v3x', 'https://proxy.example.com/v3x'),
])
def test_api_url_ending_in_v3_is_normalised(api_url, expected):
    client = client_from_settings({'api_key': 'SG.k', 'api_url': api_url})
    try:
        assert client.base_url == expected
    finally:
        client.close()


@pytest.mark.parametrize('region, api_url, base, global_base', [
    ('global', None, 'https://api.sendgrid.com', 'https://api.sendgrid.com'),
    ('eu', None, 'https://api.eu.sendgrid.com', 'https://api.sendgrid.com'),
    (None, None, 'https://api.sendgrid.com', 'https://api.sendgrid.com'),
    ('global', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080'),
    # api_url with region eu is the EU host: the client does not know a global host then
    ('eu', 'http://127.0.0.1:8080', 'http://127.0.0.1:8080', None),
])
def test_hosts(region, api_url, base, global_base):
    client = client_from_settings({'api_key': 'SG.k', 'region': region, 'api_url': api_url})
    try:
        assert client.base_url == base
        assert client.global_base_url == global_base
        assert client.region == (region or 'global')
    finally:
        client.close()
