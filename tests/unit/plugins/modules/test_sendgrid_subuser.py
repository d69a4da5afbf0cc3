# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_subuser: create, enable/disable, add IPs, delete; the password is never sent twice nor shown."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_subuser
from ansible_collections.mailops.sendgrid.tests.unit.helpers.call_log import calls, offset_calls, writes
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport, offset_list
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

PASSWORD = 'S3cret-pa55word!'
LIST_SEND_IPS = ('GET', '/v3/send_ips/ips?include_region=true&limit=1000', None)
ACCOUNT = [
    {'ip': '192.0.2.31', 'subusers': [], 'pools': []},
    {'ip': '192.0.2.32', 'subusers': ['acme'], 'pools': []},
    {'ip': '192.0.2.33', 'subusers': [], 'pools': []},
    {'ip': '203.0.113.5', 'subusers': [], 'pools': []},
]
REGIONS = (200, {'result': [{'ip': '192.0.2.31', 'region': 'us'}, {'ip': '192.0.2.32', 'region': 'us'},
                            {'ip': '192.0.2.33', 'region': 'us'}, {'ip': '203.0.113.5', 'region': 'eu'}],
                 '_metadata': {'next_params': {'after_key': None}}})
ACME = {'username': 'acme', 'id': 1006, 'email': 'ops@acme.example', 'disabled': False, 'region': 'global'}
CREATE = {'subuser': 'acme', 'email': 'ops@acme.example', 'password': PASSWORD, 'ips': ['192.0.2.31']}


def lookup(count: int = 1) -> list[tuple[str, str, None]]:
    """The reads of GET /v3/subusers?username=acme that list ``count`` subusers."""
    return offset_calls('/v3/subusers', count, 'username=acme&include_region=true')


LIST_IPS = offset_calls('/v3/ips', len(ACCOUNT))


def run(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    result = run_module(sendgrid_subuser.main, args, transport, **kwargs)
    transport.assert_done()
    text = json.dumps(result.result, default=str)
    assert API_KEY not in text and PASSWORD not in text
    return result


def created(username: str = 'acme', region: str | None = None) -> tuple[int, dict[str, t.Any]]:
    body = {'username': username, 'user_id': 1006, 'email': 'ops@acme.example', 'credit_allocation': {'type': 'unlimited'}}
    if region:
        body['region'] = region
    return 200, body


# ------------------------------------------------------------------------------------ create


def test_create_checks_the_ips_then_posts_once():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS, created())
    result = run({**CREATE, 'subuser': '  acme '}, transport, diff=True)

    assert not result.failed, result.result
    assert calls(transport) == [*lookup(0), *LIST_IPS, LIST_SEND_IPS, ('POST', '/v3/subusers', {
        'username': 'acme', 'email': 'ops@acme.example', 'password': PASSWORD, 'ips': ['192.0.2.31']})]
    assert result['changed'] is True
    assert result['subuser'] == 'acme' and result['subuser_id'] == 1006
    assert result['ips'] == ['192.0.2.31'] and result['added'] == ['192.0.2.31']
    assert result['disabled'] is False and result['subuser_region'] == 'global'
    assert result.diff == {'before': {}, 'after': {
        'subuser': 'acme', 'email': 'ops@acme.example', 'disabled': False, 'subuser_region': 'global',
        'ips': ['192.0.2.31']}}


def test_an_answer_naming_another_subuser_is_a_warning():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS, created(username='example_subuser'))
    result = run(CREATE, transport)

    assert result['changed'] is True and result['subuser'] == 'acme' and result['subuser_id'] == 1006
    assert result.warnings == ["POST /v3/subusers for 'acme' answered the subuser 'example_subuser' (id 1006);"
                               ' check it with sendgrid_subuser_info']


def test_create_in_check_mode_reads_only():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS)
    result = run(CREATE, transport, check_mode=True, diff=True)

    assert calls(transport) == [*lookup(0), *LIST_IPS, LIST_SEND_IPS]
    assert result['changed'] is True and result['subuser_id'] is None
    assert result.diff['after']['ips'] == ['192.0.2.31']


