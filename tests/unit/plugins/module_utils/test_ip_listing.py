# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The IP listing: query validation, timestamps, and which endpoints list_account_ips reads."""

from __future__ import annotations

import time

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridError, SendGridInputError
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
    ({'subuser': '  '}, 'subuser: must not be empty'),
    ({'pool': ''}, 'pool: must not be empty'),
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
    assert api.client.transport.calls[0].query == {'limit': '10000', 'offset': '0'}
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
                      'usage': [{'ip': '192.0.2.3', 'subuser': 'carol'}, {'ip': '192.0.2.3', 'subuser': 'zed'}],
                      'warnings': []}


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
    assert len(api.client.transport.calls) == 5  # two short offset lists, each confirmed by one more read


# ------------------------------------------------------------------ the two listings disagree (issue 7, section 1)
#
# GET /v3/ips decides which IPs exist; GET /v3/send_ips/ips only adds fields. An IP the second lacks keeps its
# basic fields, gets null extended fields and is named in a warning; only an IP-management filter excludes an IP.


def test_an_ip_missing_from_send_ips_is_kept_with_null_extended_fields_and_named_in_a_warning():
    api = routed_api(send_ips=[entry for entry in SEND_IPS if entry['ip'] in ('192.0.2.3', '192.0.2.10')])
    result = list_account_ips(api, IPListingQuery())
    assert ips_of(result) == ['192.0.2.2', '192.0.2.3', '192.0.2.10', '198.51.100.1']
    by_ip = {entry['ip']: entry for entry in result['ips']}
    assert by_ip['192.0.2.2']['subusers'] == [] and by_ip['192.0.2.2']['warmup'] is False
    assert all(by_ip['192.0.2.2'][field] is None for field in EXTENDED_FIELDS)
    assert by_ip['198.51.100.1']['pools'] == ['p2'] and by_ip['198.51.100.1']['region'] is None
    assert by_ip['192.0.2.3']['region'] == 'us'
    assert result['warnings'] == [
        '2 IP(s) listed by GET /v3/ips are missing from GET /v3/send_ips/ips, so their is_auto_warmup,'
        ' is_parent_assigned, is_enabled, is_leased, added_at, updated_at and region are null: 192.0.2.2, 198.51.100.1']


def test_an_empty_send_ips_listing_drops_nothing():
    # Prism's example bodies: GET /v3/ips lists two IPs, GET /v3/send_ips/ips lists others.
    api = routed_api(send_ips=[{'ip': '203.0.113.9', 'region': 'eu'}])
    result = list_account_ips(api, IPListingQuery(fields=['pools', 'region']))
    assert ips_of(result) == ['192.0.2.2', '192.0.2.3', '192.0.2.10', '198.51.100.1']
    assert [entry['region'] for entry in result['ips']] == [None, None, None, None]
    assert len(result['warnings']) == 2
    assert result['warnings'][0].startswith('4 IP(s) listed by GET /v3/ips are missing from GET /v3/send_ips/ips')
    assert result['warnings'][1] == (
        '1 IP(s) listed by GET /v3/send_ips/ips are not listed by GET /v3/ips, which decides which IPs the account'
        ' has; they are left out: 203.0.113.9')


def test_a_warning_names_at_most_20_ips_and_counts_the_rest():
    many = [{'ip': f'10.1.0.{n}', 'subusers': [], 'pools': []} for n in range(1, 31)]

    def respond(call):
        if call.path == '/v3/ips':
            return json_response(200, many if call.query['offset'] == '0' else [])
        return json_response(200, {'result': [], '_metadata': {}})
    api = make_api(transport=FakeTransport(responder=respond))
    [warning] = list_account_ips(api, IPListingQuery(fields=['region']))['warnings']
    assert warning.endswith(', '.join(f'10.1.0.{n}' for n in range(1, 21)) + ' and 10 more')
    assert warning.startswith('30 IP(s) listed by GET /v3/ips')


def test_when_both_listings_agree_there_is_no_warning():
    api = routed_api()
    assert list_account_ips(api, IPListingQuery())['warnings'] == []
    assert list_account_ips(routed_api(), IPListingQuery(fields=BASIC))['warnings'] == []


