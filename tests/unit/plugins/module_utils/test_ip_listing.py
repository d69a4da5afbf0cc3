# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The IP listing: query validation, timestamps, and which endpoints list_account_ips reads."""

from __future__ import annotations

import time

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ip_listing import (
    ALL_FIELDS,
    EXTENDED_FIELDS,
    IPListingQuery,
    list_account_ips,
    parse_timestamp,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeTransport,
    json_response,
    make_api,
)

BASIC = ['subusers', 'pools', 'warmup', 'start_date', 'rdns', 'whitelabeled']

IPS = [
    {'ip': '198.51.100.1', 'subusers': [], 'pools': ['p2'], 'warmup': False, 'start_date': None, 'rdns': '',
     'whitelabeled': False},
    {'ip': '192.0.2.10', 'subusers': ['bob'], 'pools': ['p1'], 'warmup': True, 'start_date': 1700000000,
     'rdns': 'o1.mail.example.com', 'whitelabeled': True},
    {'ip': '192.0.2.3', 'subusers': ['zed', 'carol'], 'pools': ['p1', 'a0'], 'warmup': False, 'start_date': None,
     'whitelabeled': False},
    {'ip': '192.0.2.2', 'subusers': [], 'pools': []},
]
SUBUSERS = [
    {'id': 1, 'username': 'bob', 'disabled': False},
    {'id': 2, 'username': 'carol', 'disabled': True},
    {'id': 3, 'username': 'zed', 'disabled': True},
]
SEND_IPS = [
    {'ip': '192.0.2.2', 'is_leased': True, 'is_enabled': True, 'is_parent_assigned': False, 'is_auto_warmup': False,
     'added_at': 1600000000, 'updated_at': 1600000001, 'region': 'us'},
    {'ip': '192.0.2.3', 'is_leased': True, 'is_enabled': False, 'is_parent_assigned': True, 'is_auto_warmup': True,
     'added_at': 1600000002, 'updated_at': 1600000003, 'region': 'us'},
    {'ip': '192.0.2.10', 'is_leased': False, 'is_enabled': True, 'is_parent_assigned': True, 'is_auto_warmup': False,
     'added_at': 1600000004, 'updated_at': 1600000005, 'region': 'eu'},
    {'ip': '198.51.100.1', 'is_leased': False, 'is_enabled': True},
]


def routed_api(send_ips=None):
    """A SendGridAPI whose fake transport answers by path; ``send_ips`` replaces the /v3/send_ips/ips result."""
    def respond(call):
        if call.path == '/v3/ips':
            return json_response(200, IPS if call.query['offset'] == '0' else [])
        if call.path == '/v3/subusers':
            return json_response(200, SUBUSERS if call.query['offset'] == '0' else [])
        if call.path == '/v3/send_ips/ips':
            result = SEND_IPS if send_ips is None else send_ips
            return json_response(200, {'result': result, '_metadata': {'next_params': {}}})
        raise AssertionError(f'unexpected call {call!r}')
    return make_api(transport=FakeTransport(responder=respond))


def paths(api):
    """One entry per listing: the read that confirms a short first page (see the client) counts with its listing."""
    seen = [(c.method, c.path) for c in api.client.transport.calls]
    return [entry for number, entry in enumerate(seen) if number == 0 or entry != seen[number - 1]]


def send_ips_call(api):
    return next(c for c in api.client.transport.calls if c.path == '/v3/send_ips/ips')


def ips_of(result):
    return [entry['ip'] for entry in result['ips']]


# ------------------------------------------------------------------ IPListingQuery validation

@pytest.mark.parametrize('kwargs, message', [
    ({'status': 'used'}, "status must be one of all, free, taken, available, got 'used'"),
    ({'pool': 'p1', 'is_parent_assigned': False}, 'pool and is_parent_assigned cannot be used together'),
    ({'pool': 'p1', 'is_parent_assigned': True}, 'pool and is_parent_assigned cannot be used together'),
    ({'ip_region': 'ap'}, "ip_region must be one of us, eu, got 'ap'"),
    ({'fields': ['pools', 'zz', 'ip']}, 'fields: unknown field(s) ip, zz; choose from subusers, pools'),
    ({'subuser': '  '}, 'subuser must not be empty'),
    ({'pool': ''}, 'pool must not be empty'),
    ({'ip': 'not an ip'}, "ip: 'not an ip' is neither an IP address"),
    ({'added_after': 'yesterday'}, "added_after: expected a Unix timestamp or an ISO 8601 date such as 2025-01-31, got 'yesterday'"),
    ({'added_before': '2025-13-01'}, 'added_before: expected a Unix timestamp'),
    ({'added_after': True}, 'added_after: expected a Unix timestamp or an ISO 8601 date, got True'),
])
def test_query_validation(kwargs, message):
    with pytest.raises(SendGridInputError) as info:
        IPListingQuery(**kwargs)
    assert message in str(info.value)