def test_create_eu_subuser_sends_the_region():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS, created(region='eu'))
    result = run({**CREATE, 'ips': ['203.0.113.5'], 'subuser_region': 'eu'}, transport)

    assert writes(transport)[0][2] == {'username': 'acme', 'email': 'ops@acme.example', 'password': PASSWORD,
                                       'ips': ['203.0.113.5'], 'region': 'eu', 'include_region': True}
    assert result['subuser_region'] == 'eu'


def test_create_disabled_is_a_post_then_a_patch():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS, created(), (204, None))
    result = run({**CREATE, 'disabled': True}, transport)

    assert [(method, path) for method, path, _body in writes(transport)] == [
        ('POST', '/v3/subusers'), ('PATCH', '/v3/subusers/acme')]
    assert writes(transport)[1][2] == {'disabled': True}
    assert result['disabled'] is True


def test_create_after_a_lost_answer_is_repeated_and_confirmed_by_a_read():
    # The first POST was applied, its answer lost; the repeat is refused ("username exists") and the
    # listing shows the subuser with this email: created, once.
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS)
    transport.add_error('connection reset by peer', request_sent=True)
    transport.add(400, {'errors': [{'field': 'username', 'message': 'username exists'}]})
    transport.add_step(offset_list([ACME]))
    result = run({**CREATE, 'max_retries': 3}, transport)

    assert not result.failed, result.result
    assert [call[:2] for call in writes(transport)] == [('POST', '/v3/subusers')] * 2
    assert result['subuser_id'] == 1006 and result['changed'] is True


def test_create_that_fails_for_good_never_shows_the_password():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS,
                              (400, {'errors': [{'field': 'password', 'message': f'password {PASSWORD} is too weak'}]}))
    result = run(CREATE, transport)

    assert result.failed
    assert len(writes(transport)) == 1
    assert result['msg'].endswith('password: password ******** is too weak')


@pytest.mark.parametrize('args, message', [
    ({'subuser': 'acme'}, "subuser 'acme' does not exist; to create it, give email, password, ips (at least one IP)"),
    ({**CREATE, 'ips': []}, "subuser 'acme' does not exist; to create it, give ips (at least one IP)"),
    ({k: v for k, v in CREATE.items() if k != 'password'}, "subuser 'acme' does not exist; to create it, give password"),
])
def test_create_without_what_it_needs_fails_after_the_lookup_only(args, message):
    transport = FakeTransport(offset_list([]))
    result = run(args, transport)

    assert result.failed and result['msg'] == message
    assert calls(transport) == lookup(0)


def test_create_with_ips_not_on_the_account_names_them_all():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT))
    result = run({**CREATE, 'ips': ['198.51.100.7', '192.0.2.31', '198.51.100.1']}, transport)

    assert result.failed
    assert result['msg'] == 'ips: not on this SendGrid account: 198.51.100.1, 198.51.100.7'
    assert writes(transport) == []


def test_create_with_an_ip_of_another_region_fails_before_any_write():
    transport = FakeTransport(offset_list([]), offset_list(ACCOUNT), REGIONS)
    result = run({**CREATE, 'ips': ['192.0.2.31', '203.0.113.5']}, transport)

    assert result.failed
    assert result['msg'] == 'ips: 203.0.113.5 (eu): a global subuser can only send from us IPs'
    assert writes(transport) == []


# ------------------------------------------------------------------------------------ existing subuser


def test_existing_subuser_is_a_no_op_with_one_read_and_the_password_is_not_sent():
    transport = FakeTransport(offset_list([ACME, {**ACME, 'username': 'acme-2', 'id': 1007}]))
    result = run({'subuser': 'acme', 'email': 'OPS@acme.example', 'password': 'another one',
                  'subuser_region': 'global', 'disabled': False}, transport, diff=True)

    assert calls(transport) == lookup(2)
    assert result['changed'] is False
    assert result['subuser_id'] == 1006 and result['ips'] is None and result['added'] == []
    assert result.diff['before'] == result.diff['after']


