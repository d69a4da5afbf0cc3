# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""sendgrid_reverse_dns: the exact HTTP calls of every path, against a scripted fake transport."""

from __future__ import annotations

import json
import typing as t

import pytest

from ansible_collections.mailops.sendgrid.plugins.modules import sendgrid_reverse_dns
from ansible_collections.mailops.sendgrid.tests.unit.helpers.call_log import calls, offset_calls, writes
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import API_KEY, FakeTransport, offset_list
from ansible_collections.mailops.sendgrid.tests.unit.helpers.module_runner import run_module

IP = '192.0.2.31'
RECORDS = '/v3/whitelabel/ips'
CREATE_BODY = {'ip': IP, 'domain': 'example.com', 'subdomain': 'mail'}


def record(record_id: int, ip: str = IP, domain: str = 'example.com', subdomain: str | None = 'mail',
           valid: bool = False, legacy: bool = False, users: t.Sequence[str] = ()) -> dict[str, t.Any]:
    host = f'o{record_id}.{subdomain or "ptr1234"}.{domain}'
    return {'id': record_id, 'ip': ip, 'rdns': host, 'subdomain': subdomain or 'ptr1234', 'domain': domain,
            'users': [{'username': name, 'user_id': 1000 + index} for index, name in enumerate(users)],
            'valid': valid, 'legacy': legacy,
            'a_record': {'valid': valid, 'type': 'a', 'host': host, 'data': ip}}


def list_records(count: int, ip: str = IP) -> list[tuple[str, str, None]]:
    """The reads of GET /v3/whitelabel/ips?ip=... that list ``count`` records."""
    return offset_calls(RECORDS, count, f'ip={ip}', page_size=100)


def account_ip(count: int, ip: str = IP) -> list[tuple[str, str, None]]:
    """The reads of GET /v3/ips?ip=... that list ``count`` IPs."""
    return offset_calls('/v3/ips', count, f'ip={ip}')


def run(args: dict[str, t.Any], transport: FakeTransport, **kwargs: t.Any) -> t.Any:
    result = run_module(sendgrid_reverse_dns.main, {'ip': IP, **args}, transport, **kwargs)
    transport.assert_done()
    assert API_KEY not in json.dumps(result.result, default=str)
    return result


def validation_answer(record_id: int, valid: bool, reason: str | None = None) -> tuple[int, dict[str, t.Any]]:
    return 200, {'id': record_id, 'valid': valid, 'validation_results': {'a_record': {'valid': valid, 'reason': reason}}}


# ------------------------------------------------------------------------------------ create


def test_create_reads_the_records_and_the_ip_then_posts_once_and_returns_the_a_record():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP, 'subusers': []}]), (201, record(7)))
    result = run({'domain': 'example.com', 'subdomain': 'mail'}, transport, diff=True)

    assert not result.failed, result.result
    assert calls(transport) == [*list_records(0), *account_ip(1), ('POST', RECORDS, CREATE_BODY)]
    assert result['changed'] is True
    assert result['ip'] == IP and result['record_id'] == 7 and result['rdns'] == 'o7.mail.example.com'
    assert result['a_record'] == {'host': 'o7.mail.example.com', 'type': 'A', 'data': IP, 'valid': False}
    assert result['validation'] is None
    assert result.diff == {
        'before': {},
        'after': {'ip': IP, 'domain': 'example.com', 'subdomain': 'mail', 'rdns': 'o7.mail.example.com',
                  'valid': False}}


def test_an_answer_naming_another_ip_is_a_warning():
    # Prism's example answers a record of 192.168.1.2 whatever IP is asked for: never a silent answer.
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP, 'subusers': []}]),
                              (201, record(123, ip='192.168.1.2')))
    result = run({'domain': 'example.com', 'subdomain': 'mail'}, transport)

    assert result['changed'] is True and result['ip'] == '192.168.1.2'
    assert result.warnings == [f'POST /v3/whitelabel/ips for {IP} answered a record of the IP 192.168.1.2 (id 123);'
                               ' check it with sendgrid_reverse_dns_info']


