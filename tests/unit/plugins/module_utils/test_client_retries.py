# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SendGridClient retries: 429 waits, 5xx and connection errors, max_retries, retry budget, backoff."""

from __future__ import annotations

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridNetworkError,
    SendGridRateLimitError,
    SendGridServerError,
)
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeClock,
    json_response,
    make_client,
    min_jitter,
    transport_error,
)

TOO_MANY = {'errors': [{'field': None, 'message': 'too many requests'}]}
WALL = 1_700_000_000.0


def rate_limited(**headers):
    return json_response(429, TOO_MANY, headers)


def unavailable(status=503):
    return json_response(status, {'errors': [{'field': None, 'message': 'service unavailable'}]})


def ok(body=None):
    return json_response(200, {'ok': True} if body is None else body)


# ------------------------------------------------------------------ 429

def test_429_epoch_reset_waits_until_reset_by_wall_clock():
    clock = FakeClock(start=5.0, wall_start=WALL + 0.25)
    client = make_client(rate_limited(**{'X-RateLimit-Reset': str(int(WALL) + 7)}), ok(), clock=clock)
    assert client.request('GET', '/v3/ips') == {'ok': True}
    assert clock.sleeps == [6.75]
    assert len(client.transport.calls) == 2


def test_429_delta_reset():
    client = make_client(rate_limited(**{'X-RateLimit-Reset': '3'}), ok())
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [3.0]
    assert len(client.transport.calls) == 2


def test_429_header_lookup_is_case_insensitive():
    client = make_client(rate_limited(**{'x-ratelimit-reset': '2'}), ok())
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [2.0]


def test_429_retry_after():
    client = make_client(rate_limited(**{'Retry-After': '4'}), ok())
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [4.0]


@pytest.mark.parametrize('reset, retry_after, expected', [('2', '5', 5.0), ('9', '5', 9.0), (str(int(WALL) + 6), '3', 6.0)])
def test_429_retry_after_and_reset_takes_the_longer(reset, retry_after, expected):
    client = make_client(rate_limited(**{'X-RateLimit-Reset': reset, 'Retry-After': retry_after}), ok(),
                         clock=FakeClock(wall_start=WALL))
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [expected]


def test_429_without_headers_uses_backoff():
    client = make_client(rate_limited(), rate_limited(), rate_limited(**{'Retry-After': 'soon'}), ok())
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [0.5, 1.0, 2.0]
    assert len(client.transport.calls) == 4


@pytest.mark.parametrize('headers, expected', [
    ({'X-RateLimit-Reset': str(int(WALL) + 3600)}, 60.0),   # far future epoch
    ({'X-RateLimit-Reset': '600'}, 60.0),                    # long delta
    ({'Retry-After': '1000'}, 60.0),
    ({'X-RateLimit-Reset': str(int(WALL) - 100)}, 0.1),    # epoch in the past
    ({'X-RateLimit-Reset': str(int(WALL))}, 0.1),          # epoch right now
    ({'X-RateLimit-Reset': '0'}, 0.1),
])
def test_429_wait_is_clamped(headers, expected):
    client = make_client(rate_limited(**headers), ok(), clock=FakeClock(wall_start=WALL))
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [pytest.approx(expected)]


def test_429_is_retried_for_non_idempotent_post():
    client = make_client(rate_limited(**{'Retry-After': '1'}), json_response(201, {'id': 'p1'}))
    assert client.request('POST', '/v3/send_ips/pools', body={'name': 'p'}) == {'id': 'p1'}
    calls = client.transport.calls
    assert [(c.method, c.path, c.body) for c in calls] == [('POST', '/v3/send_ips/pools', b'{"name": "p"}')] * 2
    assert client.fake_clock.sleeps == [1.0]


# ------------------------------------------------------------------ 5xx

@pytest.mark.parametrize('status', [500, 502, 503, 504])
@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_5xx_retried_for_safe_methods(method, status):
    client = make_client(unavailable(status), ok())
    assert client.request(method, '/v3/x') == {'ok': True}
    assert [c.method for c in client.transport.calls] == [method, method]
    assert client.fake_clock.sleeps == [0.5]


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_5xx_retried_for_post_marked_idempotent(status):
    client = make_client(unavailable(status), ok())
    client.request('POST', '/v3/send_ips/pools/p1/ips:batchAdd', body={'ips': ['192.0.2.1']}, idempotent=True)
    assert len(client.transport.calls) == 2
    assert client.transport.calls[0].body == client.transport.calls[1].body


