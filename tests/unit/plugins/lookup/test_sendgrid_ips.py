# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sendgrid_ips lookup: options -> IPListingQuery, connection settings, exact requests, errors."""

from __future__ import annotations

import inspect
import sys

import pytest
import requests

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.mailops.sendgrid.plugins.module_utils import _client
from ansible_collections.mailops.sendgrid.plugins.module_utils._ip_listing import ALL_FIELDS, IP_REGIONS, IPListingQuery
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import STATUSES
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import CONNECTION_ARGUMENT_SPEC
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    API_KEY,
    FakeTransport,
    offset_list,
    offset_reads,
)

LOOKUP_NAME = 'mailops.sendgrid.sendgrid_ips'

IPS = [
    # deliberately out of order: the lookup sorts by address
    {'ip': '192.0.2.12', 'subusers': ['dormant'], 'pools': [], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'rdns': None},
    {'ip': '192.0.2.10', 'subusers': ['shop-eu'], 'pools': ['transactional'], 'warmup': True,
     'start_date': 1700000000, 'whitelabeled': True, 'rdns': 'o1.mail.example.com'},
    {'ip': '192.0.2.9', 'subusers': [], 'pools': ['transactional'], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'rdns': None},
    {'ip': '192.0.2.11', 'subusers': ['newsletter', 'shop-eu'], 'pools': [], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'rdns': None},
    {'ip': '192.0.2.13', 'subusers': [], 'pools': [], 'warmup': False, 'start_date': None,
     'whitelabeled': False, 'rdns': None},
]
SUBUSERS = [
    {'id': 1001, 'username': 'shop-eu', 'email': 'shop@example.com', 'disabled': False, 'region': 'global'},
    {'id': 1002, 'username': 'newsletter', 'email': 'news@example.com', 'disabled': False, 'region': 'global'},
    {'id': 1003, 'username': 'dormant', 'email': 'dormant@example.com', 'disabled': True, 'region': 'global'},
]


def send_ip(ip, **overrides):
    entry = {'ip': ip, 'is_auto_warmup': False, 'is_parent_assigned': True, 'is_enabled': None, 'is_leased': True,
             'added_at': 1690000000, 'updated_at': None, 'region': 'us', 'pools': []}
    entry.update(overrides)
    return entry


def cursor_page(items):
    return {'result': items, '_metadata': {}}


