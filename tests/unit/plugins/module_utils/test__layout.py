# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_layout: validation of a whole layout, the fixed reads, the fewest writes, concurrency, rate limits, partial failure.

Also covers the client's rate-limit bookkeeping (``wait_for_rate_limit``) that the layout executor relies on.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import unquote, urlsplit

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._layout import (
    AccountSnapshot,
    SendGridLayoutError,
    SendGridPartialApplyError,
    apply_plan,
    converge_layout,
    parse_layout,
    plan_layout,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import mistyped_keys
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeTransport,
    empty_response,
    json_response,
    make_api,
)


class FakeAccount:
    """A stateful, thread-safe SendGrid account behind a ``FakeTransport`` responder.

    Serves the reads the layout makes and applies its writes, recording every request.
    ``fail`` maps ``(method, path)`` to ``(status, body)``; ``headers`` maps ``(method, path)`` to
    extra response headers; ``delay`` makes every write sleep (to overlap threads).
    An IP record may set ``region`` (default ``us``) and ``is_parent_assigned`` (default true); a subuser
    is a username (region ``global``) or a ``(username, region)`` pair. ``send_ips_lacks`` names IPs that
    ``GET /v3/send_ips/ips`` does not list.
    """

    def __init__(self, ips, subusers=(), pools=(), fail=None, headers=None, delay=0.0, send_ips_lacks=()):
        self.ips = {record['ip']: {'ip': record['ip'], 'subusers': list(record.get('subusers', [])),
                                   'pools': list(record.get('pools', [])), 'warmup': bool(record.get('warmup')),
                                   'start_date': None, 'rdns': '', 'whitelabeled': False, 'assigned_at': None}
                    for record in ips}
        self.facts = {record['ip']: {'region': record.get('region', 'us'),
                                     'is_parent_assigned': record.get('is_parent_assigned', True)}
                      for record in ips}
        self.send_ips_lacks = set(send_ips_lacks)
        named = [(entry, 'global') if isinstance(entry, str) else entry for entry in subusers]
        self.subusers = [{'id': 1000 + number, 'username': name, 'email': f'{name}@example.com', 'disabled': False,
                          'region': region}
                         for number, (name, region) in enumerate(named)]
        self.pools = {name: str(number) for number, name in enumerate(pools, 1)}
        self.fail = dict(fail or {})
        self.headers = dict(headers or {})
        self.delay = delay
        self.requests = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    # --------------------------------------------------------------- views for assertions

    @property
    def reads(self):
        return [(method, path) for method, path, _query, _body in self.requests if method == 'GET']

    @property
    def writes(self):
        return [(method, path, body) for method, path, _query, body in self.requests if method != 'GET']

    def subuser_ips(self, name):
        return sorted(ip for ip, record in self.ips.items() if name in record['subusers'])

    def pool_ips(self, name):
        return sorted(ip for ip, record in self.ips.items() if name in record['pools'])

    def warming(self):
        return sorted(ip for ip, record in self.ips.items() if record['warmup'])

    def transport(self):
        return FakeTransport(responder=self)

    # --------------------------------------------------------------- responder

    def __call__(self, call):
        path = unquote(call.path)
        with self.lock:
            self.requests.append((call.method, path, call.query, call.json))
            headers = self.headers.get((call.method, path), {})
            if (call.method, path) in self.fail:
                status, body = self.fail[(call.method, path)]
                return json_response(status, body, headers)
            if call.method == 'GET':
                return json_response(200, self._read(path, call.query), headers)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            with self.lock:
                return self._write(call.method, path, call.json, headers)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _read(self, path, query):
        limit, offset = int(query.get('limit', 10)), int(query.get('offset', 0))
        if path == '/v3/ips':
            return [dict(self.ips[ip]) for ip in sorted(self.ips)][offset:offset + limit]
        if path == '/v3/subusers':
            return self.subusers[offset:offset + limit]
        if path == '/v3/send_ips/pools':
            return {'result': [{'name': name, 'id': pool_id} for name, pool_id in self.pools.items()],
                    '_metadata': {'next_params': {}}}
        if path == '/v3/send_ips/ips':
            return {'result': [{'ip': ip, 'is_leased': True, **self.facts[ip]} for ip in sorted(self.ips)
                               if ip not in self.send_ips_lacks], '_metadata': {'next_params': {}}}
        raise AssertionError(f'unexpected read {path}')

    def username_of(self, subuser_id):
        return next(entry['username'] for entry in self.subusers if str(entry['id']) == subuser_id)

    def _write(self, method, path, body, headers):
        parts = path.split('/')
        if method == 'PUT' and path.startswith('/v3/subusers/') and path.endswith('/ips'):
            name = parts[3]
            for ip, record in self.ips.items():
                if ip in body and name not in record['subusers']:
                    record['subusers'].append(name)
                if ip not in body and name in record['subusers']:
                    record['subusers'].remove(name)
            return json_response(200, {'ips': body}, headers)
        if method == 'POST' and path == '/v3/send_ips/pools':
            self.pools[body['name']] = str(len(self.pools) + 1)
            for ip in body.get('ips', []):
                self.ips[ip]['pools'].append(body['name'])
            created = {'name': body['name'], 'id': self.pools[body['name']], 'ips': body.get('ips', [])}
            return json_response(201, created, headers)
        if method == 'POST' and path.startswith('/v3/send_ips/pools/'):
            pool_id, action = parts[4], parts[5].split(':')[1]
            name = next(name for name, known in self.pools.items() if known == pool_id)
            for ip in body['ips']:
                if action == 'batchAdd':
                    self.ips[ip]['pools'].append(name)
                else:
                    self.ips[ip]['pools'].remove(name)
            return json_response(200, {}, headers) if action == 'batchAdd' else empty_response(204, headers)
        if method == 'POST' and path.startswith('/v3/send_ips/ips/') and ':batch' in path:
            ip, action = parts[4].split(':')[0], path.rsplit(':', 1)[1]
            for subuser_id in body['subusers']:
                name = self.username_of(subuser_id)
                if action == 'batchAdd' and name not in self.ips[ip]['subusers']:
                    self.ips[ip]['subusers'].append(name)
                if action == 'batchDelete' and name in self.ips[ip]['subusers']:
                    self.ips[ip]['subusers'].remove(name)
            return json_response(200, {'ip': ip, 'subusers': body['subusers']}, headers) if action == 'batchAdd' \
                else empty_response(204, headers)
        if method == 'POST' and path == '/v3/ips/warmup':
            self.ips[body['ip']]['warmup'] = True
            return json_response(200, [{'ip': body['ip'], 'start_date': 1700000000}], headers)
        if method == 'DELETE' and path.startswith('/v3/ips/warmup/'):
            self.ips[parts[4]]['warmup'] = False
            return empty_response(204, headers)
        raise AssertionError(f'unexpected write {method} {path}')