def test_only_an_ip_management_filter_excludes_an_ip():
    api = routed_api(send_ips=[entry for entry in SEND_IPS if entry['ip'] == '192.0.2.3'])
    result = list_account_ips(api, IPListingQuery(is_enabled=False))
    assert ips_of(result) == ['192.0.2.3']
    assert result['warnings'] == []


def managed_api_answering(status, body):
    def respond(call):
        if call.path == '/v3/ips':
            return json_response(200, IPS if call.query['offset'] == '0' else [])
        if call.path == '/v3/send_ips/ips':
            return json_response(status, body)
        raise AssertionError(f'unexpected call {call!r}')
    return make_api(transport=FakeTransport(responder=respond), max_retries=0)


SCOPE_ERRORS = [
    (401, {'errors': [{'field': None, 'message': 'missing required scope: ips.read'}]}),
    (403, {'errors': [{'field': None, 'message': 'access forbidden'}]}),
    (404, {'errors': [{'field': None, 'message': 'resource not found'}]}),
]


@pytest.mark.parametrize('status, body', SCOPE_ERRORS)
def test_send_ips_refused_without_a_filter_gives_the_basic_fields_and_says_why(status, body):
    api = managed_api_answering(status, body)
    result = list_account_ips(api, IPListingQuery())
    assert ips_of(result) == ['192.0.2.2', '192.0.2.3', '192.0.2.10', '198.51.100.1']
    assert result['ips'][2]['subusers'] == ['bob'] and result['ips'][2]['is_leased'] is None
    [warning] = result['warnings']
    assert warning.startswith(f'GET /v3/send_ips/ips returned HTTP {status}: {body["errors"][0]["message"]}.')
    assert 'are null for every IP' in warning
    assert 'API key without the IP Address Management scope' in warning


@pytest.mark.parametrize('status, body', SCOPE_ERRORS)
def test_send_ips_refused_with_a_filter_fails_clearly(status, body):
    api = managed_api_answering(status, body)
    with pytest.raises(SendGridError) as info:
        list_account_ips(api, IPListingQuery(is_leased=False, ip_region='us', fields=BASIC))
    message = info.value.message
    assert f'returned HTTP {status}' in message
    assert 'the filters is_leased, ip_region need GET /v3/send_ips/ips' in message


def test_a_server_error_on_send_ips_still_fails():
    api = managed_api_answering(500, {'errors': [{'message': 'boom'}]})
    with pytest.raises(SendGridError, match='HTTP 500'):
        list_account_ips(api, IPListingQuery())


# ------------------------------------------------------------------ a pool filter naming no pool (issue 7, section 5)


def pools_api(pools):
    def respond(call):
        if call.path == '/v3/ips':
            return json_response(200, IPS if call.query['offset'] == '0' else [])
        if call.path == '/v3/send_ips/pools':
            return json_response(200, {'result': [{'name': name, 'id': str(n)} for n, name in enumerate(pools, 1)],
                                       '_metadata': {}})
        raise AssertionError(f'unexpected call {call!r}')
    return make_api(transport=FakeTransport(responder=respond))


def test_a_pool_filter_naming_no_pool_is_an_error():
    api = pools_api(['p1', 'p2', 'a0'])
    with pytest.raises(SendGridInputError) as info:
        list_account_ips(api, IPListingQuery(pool='p3', fields=BASIC))
    assert info.value.message == "pool: no IP pool named 'p3' on this account (its pools: a0, p1, p2)"
    assert paths(api) == [('GET', '/v3/ips'), ('GET', '/v3/send_ips/pools')]


def test_a_pool_filter_naming_an_empty_pool_lists_nothing():
    api = pools_api(['p1', 'empty'])
    assert list_account_ips(api, IPListingQuery(pool='empty', fields=BASIC))['ips'] == []


def test_a_pool_named_by_an_ip_needs_no_pool_listing():
    api = pools_api([])
    assert ips_of(list_account_ips(api, IPListingQuery(pool='p2', fields=BASIC))) == ['198.51.100.1']
    assert paths(api) == [('GET', '/v3/ips')]