def test_disable_an_existing_subuser():
    transport = FakeTransport(offset_list([ACME]), (204, None))
    result = run({'subuser': 'acme', 'disabled': True}, transport, diff=True)

    assert writes(transport) == [('PATCH', '/v3/subusers/acme', {'disabled': True})]
    assert result['changed'] is True and result['disabled'] is True
    assert result.diff['before']['disabled'] is False and result.diff['after']['disabled'] is True


def test_enable_in_check_mode_writes_nothing():
    transport = FakeTransport(offset_list([{**ACME, 'disabled': True}]))
    result = run({'subuser': 'acme', 'disabled': False}, transport, check_mode=True)

    assert calls(transport) == lookup()
    assert result['changed'] is True and result['disabled'] is False


def test_ips_an_existing_subuser_lacks_are_added_one_batch_per_ip_and_the_others_kept():
    transport = FakeTransport(offset_list([ACME]), offset_list(ACCOUNT), REGIONS, (200, {}), (200, {}))
    result = run({'subuser': 'acme', 'ips': ['192.0.2.33', '192.0.2.32', '192.0.2.31']}, transport, diff=True)

    assert writes(transport) == [
        ('POST', '/v3/send_ips/ips/192.0.2.31/subusers:batchAdd', {'subusers': ['1006']}),
        ('POST', '/v3/send_ips/ips/192.0.2.33/subusers:batchAdd', {'subusers': ['1006']}),
    ]
    assert result['ips'] == ['192.0.2.31', '192.0.2.32', '192.0.2.33']
    assert result['added'] == ['192.0.2.31', '192.0.2.33']
    assert result.diff['before']['ips'] == ['192.0.2.32']


def test_ips_it_already_has_are_a_no_op_without_the_region_read():
    transport = FakeTransport(offset_list([ACME]), offset_list(ACCOUNT))
    result = run({'subuser': 'acme', 'ips': ['192.0.2.32']}, transport)

    assert calls(transport) == [*lookup(), *LIST_IPS]
    assert result['changed'] is False and result['ips'] == ['192.0.2.32']


def test_a_failure_after_a_write_says_what_was_applied():
    transport = FakeTransport(offset_list([ACME]), offset_list(ACCOUNT), REGIONS, (200, {}),
                              (400, {'errors': [{'message': 'unable to disable user'}]}))
    result = run({'subuser': 'acme', 'ips': ['192.0.2.31'], 'disabled': True}, transport)

    assert result.failed
    assert ('unable to disable user. Already applied before this error: add 192.0.2.31 to subuser acme.'
            in result['msg'])


@pytest.mark.parametrize('args, message', [
    ({'password': 'new', 'update_password': 'always'},
     "password: subuser 'acme' exists, and SendGrid's API has no operation that changes (or reads) a subuser's"
     " password, so update_password=always cannot be honoured"),
    ({'email': 'other@acme.example'},
     "email: subuser 'acme' has the email 'ops@acme.example', and SendGrid's API has no operation that changes it"
     " to 'other@acme.example'"),
    ({'subuser_region': 'eu'},
     "subuser_region: subuser 'acme' is in region 'global', and a subuser's region cannot be changed to 'eu'"),
])
def test_what_the_api_cannot_change_fails_before_any_write(args, message):
    transport = FakeTransport(offset_list([ACME]))
    result = run({'subuser': 'acme', 'disabled': True, **args}, transport)

    assert result.failed and result['msg'].startswith(message)
    assert writes(transport) == []


def test_adding_ips_with_region_eu_goes_to_the_global_host():
    transport = FakeTransport(offset_list([ACME]), offset_list(ACCOUNT), REGIONS, (200, {}))
    result = run({'subuser': 'acme', 'ips': ['192.0.2.31'], 'region': 'eu'}, transport)

    assert not result.failed, result.result
    assert [call.url for call in transport.calls if call.method != 'GET'] == [
        'https://api.sendgrid.com/v3/send_ips/ips/192.0.2.31/subusers:batchAdd']