@pytest.fixture(autouse=True)
def no_environment(monkeypatch):
    for name in ('SENDGRID_API_KEY', 'SENDGRID_API_URL'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def lookup():
    plugin = lookup_loader.get(LOOKUP_NAME)
    assert plugin is not None, f'{LOOKUP_NAME} not found by the plugin loader'
    return plugin


@pytest.fixture
def plugin_module(lookup):
    return sys.modules[type(lookup).__module__]


@pytest.fixture
def warnings(plugin_module, monkeypatch):
    shown = []
    monkeypatch.setattr(plugin_module.display, 'warning', lambda message, *args, **kwargs: shown.append(message))
    return shown


@pytest.fixture
def transport(monkeypatch):
    """Replace the requests transport the client builds with a FakeTransport; records validate_certs."""
    fake = FakeTransport()
    fake.validate_certs = []

    def build(validate_certs=True):
        fake.validate_certs.append(validate_certs)
        return fake

    monkeypatch.setattr(_client, 'RequestsTransport', build)
    return fake


def run(lookup, *terms, **options):
    options.setdefault('api_key', API_KEY)
    return lookup.run(list(terms), variables={}, **options)


def requested(transport):
    return [(call.method, call.path, call.query) for call in transport.calls]


IPS_CALL = ('GET', '/v3/ips', {'limit': '10000', 'offset': '0'})
# A whole listing: the short first page, then the read that confirms it (the server may cap the limit asked).
IPS_CALLS = offset_reads('/v3/ips', len(IPS))
SUBUSERS_CALLS = offset_reads('/v3/subusers', len(SUBUSERS), {'include_region': 'true'})


def send_ips_call(**filters):
    return ('GET', '/v3/send_ips/ips', {'include_region': 'true', **filters, 'limit': '1000'})


# ------------------------------------------------------------------ listing and classification

def test_default_lists_every_address_sorted_with_one_listing(lookup, transport):
    transport.add_step(offset_list(IPS))
    assert run(lookup) == ['192.0.2.9', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13']
    assert requested(transport) == IPS_CALLS
    call = transport.calls[0]
    assert call.url == 'https://api.sendgrid.com/v3/ips?limit=10000&offset=0'
    assert call.header('Authorization') == f'Bearer {API_KEY}'
    assert call.header('on-behalf-of') is None
    assert call.timeout == 30.0
    assert transport.validate_certs == [True]
    assert transport.closed
    transport.assert_done()


@pytest.mark.parametrize('options, expected', [
    ({'status': 'free'}, ['192.0.2.9', '192.0.2.13']),
    ({'status': 'taken'}, ['192.0.2.10', '192.0.2.11', '192.0.2.12']),
    ({'status': 'free', 'pools_as_taken': True}, ['192.0.2.13']),
    ({'status': 'free', 'pool': 'transactional'}, ['192.0.2.9']),
    ({'pool': 'transactional'}, ['192.0.2.9', '192.0.2.10']),
    ({'ip': '192.0.2.10'}, ['192.0.2.10']),
    ({'ip': '192.0.2.1'}, []),  # a whole address matches exactly, not as a prefix
    ({'ip': '192.0.2.1.'}, []),
    ({'ip': '192.0.2.'}, ['192.0.2.9', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13']),
    ({'ip': '192.0.2.8/30', 'status': 'taken'}, ['192.0.2.10', '192.0.2.11']),
])
def test_filters_on_the_ips_listing_need_only_get_ips(lookup, transport, options, expected):
    transport.add_step(offset_list(IPS))
    assert run(lookup, **options) == expected
    assert requested(transport) == IPS_CALLS
    transport.assert_done()


def test_available_reads_subusers_first_and_counts_disabled_ones(lookup, transport):
    transport.add_step(offset_list(SUBUSERS)).add_step(offset_list(IPS))
    assert run(lookup, status='available') == ['192.0.2.9', '192.0.2.12', '192.0.2.13']
    assert requested(transport) == [*SUBUSERS_CALLS, *IPS_CALLS]
    transport.assert_done()


def test_subuser_filter_checks_the_subuser_exists(lookup, transport):
    transport.add_step(offset_list(SUBUSERS)).add_step(offset_list(IPS))
    assert run(lookup, subuser='shop-eu') == ['192.0.2.10', '192.0.2.11']
    assert requested(transport) == [*SUBUSERS_CALLS, *IPS_CALLS]
    transport.assert_done()


def test_ip_management_filters_become_send_ips_query_parameters(lookup, transport):
    transport.add_step(offset_list(IPS)).add(body=cursor_page([send_ip('192.0.2.11'), send_ip('192.0.2.13')]))
    result = run(lookup, is_leased=False, is_enabled=True, is_parent_assigned=False, ip_region='eu',
                 added_after='2025-01-01', added_before=1700000000)
    assert result == ['192.0.2.11', '192.0.2.13']
    assert requested(transport) == [*IPS_CALLS, send_ips_call(
        is_leased='false', is_enabled='true', is_parent_assigned='false', region='eu',
        start_added_at='1735689600', end_added_at='1700000000')]
    transport.assert_done()


def test_details_returns_every_field_like_sendgrid_ip_info(lookup, transport, warnings):
    transport.add_step(offset_list(IPS)).add(body=cursor_page([
        send_ip('192.0.2.10', is_auto_warmup=True, is_leased=False, is_enabled=True, updated_at=1700000100),
        send_ip('192.0.2.13', region='eu'),
    ]))
    result = run(lookup, details=True, ip='192.0.2.0/24')
    assert requested(transport) == [*IPS_CALLS, send_ips_call()]
    assert [entry['ip'] for entry in result] == ['192.0.2.9', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13']
    assert result[1] == {
        'ip': '192.0.2.10', 'subusers': ['shop-eu'], 'pools': ['transactional'], 'warmup': True,
        'start_date': 1700000000, 'rdns': 'o1.mail.example.com', 'whitelabeled': True,
        'is_auto_warmup': True, 'is_parent_assigned': True, 'is_enabled': True, 'is_leased': False,
        'added_at': 1690000000, 'updated_at': 1700000100, 'region': 'us'}
    assert result[4] == {
        'ip': '192.0.2.13', 'subusers': [], 'pools': [], 'warmup': False, 'start_date': None, 'rdns': None,
        'whitelabeled': False, 'is_auto_warmup': False, 'is_parent_assigned': True, 'is_enabled': None,
        'is_leased': True, 'added_at': 1690000000, 'updated_at': None, 'region': 'eu'}
    # 192.0.2.9, .11 and .12 are not in the send_ips listing: kept with null extended fields, and named
    assert result[0]['region'] is None and result[0]['pools'] == ['transactional']
    assert len(warnings) == 1 and warnings[0].endswith(': 192.0.2.9, 192.0.2.11, 192.0.2.12')
    transport.assert_done()


def test_details_with_basic_fields_skips_the_send_ips_listing(lookup, transport):
    transport.add_step(offset_list(IPS))
    result = run(lookup, details=True, fields=['pools', 'subusers'], status='taken', ip='192.0.2.8/30')
    assert result == [
        {'ip': '192.0.2.10', 'pools': ['transactional'], 'subusers': ['shop-eu']},
        {'ip': '192.0.2.11', 'pools': [], 'subusers': ['newsletter', 'shop-eu']},
    ]
    assert requested(transport) == IPS_CALLS
    transport.assert_done()


def test_details_with_an_extended_field_reads_send_ips(lookup, transport):
    transport.add_step(offset_list(IPS)).add(body=cursor_page([send_ip(entry['ip']) for entry in IPS]))
    result = run(lookup, details=True, fields=['region'], pool='transactional')
    assert result == [{'ip': '192.0.2.9', 'region': 'us'}, {'ip': '192.0.2.10', 'region': 'us'}]
    assert requested(transport) == [*IPS_CALLS, send_ips_call()]
    transport.assert_done()


def test_an_empty_account_gives_an_empty_list(lookup, transport):
    transport.add(body=[])
    assert run(lookup, status='free') == []
    transport.assert_done()


# ------------------------------------------------------------------ options -> IPListingQuery (the shared code)

@pytest.fixture
def captured_query(plugin_module, monkeypatch, transport):
    """Replace list_account_ips in the lookup with a recorder, to see the IPListingQuery it builds."""
    captured = []

    def fake_listing(api, query):
        captured.append((api, query))
        return {'ips': [{'ip': '192.0.2.10', 'pools': []}], 'usage': [], 'warnings': []}

    monkeypatch.setattr(plugin_module, 'list_account_ips', fake_listing)
    return captured


def test_every_filter_option_reaches_the_query(lookup, captured_query):
    run(lookup, status='available', pools_as_taken=True, ip='192.0.2.0/24', subuser='shop-eu', is_leased=True,
        is_enabled=False, ip_region='us', added_after='1700000000', added_before='2025-01-31T00:00:00Z')
    [(api, query)] = captured_query
    assert isinstance(query, IPListingQuery)
    assert query.status == 'available'
    assert query.pools_as_taken is True
    assert query.subuser == 'shop-eu'
    assert query.pool is None
    assert query.ip_match('192.0.2.200') and not query.ip_match('192.0.3.1')
    assert query.send_ips_filters == {'is_leased': True, 'is_enabled': False, 'region': 'us',
                                      'start_added_at': 1700000000, 'end_added_at': 1738281600}
    assert query.fields == ('subusers',)  # addresses only: no send_ips listing unless a filter needs it
    assert api.client.base_url == 'https://api.sendgrid.com'


def test_defaults_reach_the_query(lookup, captured_query):
    assert run(lookup) == ['192.0.2.10']
    [(_api, query)] = captured_query
    assert query.status == 'all'
    assert query.pools_as_taken is False
    assert query.ip_match is None and query.subuser is None and query.pool is None
    assert query.send_ips_filters == {}
    assert not query.needs_send_ips and not query.needs_subusers


def test_pool_and_is_parent_assigned_reach_the_query(lookup, captured_query):
    run(lookup, pool='transactional')
    run(lookup, is_parent_assigned=True)
    assert captured_query[0][1].pool == 'transactional'
    assert captured_query[1][1].send_ips_filters == {'is_parent_assigned': True}


def test_details_passes_fields_or_every_field(lookup, captured_query):
    assert run(lookup, details=True) == [{'ip': '192.0.2.10', 'pools': []}]
    assert run(lookup, details=True, fields=['warmup', 'is_leased']) == [{'ip': '192.0.2.10', 'pools': []}]
    assert captured_query[0][1].fields == ALL_FIELDS
    assert captured_query[1][1].fields == ('warmup', 'is_leased')


# ------------------------------------------------------------------ documented options = the code's options

def test_documented_options_are_the_listing_and_connection_options(lookup, plugin_module):
    definitions = C.config.get_configuration_definitions('lookup', lookup._load_name)
    query_options = set(inspect.signature(IPListingQuery).parameters) - {'fields'}
    assert set(plugin_module.FILTER_OPTIONS) == query_options
    assert set(definitions) == query_options | set(CONNECTION_ARGUMENT_SPEC) | {'details', 'fields'}
    assert definitions['status']['choices'] == list(STATUSES)
    assert definitions['ip_region']['choices'] == list(IP_REGIONS)
    assert definitions['fields']['choices'] == list(ALL_FIELDS)
    for name, spec in CONNECTION_ARGUMENT_SPEC.items():
        assert definitions[name]['type'] == spec['type'], name
        assert definitions[name].get('default') == spec.get('default'), name
    assert definitions['api_key']['env'] == [{'name': 'SENDGRID_API_KEY'}]
    assert definitions['api_url']['env'] == [{'name': 'SENDGRID_API_URL'}]


# ------------------------------------------------------------------ connection options and environment

def test_connection_options_reach_the_client(lookup, transport):
    transport.add(body=[])
    run(lookup, api_key='SG.direct', api_url='http://127.0.0.1:8080/', on_behalf_of='shop-eu', timeout=7.5,
        validate_certs=False, max_retries=0, retry_budget=3)
    [call] = transport.calls
    assert call.url == 'http://127.0.0.1:8080/v3/ips?limit=10000&offset=0'
    assert call.header('Authorization') == 'Bearer SG.direct'
    assert call.header('on-behalf-of') == 'shop-eu'
    assert call.timeout == 7.5
    assert transport.validate_certs == [False]


def test_max_retries_and_retry_budget_reach_the_client(lookup, plugin_module, monkeypatch, transport):
    clients = []
    real = plugin_module.client_from_settings

    def recording(settings):
        clients.append(real(settings))
        return clients[-1]

    monkeypatch.setattr(plugin_module, 'client_from_settings', recording)
    transport.add(body=[]).add(body=[])
    run(lookup, max_retries=2, retry_budget=9.5)
    run(lookup)
    assert (clients[0].max_retries, clients[0].retry_budget, clients[0].timeout) == (2, 9.5, 30.0)
    assert (clients[1].max_retries, clients[1].retry_budget) == (5, 120.0)


def test_region_eu_selects_the_eu_api(lookup, transport):
    transport.add(body=[])
    run(lookup, region='eu')
    assert transport.calls[0].url == 'https://api.eu.sendgrid.com/v3/ips?limit=10000&offset=0'


def test_key_and_url_fall_back_to_the_environment(lookup, transport, monkeypatch):
    monkeypatch.setenv('SENDGRID_API_KEY', 'SG.from-env')
    monkeypatch.setenv('SENDGRID_API_URL', 'http://localhost:9999')
    transport.add(body=[])
    lookup.run([], variables={})
    [call] = transport.calls
    assert call.url == 'http://localhost:9999/v3/ips?limit=10000&offset=0'
    assert call.header('Authorization') == 'Bearer SG.from-env'


def test_direct_options_win_over_the_environment(lookup, transport, monkeypatch):
    monkeypatch.setenv('SENDGRID_API_KEY', 'SG.from-env')
    monkeypatch.setenv('SENDGRID_API_URL', 'http://localhost:9999')
    transport.add(body=[])
    run(lookup, api_key='SG.direct', api_url='https://api.example.com')
    [call] = transport.calls
    assert call.url == 'https://api.example.com/v3/ips?limit=10000&offset=0'
    assert call.header('Authorization') == 'Bearer SG.direct'


def test_real_transport_sends_through_requests(lookup, mocker):
    response = mocker.Mock(status_code=200, headers={'Content-Type': 'application/json'}, content=b'[]')
    send = mocker.patch.object(requests.Session, 'request', autospec=True, return_value=response)
    assert run(lookup, api_url='http://127.0.0.1:8080', timeout=5, validate_certs=False) == []
    send.assert_called_once()
    session, method, url = send.call_args.args
    assert (method, url) == ('GET', 'http://127.0.0.1:8080/v3/ips?limit=10000&offset=0')
    assert send.call_args.kwargs['headers']['Authorization'] == f'Bearer {API_KEY}'
    assert send.call_args.kwargs['timeout'] == 5.0
    assert send.call_args.kwargs['allow_redirects'] is False
    assert session.verify is False


# ------------------------------------------------------------------ errors

def assert_clean(error, *secrets):
    text = str(error)
    for secret in secrets:
        assert secret not in text
    assert 'Traceback' not in text
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_api_error_becomes_a_lookup_error_without_the_key(lookup, transport):
    transport.add(401, {'errors': [{'field': None, 'message': f'authorization required for {API_KEY}'}]})
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup)
    message = caught.value.message
    assert message == 'SendGrid authentication error: GET /v3/ips returned HTTP 401: authorization required for ********'
    assert_clean(caught.value, API_KEY)
    assert requested(transport) == [IPS_CALL]
    assert transport.closed


def test_server_error_after_retries_is_reported(lookup, transport):
    transport.add(503, {'errors': [{'message': 'unavailable'}]})
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup, max_retries=0, status='available')
    assert caught.value.message.startswith(
        'SendGrid server error: GET /v3/subusers returned HTTP 503: unavailable')
    assert_clean(caught.value, API_KEY)
    transport.assert_done()


def test_network_error_is_reported(lookup, transport):
    transport.add_error('connection refused', request_sent=False)
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup, max_retries=0)
    assert caught.value.message == 'GET /v3/ips failed: connection refused'


def test_unknown_subuser_fails_after_reading_subusers_only(lookup, transport):
    transport.add_step(offset_list(SUBUSERS))
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup, subuser='nobody')
    assert caught.value.message == 'subuser: unknown subuser(s) on this account: nobody'
    assert requested(transport) == SUBUSERS_CALLS


@pytest.mark.parametrize('options, message', [
    ({'pool': 'transactional', 'is_parent_assigned': True}, 'pool and is_parent_assigned cannot be used together'),
    ({'ip': '192.0.2.0/99'}, "ip: '192.0.2.0/99' is not a valid CIDR network"),
    ({'added_after': 'last tuesday'}, 'added_after: expected a Unix timestamp or an ISO 8601 date'),
    ({'subuser': ' '}, 'subuser: must not be empty'),
    ({'fields': ['pools']}, 'fields can only be used with details=true'),
    ({'api_url': 'http://api.example.com'}, 'only https:// is accepted there'),
    ({'api_key': ''}, 'no SendGrid API key: set the api_key option or the SENDGRID_API_KEY environment variable'),
])
def test_bad_input_fails_before_any_request(lookup, transport, options, message):
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup, **options)
    assert message in caught.value.message
    assert_clean(caught.value, API_KEY)
    assert transport.calls == []


