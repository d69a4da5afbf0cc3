# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The writes a plan makes, and how they run: concurrently (the layout) or one after the other (one object).

This is a private module_utils file: its API may change at any time.

A ``Write`` makes exactly one request. The builders below are the one place that turns a change of
subusers, pools or warmup into writes, for the layout and the one-object modules alike:

- a subuser's IPs change additively with ``POST /v3/send_ips/ips/{ip}/subusers:batchAdd`` and subtractively
  with ``:batchDelete`` (subuser ids, up to 1000 per call, grouped by IP), so that two runs at once never
  undo each other's additions; ``PUT /v3/subusers/{name}/ips`` replaces the whole list and is used for an
  exact list, or where no host is known for the batch calls (``api_url`` taken as the EU host: only
  ``api.sendgrid.com`` serves them). That ``PUT`` gives the same result, but is not safe against a
  concurrent change of the same subuser (``subuser_membership_writes``);
- pools change with ``ips:batchDelete`` then ``ips:batchAdd`` (100 IPs per call), or are created with their IPs;
- warmup starts and stops one IP per call.

Each ``Write`` knows its ``Operation``: ``require_hosts`` (called by ``run_in_order`` and ``apply_jobs``, and by
the planners before they report a plan) fails before the first write, naming every operation of the plan that
this connection has no host for.
"""

from __future__ import annotations

import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor

from ._api import (
    ADD_IP_SUBUSERS,
    ADD_POOL_IPS,
    CREATE_POOL,
    CREATE_REVERSE_DNS,
    DELETE_REVERSE_DNS,
    POOL_IPS_PER_CALL,
    REMOVE_IP_SUBUSERS,
    REMOVE_POOL_IPS,
    START_WARMUP,
    STOP_WARMUP,
    SUBUSERS_PER_CALL,
    UPDATE_SEND_IP,
    UPDATE_SUBUSER_IPS,
    Operation,
    SendGridAPI,
    chunked,
)
from ._errors import SendGridError, SendGridInputError, format_items
from ._ips import sort_ips

DEFAULT_CONCURRENCY = 4


class Write:
    """One API write of ``operation``. ``run(api)`` makes exactly one request."""

    def __init__(self, description: str, run: t.Callable[[SendGridAPI], t.Any], operation: Operation) -> None:
        self.description = description
        self.run = run
        self.operation = operation

    def __repr__(self) -> str:
        return f'Write({self.description!r})'


class Job:
    """Writes that must run in order (a pool's removals before its additions); jobs run concurrently.

    Jobs run by ``phase``, lowest first: a job of a later phase starts once every job of the earlier ones ended
    (an IP is made parent-assigned before it joins a pool, and loses that after it left its pools)."""

    def __init__(self, writes: t.Sequence[Write], phase: int = 0) -> None:
        self.writes = list(writes)
        self.phase = phase


# ---------------------------------------------------------------------------------------- the writes


def subuser_ips_write(name: str, ips: t.Iterable[str], added: t.Sequence[str] = (),
                      removed: t.Sequence[str] = ()) -> Write:
    """``PUT /v3/subusers/{name}/ips``: the subuser's whole list (``added``/``removed`` only describe it)."""
    ips = sort_ips(ips)
    details = []
    if added:
        details.append('add ' + format_items(added))
    if removed:
        details.append('remove ' + format_items(removed))
    return Write(f'set the IPs of subuser {name} ({"; ".join(details)})' if details
                 else f'set the IPs of subuser {name}', lambda api: api.set_subuser_ips(name, ips), UPDATE_SUBUSER_IPS)


def ip_subusers_writes(ip: str, subusers: t.Mapping[str, str], add: bool) -> list[Write]:
    """``subusers:batchAdd`` (``add``) or ``:batchDelete`` of one IP; ``subusers`` maps usernames to ids.

    One write per 1000 subusers (the API's limit per call).
    """
    names = sorted(subusers)
    writes = []
    for chunk in chunked(names, SUBUSERS_PER_CALL):
        ids = [str(subusers[name]) for name in chunk]
        if add:
            writes.append(Write(f'add {ip} to subuser{"s" if len(chunk) > 1 else ""} {format_items(chunk)}',
                                lambda api, ids=ids: api.add_subusers_to_ip(ip, ids), ADD_IP_SUBUSERS))
        else:
            writes.append(Write(f'remove {ip} from subuser{"s" if len(chunk) > 1 else ""} {format_items(chunk)}',
                                lambda api, ids=ids: api.remove_subusers_from_ip(ip, ids), REMOVE_IP_SUBUSERS))
    return writes


def batch_subuser_calls(api: SendGridAPI) -> bool:
    """Whether this connection has a host for ``subusers:batchAdd`` and ``:batchDelete`` (served only by
    ``api.sendgrid.com``, also with ``region: eu``; unknown when ``api_url`` is taken as the EU host)."""
    return api.can_serve(ADD_IP_SUBUSERS) and api.can_serve(REMOVE_IP_SUBUSERS)


def subuser_membership_writes(api: SendGridAPI, username: str, subuser_id: t.Any, current: t.Iterable[str],
                              desired: t.Iterable[str], exact: bool) -> list[Write]:
    """The writes that take one subuser from its ``current`` IPs to ``desired``.

    ``exact`` (the whole list is declared): one ``PUT``. Otherwise the additive and subtractive batch calls, one per
    IP, which keep what a concurrent run changes; where no host serves them, the ``PUT`` of the whole list, which
    gives the same result but is not safe against a concurrent change of the same subuser.
    """
    current, desired = set(current), set(desired)
    added, removed = sort_ips(desired - current), sort_ips(current - desired)
    if not added and not removed:
        return []
    if exact or not batch_subuser_calls(api):
        return [subuser_ips_write(username, desired, added, removed)]
    member = {username: str(subuser_id)}
    return ([write for ip in added for write in ip_subusers_writes(ip, member, add=True)]
            + [write for ip in removed for write in ip_subusers_writes(ip, member, add=False)])


def create_pool_write(name: str, ips: t.Iterable[str]) -> Write:
    ips = sort_ips(ips)
    label = f'create pool {name}' + (f' with {format_items(ips)}' if ips else '')
    return Write(label, lambda api: api.create_pool(name, ips), CREATE_POOL)


def pool_member_writes(name: str, pool_id: str, added: t.Sequence[str], removed: t.Sequence[str]) -> list[Write]:
    """Removals first, so that a full pool (100 IPs) has room for its new members; 100 IPs per call."""
    writes = []
    for chunk in chunked(sort_ips(removed), POOL_IPS_PER_CALL):
        writes.append(Write(f'remove {format_items(chunk)} from pool {name}',
                            lambda api, chunk=chunk: api.remove_ips_from_pool(pool_id, chunk), REMOVE_POOL_IPS))
    for chunk in chunked(sort_ips(added), POOL_IPS_PER_CALL):
        writes.append(Write(f'add {format_items(chunk)} to pool {name}',
                            lambda api, chunk=chunk: api.add_ips_to_pool(pool_id, chunk), ADD_POOL_IPS))
    return writes


def ip_settings_write(ip: str, settings: t.Mapping[str, bool]) -> Write:
    """``PATCH /v3/send_ips/ips/{ip}`` with only the given settings."""
    settings = dict(settings)
    text = ', '.join(f'{field}={str(value).lower()}' for field, value in sorted(settings.items()))
    return Write(f'set {text} on {ip}', lambda api: api.update_send_ip(ip, **settings), UPDATE_SEND_IP)


def create_reverse_dns_write(ip: str, domain: str, subdomain: str | None,
                             keep: t.Callable[[dict[str, t.Any]], None]) -> Write:
    """``POST /v3/whitelabel/ips``; ``keep`` gets the record SendGrid answers (with the host it chose)."""
    name = f'{subdomain}.{domain}' if subdomain else domain
    return Write(f'set up reverse DNS of {ip} for {name}',
                 lambda api: keep(api.create_reverse_dns(ip, domain, subdomain)), CREATE_REVERSE_DNS)


def delete_reverse_dns_write(ip: str, record_id: t.Any, rdns: t.Any) -> Write:
    return Write(f'delete the reverse DNS record {rdns} (id {record_id}) of {ip}',
                 lambda api: api.delete_reverse_dns(record_id), DELETE_REVERSE_DNS)


def start_warmup_write(ip: str) -> Write:
    return Write(f'start warmup of {ip}', lambda api: api.start_warmup(ip), START_WARMUP)


def stop_warmup_write(ip: str) -> Write:
    return Write(f'stop warmup of {ip}', lambda api: api.stop_warmup(ip), STOP_WARMUP)


def require_hosts(api: SendGridAPI, writes: t.Iterable[Write]) -> None:
    """``SendGridConfigError`` naming every operation of ``writes`` this connection has no host for."""
    api.require(*(write.operation for write in writes))


# ---------------------------------------------------------------------------------------- one after the other


def run_in_order(api: SendGridAPI, writes: t.Sequence[Write]) -> list[str]:
    """Run the writes of one object in order and stop at the first failure.

    The error then keeps the API's own message, status and path, and says what was applied before it and
    what was not applied. Returns the descriptions of the writes made.
    """
    require_hosts(api, writes)
    applied: list[str] = []
    for position, write in enumerate(writes):
        try:
            write.run(api)
        except SendGridError as exc:
            notes = []
            if applied:
                notes.append('Already applied before this error: ' + format_items(applied, separator='; '))
            rest = [later.description for later in writes[position + 1:]]
            if rest:
                notes.append('Not applied: ' + format_items(rest, separator='; '))
            if notes:
                notes.append('Run the task again once the cause is fixed: it reads the account afresh')
                exc.message += '. ' + '. '.join(notes)
                exc.args = (exc.message,)
            raise
        applied.append(write.description)
    return applied


# ---------------------------------------------------------------------------------------- concurrently


class SendGridPartialApplyError(SendGridError):
    """Some writes failed after the others were applied. A re-run reads the account again and converges."""

    def __init__(self, applied: t.Sequence[str], failed: t.Sequence[str], not_attempted: t.Sequence[str],
                 subject: str = 'the layout') -> None:
        self.applied = list(applied)
        self.failed = list(failed)
        self.not_attempted = list(not_attempted)
        parts = [f'{len(self.failed)} of {len(self.applied) + len(self.failed) + len(self.not_attempted)}'
                 f' writes failed; {subject} is only partly applied.',
                 'Failed: ' + format_items(self.failed, separator='; ') + '.',
                 ('Applied (these stay in place): ' + format_items(self.applied, separator='; ') + '.') if self.applied
                 else 'Nothing was applied.']
        if self.not_attempted:
            parts.append('Not attempted (they depended on a failed write): '
                         + format_items(self.not_attempted, separator='; ') + '.')
        parts.append('Fix the cause and run the task again: it reads the account afresh and applies only what is'
                     ' still missing.')
        super().__init__(' '.join(parts))

    def to_result(self) -> dict[str, t.Any]:
        # ``failed`` is Ansible's own result key, hence the ``writes_`` prefix.
        return {'changed': bool(self.applied), 'writes_applied': self.applied, 'writes_failed': self.failed,
                'writes_not_attempted': self.not_attempted}


class ApplyReport:
    """What ``apply_jobs`` did: descriptions of the writes ``applied``, ``failed`` (with the error) and
    ``not_attempted``."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.failed: list[str] = []
        self.not_attempted: list[str] = []
        self.rate_limit_waits = 0
        self._lock = threading.Lock()

    def record(self, bucket: str, description: str) -> None:
        with self._lock:
            getattr(self, bucket).append(description)

    def count_wait(self) -> None:
        with self._lock:
            self.rate_limit_waits += 1


def apply_jobs(api: SendGridAPI, jobs: t.Sequence[Job], concurrency: int = DEFAULT_CONCURRENCY) -> ApplyReport:
    """Run the jobs with ``concurrency`` threads sharing ``api``'s client.

    Before each write, waits while the last response said the rate limit is spent (the client
    retries a 429 by itself anyway). When some writes fail, the others still run; then
    ``SendGridPartialApplyError`` lists what was applied, what failed and what was not attempted.
    """
    if concurrency < 1:
        raise SendGridInputError(f'concurrency must be at least 1, got {concurrency}')
    report = ApplyReport()
    if not jobs:
        return report
    require_hosts(api, (write for job in jobs for write in job.writes))

    def run_job(job: Job) -> None:
        for position, write in enumerate(job.writes):
            if api.client.wait_for_rate_limit() > 0:
                report.count_wait()
            try:
                write.run(api)
            except SendGridError as exc:
                report.record('failed', f'{write.description}: {exc.message}')
                for skipped in job.writes[position + 1:]:
                    report.record('not_attempted', skipped.description)
                return
            report.record('applied', write.description)

    phases = sorted({job.phase for job in jobs})
    for phase in phases:
        batch = [job for job in jobs if job.phase == phase]
        if report.failed:
            # A later phase depends on the earlier ones (see ``Job``): not attempted after a failure.
            for job in batch:
                for write in job.writes:
                    report.record('not_attempted', write.description)
            continue
        with ThreadPoolExecutor(max_workers=min(concurrency, len(batch)), thread_name_prefix='sendgrid-writes') as pool:
            futures = [pool.submit(run_job, job) for job in batch]
        for future in futures:
            future.result()  # anything but a SendGridError (a bug) surfaces here, after every job ended
    if report.failed:
        raise SendGridPartialApplyError(report.applied, report.failed, report.not_attempted)
    return report