def test_query_defaults():
    query = IPListingQuery()
    assert query.fields == ALL_FIELDS
    assert query.send_ips_filters == {}
    assert query.needs_send_ips is True  # the default fields include the extended ones
    assert query.needs_subusers is False
    assert query.ip_match is None


def test_query_send_ips_filters():
    query = IPListingQuery(is_leased=False, is_enabled=True, ip_region='eu', added_after='2025-01-31',
                           added_before=1700000000, fields=['pools'])
    assert query.send_ips_filters == {'is_leased': False, 'is_enabled': True, 'region': 'eu',
                                      'start_added_at': 1738281600, 'end_added_at': 1700000000}
    assert query.needs_send_ips is True


def test_query_needs():
    assert IPListingQuery(fields=BASIC).needs_send_ips is False
    assert IPListingQuery(fields=['subusers', 'is_leased']).needs_send_ips is True
    assert IPListingQuery(status='available').needs_subusers is True
    assert IPListingQuery(subuser='bob').needs_subusers is True
    assert IPListingQuery(status='free').needs_subusers is False


# ------------------------------------------------------------------ parse_timestamp

@pytest.mark.parametrize('value, expected', [
    (None, None), ('', None), (1700000000, 1700000000), (1700000000.9, 1700000000), ('1700000000', 1700000000),
    (' 42 ', 42), ('-5', -5), ('2025-01-31', 1738281600), ('2025-01-31T00:00:00Z', 1738281600),
    ('2025-01-31T01:00:00', 1738285200), ('2025-01-31T02:00:00+02:00', 1738281600),
    ('2025-01-31 00:00:10+00:00', 1738281610),
])
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value, 'opt') == expected


@pytest.mark.skipif(not hasattr(time, 'tzset'), reason='needs time.tzset')
def test_parse_timestamp_naive_means_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv('TZ', 'America/New_York')
    time.tzset()
    try:
        assert parse_timestamp('2025-01-31', 'opt') == 1738281600
        assert parse_timestamp('2025-01-31T01:00:00', 'opt') == 1738285200
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize('value', [False, 'soon', '31/01/2025', '1.5e9'])
def test_parse_timestamp_errors(value):
    with pytest.raises(SendGridInputError, match='^opt: expected a Unix timestamp'):
        parse_timestamp(value, 'opt')


# ------------------------------------------------------------------ list_account_ips: endpoints read

def test_basic_fields_without_filters_read_only_v3_ips():
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(fields=BASIC))
    assert paths(api) == [('GET', '/v3/ips')]
    assert api.client.transport.calls[0].query == {'limit': '500', 'offset': '0'}
    assert ips_of(result) == ['192.0.2.2', '192.0.2.3', '192.0.2.10', '198.51.100.1']
    assert result['ips'][2] == {'ip': '192.0.2.10', 'subusers': ['bob'], 'pools': ['p1'], 'warmup': True,
                                'start_date': 1700000000, 'rdns': 'o1.mail.example.com', 'whitelabeled': True}
    assert result['ips'][0] == {'ip': '192.0.2.2', 'subusers': [], 'pools': [], 'warmup': False,
                                'start_date': None, 'rdns': None, 'whitelabeled': False}
    # subusers and pools are sorted
    assert result['ips'][1]['subusers'] == ['carol', 'zed']
    assert result['ips'][1]['pools'] == ['a0', 'p1']


def test_only_requested_fields_are_returned():
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(fields=['pools']))
    assert all(set(entry) == {'ip', 'pools'} for entry in result['ips'])
    assert paths(api) == [('GET', '/v3/ips')]


def test_usage_pairs_sorted_by_ip_then_subuser():
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(fields=['pools']))
    assert result['usage'] == [
        {'ip': '192.0.2.3', 'subuser': 'carol'},
        {'ip': '192.0.2.3', 'subuser': 'zed'},
        {'ip': '192.0.2.10', 'subuser': 'bob'},
    ]


@pytest.mark.parametrize('fields', [None, ['is_leased'], ['subusers', 'region']])
def test_extended_fields_add_send_ips(fields):
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(fields=fields))
    assert paths(api) == [('GET', '/v3/ips'), ('GET', '/v3/send_ips/ips')]
    assert send_ips_call(api).query == {'include_region': 'true', 'limit': '1000'}
    assert ips_of(result) == ['192.0.2.2', '192.0.2.3', '192.0.2.10', '198.51.100.1']