def account(**kwargs):
    ips = kwargs.pop('ips', None) or [
        {'ip': '192.0.2.10', 'subusers': ['shop-eu'], 'pools': ['transactional']},
        {'ip': '192.0.2.11', 'subusers': ['newsletter'], 'pools': ['transactional']},
        {'ip': '192.0.2.12', 'subusers': ['shop-us']},
        {'ip': '192.0.2.20', 'subusers': ['newsletter']},
        {'ip': '192.0.2.21', 'warmup': True},
        {'ip': '192.0.2.22'},
    ]
    kwargs.setdefault('subusers', ['shop-eu', 'newsletter', 'shop-us'])
    kwargs.setdefault('pools', ['transactional'])
    return FakeAccount(ips, **kwargs)


def api_for(fake, **kwargs):
    return make_api(transport=fake.transport(), **kwargs)


# Each offset list comes back short and is confirmed by one more read (the server may cap the limit asked).
ALL_READS = [('GET', '/v3/ips')] * 2 + [('GET', '/v3/subusers')] * 2 + [('GET', '/v3/send_ips/pools')] \
    + [('GET', '/v3/send_ips/ips')]
IPS_READ = [('GET', '/v3/ips')] * 2


# ------------------------------------------------------------------------------------ parse_layout


def test_parse_normalizes_sorts_and_deduplicates():
    layout = parse_layout(pools={'transactional': ['192.0.2.11', '192.0.2.10', '192.0.2.11']},
                          subusers={'shop-eu': [' 192.0.2.10 ']}, warmup=['192.0.2.21'], exclusive=True)
    assert layout.problems == []
    assert layout.pools == {'transactional': ['192.0.2.10', '192.0.2.11']}
    assert layout.subusers == {'shop-eu': ['192.0.2.10']}
    assert layout.warmup == ['192.0.2.21']
    assert layout.exclusive is True


def test_parse_keeps_omitted_parts_apart_from_empty_ones():
    layout = parse_layout(warmup=[])
    assert layout.pools is None and layout.subusers is None and layout.warmup == []


def test_parse_collects_every_problem():
    layout = parse_layout(
        pools={'.hidden': ['192.0.2.1'], 'x': [], 'big': [f'10.0.{n // 256}.{n % 256}' for n in range(101)],
               'ok': '192.0.2.1'},
        subusers={'shop-eu': ['2001:db8::1', '192.0.2.300'], '': []},
        warmup=['not-an-ip'],
    )
    assert layout.problems == [
        "pools: pool name '.hidden' must not start with \".\" or a space",
        "pools: pool name 'x' must be 2 to 64 characters long (1 given)",
        'pools.ok: must be a list of IP addresses, got str',
        'pools.big: would hold 101 IPs; a pool holds at most 100',
        "subusers.shop-eu: '2001:db8::1' is an IPv6 address; SendGrid accepts only IPv4 addresses here",
        "subusers.shop-eu: '192.0.2.300' is not a valid IP address",
        'subusers: a name must not be empty',
        "warmup: 'not-an-ip' is not a valid IP address",
    ]


def test_parse_allows_ipv6_in_pools_and_warmup_only():
    layout = parse_layout(pools={'v6': ['2001:db8::1']}, warmup=['2001:db8::1'])
    assert layout.problems == []
    assert layout.pools == {'v6': ['2001:db8::1']}


def test_parse_rejects_more_than_100_pools():
    layout = parse_layout(pools={f'pool-{n}': [] for n in range(101)})
    assert layout.problems == ['pools: 101 pools declared; an account can have at most 100']


@pytest.mark.parametrize('name', ['ab', 'a' * 64, 'shop eu', 'a.b', ' ab'])  # ' ab' is stripped, as everywhere
def test_valid_pool_names(name):
    assert parse_layout(pools={name: []}).problems == []


@pytest.mark.parametrize('name', ['a', 'a' * 65, ' a ', '.ab'])
def test_invalid_pool_names(name):
    assert len(parse_layout(pools={name: []}).problems) == 1


# ------------------------------------------------------------------------------------ reads


def test_reads_are_a_fixed_set_of_list_reads():
    fake = account()
    api = api_for(fake)
    AccountSnapshot.read(api, parse_layout(pools={'transactional': ['192.0.2.12']}, subusers={'shop-eu': ['192.0.2.22']},
                                           warmup=[]))
    assert fake.reads == ALL_READS


def test_a_layout_that_already_holds_reads_only_the_ip_listing():
    # Every named subuser and pool appears in GET /v3/ips with its IPs: nothing else is needed to compare or check.
    fake = account()
    AccountSnapshot.read(api_for(fake), parse_layout(pools={'transactional': []}, subusers={'shop-eu': []}, warmup=[]))
    assert fake.reads == IPS_READ


# (each short offset list, /v3/ips and /v3/subusers, is confirmed by one more read)
@pytest.mark.parametrize('layout, reads', [
    # a subuser no IP names: is it a subuser at all?
    ({'subusers': {'idle': []}}, ['/v3/ips'] * 2 + ['/v3/subusers'] * 2),
    # a pool no IP names: empty, or to be created?
    ({'pools': {'empty': []}}, ['/v3/ips'] * 2 + ['/v3/send_ips/pools']),
    # an exclusive pool that loses an IP needs its id, and nothing about the IPs
    ({'pools': {'transactional': ['192.0.2.10']}, 'exclusive': True}, ['/v3/ips'] * 2 + ['/v3/send_ips/pools']),
    # an exclusive subuser that only loses IPs is one PUT: no id, no region
    ({'subusers': {'newsletter': ['192.0.2.20']}, 'exclusive': True}, ['/v3/ips'] * 2),
    # a subuser that gains an IP: ids and regions
    ({'subusers': {'shop-eu': ['192.0.2.22']}}, ['/v3/ips'] * 2 + ['/v3/subusers'] * 2 + ['/v3/send_ips/ips']),
])
def test_reads_are_only_those_the_comparison_and_the_checks_need(layout, reads):
    fake = account(subusers=['shop-eu', 'newsletter', 'shop-us', 'idle'])
    AccountSnapshot.read(api_for(fake), parse_layout(**layout))
    assert [path for _method, path in fake.reads] == reads


