# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host of each operation: with region eu, what the spec serves only from api.sendgrid.com goes there,
or fails before any write when the global host is unknown (api_url with region eu)."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils import _api
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridConfigError
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeTransport,
    empty_response,
    json_response,
    make_api,
)

GLOBAL = 'https://api.sendgrid.com'
EU = 'https://api.eu.sendgrid.com'
LOCAL = 'http://127.0.0.1:8080'


def answer(call):
    """A minimal well-formed answer for any of the operations below."""
    path = call.path
    if call.method == 'GET':
        if path in ('/v3/ips', '/v3/ips/assigned', '/v3/ips/warmup', '/v3/subusers'):
            return json_response(200, [])
        if path.startswith('/v3/send_ips/') and path.endswith(('/subusers', '/ips', '/pools')):
            return json_response(200, {'result': [], '_metadata': {}})
    if call.method == 'DELETE' or path.endswith(':batchDelete'):
        return empty_response(204)
    if path == '/v3/ips/warmup':
        return json_response(200, [{'ip': '192.0.2.1', 'start_date': 1}])
    return json_response(200, {'ip': '192.0.2.1', 'id': '1', 'name': 'p', 'ips': [], 'subusers': []})


CALLS = [
    # (what, call, global only)
    ('list_ips', lambda api: api.list_ips(), False),
    ('get_ip', lambda api: api.get_ip('192.0.2.1'), True),
    ('list_assigned_ips', lambda api: api.list_assigned_ips(), True),
    ('list_subusers', lambda api: api.list_subusers(), False),
    ('set_subuser_ips', lambda api: api.set_subuser_ips('bob', ['192.0.2.1']), False),
    ('list_send_ips', lambda api: api.list_send_ips(), False),
    ('get_send_ip', lambda api: api.get_send_ip('192.0.2.1'), False),
    ('update_send_ip', lambda api: api.update_send_ip('192.0.2.1', is_enabled=True), True),
    ('list_ip_subuser_ids', lambda api: api.list_ip_subuser_ids('192.0.2.1'), True),
    ('add_subusers_to_ip', lambda api: api.add_subusers_to_ip('192.0.2.1', ['1']), True),
    ('remove_subusers_from_ip', lambda api: api.remove_subusers_from_ip('192.0.2.1', ['1']), True),
    ('list_pools', lambda api: api.list_pools(), False),
    ('list_pool_ips', lambda api: api.list_pool_ips('1'), False),
    ('create_pool', lambda api: api.create_pool('p'), False),
    ('rename_pool', lambda api: api.rename_pool('1', 'p'), False),
    ('delete_pool', lambda api: api.delete_pool('1'), False),
    ('add_ips_to_pool', lambda api: api.add_ips_to_pool('1', ['192.0.2.1']), False),
    ('remove_ips_from_pool', lambda api: api.remove_ips_from_pool('1', ['192.0.2.1']), False),
    ('list_warmup', lambda api: api.list_warmup(), False),
    ('start_warmup', lambda api: api.start_warmup('192.0.2.1'), False),
    ('stop_warmup', lambda api: api.stop_warmup('192.0.2.1'), False),
]


def eu_api(global_base_url=GLOBAL, base_url=EU):
    return make_api(transport=FakeTransport(responder=answer), base_url=base_url, region='eu',
                    global_base_url=global_base_url)


@pytest.mark.parametrize('name, call, global_only', CALLS, ids=[entry[0] for entry in CALLS])
def test_region_eu_sends_global_only_operations_to_the_global_host(name, call, global_only):
    api = eu_api()
    call(api)
    hosts = {c.url.split('/v3/')[0] for c in api.client.transport.calls}
    assert hosts == {GLOBAL if global_only else EU}, name


@pytest.mark.parametrize('name, call, global_only', CALLS, ids=[entry[0] for entry in CALLS])
def test_region_global_sends_everything_to_the_global_host(name, call, global_only):
    api = make_api(transport=FakeTransport(responder=answer))
    call(api)
    assert {c.url.split('/v3/')[0] for c in api.client.transport.calls} == {GLOBAL}


@pytest.mark.parametrize('name, call, global_only', CALLS, ids=[entry[0] for entry in CALLS])
def test_api_url_with_region_eu_is_the_eu_host(name, call, global_only):
    api = eu_api(global_base_url=None, base_url=LOCAL)
    if not global_only:
        call(api)
        assert {c.url.split('/v3/')[0] for c in api.client.transport.calls} == {LOCAL}
        return
    with pytest.raises(SendGridConfigError) as info:
        call(api)
    assert api.client.transport.calls == []
    message = info.value.message
    assert 'is served only by the global host https://api.sendgrid.com' in message
    assert 'api_url is taken as the EU host (region: eu)' in message
    assert 'region: global' in message


def test_can_serve_and_require():
    api = eu_api(global_base_url=None, base_url=LOCAL)
    assert api.can_serve(_api.LIST_IPS) is True
    assert api.can_serve('AddSubUsersToIp') is False
    assert api.can_serve(_api.ADD_IP_SUBUSERS) is False
    api.require(_api.LIST_IPS, 'IpAddressManagementCreateIpPool')
    with pytest.raises(SendGridConfigError) as info:
        api.require(_api.UPDATE_SUBUSER_IPS, _api.ADD_IP_SUBUSERS, 'UpdateIp', _api.ADD_IP_SUBUSERS)
    message = info.value.message
    assert 'AddSubUsersToIp (POST /v3/send_ips/ips/{ip}/subusers:batchAdd)' in message
    assert 'UpdateIp (PATCH /v3/send_ips/ips/{ip})' in message
    assert message.count('AddSubUsersToIp') == 1
    assert 'UpdateSubuserIp' not in message
    assert api.client.transport.calls == []

    assert eu_api().can_serve(_api.ADD_IP_SUBUSERS) is True
    eu_api().require(*_api.OPERATIONS.values())


def test_an_unknown_operation_name_is_a_bug_not_a_silent_yes():
    with pytest.raises(KeyError):
        eu_api().can_serve('NoSuchOperation')


def test_global_only_operations_are_those_of_the_spec():
    assert sorted(op.name for op in _api.OPERATIONS.values() if op.global_only) == sorted([
        'GetIp', 'ListAssignedIp', 'UpdateIp', 'ListSubUserAssignedToIp', 'AddSubUsersToIp', 'DeleteSubUsersFromIp',
        'AddIp', 'IpAddressManagementAddIp'])