def test_extended_values_and_missing_ones():
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(fields=list(EXTENDED_FIELDS)))
    by_ip = {entry['ip']: entry for entry in result['ips']}
    assert by_ip['192.0.2.3'] == {'ip': '192.0.2.3', 'is_auto_warmup': True, 'is_parent_assigned': True,
                                  'is_enabled': False, 'is_leased': True, 'added_at': 1600000002,
                                  'updated_at': 1600000003, 'region': 'us'}
    assert by_ip['198.51.100.1']['region'] is None
    assert by_ip['198.51.100.1']['is_leased'] is False


def test_send_ips_filters_are_passed_and_applied():
    api = routed_api(send_ips=[entry for entry in SEND_IPS if entry['is_leased'] is False])
    result = list_account_ips(api, IPListingQuery(is_leased=False, added_after=1600000000, fields=['subusers']))
    assert paths(api) == [('GET', '/v3/ips'), ('GET', '/v3/send_ips/ips')]
    assert send_ips_call(api).query == {'include_region': 'true', 'is_leased': 'false',
                                        'start_added_at': '1600000000', 'limit': '1000'}
    assert ips_of(result) == ['192.0.2.10', '198.51.100.1']
    assert all(set(entry) == {'ip', 'subusers'} for entry in result['ips'])


@pytest.mark.parametrize('status, pools_as_taken, expected', [
    ('available', False, ['192.0.2.2', '192.0.2.3', '198.51.100.1']),
    ('available', True, ['192.0.2.2']),
])
def test_available_reads_subusers(status, pools_as_taken, expected):
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(status=status, pools_as_taken=pools_as_taken, fields=BASIC))
    assert paths(api) == [('GET', '/v3/subusers'), ('GET', '/v3/ips')]
    assert api.client.transport.calls[0].query == {'include_region': 'true', 'limit': '500', 'offset': '0'}
    assert ips_of(result) == expected


@pytest.mark.parametrize('status, pools_as_taken, expected', [
    ('all', False, ['192.0.2.2', '192.0.2.3', '192.0.2.10', '198.51.100.1']),
    ('free', False, ['192.0.2.2', '198.51.100.1']),
    ('free', True, ['192.0.2.2']),
    ('taken', False, ['192.0.2.3', '192.0.2.10']),
    ('taken', True, ['192.0.2.3', '192.0.2.10', '198.51.100.1']),
])
def test_status_without_subusers_call(status, pools_as_taken, expected):
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(status=status, pools_as_taken=pools_as_taken, fields=BASIC))
    assert paths(api) == [('GET', '/v3/ips')]
    assert ips_of(result) == expected


def test_subuser_filter_checks_subuser_and_filters():
    api = routed_api()
    result = list_account_ips(api, IPListingQuery(subuser='zed', fields=['pools']))
    assert paths(api) == [('GET', '/v3/subusers'), ('GET', '/v3/ips')]
    assert result == {'ips': [{'ip': '192.0.2.3', 'pools': ['a0', 'p1']}],
                      'usage': [{'ip': '192.0.2.3', 'subuser': 'carol'}, {'ip': '192.0.2.3', 'subuser': 'zed'}]}


def test_unknown_subuser_fails_before_listing_ips():
    api = routed_api()
    with pytest.raises(SendGridInputError, match='^subuser: unknown subuser\\(s\\) on this account: nobody$'):
        list_account_ips(api, IPListingQuery(subuser='nobody', fields=BASIC))
    assert paths(api) == [('GET', '/v3/subusers')]


@pytest.mark.parametrize('ip, expected', [
    ('192.0.2.0/28', ['192.0.2.2', '192.0.2.3', '192.0.2.10']),
    ('192.0.2.1', []),
    ('192.0.2.10', ['192.0.2.10']),
    ('198.', ['198.51.100.1']),
])
def test_ip_filter(ip, expected):
    api = routed_api()
    assert ips_of(list_account_ips(api, IPListingQuery(ip=ip, fields=BASIC))) == expected
    assert paths(api) == [('GET', '/v3/ips')]


def test_pool_filter_by_name():
    api = routed_api()
    assert ips_of(list_account_ips(api, IPListingQuery(pool='p1', fields=BASIC))) == ['192.0.2.3', '192.0.2.10']
    assert paths(api) == [('GET', '/v3/ips')]


def test_no_per_ip_endpoint_is_called():
    api = routed_api()
    list_account_ips(api, IPListingQuery(status='available', subuser='bob', is_enabled=True))
    assert sorted(set(paths(api))) == [('GET', '/v3/ips'), ('GET', '/v3/send_ips/ips'), ('GET', '/v3/subusers')]
    assert len(paths(api)) == 3