def test_adding_ips_with_region_eu_and_api_url_puts_the_whole_list():
    # api_url taken as the EU host: no host is known for subusers:batchAdd, so the PUT of the current and new IPs.
    transport = FakeTransport(offset_list([ACME]), offset_list(ACCOUNT), REGIONS,
                              (200, {'ips': ['192.0.2.31', '192.0.2.32']}))
    result = run({'subuser': 'acme', 'ips': ['192.0.2.31'], 'region': 'eu', 'api_url': 'http://127.0.0.1:8080'},
                 transport)

    assert not result.failed, result.result
    assert writes(transport) == [('PUT', '/v3/subusers/acme/ips', ['192.0.2.31', '192.0.2.32'])]
    assert transport.calls[-1].url == 'http://127.0.0.1:8080/v3/subusers/acme/ips'
    assert result['ips'] == ['192.0.2.31', '192.0.2.32'] and result['added'] == ['192.0.2.31']


def test_an_ip_whose_region_is_unknown_is_added_with_a_warning():
    regions = (200, {'result': [{'ip': '192.0.2.33', 'region': 'us'}], '_metadata': {}})
    transport = FakeTransport(offset_list([ACME]), offset_list(ACCOUNT), regions, (200, {}))
    result = run({'subuser': 'acme', 'ips': ['192.0.2.31']}, transport)

    assert not result.failed, result.result
    assert result.warnings == [
        'the region of 192.0.2.31 could not be established (GET /v3/send_ips/ips does not list them), so it was not'
        ' checked against the region of the subusers they are given to; SendGrid decides']
    assert writes(transport) == [('POST', '/v3/send_ips/ips/192.0.2.31/subusers:batchAdd', {'subusers': ['1006']})]


# ------------------------------------------------------------------------------------ delete


def test_delete_needs_allow_delete_and_writes_nothing_without_it():
    transport = FakeTransport(offset_list([ACME]))
    result = run({'subuser': 'acme', 'state': 'absent'}, transport)

    assert result.failed
    assert result['msg'] == ("state=absent would delete subuser 'acme' for good (SendGrid cannot restore it);"
                             " set allow_delete: true to accept that")
    assert writes(transport) == []


def test_delete_in_check_mode_needs_no_allow_delete():
    transport = FakeTransport(offset_list([ACME]))
    result = run({'subuser': 'acme', 'state': 'absent'}, transport, check_mode=True, diff=True)

    assert calls(transport) == lookup()
    assert result['changed'] is True
    assert result.diff == {'before': {'subuser': 'acme', 'email': 'ops@acme.example', 'disabled': False,
                                      'subuser_region': 'global'}, 'after': {}}


def test_delete():
    transport = FakeTransport(offset_list([ACME]), (204, None))
    result = run({'subuser': 'acme', 'state': 'absent', 'allow_delete': True}, transport)

    assert writes(transport) == [('DELETE', '/v3/subusers/acme', None)]
    assert result['changed'] is True and result['subuser_id'] is None


def test_delete_a_missing_subuser_is_a_no_op():
    transport = FakeTransport(offset_list([{**ACME, 'username': 'acme-2'}]))
    result = run({'subuser': 'acme', 'state': 'absent'}, transport)

    assert result['changed'] is False


# ------------------------------------------------------------------------------------ bad input: no request at all


@pytest.mark.parametrize('args, message', [
    ({'subuser': '   '}, 'subuser: must not be empty'),
    ({'subuser': 'acme', 'email': 'not-an-address'}, "email: 'not-an-address' is not an email address"),
    ({'subuser': 'acme', 'email': 'ops@localhost'}, "email: 'ops@localhost' is not an email address"),
    ({'subuser': 'acme', 'password': ''}, 'password: must not be empty'),
    ({'subuser': 'acme', 'ips': ['192.0.2.300', '2001:db8::1']},
     "ips: '192.0.2.300' is not a valid IP address; '2001:db8::1' is an IPv6 address"),
    ({'subuser': 'acme', 'state': 'absent', 'disabled': True, 'email': 'ops@acme.example'},
     'state=absent deletes the subuser and takes none of email, disabled'),
    ({'subuser': 'acme', 'subuser_region': 'us'}, 'value of subuser_region must be one of: global, eu, got: us'),
])
def test_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = run(args, transport)

    assert result.failed
    assert result['msg'].startswith(message)
    assert transport.calls == []