def test_create_in_check_mode_reads_only_and_cannot_know_the_host():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'validate': True}, transport, check_mode=True,
                 diff=True)

    assert calls(transport) == [*list_records(0), *account_ip(1)]
    assert result['changed'] is True
    assert result['record_id'] is None and result['rdns'] is None
    assert result['a_record'] == {'host': None, 'type': 'A', 'data': IP, 'valid': False}
    assert result['validation'] is None
    assert result.diff['after'] == {'ip': IP, 'domain': 'example.com', 'subdomain': 'mail', 'rdns': None,
                                    'valid': False}


def test_create_without_subdomain_leaves_it_to_sendgrid():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]), (201, record(8, subdomain=None)))
    result = run({'domain': 'example.com'}, transport)

    assert writes(transport) == [('POST', RECORDS, {'ip': IP, 'domain': 'example.com'})]
    assert result['subdomain'] == 'ptr1234'


def test_an_internationalized_domain_is_sent_in_its_idna_form():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]), (201, record(7, domain='xn--bcher-kva.example')))
    result = run({'domain': 'Bücher.example'}, transport)

    assert writes(transport) == [('POST', RECORDS, {'ip': IP, 'domain': 'xn--bcher-kva.example'})]
    assert result['domain'] == 'xn--bcher-kva.example'


def test_create_then_validate_in_the_same_run():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]), (201, record(7)), validation_answer(7, True))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'validate': True}, transport)

    assert writes(transport) == [('POST', RECORDS, CREATE_BODY), ('POST', f'{RECORDS}/7/validate', None)]
    assert result['valid'] is True and result['a_record']['valid'] is True
    assert result['validation'] == {'valid': True, 'reason': None}


def test_ip_not_on_the_account_fails_before_any_write():
    # The account listing's ip filter may be a prefix search: only the exact address counts.
    transport = FakeTransport(offset_list([]), offset_list([{'ip': '192.0.2.310'}]))
    result = run({'domain': 'example.com'}, transport)

    assert result.failed
    assert result['msg'] == f'ip: {IP} is not on this SendGrid account'
    assert writes(transport) == []


def test_create_after_a_server_error_is_retried():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]),
                              (500, {'errors': [{'message': 'internal error'}]}), (201, record(7)))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'max_retries': 3}, transport)

    assert writes(transport) == [('POST', RECORDS, CREATE_BODY)] * 2
    assert result['changed'] is True and result['record_id'] == 7


def test_create_applied_before_a_lost_answer_is_confirmed_by_a_read():
    # The first POST was applied but its answer was lost; the repeat is refused (one record per IP),
    # and the listing shows the record: the task succeeds with it.
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]))
    transport.add_error('connection reset by peer', request_sent=True)
    transport.add(400, {'errors': [{'field': 'ip', 'message': 'ip already has a reverse DNS record'}]})
    transport.add_step(offset_list([record(7)]))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'max_retries': 3}, transport)

    assert not result.failed, result.result
    assert writes(transport) == [('POST', RECORDS, CREATE_BODY)] * 2
    assert result['record_id'] == 7 and result['a_record']['host'] == 'o7.mail.example.com'


def test_create_refused_after_a_server_error_and_not_confirmed_fails_and_says_so():
    transport = FakeTransport(offset_list([]), offset_list([{'ip': IP}]),
                              (500, {'errors': [{'message': 'internal error'}]}),
                              (400, {'errors': [{'field': 'ip', 'message': 'ip already has a reverse DNS record'}]}),
                              offset_list([record(7, domain='other.example')]))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'max_retries': 3}, transport)

    assert result.failed
    assert 'a read shows that the change is not in place' in result['msg']


# ------------------------------------------------------------------------------------ existing records


def test_matching_record_is_a_no_op_with_one_read():
    transport = FakeTransport(offset_list([record(7, users=['shop-eu'], valid=True)]))
    result = run({'domain': 'Example.COM.', 'subdomain': 'MAIL'}, transport, diff=True)

    assert calls(transport) == list_records(1)
    assert result['changed'] is False
    assert result['record_id'] == 7 and result['users'] == ['shop-eu'] and result['valid'] is True
    assert result.diff['before'] == result.diff['after']


