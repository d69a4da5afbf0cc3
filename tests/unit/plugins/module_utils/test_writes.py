# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_writes: each write knows its operation; a plan a connection has no host for fails before its first write."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridConfigError
from ansible_collections.mailops.sendgrid.plugins.module_utils._writes import (
    Job,
    apply_jobs,
    ip_subusers_writes,
    require_hosts,
    run_in_order,
    start_warmup_write,
    subuser_membership_writes,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import make_api

EU = 'https://eu.example.test'


def eu_api(*steps):
    """api_url taken as the EU host (region eu): no host is known for the global-only operations."""
    return make_api(*steps, base_url=EU, region='eu', global_base_url=None)


def test_a_write_the_connection_has_no_host_for_fails_before_the_first_write_in_order():
    api = eu_api((200, [{'ip': '192.0.2.10', 'start_date': 1}]))
    writes = [start_warmup_write('192.0.2.10'), *ip_subusers_writes('192.0.2.10', {'shop-eu': '1001'}, add=True),
              *ip_subusers_writes('192.0.2.11', {'shop-eu': '1001'}, add=False)]
    with pytest.raises(SendGridConfigError) as caught:
        run_in_order(api, writes)
    message = caught.value.message
    assert message.startswith('AddSubUsersToIp (POST /v3/send_ips/ips/{ip}/subusers:batchAdd),'
                              ' DeleteSubUsersFromIp (POST /v3/send_ips/ips/{ip}/subusers:batchDelete) are served only'
                              ' by the global host https://api.sendgrid.com')
    assert api.client.transport.calls == []  # not even the warmup start, which the EU host serves


def test_concurrent_jobs_are_checked_before_any_write_too():
    api = eu_api()
    with pytest.raises(SendGridConfigError, match='AddSubUsersToIp'):
        apply_jobs(api, [Job([start_warmup_write('192.0.2.10')]),
                         Job(ip_subusers_writes('192.0.2.10', {'shop-eu': '1001'}, add=True))])
    assert api.client.transport.calls == []


def test_a_plan_the_connection_can_serve_passes():
    require_hosts(eu_api(), [start_warmup_write('192.0.2.10')])
    require_hosts(make_api(base_url='https://api.eu.sendgrid.com', region='eu',
                           global_base_url='https://api.sendgrid.com'),
                  ip_subusers_writes('192.0.2.10', {'shop-eu': '1001'}, add=True))


@pytest.mark.parametrize('exact', [False, True])
def test_membership_on_a_host_without_the_batch_calls_is_the_put_of_the_whole_list(exact):
    writes = subuser_membership_writes(eu_api(), 'shop-eu', 1001, {'192.0.2.10', '192.0.2.11'},
                                       {'192.0.2.10', '192.0.2.12'}, exact=exact)
    assert [(write.operation.name, write.description) for write in writes] == [
        ('UpdateSubuserIp', 'set the IPs of subuser shop-eu (add 192.0.2.12; remove 192.0.2.11)')]


def test_membership_with_the_batch_calls_is_one_call_per_ip_unless_exact():
    api = make_api()
    current, desired = {'192.0.2.10', '192.0.2.11'}, {'192.0.2.10', '192.0.2.12'}
    writes = subuser_membership_writes(api, 'shop-eu', 1001, current, desired, exact=False)
    assert [(write.operation.name, write.description) for write in writes] == [
        ('AddSubUsersToIp', 'add 192.0.2.12 to subuser shop-eu'),
        ('DeleteSubUsersFromIp', 'remove 192.0.2.11 from subuser shop-eu')]
    assert [write.operation.name for write in subuser_membership_writes(api, 'shop-eu', 1001, current, desired,
                                                                        exact=True)] == ['UpdateSubuserIp']
    assert subuser_membership_writes(api, 'shop-eu', 1001, current, current, exact=False) == []