def test_reads_skip_what_the_layout_does_not_name():
    fake = account()
    AccountSnapshot.read(api_for(fake), parse_layout(warmup=['192.0.2.21']))
    assert fake.reads == [('GET', '/v3/ips')] * 2
    fake = account()
    AccountSnapshot.read(api_for(fake), parse_layout())
    assert fake.reads == []


def test_reads_do_not_grow_with_the_number_of_subusers():
    names = [f'user-{n:03d}' for n in range(500)]
    ips = [{'ip': f'10.0.{n // 200}.{n % 200 + 1}', 'subusers': [names[n % 500]]} for n in range(600)]
    fake = FakeAccount(ips, subusers=names)
    layout = {name: fake.subuser_ips(name) for name in names}
    layout['user-007'] = layout['user-007'] + ['10.0.2.199']
    plan, report = converge_layout(api_for(fake), subusers=layout, exclusive=True)
    # 600 IPs: two pages of /v3/ips; 500 subusers: one full page, then an empty one; the IPs' regions: one page
    assert fake.reads == [('GET', '/v3/ips'), ('GET', '/v3/ips'), ('GET', '/v3/subusers'), ('GET', '/v3/subusers'),
                          ('GET', '/v3/send_ips/ips')]
    assert fake.writes == [('PUT', '/v3/subusers/user-007/ips', sorted(layout['user-007'], key=_ip_key))]
    assert plan.summary()['subusers_changed'] == 1
    assert report.applied == ['set the IPs of subuser user-007 (add 10.0.2.199)']


def _ip_key(ip):
    return tuple(int(part) for part in ip.split('.'))


# ------------------------------------------------------------------------------------ validation against the account


def test_one_error_names_every_problem_and_nothing_is_written():
    fake = account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake),
                        pools={'marketing': ['192.0.2.99'], '.bad': []},
                        subusers={'nobody': ['192.0.2.10'], 'shop-eu': ['2001:db8::1', '198.51.100.7']},
                        warmup=['192.0.2.98'])
    assert excinfo.value.problems == [
        "pools: pool name '.bad' must not start with \".\" or a space",
        "subusers.shop-eu: '2001:db8::1' is an IPv6 address; SendGrid accepts only IPv4 addresses here",
        'pools.marketing: not on this SendGrid account: 192.0.2.99',
        'subusers.shop-eu: not on this SendGrid account: 198.51.100.7',
        'warmup: not on this SendGrid account: 192.0.2.98',
        'subusers: unknown subuser(s) on this account: nobody',
    ]
    assert excinfo.value.message.startswith('the IP layout has 6 problems; nothing was written: (1) pools: ')
    assert isinstance(excinfo.value, SendGridInputError)
    assert fake.writes == []


def test_a_blank_subuser_name_is_reported_once():
    fake = account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), subusers={' ': ['192.0.2.10'], 'shop-eu': ['192.0.2.10']})
    assert excinfo.value.problems == ['subusers: a name must not be empty']
    assert fake.writes == []


def test_subuser_and_pool_names_are_stripped_as_every_module_strips_them():
    layout = parse_layout(pools={' spaced ': ['192.0.2.10']}, subusers={' shop-eu ': ['192.0.2.10']})
    assert layout.subusers == {'shop-eu': ['192.0.2.10']}
    assert list(layout.pools) == ['spaced']
    assert layout.problems == []
    twice = parse_layout(subusers={'shop-eu': ['192.0.2.10'], 'shop-eu ': ['192.0.2.11']})
    assert twice.problems == ["subusers: 'shop-eu' is named twice ('shop-eu' and 'shop-eu ')"]


def test_exclusive_empty_subuser_list_is_refused_up_front_but_fine_otherwise():
    fake = account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), exclusive=True, subusers={'shop-eu': [], 'newsletter': ['192.0.2.20']},
                        warmup=['192.0.2.22'])
    assert excinfo.value.problems == [
        'subusers: shop-eu: an empty list with ips_state: exact would take every IP away, which SendGrid does not'
        ' support (PUT /v3/subusers/{name}/ips with no IP is refused); give each at least one IP or leave it out'
        ' of the layout']
    assert fake.writes == []
    # without exclusive an empty list adds nothing; a subuser without IPs already matches
    fake = FakeAccount([{'ip': '192.0.2.1'}], subusers=['idle', 'busy'])
    plan, _report = converge_layout(api_for(fake), subusers={'idle': []})
    assert plan.changed is False
    plan, _report = converge_layout(api_for(fake), subusers={'idle': []}, exclusive=True)
    assert plan.changed is False and fake.writes == []


def test_too_many_pools_on_the_account():
    fake = FakeAccount([{'ip': '192.0.2.1'}], pools=[f'pool-{n}' for n in range(99)])
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), pools={'new-a': [], 'new-b': [], 'pool-1': []})
    assert excinfo.value.problems == [
        'pools: the account has 99 pools; creating new-a, new-b would exceed the limit of 100']
    assert fake.writes == []


def test_adding_to_a_pool_beyond_100_ips_is_refused_unless_exclusive():
    ips = [{'ip': f'10.0.0.{n}', 'pools': ['big'] if n <= 100 else []} for n in range(1, 103)]
    fake = FakeAccount(ips, pools=['big'])
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), pools={'big': ['10.0.0.101']})
    assert excinfo.value.problems == [
        'pools.big: would hold 101 IPs (its current ones plus the declared ones); a pool holds at most 100']
    # exclusive: the declared list is the pool, so removals come first and the pool never exceeds 100
    fake = FakeAccount(ips, pools=['big'])
    wanted = [f'10.0.0.{n}' for n in range(2, 102)]
    converge_layout(api_for(fake), pools={'big': wanted}, exclusive=True, concurrency=1)
    assert fake.writes == [
        ('POST', '/v3/send_ips/pools/1/ips:batchDelete', {'ips': ['10.0.0.1']}),
        ('POST', '/v3/send_ips/pools/1/ips:batchAdd', {'ips': ['10.0.0.101']}),
    ]
    assert fake.pool_ips('big') == sorted(wanted)