def test_prefix_matches_of_other_ips_are_ignored():
    # GET /v3/whitelabel/ips?ip=192.0.2.3 also lists 192.0.2.31 and 192.0.2.30.
    transport = FakeTransport(offset_list([record(7, ip='192.0.2.31'), record(8, ip='192.0.2.30')]),
                              offset_list([{'ip': '192.0.2.3'}]), (201, record(9, ip='192.0.2.3')))
    result = run({'ip': '192.0.2.3', 'domain': 'example.com', 'subdomain': 'mail'}, transport)

    assert writes(transport) == [('POST', RECORDS, {'ip': '192.0.2.3', 'domain': 'example.com', 'subdomain': 'mail'})]
    assert result['record_id'] == 9


def test_without_subdomain_any_subdomain_of_the_domain_is_accepted():
    transport = FakeTransport(offset_list([record(7, subdomain='ptr42')]))
    result = run({'domain': 'example.com'}, transport)

    assert result['changed'] is False and result['subdomain'] == 'ptr42'


@pytest.mark.parametrize('existing', [record(7, domain='other.example'), record(7, subdomain='smtp'),
                                      record(7, legacy=True, domain='other.example')])
def test_another_domain_or_subdomain_fails_without_force_and_names_the_record(existing):
    transport = FakeTransport(offset_list([existing]))
    result = run({'domain': 'example.com', 'subdomain': 'mail'}, transport)

    assert result.failed
    assert result['msg'].startswith(f'{IP} already has reverse DNS for another domain or subdomain: '
                                    f'{existing["rdns"]} (id 7, domain {existing["domain"]}, '
                                    f'subdomain {existing["subdomain"]}')
    assert result['msg'].endswith('Set force: true to replace it')
    assert calls(transport) == list_records(1)


def test_force_deletes_the_old_record_then_creates_the_new_one():
    transport = FakeTransport(offset_list([record(7, domain='other.example')]), offset_list([{'ip': IP}]),
                              (204, None), (201, record(9)))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'force': True}, transport, diff=True)

    assert writes(transport) == [('DELETE', f'{RECORDS}/7', None), ('POST', RECORDS, CREATE_BODY)]
    assert result['changed'] is True and result['record_id'] == 9
    assert result.diff['before']['domain'] == 'other.example'
    assert result.diff['after']['domain'] == 'example.com'


def test_force_keeps_a_matching_record_and_deletes_the_others():
    transport = FakeTransport(offset_list([record(7, domain='other.example'), record(9)]), (204, None))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'force': True}, transport)

    assert writes(transport) == [('DELETE', f'{RECORDS}/7', None)]
    assert result['changed'] is True and result['record_id'] == 9


def test_force_create_failing_after_the_delete_says_what_was_deleted():
    transport = FakeTransport(offset_list([record(7, domain='other.example')]), offset_list([{'ip': IP}]), (204, None),
                              (400, {'errors': [{'field': 'domain', 'message': 'invalid domain'}]}))
    result = run({'domain': 'example.com', 'subdomain': 'mail', 'force': True}, transport)

    assert result.failed
    assert 'domain: invalid domain' in result['msg']
    assert f'Already applied for {IP} before this error: deleted record o7.mail.other.example (id 7' in result['msg']


# ------------------------------------------------------------------------------------ validation


def test_validate_an_invalid_record_reports_a_change_when_it_becomes_valid():
    transport = FakeTransport(offset_list([record(7)]), validation_answer(7, True))
    result = run({'domain': 'example.com', 'validate': True}, transport)

    assert writes(transport) == [('POST', f'{RECORDS}/7/validate', None)]
    assert result['changed'] is True and result['valid'] is True
    assert result['validation'] == {'valid': True, 'reason': None}


def test_failed_validation_is_no_change_and_says_why():
    reason = 'Failed to resolve A Record at o7.mail.example.com: no such host'
    transport = FakeTransport(offset_list([record(7)]), validation_answer(7, False, reason))
    result = run({'domain': 'example.com', 'validate': True}, transport)

    assert not result.failed
    assert result['changed'] is False and result['valid'] is False
    assert result['validation'] == {'valid': False, 'reason': reason}


def test_a_valid_record_is_not_validated_again():
    transport = FakeTransport(offset_list([record(7, valid=True)]))
    result = run({'domain': 'example.com', 'validate': True}, transport)

    assert calls(transport) == list_records(1)
    assert result['changed'] is False and result['validation'] is None


def test_validate_in_check_mode_sends_nothing():
    transport = FakeTransport(offset_list([record(7)]))
    result = run({'domain': 'example.com', 'validate': True}, transport, check_mode=True)

    assert calls(transport) == list_records(1)
    assert result['changed'] is False and result['validation'] is None