def test_missing_api_key_fails_before_any_request(lookup, transport):
    with pytest.raises(AnsibleLookupError, match='no SendGrid API key'):
        lookup.run([], variables={})
    assert transport.calls == []


@pytest.mark.parametrize('options', [{'status': 'unused'}, {'ip_region': 'asia'}, {'fields': ['ip', 'pools']}])
def test_invalid_choices_are_rejected_by_the_option_system(lookup, transport, options):
    with pytest.raises(AnsibleError, match='Invalid value'):
        run(lookup, details=True, **options)
    assert transport.calls == []


def test_terms_are_refused(lookup, transport):
    with pytest.raises(AnsibleLookupError, match='takes no terms, got 1; pass filters as keyword options'):
        run(lookup, '192.0.2.10')
    assert transport.calls == []


def test_missing_requests_says_to_install_it(lookup, plugin_module, monkeypatch, transport):
    monkeypatch.setattr(plugin_module, 'HAS_REQUESTS', False)
    monkeypatch.setattr(plugin_module, 'REQUESTS_IMPORT_ERROR', "ModuleNotFoundError: No module named 'requests'")
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup)
    assert 'needs the Python library requests on the controller' in caught.value.message
    assert 'pip install requests' in caught.value.message
    assert transport.calls == []


# ------------------------------------------------------------------ issue 7: no IP dropped, warnings, strict options

