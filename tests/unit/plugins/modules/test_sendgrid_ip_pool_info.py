# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_ip_pool_info: every pool with its full IP list, and the exact reads it takes."""

from __future__ import annotations

import typing as t

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_ip_pool_info
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import FakeTransport
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

POOLS = '/v3/send_ips/pools'


def cursor_page(items: list[dict[str, t.Any]], after_key: str | None = None) -> tuple[int, dict[str, t.Any]]:
    return 200, {'result': items, '_metadata': {'next_params': {'after_key': after_key}}}


def pool(name: str, pool_id: str, ips: list[str]) -> dict[str, t.Any]:
    """A ListIpPool entry: the preview holds at most 10 IPs."""
    return {'name': name, 'id': pool_id, 'ips_preview': ips[:10], 'total_ip_count': len(ips), 'regions': ['us']}


def ip_entries(ips: list[str]) -> list[dict[str, t.Any]]:
    return [{'ip': ip, 'pools': []} for ip in ips]


def get_paths(transport: FakeTransport) -> list[str]:
    assert all(call.method == 'GET' for call in transport.calls)
    return [call.path + '?' + call.query_string for call in transport.calls]


def run(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    result = run_module(sendgrid_ip_pool_info.main, args, transport, **kwargs)
    transport.assert_done()
    return result


BIG = [f'10.0.0.{index}' for index in range(1, 13)]  # 12 IPs: more than the 10 of ips_preview


def test_all_pools_sorted_by_name_with_every_page_of_their_ips():
    transport = FakeTransport(
        cursor_page([pool('zeta', '3', ['192.0.2.20'])], after_key='3'),
        cursor_page([pool('alpha pool', '1', BIG), pool('empty', '2', [])]),
        cursor_page(ip_entries(BIG[6:]), after_key='k'),   # pool 1, page 1 (API order is not sorted)
        cursor_page(ip_entries(BIG[:6])),                  # pool 1, page 2
        cursor_page(ip_entries(['192.0.2.20'])),           # pool 3
    )
    result = run({}, transport)

    assert not result.failed, result.result
    assert get_paths(transport) == [
        POOLS + '?limit=100',
        POOLS + '?limit=100&after_key=3',
        POOLS + '/1/ips?limit=100',
        POOLS + '/1/ips?limit=100&after_key=k',
        POOLS + '/3/ips?limit=100',
    ]
    assert result['changed'] is False
    assert result['pools'] == [
        {'name': 'alpha pool', 'id': '1', 'ips': sorted(BIG, key=lambda ip: int(ip.rsplit('.', 1)[1])),
         'ip_count': 12},
        {'name': 'empty', 'id': '2', 'ips': [], 'ip_count': 0},
        {'name': 'zeta', 'id': '3', 'ips': ['192.0.2.20'], 'ip_count': 1},
    ]


def test_one_pool_by_name_reads_only_its_ips():
    transport = FakeTransport(
        cursor_page([pool('alpha', '1', ['192.0.2.10']), pool('beta', '2', ['192.0.2.12', '192.0.2.11'])]),
        cursor_page(ip_entries(['192.0.2.12', '192.0.2.11'])),
    )
    result = run({'pool': 'beta'}, transport)

    assert get_paths(transport) == [POOLS + '?limit=100', POOLS + '/2/ips?limit=100']
    assert result['pools'] == [{'name': 'beta', 'id': '2', 'ips': ['192.0.2.11', '192.0.2.12'], 'ip_count': 2}]


def test_unknown_name_is_an_error_naming_the_pools():
    # Names are case-sensitive: an empty list would read as "that pool holds no IP".
    transport = FakeTransport(cursor_page([pool('alpha', '1', ['192.0.2.10']), pool('beta', '2', [])]))
    result = run({'pool': 'Alpha'}, transport)

    assert result.failed
    assert result['msg'] == "pool: no IP pool named 'Alpha' on this account (its pools: alpha, beta)"
    assert get_paths(transport) == [POOLS + '?limit=100']


def test_a_pool_count_that_disagrees_with_the_ip_listing_is_a_warning_naming_the_pool():
    # Prism's examples: total_ip_count 2 and 3, each pool's IP listing one IP. Never a silent answer.
    transport = FakeTransport(
        cursor_page([{**pool('transactional', '1', ['192.0.2.10']), 'total_ip_count': 2},
                     pool('agrees', '2', ['192.0.2.11']),
                     {**pool('marketing', '3', ['192.0.2.12']), 'total_ip_count': 3}]),
        cursor_page(ip_entries(['192.0.2.10'])),
        cursor_page(ip_entries(['192.0.2.11'])),
        cursor_page(ip_entries(['192.0.2.12'])),
    )
    result = run({}, transport)

    assert [entry['ip_count'] for entry in result['pools']] == [1, 1, 1]
    assert result.warnings == [
        'GET /v3/send_ips/pools and GET /v3/send_ips/pools/{id}/ips disagree on how many IPs 2 pool(s) hold:'
        ' marketing (total_ip_count 3, 1 listed), transactional (total_ip_count 2, 1 listed); ips and ip_count are'
        ' what the IP listing gives (every page)']


def test_pools_whose_counts_agree_give_no_warning():
    transport = FakeTransport(cursor_page([pool('alpha', '1', ['192.0.2.10'])]), cursor_page(ip_entries(['192.0.2.10'])))
    assert run({}, transport).warnings == []


def test_no_pools_at_all():
    transport = FakeTransport(cursor_page([]))
    result = run({}, transport)

    assert result['pools'] == []


def test_check_mode_gives_the_same_result():
    transport = FakeTransport(cursor_page([pool('alpha', '1', ['192.0.2.10'])]), cursor_page(ip_entries(['192.0.2.10'])))
    result = run({}, transport, check_mode=True)

    assert result['changed'] is False
    assert result['pools'] == [{'name': 'alpha', 'id': '1', 'ips': ['192.0.2.10'], 'ip_count': 1}]


def test_api_error_fails_with_method_path_and_status():
    transport = FakeTransport((401, {'errors': [{'field': None, 'message': 'authorization required'}]}))
    result = run({}, transport)

    assert result.failed
    assert result['status'] == 401 and result['method'] == 'GET' and result['path'] == POOLS
    assert 'authorization required' in result['msg']


def test_name_is_a_deprecated_alias_of_pool_and_the_name_is_stripped():
    transport = FakeTransport(
        cursor_page([pool('alpha', '1', ['192.0.2.10']), pool('beta', '2', ['192.0.2.12', '192.0.2.11'])]),
        cursor_page(ip_entries(['192.0.2.12', '192.0.2.11'])),
    )
    result = run({'name': ' beta '}, transport)

    assert [entry['name'] for entry in result['pools']] == ['beta']
    assert result.deprecations == [("Alias 'name' is deprecated. See the module docs for more information", '1.0.0')]


def test_an_empty_pool_name_is_an_error_naming_the_option():
    transport = FakeTransport()
    result = run({'pool': ' '}, transport)
    assert result.failed and result['msg'] == 'pool: must not be empty'
    assert transport.calls == []