def test_concurrency_must_be_positive_and_is_checked_before_any_request():
    fake = account()
    with pytest.raises(SendGridInputError, match='concurrency must be at least 1, got 0'):
        converge_layout(api_for(fake), warmup=[], concurrency=0)
    assert fake.requests == []


# ------------------------------------------------------------------------------------ planning: the fewest writes


def test_matching_layout_plans_no_write():
    fake = account()
    plan, report = converge_layout(
        api_for(fake),
        pools={'transactional': ['192.0.2.10', '192.0.2.11']},
        subusers={'shop-eu': ['192.0.2.10'], 'newsletter': ['192.0.2.11', '192.0.2.20'], 'shop-us': ['192.0.2.12']},
        warmup=['192.0.2.21'], exclusive=True)
    assert plan.changed is False
    assert plan.writes() == []
    assert report.applied == []
    assert fake.reads == IPS_READ and fake.writes == []
    assert plan.changes() == {'subusers': {}, 'pools': {}, 'warmup': {'started': [], 'stopped': []}}
    assert plan.summary() == {'subusers_changed': 0, 'pools_created': 0, 'pools_changed': 0, 'ips_added': 0,
                              'ips_removed': 0, 'warmup_started': 0, 'warmup_stopped': 0,
                              'ip_settings_changed': 0, 'reverse_dns_created': 0, 'reverse_dns_deleted': 0, 'writes': 0}


def test_non_exclusive_only_adds():
    fake = account()
    plan, _report = converge_layout(
        api_for(fake), concurrency=1,
        pools={'transactional': ['192.0.2.12']},
        subusers={'shop-eu': ['192.0.2.10'], 'newsletter': ['192.0.2.21'], 'shop-us': []},
        warmup=['192.0.2.22'])
    assert fake.writes == [
        ('POST', '/v3/send_ips/pools/1/ips:batchAdd', {'ips': ['192.0.2.12']}),
        ('POST', '/v3/send_ips/ips/192.0.2.21/subusers:batchAdd', {'subusers': ['1001']}),
        ('POST', '/v3/ips/warmup', {'ip': '192.0.2.22'}),
    ]
    assert fake.subuser_ips('newsletter') == ['192.0.2.11', '192.0.2.20', '192.0.2.21']
    assert fake.warming() == ['192.0.2.21', '192.0.2.22']
    assert plan.changes() == {
        'subusers': {'newsletter': {'added': ['192.0.2.21'], 'removed': []}},
        'pools': {'transactional': {'created': False, 'added': ['192.0.2.12'], 'removed': []}},
        'warmup': {'started': ['192.0.2.22'], 'stopped': []},
    }


def test_exclusive_sets_exact_lists_and_stops_unlisted_warmup():
    fake = account()
    plan, _report = converge_layout(
        api_for(fake), concurrency=1, exclusive=True,
        pools={'transactional': ['192.0.2.10', '192.0.2.12']},
        subusers={'shop-eu': ['192.0.2.10'], 'newsletter': ['192.0.2.20']},
        warmup=['192.0.2.22'])
    assert fake.writes == [
        ('POST', '/v3/send_ips/pools/1/ips:batchDelete', {'ips': ['192.0.2.11']}),
        ('POST', '/v3/send_ips/pools/1/ips:batchAdd', {'ips': ['192.0.2.12']}),
        ('PUT', '/v3/subusers/newsletter/ips', ['192.0.2.20']),
        ('POST', '/v3/ips/warmup', {'ip': '192.0.2.22'}),
        ('DELETE', '/v3/ips/warmup/192.0.2.21', None),
    ]
    assert plan.summary() == {'subusers_changed': 1, 'pools_created': 0, 'pools_changed': 1, 'ips_added': 1,
                              'ips_removed': 2, 'warmup_started': 1, 'warmup_stopped': 1,
                              'ip_settings_changed': 0, 'reverse_dns_created': 0, 'reverse_dns_deleted': 0, 'writes': 5}
    # shop-us is not named: untouched, even with exclusive
    assert fake.subuser_ips('shop-us') == ['192.0.2.12']


def test_exclusive_without_warmup_key_never_touches_warmup():
    fake = account()
    converge_layout(api_for(fake), exclusive=True, subusers={'shop-eu': ['192.0.2.10']})
    assert fake.writes == []
    assert fake.reads == IPS_READ
    assert fake.warming() == ['192.0.2.21']


def test_missing_pool_is_created_with_its_ips_in_the_body():
    fake = account()
    plan, _report = converge_layout(api_for(fake), pools={'marketing': ['192.0.2.22', '192.0.2.20'], 'empty': []},
                                    concurrency=1)
    assert fake.writes == [
        ('POST', '/v3/send_ips/pools', {'name': 'empty'}),
        ('POST', '/v3/send_ips/pools', {'name': 'marketing', 'ips': ['192.0.2.20', '192.0.2.22']}),
    ]
    assert fake.pool_ips('marketing') == ['192.0.2.20', '192.0.2.22']
    assert plan.changes()['pools'] == {
        'empty': {'created': True, 'added': [], 'removed': []},
        'marketing': {'created': True, 'added': ['192.0.2.20', '192.0.2.22'], 'removed': []},
    }
    assert plan.state('before') == {'pools': {}}
    assert plan.state('after') == {'pools': {'empty': [], 'marketing': ['192.0.2.20', '192.0.2.22']}}


def test_after_apply_the_same_layout_is_a_no_op():
    layout = {'pools': {'transactional': ['192.0.2.10'], 'marketing': ['192.0.2.20']},
              'subusers': {'shop-eu': ['192.0.2.10', '192.0.2.22'], 'newsletter': ['192.0.2.20']},
              'warmup': ['192.0.2.20'], 'exclusive': True}
    fake = account()
    plan, _report = converge_layout(api_for(fake), **layout)
    assert plan.changed
    count = len(fake.writes)
    assert count == plan.summary()['writes'] == 6
    again, _report = converge_layout(api_for(fake), **layout)
    assert again.changed is False
    assert len(fake.writes) == count


# ------------------------------------------------------------------------------------ applying: concurrency