@pytest.mark.parametrize('status', [500, 502, 503, 504])
@pytest.mark.parametrize('method', ['POST', 'PATCH'])
def test_5xx_not_retried_for_non_idempotent(method, status):
    client = make_client(unavailable(status), ok())
    with pytest.raises(SendGridServerError) as info:
        client.request(method, '/v3/send_ips/pools', body={'name': 'p'})
    assert len(client.transport.calls) == 1
    assert client.transport.pending == 1
    assert client.fake_clock.sleeps == []
    assert info.value.status == status
    assert 'gave up' not in str(info.value)
    assert 'not safe to repeat: it may or may not have been applied' in str(info.value)


def test_get_marked_not_idempotent_is_not_retried():
    client = make_client(unavailable(), ok())
    with pytest.raises(SendGridServerError):
        client.request('GET', '/v3/x', idempotent=False)
    assert len(client.transport.calls) == 1


def test_501_is_not_retried():
    client = make_client(unavailable(501), ok())
    with pytest.raises(SendGridServerError):
        client.request('GET', '/v3/x')
    assert len(client.transport.calls) == 1


@pytest.mark.parametrize('status', [400, 401, 403, 404])
def test_4xx_not_retried(status):
    client = make_client(json_response(status, {'errors': [{'field': None, 'message': 'no'}]}), ok())
    with pytest.raises(Exception):
        client.request('GET', '/v3/x')
    assert len(client.transport.calls) == 1
    assert client.fake_clock.sleeps == []


# ------------------------------------------------------------------ transport errors

def test_connect_failure_retried_even_for_post():
    client = make_client(transport_error('connection refused', request_sent=False), json_response(201, {'id': 'p1'}))
    assert client.request('POST', '/v3/send_ips/pools', body={'name': 'p'}) == {'id': 'p1'}
    assert len(client.transport.calls) == 2
    assert client.fake_clock.sleeps == [0.5]


def test_sent_post_failure_is_outcome_unknown_and_not_retried():
    client = make_client(transport_error('no response within 30 seconds', request_sent=True), ok())
    with pytest.raises(SendGridNetworkError) as info:
        client.request('POST', '/v3/send_ips/pools', body={'name': 'p'})
    exc = info.value
    assert len(client.transport.calls) == 1
    assert client.fake_clock.sleeps == []
    assert exc.outcome_unknown is True
    assert 'outcome is unknown' in exc.message
    assert exc.message.startswith('POST /v3/send_ips/pools failed: no response within 30 seconds')
    assert exc.to_result() == {'method': 'POST', 'path': '/v3/send_ips/pools', 'outcome_unknown': True}


@pytest.mark.parametrize('method, idempotent', [('GET', None), ('PUT', None), ('DELETE', None), ('POST', True)])
def test_sent_failure_retried_when_idempotent(method, idempotent):
    client = make_client(transport_error('connection reset', request_sent=True), ok())
    assert client.request(method, '/v3/x', idempotent=idempotent) == {'ok': True}
    assert len(client.transport.calls) == 2


def test_tls_error_never_retried():
    client = make_client(transport_error('TLS error: certificate verify failed', request_sent=False, retryable=False),
                         ok())
    with pytest.raises(SendGridNetworkError) as info:
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == 1
    assert client.fake_clock.sleeps == []
    assert info.value.outcome_unknown is False
    assert info.value.message == 'GET /v3/ips failed: TLS error: certificate verify failed'
    assert info.value.to_result() == {'method': 'GET', 'path': '/v3/ips', 'outcome_unknown': False}


def test_connect_failures_exhaust_max_retries():
    client = make_client(*[transport_error('connection refused')] * 4, max_retries=2)
    with pytest.raises(SendGridNetworkError) as info:
        client.request('POST', '/v3/send_ips/pools', body={'name': 'p'})
    assert len(client.transport.calls) == 3
    assert client.fake_clock.sleeps == [0.5, 1.0]
    assert info.value.outcome_unknown is False
    assert 'outcome is unknown' not in info.value.message


# ------------------------------------------------------------------ max_retries / budget / backoff

