# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rate limits inside one run: one shared gate for every thread, announced waits bounded by the time
budget (not by max_retries), and the waits before new writes charged to that budget."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.mailops.sendgrid.plugins.module_utils._client import SendGridClient
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridRateLimitError
from ansible_collections.mailops.sendgrid.tests.unit.helpers.fake_transport import (
    FakeClock,
    FakeTransport,
    json_response,
    make_client,
)

TOO_MANY = {'errors': [{'field': None, 'message': 'too many requests'}]}
WALL = 1_700_000_000.0


def rate_limited(**headers):
    return json_response(429, TOO_MANY, headers)


def ok():
    return json_response(200, {'ok': True})


# ------------------------------------------------------------------ announced waits do not consume max_retries

@pytest.mark.parametrize('headers', [{'Retry-After': '2'}, {'X-RateLimit-Reset': '2'}])
def test_announced_429s_are_bounded_by_the_budget_not_by_max_retries(headers):
    client = make_client(*[rate_limited(**headers)] * 8, ok(), max_retries=1, retry_budget=120)
    assert client.request('GET', '/v3/ips') == {'ok': True}
    assert len(client.transport.calls) == 9
    assert client.fake_clock.sleeps == [2.0] * 8


def test_announced_epoch_resets_are_bounded_by_the_budget_not_by_max_retries():
    # every 429 announces a reset 2 s after the moment it is sent
    client = make_client(*[rate_limited(**{'X-RateLimit-Reset': str(int(WALL) + 2 * (n + 1))}) for n in range(8)],
                         ok(), max_retries=1, retry_budget=120, clock=FakeClock(wall_start=WALL))
    assert client.request('GET', '/v3/ips') == {'ok': True}
    assert len(client.transport.calls) == 9
    assert client.fake_clock.sleeps == [pytest.approx(2.0)] * 8


def test_announced_429s_still_end_at_the_budget():
    client = make_client(*[rate_limited(**{'Retry-After': '5'})] * 50, max_retries=1, retry_budget=22)
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == 5        # 4 waits of 5 s fit in 22 s, a fifth does not
    assert 'gave up after 5 attempts in 20.0 s' in info.value.message
    assert 'retry budget 22 s' in info.value.message


@pytest.mark.parametrize('headers', [{}, {'X-RateLimit-Reset': '0'}, {'X-RateLimit-Reset': str(int(WALL) - 5)},
                                     {'Retry-After': 'soon'}])
def test_unannounced_429s_consume_max_retries(headers):
    # No usable "come back at": back off as for a server error, and count the attempts.
    client = make_client(*[rate_limited(**headers)] * 10, max_retries=2, retry_budget=120,
                         clock=FakeClock(wall_start=WALL))
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('GET', '/v3/ips')
    assert len(client.transport.calls) == 3
    assert 'max_retries 2' in info.value.message


# ------------------------------------------------------------------ one gate for every thread

def test_once_a_429_arrives_every_thread_waits_for_the_reset():
    """One worker gets a 429 announcing 0.4 s; workers starting after it do not send before the reset."""
    limited = threading.Event()
    sent_at: list[tuple[str, float]] = []
    lock = threading.Lock()
    first = {'done': False}

    def responder(call):
        with lock:
            sent_at.append((call.path, time.monotonic()))
            if not first['done']:
                first['done'] = True
                limited.set()
                return rate_limited(**{'Retry-After': '0.4'})
        return ok()

    client = SendGridClient('SG.k', transport=FakeTransport(responder=responder))
    worker = threading.Thread(target=client.request, args=('PUT', '/v3/subusers/a/ips'), kwargs={'body': []})
    worker.start()
    assert limited.wait(5)
    limited_at = sent_at[0][1]
    others = [threading.Thread(target=client.request, args=('PUT', f'/v3/subusers/{name}/ips'), kwargs={'body': []})
              for name in 'bcd']
    for thread in others:
        thread.start()
    for thread in [worker, *others]:
        thread.join(10)
    later = sent_at[1:]
    assert sorted(path for path, _when in later) == sorted(f'/v3/subusers/{name}/ips' for name in 'abcd')
    delays = [round(when - limited_at, 3) for _path, when in later]
    assert all(delay >= 0.39 for delay in delays), delays


def test_a_request_whose_budget_ends_before_the_gate_opens_is_not_sent():
    client = make_client(rate_limited(**{'Retry-After': '30'}), ok(), retry_budget=10)
    with pytest.raises(SendGridRateLimitError):
        client.request('GET', '/v3/ips')          # 30 s > 10 s: gives up at once
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('PUT', '/v3/subusers/a/ips', body=[])
    assert len(client.transport.calls) == 1       # the PUT was never sent
    message = info.value.message
    assert message.startswith('SendGrid rate limit: PUT /v3/subusers/a/ips was not sent')
    assert 'returned' not in message
    assert 'retry budget 10 s' in message
    assert client.fake_clock.sleeps == []


def test_a_request_after_the_gate_opened_does_not_wait():
    client = make_client(rate_limited(**{'Retry-After': '3'}), ok(), ok())
    client.request('GET', '/v3/ips')
    client.request('GET', '/v3/subusers')
    assert client.fake_clock.sleeps == [3.0]


def test_the_gate_waits_count_against_the_budget():
    clock = FakeClock()
    client = make_client(rate_limited(**{'Retry-After': '6'}), rate_limited(**{'Retry-After': '6'}), ok(),
                         clock=clock, retry_budget=10)
    with pytest.raises(SendGridRateLimitError):
        client.request('GET', '/v3/ips')          # 6 s, then another 6 s would pass 10 s
    assert clock.sleeps == [6.0]


# ------------------------------------------------------------------ wait_for_rate_limit and the budget

def test_the_wait_before_a_new_write_counts_against_its_budget():
    # The last response says no request remains for 8 s; the write then gets a 429 announcing 4 s more:
    # 8 + 4 is past the 10 s budget, so the write gives up instead of waiting 12 s in all.
    client = make_client(json_response(200, [], {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '8'}),
                         rate_limited(**{'Retry-After': '4'}), ok(), retry_budget=10)
    client.request('GET', '/v3/ips')
    assert client.wait_for_rate_limit() == 8.0
    with pytest.raises(SendGridRateLimitError) as info:
        client.request('PUT', '/v3/subusers/a/ips', body=[])
    assert client.fake_clock.sleeps == [8.0]
    assert 'gave up after 1 attempts in 8.0 s' in info.value.message


def test_the_wait_before_a_new_write_is_charged_once():
    client = make_client(json_response(200, [], {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '8'}),
                         ok(), rate_limited(**{'Retry-After': '4'}), ok(), retry_budget=10)
    client.request('GET', '/v3/ips')
    client.wait_for_rate_limit()
    client.request('PUT', '/v3/subusers/a/ips', body=[])
    # the next request has its whole budget again
    client.request('PUT', '/v3/subusers/b/ips', body=[])
    assert client.fake_clock.sleeps == [8.0, 4.0]


def test_the_wait_before_a_new_write_never_exceeds_the_budget():
    client = make_client(json_response(200, [], {'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '50'}),
                         retry_budget=20)
    client.request('GET', '/v3/ips')
    # Sleeping the whole budget would leave the write none; it is sent at once and decides by its own answer.
    assert client.wait_for_rate_limit() == 0.0
    assert client.fake_clock.sleeps == []