def test_details_keeps_ips_missing_from_send_ips_and_warns_on_the_display(lookup, transport, warnings):
    transport.add_step(offset_list(IPS)).add(body=cursor_page([send_ip('192.0.2.10'), send_ip('192.0.2.13', region='eu')]))
    result = run(lookup, details=True, fields=['pools', 'region'])
    assert [entry['ip'] for entry in result] == ['192.0.2.9', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13']
    assert result[0] == {'ip': '192.0.2.9', 'pools': ['transactional'], 'region': None}
    assert result[4]['region'] == 'eu'
    assert warnings == [
        'mailops.sendgrid.sendgrid_ips: 3 IP(s) listed by GET /v3/ips are missing from GET /v3/send_ips/ips, so their is_auto_warmup,'
        ' is_parent_assigned, is_enabled, is_leased, added_at, updated_at and region are null:'
        ' 192.0.2.9, 192.0.2.11, 192.0.2.12']
    assert requested(transport) == [*IPS_CALLS, send_ips_call()]


def test_a_refused_send_ips_listing_is_a_warning_without_a_filter(lookup, transport, warnings):
    transport.add_step(offset_list(IPS)).add(404, {'errors': [{'field': None, 'message': 'resource not found'}]})
    result = run(lookup, details=True, fields=['is_leased'])
    assert [entry['is_leased'] for entry in result] == [None] * 5
    assert warnings[0].startswith('mailops.sendgrid.sendgrid_ips: GET /v3/send_ips/ips returned HTTP 404: resource not found.')


def test_a_refused_send_ips_listing_fails_with_a_filter(lookup, transport, warnings):
    transport.add_step(offset_list(IPS)).add(404, {'errors': [{'field': None, 'message': 'resource not found'}]})
    with pytest.raises(AnsibleLookupError, match='the filters ip_region need GET /v3/send_ips/ips'):
        run(lookup, ip_region='us', max_retries=0)


def test_a_pool_filter_naming_no_pool_is_an_error(lookup, transport):
    transport.add_step(offset_list(IPS)).add(body=cursor_page([{'name': 'transactional', 'id': '1'}]))
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup, pool='transactionl')
    assert caught.value.message == "pool: no IP pool named 'transactionl' on this account (its pools: transactional)"
    assert requested(transport) == [*IPS_CALLS, ('GET', '/v3/send_ips/pools', {'limit': '100'})]


@pytest.mark.parametrize('options, message', [
    ({'stauts': 'free'}, 'unknown option stauts (did you mean status?)'),
    ({'stauts': 'free', 'colour': 'red'}, 'unknown options colour, stauts (did you mean status?)'),
])
def test_unknown_options_are_refused_before_any_request(lookup, transport, options, message):
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup, **options)
    assert message in caught.value.message
    assert 'the mailops.sendgrid.sendgrid_ips lookup' in caught.value.message
    assert transport.calls == []


def test_missing_requests_message_carries_no_traceback(lookup, plugin_module, monkeypatch, transport):
    monkeypatch.setattr(plugin_module, 'HAS_REQUESTS', False)
    monkeypatch.setattr(plugin_module, 'REQUESTS_IMPORT_ERROR', (
        'Traceback (most recent call last):\n  File "/x/_http.py", line 20, in <module>\n    import requests\n'
        "ModuleNotFoundError: No module named 'requests'\n"))
    with pytest.raises(AnsibleLookupError) as caught:
        run(lookup)
    message = caught.value.message
    assert 'Traceback' not in message and 'File "' not in message and '\n' not in message
    assert message.endswith("(No module named 'requests')")