def test_writes_run_concurrently_but_never_above_the_bound():
    names = [f'user-{n}' for n in range(12)]
    fake = FakeAccount([{'ip': '192.0.2.1'}], subusers=names, delay=0.02)
    converge_layout(api_for(fake), subusers={name: ['192.0.2.1'] for name in names}, concurrency=3, exclusive=True)
    assert len(fake.writes) == 12
    assert fake.max_in_flight == 3
    assert all(fake.subuser_ips(name) == ['192.0.2.1'] for name in names)


def test_concurrency_one_writes_one_at_a_time_in_plan_order():
    names = [f'user-{n}' for n in range(5)]
    fake = FakeAccount([{'ip': '192.0.2.1'}], subusers=names, delay=0.01)
    converge_layout(api_for(fake), subusers={name: ['192.0.2.1'] for name in reversed(names)}, concurrency=1,
                    exclusive=True)
    assert fake.max_in_flight == 1
    assert [path for _method, path, _body in fake.writes] == [f'/v3/subusers/{name}/ips' for name in names]


def test_client_counters_are_exact_under_concurrency():
    names = [f'user-{n}' for n in range(40)]
    fake = FakeAccount([{'ip': '192.0.2.1'}], subusers=names)
    api = api_for(fake)
    converge_layout(api, subusers={name: ['192.0.2.1'] for name in names}, concurrency=8, exclusive=True)
    assert api.client.write_count == 40
    # two short offset lists, each confirmed by one more read, and GET /v3/send_ips/ips (the regions)
    assert api.client.request_count == 40 + 5


# ------------------------------------------------------------------------------------ applying: rate limits


def test_no_new_write_starts_while_the_rate_limit_is_spent():
    # The last read says no request remains for 7 seconds: the first write waits for the reset, once.
    fake = account(headers={('GET', '/v3/ips'): {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '7'}})
    api = api_for(fake)
    _plan, report = converge_layout(api, warmup=['192.0.2.20', '192.0.2.22'], concurrency=1)
    assert api.client.fake_clock.sleeps == [7.0]
    assert report.rate_limit_waits == 1
    assert len(fake.writes) == 2


