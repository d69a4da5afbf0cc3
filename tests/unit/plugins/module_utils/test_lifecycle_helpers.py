# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The domain helpers of the IP lifecycle modules: names, DNS names, reverse DNS views, purchases."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError, SendGridServerError
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name, clean_names, renamed_from
from ansible_collections.mailops.sendgrid.plugins.module_utils._purchase import (
    PartialPurchaseError,
    buy_in_steps,
    check_unknown_regions,
    describe_purchase,
    require_purchase_allowed,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._reverse_dns import (
    matches,
    normalize_dns_name,
    record_view,
    records_of_ip,
)


def test_clean_name_strips_and_refuses_empty():
    assert clean_name('  shop eu ', 'subuser') == 'shop eu'
    assert clean_name('müller', 'subuser') == 'müller'
    for value in ('', '   ', None):
        with pytest.raises(SendGridInputError, match='^subuser: must not be empty$'):
            clean_name(value, 'subuser')


def test_pool_names_are_stripped_like_every_name():
    # Before 0.2.0 pool names were kept as given (a stray space made one module miss a pool another found).
    assert clean_name(' big pool ', 'pool') == 'big pool'
    assert clean_names(['b ', 'a', ' b'], 'pools') == ['a', 'b']
    for value in ('', '   ', None):
        with pytest.raises(SendGridInputError, match='^pool: must not be empty$'):
            clean_name(value, 'pool')


def test_renamed_from_gives_a_deprecated_alias_removed_in_1_0_0():
    assert renamed_from('name') == {
        'aliases': ['name'],
        'deprecated_aliases': [{'name': 'name', 'version': '1.0.0', 'collection_name': 'mailops.sendgrid'}]}


def test_clean_names_sorts_and_deduplicates():
    assert clean_names([' b', 'a', 'b '], 'subusers') == ['a', 'b']
    with pytest.raises(SendGridInputError, match='^subusers: a name must not be empty$'):
        clean_names(['a', ' '], 'subusers')


@pytest.mark.parametrize('value, expected', [
    ('Example.COM', 'example.com'),
    ('example.com.', 'example.com'),
    (' mail ', 'mail'),
    ('bücher.example', 'xn--bcher-kva.example'),
    ('a-b.c1', 'a-b.c1'),
])
def test_normalize_dns_name(value, expected):
    assert normalize_dns_name(value, 'domain') == expected


@pytest.mark.parametrize('value', ['', '.', 'a..b', '-a.b', 'a-.b', 'a_b.c', 'a b.c', 'x' * 64 + '.com',
                                   '.'.join(['a' * 60] * 5)])
def test_normalize_dns_name_refuses(value):
    with pytest.raises(SendGridInputError, match='^domain: '):
        normalize_dns_name(value, 'domain')


def test_record_view_and_matching():
    record = {'id': 3, 'ip': '192.0.2.1', 'rdns': 'o3.Mail.example.com', 'subdomain': 'Mail', 'domain': 'Example.com',
              'users': [{'username': 'b', 'user_id': 2}, {'username': 'a', 'user_id': 1}, 'junk'],
              'valid': True, 'legacy': False, 'a_record': {'valid': True, 'type': 'a', 'host': 'o3.Mail.example.com',
                                                           'data': '192.0.2.1'}}
    view = record_view(record)
    assert view['users'] == ['a', 'b'] and view['a_record']['type'] == 'A' and view['record_id'] == 3
    assert matches(record, 'example.com', 'mail') and matches(record, 'example.com', None)
    assert not matches(record, 'example.com', 'smtp') and not matches(record, 'example.net', None)
    assert records_of_ip([{**record, 'id': 10}, record, {**record, 'ip': '192.0.2.10'}], '192.0.2.1') == [
        record, {**record, 'id': 10}]


PURCHASE = {'count': 2, 'ip_region': 'eu', 'price_per_ip': 19.5, 'period': 'month', 'subusers': ['acme']}


def test_describe_purchase():
    assert describe_purchase(PURCHASE) == '2 IPs in region eu at 19.5 per IP (month), 39 in all for the subuser(s) acme'
    assert describe_purchase({'count': 1, 'ip_region': None, 'price_per_ip': None}) == (
        '1 IP (region chosen by SendGrid) at a price SendGrid does not state through this API')


def test_require_purchase_allowed():
    require_purchase_allowed(True, False, PURCHASE)
    require_purchase_allowed(False, True, PURCHASE)
    with pytest.raises(SendGridInputError, match='^this task would buy 2 IPs in region eu'):
        require_purchase_allowed(False, False, PURCHASE)


def test_buy_in_steps_reports_what_was_bought_before_a_failure():
    answers = iter([['192.0.2.2'], ['192.0.2.1']])
    assert buy_in_steps([1, 1], lambda _count: next(answers)) == ['192.0.2.1', '192.0.2.2']

    def buy(count):
        if count == 3:
            raise SendGridServerError('POST', '/v3/x', 500, [{'field': None, 'message': 'boom'}])
        return ['192.0.2.9', '192.0.2.10']

    with pytest.raises(PartialPurchaseError) as raised:
        buy_in_steps([2, 3], buy)
    assert raised.value.bought == ['192.0.2.9', '192.0.2.10']
    assert raised.value.to_result()['status'] == 500 and raised.value.to_result()['bought'] == raised.value.bought
    assert 'Bought before this error: 2 of 5 IP(s), 192.0.2.9, 192.0.2.10' in raised.value.message


def test_check_unknown_regions():
    warnings = []
    check_unknown_regions([], 3, 'us', 'GET /x', warnings.append)
    check_unknown_regions(['192.0.2.1'], 0, 'us', 'GET /x', warnings.append)
    assert warnings == ['not counted, as GET /x gives no region for them: 192.0.2.1']
    with pytest.raises(SendGridInputError, match='^cannot tell the region of 192.0.2.1: GET /x gives none'):
        check_unknown_regions(['192.0.2.1'], 1, 'us', 'GET /x', warnings.append)