def test_validation_is_retried_on_503():
    transport = FakeTransport(offset_list([record(7)]), (503, {'errors': [{'message': 'unavailable'}]}),
                              validation_answer(7, True))
    result = run({'domain': 'example.com', 'validate': True, 'retry_budget': 60}, transport)

    assert writes(transport) == [('POST', f'{RECORDS}/7/validate', None)] * 2
    assert result['valid'] is True


# ------------------------------------------------------------------------------------ absent


def test_absent_deletes_the_record_and_returns_its_a_record():
    transport = FakeTransport(offset_list([record(7)]), (204, None))
    result = run({'state': 'absent'}, transport, diff=True)

    assert calls(transport) == [*list_records(1), ('DELETE', f'{RECORDS}/7', None)]
    assert result['changed'] is True
    assert result['record_id'] is None and result['domain'] is None
    assert result['a_record'] == {'host': 'o7.mail.example.com', 'type': 'A', 'data': IP, 'valid': False}
    assert result.diff == {'before': {'ip': IP, 'domain': 'example.com', 'subdomain': 'mail',
                                      'rdns': 'o7.mail.example.com', 'valid': False}, 'after': {}}


def test_absent_without_a_record_is_a_no_op():
    transport = FakeTransport(offset_list([record(7, ip='192.0.2.310')]))
    result = run({'state': 'absent'}, transport)

    assert calls(transport) == list_records(1)
    assert result['changed'] is False and result['a_record'] is None


def test_absent_in_check_mode_writes_nothing():
    transport = FakeTransport(offset_list([record(7)]))
    result = run({'state': 'absent'}, transport, check_mode=True)

    assert calls(transport) == list_records(1)
    assert result['changed'] is True


def test_absent_with_another_domain_fails_without_force():
    transport = FakeTransport(offset_list([record(7, domain='other.example')]))
    result = run({'state': 'absent', 'domain': 'example.com'}, transport)

    assert result.failed
    assert result['msg'].endswith('Set force: true to delete it')
    assert writes(transport) == []


def test_absent_with_the_same_domain_deletes():
    transport = FakeTransport(offset_list([record(7)]), (204, None))
    result = run({'state': 'absent', 'domain': 'example.com', 'subdomain': 'mail'}, transport)

    assert writes(transport) == [('DELETE', f'{RECORDS}/7', None)]
    assert result['changed'] is True


# ------------------------------------------------------------------------------------ bad input: no request at all


@pytest.mark.parametrize('args, message', [
    ({'ip': '192.0.2.300', 'domain': 'example.com'}, "ip: '192.0.2.300' is not a valid IP address"),
    ({'ip': '2001:db8::1', 'domain': 'example.com'},
     "ip: '2001:db8::1' is an IPv6 address; SendGrid accepts only IPv4 addresses here"),
    ({'ip': '  ', 'domain': 'example.com'}, 'ip: an empty string is not an IP address'),
    ({}, 'state is present but all of the following are missing: domain'),
    ({'domain': 'exa mple.com'}, "domain: 'exa mple.com' is not a valid DNS name (label 'exa mple' must be 1 to 63"
                                 " letters, digits or inner hyphens)"),
    ({'domain': 'localhost'}, "domain: 'localhost' must have at least 2 labels, such as example.com"),
    ({'domain': 'example..com'}, "domain: 'example..com' is not a valid DNS name (it has an empty label)"),
    ({'domain': '   '}, 'domain: must not be empty'),
    ({'domain': 'example.com', 'subdomain': '-mail'},
     "subdomain: '-mail' is not a valid DNS name (label '-mail' must be 1 to 63 letters, digits or inner hyphens)"),
    ({'domain': 'example.com', 'subdomain': 'x' * 64}, 'subdomain: ' + repr('x' * 64) + ' is not a valid DNS name'),
    ({'state': 'absent', 'validate': True}, 'validate: only with state=present'),
    ({'state': 'absent', 'subdomain': 'mail'}, 'subdomain: with state=absent, give domain as well (or neither)'),
])
def test_bad_input_fails_before_any_request(args, message):
    transport = FakeTransport()
    result = run(args, transport)

    assert result.failed
    assert result['msg'].startswith(message)
    assert transport.calls == []