def test_epoch_reset_is_honoured_and_remaining_above_zero_does_not_wait():
    wall = 1_700_000_000.0
    fake = account(headers={
        ('GET', '/v3/ips'): {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': str(int(wall) + 3)},
        ('POST', '/v3/ips/warmup'): {'X-RateLimit-Remaining': '5', 'X-RateLimit-Reset': str(int(wall) + 60)},
    })
    api = api_for(fake)
    converge_layout(api, warmup=['192.0.2.20', '192.0.2.22'], concurrency=1)
    assert api.client.fake_clock.sleeps == [3.0]


def test_a_spent_limit_whose_reset_has_passed_does_not_wait():
    fake = account(headers={('GET', '/v3/ips'): {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1'}})
    api = api_for(fake)
    plan = plan_layout(parse_layout(warmup=['192.0.2.22']), AccountSnapshot.read(api, parse_layout(warmup=[])))
    api.client.fake_clock.advance(2)
    apply_plan(api, plan)
    assert api.client.fake_clock.sleeps == []


def test_wait_for_rate_limit_without_headers_never_waits():
    api = make_api((200, []))
    api.list_ips()
    assert api.client.rate_limit_remaining is None
    assert api.client.wait_for_rate_limit() == 0.0


def test_wait_for_rate_limit_is_capped_and_spent_once():
    api = make_api(json_response(200, [], {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '3600'}))
    api.list_ips()
    assert api.client.rate_limit_remaining == 0
    assert api.client.wait_for_rate_limit() == 60.0
    assert api.client.wait_for_rate_limit() == 0.0
    assert api.client.fake_clock.sleeps == [60.0]


# ------------------------------------------------------------------------------------ applying: partial failure


def test_a_failed_write_lets_the_others_finish_then_lists_everything():
    fake = account(fail={
        ('PUT', '/v3/subusers/newsletter/ips'): (400, {'errors': [{'field': 'ips', 'message': 'invalid ip'}]}),
        ('POST', '/v3/send_ips/pools/1/ips:batchDelete'): (400, {'errors': [{'field': 'ips', 'message': 'nope'}]}),
    })
    with pytest.raises(SendGridPartialApplyError) as excinfo:
        converge_layout(api_for(fake), exclusive=True, concurrency=2,
                        pools={'transactional': ['192.0.2.10', '192.0.2.12']},
                        subusers={'shop-eu': ['192.0.2.10', '192.0.2.22'], 'newsletter': ['192.0.2.20']},
                        warmup=['192.0.2.21', '192.0.2.22'])
    error = excinfo.value
    assert sorted(error.applied) == ['set the IPs of subuser shop-eu (add 192.0.2.22)', 'start warmup of 192.0.2.22']
    assert sorted(error.failed) == [
        'remove 192.0.2.11 from pool transactional: SendGrid validation error: POST'
        ' /v3/send_ips/pools/1/ips:batchDelete returned HTTP 400: ips: nope',
        'set the IPs of subuser newsletter (remove 192.0.2.11): SendGrid validation error: PUT'
        ' /v3/subusers/newsletter/ips returned HTTP 400: ips: invalid ip',
    ]
    # the pool's additions depend on its removals: not attempted
    assert error.not_attempted == ['add 192.0.2.12 to pool transactional']
    assert error.message.startswith('2 of 5 writes failed; the layout is only partly applied. Failed: ')
    assert 'Applied (these stay in place): ' in error.message
    assert 'Not attempted (they depended on a failed write): add 192.0.2.12 to pool transactional.' in error.message
    assert error.message.endswith('run the task again: it reads the account afresh and applies only what is still'
                                  ' missing.')
    assert error.to_result()['changed'] is True
    assert fake.subuser_ips('shop-eu') == ['192.0.2.10', '192.0.2.22']
    assert fake.warming() == ['192.0.2.21', '192.0.2.22']


def test_when_every_write_fails_nothing_is_claimed_applied():
    not_found = {'errors': [{'field': None, 'message': 'resource not found'}]}
    fake = account(fail={('POST', '/v3/ips/warmup'): (404, not_found)})
    with pytest.raises(SendGridPartialApplyError) as excinfo:
        converge_layout(api_for(fake), warmup=['192.0.2.22'])
    assert excinfo.value.applied == []
    assert 'Nothing was applied.' in excinfo.value.message
    assert excinfo.value.to_result()['changed'] is False


def test_long_failure_lists_are_shortened_in_the_message_only():
    names = [f'user-{n:02d}' for n in range(30)]
    fail = {('PUT', f'/v3/subusers/{name}/ips'): (500, {'errors': [{'message': 'boom'}]}) for name in names}
    fake = FakeAccount([{'ip': '192.0.2.1'}], subusers=names, fail=fail)
    with pytest.raises(SendGridPartialApplyError) as excinfo:
        converge_layout(api_for(fake, max_retries=0), subusers={name: ['192.0.2.1'] for name in names},
                        exclusive=True)
    assert len(excinfo.value.failed) == 30
    assert '; and 10 more.' in excinfo.value.message


def test_check_mode_plans_without_writing():
    fake = account()
    plan, report = converge_layout(api_for(fake), exclusive=True, check_mode=True,
                                   pools={'marketing': ['192.0.2.20']}, subusers={'shop-eu': ['192.0.2.22']},
                                   warmup=[])
    assert report is None
    assert fake.writes == []
    assert plan.summary()['writes'] == 3
    assert json.dumps(plan.changes(), sort_keys=True) == json.dumps({
        'pools': {'marketing': {'added': ['192.0.2.20'], 'created': True, 'removed': []}},
        'subusers': {'shop-eu': {'added': ['192.0.2.22'], 'removed': ['192.0.2.10']}},
        'warmup': {'started': [], 'stopped': ['192.0.2.21']},
    }, sort_keys=True)


# ------------------------------------------------------------------------------------ issue 7, section 3: no lost update


def test_additions_are_one_batch_add_per_ip_for_every_subuser_that_gains_it():
    names = ['a', 'b', 'c', 'd']
    fake = FakeAccount([{'ip': '192.0.2.1'}, {'ip': '192.0.2.2'}, {'ip': '192.0.2.3', 'subusers': ['a']}],
                       subusers=names)
    plan, _report = converge_layout(api_for(fake), concurrency=1, subusers={
        'a': ['192.0.2.1', '192.0.2.3'], 'b': ['192.0.2.1', '192.0.2.2'], 'c': ['192.0.2.1'], 'd': ['192.0.2.3']})
    assert fake.writes == [
        ('POST', '/v3/send_ips/ips/192.0.2.1/subusers:batchAdd', {'subusers': ['1000', '1001', '1002']}),
        ('POST', '/v3/send_ips/ips/192.0.2.2/subusers:batchAdd', {'subusers': ['1001']}),
        ('POST', '/v3/send_ips/ips/192.0.2.3/subusers:batchAdd', {'subusers': ['1003']}),
    ]
    assert plan.summary()['writes'] == 3 and plan.summary()['subusers_changed'] == 4
    assert [write.description for write in plan.writes()] == [
        'add 192.0.2.1 to subusers a, b, c', 'add 192.0.2.2 to subuser b', 'add 192.0.2.3 to subuser d']
    assert {name: fake.subuser_ips(name) for name in names} == {
        'a': ['192.0.2.1', '192.0.2.3'], 'b': ['192.0.2.1', '192.0.2.2'], 'c': ['192.0.2.1'], 'd': ['192.0.2.3']}


def test_an_addition_made_by_someone_else_after_the_read_is_kept():
    # Two runs at once: both read, then both write. A PUT of the whole list would undo the other run's addition.
    names = [f'user-{n}' for n in range(30)]
    ips = [{'ip': f'10.0.1.{n}'} for n in range(30)] + [{'ip': f'10.0.2.{n}'} for n in range(30)]
    fake = FakeAccount(ips, subusers=names)
    api = api_for(fake)
    first = {name: [f'10.0.1.{n}'] for n, name in enumerate(names)}
    second = {name: [f'10.0.2.{n}'] for n, name in enumerate(names)}
    plans = [plan_layout(layout, AccountSnapshot.read(api, layout))
             for layout in (parse_layout(subusers=first), parse_layout(subusers=second))]
    for plan in plans:
        apply_plan(api, plan)
    kept = sum(fake.subuser_ips(name) == sorted([first[name][0], second[name][0]], key=_ip_key) for name in names)
    assert kept == 30


def test_a_host_without_the_batch_calls_gets_the_put_of_the_whole_list():
    # subusers:batchAdd is served only by the global host. api_url taken as the EU host (region: eu) leaves no
    # host for it: without exclusive, the PUT of the current IPs plus the declared ones gives the same result
    # (without protection against a concurrent change).
    fake = account()
    api = api_for(fake, base_url='https://eu.example.test', region='eu', global_base_url=None)
    assert not api.can_serve('AddSubUsersToIp')
    converge_layout(api, subusers={'newsletter': ['192.0.2.21']})
    assert fake.writes == [('PUT', '/v3/subusers/newsletter/ips', ['192.0.2.11', '192.0.2.20', '192.0.2.21'])]
    assert {urlsplit(call.url).hostname for call in api.client.transport.calls} == {'eu.example.test'}


def test_region_eu_with_sendgrids_hosts_sends_the_batch_calls_to_the_global_host():
    fake = account()
    api = api_for(fake, base_url='https://api.eu.sendgrid.com', region='eu', global_base_url='https://api.sendgrid.com')
    converge_layout(api, subusers={'newsletter': ['192.0.2.21']})
    assert fake.writes == [('POST', '/v3/send_ips/ips/192.0.2.21/subusers:batchAdd', {'subusers': ['1001']})]
    hosts = {(call.method, urlsplit(call.url).hostname) for call in api.client.transport.calls}
    assert hosts == {('GET', 'api.eu.sendgrid.com'), ('POST', 'api.sendgrid.com')}


# ------------------------------------------------------------------------------------ issue 7, section 4: rules first


def rules_account():
    """The seed of the sendgrid_ip_layout integration target's rule cases."""
    return FakeAccount(
        [{'ip': '192.0.2.1'}, {'ip': '192.0.2.2', 'region': 'eu'}, {'ip': '192.0.2.3'},
         {'ip': '192.0.2.4', 'is_parent_assigned': False}, {'ip': '198.51.100.3'},
         {'ip': '198.51.100.4', 'pools': ['transactional']}],
        subusers=['alpha', ('delta-eu', 'eu')], pools=['transactional'])


def test_a_subuser_given_another_regions_ip_fails_before_any_write():
    fake = rules_account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), subusers={'alpha': ['192.0.2.3'], 'delta-eu': ['192.0.2.1']})
    assert excinfo.value.problems == [
        'subusers.delta-eu: 192.0.2.1 (us): an eu subuser can only send from eu IPs']
    assert fake.writes == []


def test_every_region_conflict_is_named_in_one_error():
    fake = rules_account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), exclusive=True,
                        subusers={'alpha': ['192.0.2.2', '192.0.2.3'], 'delta-eu': ['192.0.2.1', '192.0.2.3']})
    assert excinfo.value.problems == [
        'subusers.alpha: 192.0.2.2 (eu): a global subuser can only send from us IPs',
        'subusers.delta-eu: 192.0.2.1 (us), 192.0.2.3 (us): an eu subuser can only send from eu IPs',
    ]
    assert fake.writes == []