@pytest.mark.parametrize('max_retries', [0, 1, 3])
def test_max_retries_gives_exact_number_of_calls_for_5xx(max_retries):
    client = make_client(*[unavailable()] * 10, max_retries=max_retries, retry_budget=1000)
    with pytest.raises(SendGridServerError) as info:
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == max_retries + 1
    assert len(client.fake_clock.sleeps) == max_retries
    if max_retries:
        assert f'gave up after {max_retries + 1} attempts' in str(info.value)


@pytest.mark.parametrize('max_retries', [0, 2, 5])
def test_max_retries_gives_exact_number_of_calls_for_unannounced_429(max_retries):
    # A 429 that says when to come back does not count (see test_client_rate_limits); one that does not, does.
    client = make_client(*[rate_limited(**{'X-RateLimit-Reset': '0'})] * 10, max_retries=max_retries,
                         retry_budget=1000)
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('POST', '/v3/send_ips/pools', body={'name': 'p'})
    assert len(client.transport.calls) == max_retries + 1
    assert client.fake_clock.sleeps == [0.1] * max_retries
    assert f'gave up after {max_retries + 1} attempts' in str(info.value)
    assert f'max_retries {max_retries}' in str(info.value)


def test_retry_budget_stops_before_a_wait_that_would_exceed_it():
    client = make_client(*[rate_limited(**{'Retry-After': '4'})] * 10, retry_budget=10, max_retries=100)
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('GET', '/v3/ips')
    # waits at t+4 and t+8 fit in 10 s, a third wait (t+12) does not
    assert len(client.transport.calls) == 3
    assert client.fake_clock.sleeps == [4.0, 4.0]
    message = str(info.value)
    assert message.startswith('SendGrid rate limit: GET /v3/ips returned HTTP 429: too many requests')
    assert 'gave up after 3 attempts in 8.0 s' in message
    assert 'retry budget 10 s' in message
    assert info.value.status == 429


def test_single_wait_longer_than_budget_is_not_slept():
    client = make_client(rate_limited(**{'X-RateLimit-Reset': '30'}), ok(), retry_budget=5)
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == 1
    assert client.fake_clock.sleeps == []
    assert 'gave up after 1 attempts' in str(info.value)
    assert 'retry budget 5 s' in str(info.value)


def test_retry_budget_counts_time_spent_in_requests():
    clock = FakeClock()

    def slow_503(call):
        clock.advance(6.0)
        return unavailable()

    client = make_client(slow_503, slow_503, ok(), clock=clock, retry_budget=10)
    with pytest.raises(SendGridServerError) as info:
        client.request('GET', '/v3/ips')
    # 6 s + 0.5 s wait + 6 s: the next 1 s wait would end after the 10 s budget
    assert len(client.transport.calls) == 2
    assert clock.sleeps == [0.5]
    assert 'gave up after 2 attempts in 12.5 s' in str(info.value)


def test_retry_budget_also_limits_connection_retries():
    client = make_client(*[transport_error('connection refused')] * 10, retry_budget=2, max_retries=100)
    with pytest.raises(SendGridNetworkError):
        client.request('GET', '/v3/ips')
    # 0.5 + 1.0 = 1.5 fits, + 2.0 does not
    assert len(client.transport.calls) == 3
    assert client.fake_clock.sleeps == [0.5, 1.0]


def test_zero_budget_means_no_retry():
    client = make_client(unavailable(), ok(), retry_budget=0)
    with pytest.raises(SendGridServerError):
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == 1


def test_backoff_grows_exponentially_and_is_capped():
    client = make_client(*[unavailable()] * 6, ok(), max_retries=6, retry_budget=1000)
    client.request('GET', '/v3/ips')
    assert client.fake_clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(client.transport.calls) == 7


def test_backoff_jitter_range():
    seen = []

    def jitter(low, high):
        seen.append((low, high))
        return min_jitter(low, high)

    client = make_client(*[unavailable()] * 6, ok(), max_retries=6, retry_budget=1000, jitter=jitter)
    client.request('GET', '/v3/ips')
    assert seen == [(0.25, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (4.0, 8.0)]
    assert client.fake_clock.sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]


def test_retry_resends_identical_request():
    client = make_client(unavailable(), ok(), on_behalf_of='sub')
    client.request('PUT', '/v3/subusers/sub/ips', query={'a': 1}, body=['192.0.2.1'])
    first, second = client.transport.calls
    assert (first.method, first.url, first.headers, first.body, first.timeout) == \
        (second.method, second.url, second.headers, second.body, second.timeout)