def test_an_ip_that_is_not_parent_assigned_cannot_join_a_pool_and_no_pool_is_created():
    fake = rules_account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), pools={'transactional': ['198.51.100.3'], 'new-pool': ['192.0.2.4']})
    assert excinfo.value.problems == [
        'pools.new-pool: 192.0.2.4 cannot join a pool: SendGrid only puts IPs the parent account may send from in'
        ' a pool, and these have is_parent_assigned false (set it with mailops.sendgrid.sendgrid_ip first)']
    assert fake.writes == []
    assert sorted(fake.pools) == ['transactional']


def test_rules_that_cannot_be_checked_are_warnings_and_the_api_decides():
    fake = FakeAccount([{'ip': '192.0.2.1'}, {'ip': '192.0.2.4', 'is_parent_assigned': False}],
                       subusers=[('delta-eu', 'eu')], pools=['p1'], send_ips_lacks={'192.0.2.1', '192.0.2.4'})
    plan, _report = converge_layout(api_for(fake), check_mode=True,
                                    subusers={'delta-eu': ['192.0.2.1']}, pools={'p1': ['192.0.2.4']})
    assert plan.warnings == [
        'the region of 192.0.2.1 could not be established (GET /v3/send_ips/ips does not list them), so it was not'
        ' checked against the region of the subusers they are given to; SendGrid decides',
        'whether the parent may send from 192.0.2.4 could not be established (GET /v3/send_ips/ips does not list'
        ' them), so it was not checked before adding them to a pool; SendGrid decides',
    ]
    assert plan.summary()['writes'] == 2


def test_a_refused_ip_management_listing_leaves_the_rules_to_the_api_with_a_warning():
    fake = rules_account()
    fake.fail[('GET', '/v3/send_ips/ips')] = (403, {'errors': [{'field': None, 'message': 'access forbidden'}]})
    plan, _report = converge_layout(api_for(fake), check_mode=True, subusers={'delta-eu': ['192.0.2.1']})
    assert plan.warnings == [
        'the region of 192.0.2.1 could not be established (GET /v3/send_ips/ips returned HTTP 403: access forbidden),'
        ' so it was not checked against the region of the subusers they are given to; SendGrid decides']


def test_an_error_spells_out_20_problems_and_counts_the_rest():
    fake = account()
    with pytest.raises(SendGridLayoutError) as excinfo:
        converge_layout(api_for(fake), pools={f'.p{n:02d}': [] for n in range(25)})
    error = excinfo.value
    assert len(error.problems) == 25
    assert '(20) pools: pool name' in error.message and '(21)' not in error.message
    assert error.message.endswith('; and 5 more')
    assert fake.writes == []


# ------------------------------------------------------------------------------------ issue 7, section 5: input


def test_a_dictionary_where_a_list_of_ips_is_due_is_refused_not_read_as_its_keys():
    layout = parse_layout(pools={'transactional': {'192.0.2.10': None}},
                          subusers={'shop-eu': {'192.0.2.10': 'x', '192.0.2.11': 'y'}})
    assert layout.problems == [
        'pools.transactional: must be a list of IP addresses, got a dictionary (its keys are not taken as IPs)',
        'subusers.shop-eu: must be a list of IP addresses, got a dictionary (its keys are not taken as IPs)',
    ]
    assert layout.pools == {'transactional': []} and layout.subusers == {'shop-eu': []}


@pytest.mark.parametrize('key, kind', [(True, 'a boolean'), (False, 'a boolean'), (31, 'a number'), (750, 'a number')])
def test_pool_names_that_yaml_made_booleans_or_numbers_are_refused(key, kind):
    [problem] = parse_layout(pools={key: []}).problems
    assert problem.startswith(f'pools: the name {key!r} is {kind}, not a name: YAML reads')
    assert 'quote the name' in problem
    assert mistyped_keys('subusers', {key: [], 'fine': []}) == [problem.replace('pools:', 'subusers:', 1)]


# ------------------------------------------------------------------------------------ the benchmark's N=500 workload


@pytest.mark.parametrize('exclusive, writes', [
    # exact lists: one PUT per differing subuser (167 of 500)
    (True, 167),
    # additions only: 334 (subuser, IP) additions over the 250 IPs of the pool, one batchAdd per IP; a PUT per
    # subuser would be 167 writes but loses concurrent additions, one batchAdd per pair would be 334
    (False, 250),
])
def test_writes_on_the_benchmarks_n500_workload(exclusive, writes):
    from ansible_collections.mailops.sendgrid.tests.benchmark.workloads import ConvergeWorkload
    workload = ConvergeWorkload(500)
    seed = workload.seed()
    fake = FakeAccount(seed['ips'], subusers=[entry['username'] for entry in seed['subusers']])
    plan, _report = converge_layout(api_for(fake), subusers=workload.desired, exclusive=exclusive, check_mode=True)
    assert plan.summary()['subusers_changed'] == len(workload.differing) == 167
    assert sum(len(change.added) for change in plan.subusers.values()) == 334
    assert plan.summary()['writes'] == writes


class CountingIPs(dict):
    """``AccountSnapshot.ips`` that counts the walks over all its keys (``set(ips)``, ``for ip in ips``)."""

    walks = 0

    def __iter__(self):
        CountingIPs.walks += 1
        return super().__iter__()


def _walks_over_account_ips(subusers: int) -> int:
    ips = [{'ip': f'10.1.{n // 250}.{n % 250 + 1}', 'subusers': [f'user-{n % subusers:04d}']}
           for n in range(2 * subusers)]
    snapshot = AccountSnapshot(ips)
    layout = parse_layout(subusers={f'user-{n:04d}': [f'10.1.{m // 250}.{m % 250 + 1}' for m in (n, n + subusers)]
                                    for n in range(subusers)}, exclusive=True)
    snapshot.ips = CountingIPs(snapshot.ips)
    CountingIPs.walks = 0
    plan = plan_layout(layout, snapshot)
    assert not plan.changed
    return CountingIPs.walks


def test_checking_every_declared_list_walks_the_accounts_ips_a_fixed_number_of_times():
    # A set of the account's IPs built once per declared list made a no-op at 5,000 subusers on 20,000 IPs quadratic
    # (100 million set insertions, seconds of CPU): the walks must not grow with the number of declared lists.
    assert _walks_over_account_ips(10) == _walks_over_account_ips(400) <= 2


# The role's summary task before the module wrote its lines (roles/ip_layout/tasks/main.yml, with the per-IP lines
# of 0.2.0): report() must give the lines this template gave, so the role's output stays what it was.
ROLE_TEMPLATE = """\
{% set r = ip_layout_result %}
{% set s = r.summary %}
{% set w = ip_layout_would %}
{% set add, remove = ('would add', 'would remove') if w else ('added', 'removed') %}
{% if not r.changed %}
The account already matches the IP layout: nothing {{ 'would change' if w else 'changed' }}.
{% else %}
{{ 'Check mode, nothing was written. Would make' if w else 'Made' }} {{ s.writes }} write(s):
{{- ' ' ~ s.subusers_changed }} subuser(s) changed, {{ s.pools_created }} pool(s) created,
{{- ' ' ~ s.pools_changed }} pool(s) changed, {{ s.ips_added }} IP assignment(s) added, {{ s.ips_removed }} removed,
{{- ' ' }}warmup started for {{ s.warmup_started }} IP(s), stopped for {{ s.warmup_stopped }},
{{- ' ' ~ s.ip_settings_changed }} IP(s) with new settings, {{ s.reverse_dns_created }} reverse DNS record(s) created,
{{- ' ' ~ s.reverse_dns_deleted }} deleted.
{% for name, change in r.changes.pools.items() %}
pool {{ name }}: {{ ('would be created; ' if w else 'created; ') if change.created else '' }}
{{- add }} [{{ change.added | join(', ') }}], {{ remove }} [{{ change.removed | join(', ') }}]
{% endfor %}
{% for name, change in r.changes.subusers.items() %}
subuser {{ name }}: {{ add }} [{{ change.added | join(', ') }}], {{ remove }} [{{ change.removed | join(', ') }}]
{% endfor %}
{% if r.changes.warmup.started %}
warmup: {{ 'would start' if w else 'started' }} for {{ r.changes.warmup.started | join(', ') }}
{% endif %}
{% if r.changes.warmup.stopped %}
warmup: {{ 'would stop' if w else 'stopped' }} for {{ r.changes.warmup.stopped | join(', ') }}
{{- ' ' }}(they {{ 'would' if w else 'now' }} send their full volume)
{% endif %}
{% for ip, change in (r.changes.ips | default({})).items() %}
IP {{ ip }}: {{ [
    (('would set ' if w else 'set ') ~ (change.settings | dictsort | map('join', '=') | join(', ')))
      if change.settings else none,
    ('reverse DNS ' ~ ('would be ' if w else '') ~ ('created' if change.reverse_dns.created else 'cleaned up')
      ~ ((', replacing ' ~ change.reverse_dns.deleted | join(', ')) if change.reverse_dns.deleted else ''))
      if change.reverse_dns else none,
  ] | select | join('; ') }}
{% endfor %}
{% endif %}
{% for a in r.a_records | default([]) if not a.valid %}
DNS: create the A record {{ a.host if a.host is not none else '(the host SendGrid chooses)' }} -> {{ a.data }}
{% endfor %}"""


def _role_lines(plan, check_mode):
    jinja2 = pytest.importorskip('jinja2')
    template = jinja2.Environment(trim_blocks=True).from_string(ROLE_TEMPLATE)
    result = {'changed': plan.changed, 'summary': plan.summary(), 'changes': plan.changes(),
              'a_records': plan.a_records()}
    text = template.render(ip_layout_result=result, ip_layout_would=check_mode)
    return [line for line in text.splitlines() if line != '']


@pytest.mark.parametrize('check_mode', [True, False])
@pytest.mark.parametrize('declared', [
    {'pools': {'transactional': ['192.0.2.10', '192.0.2.11']}, 'subusers': {'shop-eu': ['192.0.2.10']},
     'warmup': ['192.0.2.21'], 'exclusive': True},
    {'pools': {'transactional': ['192.0.2.10', '192.0.2.12'], 'marketing': ['192.0.2.20'], 'empty': []},
     'subusers': {'shop-eu': ['192.0.2.10'], 'newsletter': ['192.0.2.20'], 'shop-us': ['192.0.2.12', '192.0.2.22']},
     'warmup': ['192.0.2.22'], 'exclusive': True},
    {'subusers': {'shop-eu': ['192.0.2.20', '192.0.2.22']}, 'warmup': ['192.0.2.10', '192.0.2.11']},
    {'warmup': [], 'exclusive': True},
])
def test_the_report_is_the_lines_the_role_printed(declared, check_mode):
    plan, _report = converge_layout(api_for(account()), check_mode=True, **declared)
    assert plan.report(check_mode) == _role_lines(plan, check_mode)


def test_the_report_says_what_changed_in_a_line_each():
    plan, _report = converge_layout(
        api_for(account()), check_mode=True, exclusive=True,
        pools={'marketing': ['192.0.2.20']}, subusers={'newsletter': ['192.0.2.20']}, warmup=['192.0.2.22'])
    assert plan.report(check_mode=True) == [
        'Check mode, nothing was written. Would make 4 write(s): 1 subuser(s) changed, 1 pool(s) created, 0 pool(s)'
        ' changed, 1 IP assignment(s) added, 1 removed, warmup started for 1 IP(s), stopped for 1, 0 IP(s) with new'
        ' settings, 0 reverse DNS record(s) created, 0 deleted.',
        'pool marketing: would be created; would add [192.0.2.20], would remove []',
        'subuser newsletter: would add [], would remove [192.0.2.11]',
        'warmup: would start for 192.0.2.22',
        'warmup: would stop for 192.0.2.21 (they would send their full volume)',
    ]
    assert plan.report()[0].startswith('Made 4 write(s): ')
