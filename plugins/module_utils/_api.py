# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one place that knows each SendGrid endpoint this collection uses.

This is a private module_utils file: its API may change at any time.

Each operation is declared once, as an ``Operation``: its upstream operationId, method and
path template, the documented shape of its 2xx body (checked on every answer), whether
only ``api.sendgrid.com`` serves it (the spec's ``servers`` overrides, ENDPOINTS.md §11),
whether it may be repeated after an unknown outcome, and which error statuses of such a
repeat may mean "already so" (confirmed by a read before the write counts as done).

Methods are named after what they do and return plain Python data. Limits the
API imposes per call (100 IPs per pool call, 1000 subusers per batch call, 100
items per cursor page) are respected here by chunking, so callers never need to
know them.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ._client import SendGridClient, build_path
from ._errors import (
    SendGridAPIError,
    SendGridConfigError,
    SendGridError,
    SendGridNotFoundError,
    SendGridValidationError,
    format_items,
    shorten,
)
from ._ips import sort_ips
from ._shapes import Shape

IPS_PAGE_SIZE = 10000        # GET /v3/ips: limit has no documented maximum (one read per 10,000 IPs)
IPS_FALLBACK_PAGE_SIZE = 500  # ... asked instead if a server refuses that with a 400 (older v3 docs: lists <= 500)
SUBUSERS_PAGE_SIZE = 500     # GET /v3/subusers
CURSOR_PAGE_SIZE = 100       # /v3/send_ips/*: limit must be <= 100
SEND_IPS_PAGE_SIZE = 1000    # GET /v3/send_ips/ips alone accepts a limit up to 5000
POOL_IPS_PER_CALL = 100      # pools ips:batchAdd / batchDelete and pool creation
SUBUSERS_PER_CALL = 1000     # ips/{ip}/subusers:batchAdd / batchDelete
REVERSE_DNS_PAGE_SIZE = 100  # GET /v3/whitelabel/ips: limit has no documented maximum
PARTNER_IPS_PAGE_SIZE = 5000  # GET /v3/partners/accounts/{accountID}/ips: limit 1 to 5000
PARTNER_IPS_PER_CALL = 10    # POST and DELETE /v3/partners/accounts/{accountID}/ips: at most 10 IPs per call
GLOBAL_HOST = 'https://api.sendgrid.com'

# Error statuses with which a repeated write may say that its first attempt was applied
# ("already in the pool", "not warming up", "name already exists", "not found").
ALREADY_SO = (400, 404, 409, 422)


@dataclasses.dataclass(frozen=True)
class Operation:
    """One SendGrid operation, as the spec declares it (``ip-endpoints.json``)."""

    name: str                         # the upstream operationId
    method: str
    path: str                         # the spec's path template, placeholders filled by build_path
    response: Shape                   # the documented shape of a 2xx body (Shape.NONE: not read)
    global_only: bool = False         # served only by api.sendgrid.com, also with region eu
    idempotent: bool | None = None    # may be repeated after an unknown outcome (None: GET, PUT, DELETE)
    already_so: tuple[int, ...] = ()  # statuses of a repeat that a read may confirm as "already done"

    def __str__(self) -> str:
        return f'{self.name} ({self.method} {self.path})'


def _operations(*operations: Operation) -> dict[str, Operation]:
    return {operation.name: operation for operation in operations}


# /v3/ips (legacy listing, usernames), subusers, warmup
LIST_IPS = Operation('ListIp', 'GET', '/v3/ips', Shape.list_of('ip'))
GET_IP = Operation('GetIp', 'GET', '/v3/ips/{ip_address}', Shape.object('ip'), global_only=True)
LIST_ASSIGNED_IPS = Operation('ListAssignedIp', 'GET', '/v3/ips/assigned', Shape.list_of('ip'), global_only=True)
LIST_SUBUSERS = Operation('ListSubuser', 'GET', '/v3/subusers', Shape.list_of('id', 'username'))
UPDATE_SUBUSER_IPS = Operation('UpdateSubuserIp', 'PUT', '/v3/subusers/{subuser_name}/ips', Shape.object('ips'))
LIST_WARMUP = Operation('ListWarmUpIp', 'GET', '/v3/ips/warmup', Shape.list_of('ip'))
START_WARMUP = Operation('WarmUpIp', 'POST', '/v3/ips/warmup', Shape.list_of('ip'), idempotent=True,
                         already_so=ALREADY_SO)
STOP_WARMUP = Operation('StopIpWarmUp', 'DELETE', '/v3/ips/warmup/{ip_address}', Shape.NONE, already_so=ALREADY_SO)
# /v3/send_ips/ips (IP address management)
LIST_SEND_IPS = Operation('IpAddressManagementListIp', 'GET', '/v3/send_ips/ips', Shape.cursor_of('ip'))
GET_SEND_IP = Operation('IpAddressManagementGetIp', 'GET', '/v3/send_ips/ips/{ip}', Shape.object('ip'))
UPDATE_SEND_IP = Operation('UpdateIp', 'PATCH', '/v3/send_ips/ips/{ip}', Shape.object(), global_only=True,
                           idempotent=True)
LIST_IP_SUBUSERS = Operation('ListSubUserAssignedToIp', 'GET', '/v3/send_ips/ips/{ip}/subusers',
                             Shape.cursor_of(scalars=True), global_only=True)
ADD_IP_SUBUSERS = Operation('AddSubUsersToIp', 'POST', '/v3/send_ips/ips/{ip}/subusers:batchAdd', Shape.object(),
                            global_only=True, idempotent=True, already_so=ALREADY_SO)
REMOVE_IP_SUBUSERS = Operation('DeleteSubUsersFromIp', 'POST', '/v3/send_ips/ips/{ip}/subusers:batchDelete',
                               Shape.NONE, global_only=True, idempotent=True, already_so=ALREADY_SO)
# /v3/send_ips/pools (pools by id)
LIST_POOLS = Operation('IpAddressManagementListIpPool', 'GET', '/v3/send_ips/pools', Shape.cursor_of('id', 'name'))
LIST_POOL_IPS = Operation('ListIpAssignedToIpPool', 'GET', '/v3/send_ips/pools/{poolid}/ips', Shape.cursor_of('ip'))
CREATE_POOL = Operation('IpAddressManagementCreateIpPool', 'POST', '/v3/send_ips/pools', Shape.object('id'),
                        idempotent=True, already_so=ALREADY_SO)
RENAME_POOL = Operation('IpAddressManagementUpdateIpPool', 'PUT', '/v3/send_ips/pools/{poolid}', Shape.object(),
                        already_so=ALREADY_SO)
DELETE_POOL = Operation('IpAddressManagementDeleteIpPool', 'DELETE', '/v3/send_ips/pools/{poolid}', Shape.NONE,
                        already_so=ALREADY_SO)
ADD_POOL_IPS = Operation('AddIpsToIpPool', 'POST', '/v3/send_ips/pools/{poolid}/ips:batchAdd', Shape.object(),
                         idempotent=True, already_so=ALREADY_SO)
REMOVE_POOL_IPS = Operation('DeleteIpsFromIpPool', 'POST', '/v3/send_ips/pools/{poolid}/ips:batchDelete', Shape.NONE,
                            idempotent=True, already_so=ALREADY_SO)

# ---- IP lifecycle (issue 8): buying IPs (ip-endpoints.json), subuser creation and deletion, reputations, reverse
# DNS and partner IP provisioning (ip-lifecycle-endpoints.json). A call that buys is never repeated (a repeat buys
# again); a creation or deletion is, as a repeat of an applied one is refused and a read confirms it.
REMAINING_IPS = Operation('ListRemainingIpCount', 'GET', '/v3/ips/remaining', Shape.object('results'))
ADD_IPS = Operation('AddIp', 'POST', '/v3/ips', Shape.object('ips'), global_only=True, idempotent=False)
ADD_SEND_IP = Operation('IpAddressManagementAddIp', 'POST', '/v3/send_ips/ips', Shape.object('ip'), global_only=True,
                        idempotent=False)
CREATE_SUBUSER = Operation('CreateSubuser', 'POST', '/v3/subusers', Shape.object('username', 'user_id'),
                           idempotent=True, already_so=ALREADY_SO)
UPDATE_SUBUSER = Operation('UpdateSubuser', 'PATCH', '/v3/subusers/{subuser_name}', Shape.NONE, idempotent=True)
DELETE_SUBUSER = Operation('DeleteSubuser', 'DELETE', '/v3/subusers/{subuser_name}', Shape.NONE,
                           already_so=ALREADY_SO)
LIST_REPUTATIONS = Operation('ListReputation', 'GET', '/v3/subusers/reputations',
                             Shape.list_of('username', 'reputation'))
LIST_REVERSE_DNS = Operation('ListReverseDns', 'GET', '/v3/whitelabel/ips', Shape.list_of('id', 'ip'))
GET_REVERSE_DNS = Operation('GetReverseDns', 'GET', '/v3/whitelabel/ips/{id}', Shape.object('id', 'ip'))
CREATE_REVERSE_DNS = Operation('SetUpReverseDns', 'POST', '/v3/whitelabel/ips', Shape.object('id', 'ip'),
                               idempotent=True, already_so=ALREADY_SO)
DELETE_REVERSE_DNS = Operation('DeleteReverseDns', 'DELETE', '/v3/whitelabel/ips/{id}', Shape.NONE,
                               already_so=ALREADY_SO)
VALIDATE_REVERSE_DNS = Operation('ValidateReverseDns', 'POST', '/v3/whitelabel/ips/{id}/validate',
                                 Shape.object('valid'), idempotent=True)
LIST_PARTNER_IPS = Operation('ListAccountIps', 'GET', '/v3/partners/accounts/{accountID}/ips', Shape.object('result'))
ADD_PARTNER_IPS = Operation('AddAccountIps', 'POST', '/v3/partners/accounts/{accountID}/ips', Shape.object('ips'),
                            idempotent=False)
REMOVE_PARTNER_IPS = Operation('RemoveAccountIps', 'DELETE', '/v3/partners/accounts/{accountID}/ips', Shape.NONE,
                               already_so=ALREADY_SO)

OPERATIONS = _operations(
    LIST_IPS, GET_IP, LIST_ASSIGNED_IPS, LIST_SUBUSERS, UPDATE_SUBUSER_IPS, LIST_WARMUP, START_WARMUP, STOP_WARMUP,
    LIST_SEND_IPS, GET_SEND_IP, UPDATE_SEND_IP, LIST_IP_SUBUSERS, ADD_IP_SUBUSERS, REMOVE_IP_SUBUSERS,
    LIST_POOLS, LIST_POOL_IPS, CREATE_POOL, RENAME_POOL, DELETE_POOL, ADD_POOL_IPS, REMOVE_POOL_IPS,
    # IP lifecycle
    REMAINING_IPS, ADD_IPS, ADD_SEND_IP, CREATE_SUBUSER, UPDATE_SUBUSER, DELETE_SUBUSER, LIST_REPUTATIONS,
    LIST_REVERSE_DNS, GET_REVERSE_DNS, CREATE_REVERSE_DNS, DELETE_REVERSE_DNS, VALIDATE_REVERSE_DNS,
    LIST_PARTNER_IPS, ADD_PARTNER_IPS, REMOVE_PARTNER_IPS,
)

OperationRef = t.Union[Operation, str]


def chunked(items: t.Sequence[t.Any], size: int) -> t.Iterator[list[t.Any]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


class SendGridAPI:
    """Typed access to the IP-related SendGrid v3 operations."""

    def __init__(self, client: SendGridClient) -> None:
        self.client = client

    # ----------------------------------------------------------- hosts

    def can_serve(self, operation: OperationRef) -> bool:
        """Whether this connection can send ``operation`` (an ``Operation`` or its operationId)."""
        return self._resolve(operation) is not None

    def require(self, *operations: OperationRef) -> None:
        """Raise ``SendGridConfigError`` naming every one of ``operations`` this connection cannot send.

        A planner calls it with every operation of its plan before its first write.
        """
        unservable: list[Operation] = []
        for operation in operations:
            operation = _operation(operation)
            if self._resolve(operation) is None and operation not in unservable:
                unservable.append(operation)
        if unservable:
            raise SendGridConfigError(self._unservable_message(unservable))

    def _resolve(self, operation: OperationRef) -> str | None:
        operation = _operation(operation)
        return self.client.global_base_url if operation.global_only else self.client.base_url

    def _host(self, operation: Operation) -> str:
        host = self._resolve(operation)
        if host is None:
            raise SendGridConfigError(self._unservable_message([operation]))
        return host

    def _unservable_message(self, operations: list[Operation]) -> str:
        verb = 'is' if len(operations) == 1 else 'are'
        return (f'{format_items(operations)} {verb} served only by the global host {GLOBAL_HOST}, and api_url is taken'
                f' as the EU host (region: eu), so no host is known for {"it" if len(operations) == 1 else "them"}.'
                f' If {self.client.base_url} serves the global API, set region: global; to use SendGrid\'s own'
                ' hosts, leave api_url unset (region: eu then sends these operations to the global host)')

    # ----------------------------------------------------------- calls

    def _call(self, operation: Operation, *segments: t.Any, query: t.Mapping[str, t.Any] | None = None,
              body: t.Any = None) -> t.Any:
        host = self._host(operation)
        return self.client.request(operation.method, build_path(operation.path, *segments), query=query, body=body,
                                   idempotent=operation.idempotent, expect=operation.response, base_url=host)

    def _pages(self, operation: Operation, *segments: t.Any, query: t.Mapping[str, t.Any] | None = None,
               page_size: int, fallback_page_size: int | None = None) -> t.Iterator[t.Any]:
        host = self._host(operation)
        path = build_path(operation.path, *segments)
        if operation.response.kind == 'cursor':
            return self.client.iter_cursor_pages(path, query, page_size, expect=operation.response, base_url=host)
        return self.client.iter_offset_pages(path, query, page_size, expect=operation.response, base_url=host,
                                             fallback_page_size=fallback_page_size)

    def _write(self, operation: Operation, *segments: t.Any, body: t.Any = None,
               confirm: t.Callable[[], t.Any] | None = None) -> t.Any:
        """Send a write; when a repeat of it is refused in a way that may mean "already so", ask ``confirm``.

        ``confirm`` reads the account and returns a true value (the write's result) when the
        desired state holds, else a false one. It is asked only for an error among the
        operation's ``already_so`` statuses that came on a retry after an attempt whose outcome
        is unknown (the client says so): the first attempt was most likely applied. Otherwise,
        or when the read does not confirm it, the error stands.
        """
        try:
            return self._call(operation, *segments, body=body)
        except SendGridAPIError as exc:
            if confirm is None or not exc.after_unknown_outcome or exc.status not in operation.already_so:
                raise
            try:
                result = confirm()
            except SendGridError as read_error:
                exc.add_detail('it came on a retry after an attempt whose outcome is unknown; the read to confirm'
                               f' it failed: {shorten(read_error.message, 300)}')
                raise exc from None
            if not result:
                exc.add_detail('it came on a retry after an attempt whose outcome is unknown, and a read shows'
                               ' that the change is not in place')
                raise
            return result

    # ----------------------------------------------------------- /v3/ips (legacy listing, usernames)

    def list_ips(self, subuser: str | None = None, ip: str | None = None) -> list[dict[str, t.Any]]:
        """Every IP on the account with its subusers (usernames), pools (names), warmup and rDNS (ListIp)."""
        return list(self._pages(LIST_IPS, query={'subuser': subuser, 'ip': ip}, page_size=IPS_PAGE_SIZE,
                                fallback_page_size=IPS_FALLBACK_PAGE_SIZE))

    def get_ip(self, ip: str) -> dict[str, t.Any]:
        return self._call(GET_IP, ip)

    def list_assigned_ips(self) -> list[dict[str, t.Any]]:
        return self._call(LIST_ASSIGNED_IPS)

    # ----------------------------------------------------------- subusers

    def list_subusers(self, username: str | None = None) -> list[dict[str, t.Any]]:
        """Subusers with ``id``, ``username``, ``email``, ``disabled`` and ``region`` (ListSubuser)."""
        query = {'username': username, 'include_region': True}
        return list(self._pages(LIST_SUBUSERS, query=query, page_size=SUBUSERS_PAGE_SIZE))

    def set_subuser_ips(self, username: str, ips: list[str]) -> list[str]:
        """Replace the IPs a subuser may send from (UpdateSubuserIp). Returns the API's list."""
        result = self._write(UPDATE_SUBUSER_IPS, username, body=list(ips))
        return list(result.get('ips') or [])

    # ----------------------------------------------------------- /v3/send_ips/ips (IP address management)

    def list_send_ips(self, **filters: t.Any) -> list[dict[str, t.Any]]:
        """IPs with ``is_leased``, ``is_enabled``, ``is_parent_assigned``, ``is_auto_warmup``, ``added_at``, ...

        ``filters`` are the API's query parameters (``ip``, ``is_leased``, ``is_enabled``,
        ``is_parent_assigned``, ``pool`` (a pool id), ``start_added_at``, ``end_added_at``, ``region``).
        """
        query = {'include_region': True, **filters}
        return list(self._pages(LIST_SEND_IPS, query=query, page_size=SEND_IPS_PAGE_SIZE))

    def get_send_ip(self, ip: str) -> dict[str, t.Any]:
        return self._call(GET_SEND_IP, ip, query={'include_region': True})

    def find_send_ip(self, ip: str) -> dict[str, t.Any] | None:
        """Like ``get_send_ip``, but ``None`` when the IP is not on the account.

        The spec answers an unknown IP with HTTP 400 ``ip: not found``; a 404 means the same.
        """
        try:
            return self.get_send_ip(ip)
        except SendGridNotFoundError:
            return None
        except SendGridValidationError as exc:
            if exc.status == 400 and any(
                    item.get('field') == 'ip' and 'not found' in str(item.get('message') or '').lower()
                    for item in exc.errors):
                return None
            raise

    def update_send_ip(self, ip: str, **settings: bool) -> dict[str, t.Any]:
        """PATCH only the given settings (``is_auto_warmup``, ``is_parent_assigned``, ``is_enabled``)."""
        return self._write(UPDATE_SEND_IP, ip, body=settings)

    def list_ip_subuser_ids(self, ip: str) -> list[str]:
        """Numeric ids (as strings) of the subusers assigned to one IP."""
        return [str(item) for item in self._pages(LIST_IP_SUBUSERS, ip, page_size=CURSOR_PAGE_SIZE)]

    def add_subusers_to_ip(self, ip: str, subuser_ids: t.Sequence[str]) -> None:
        for chunk in chunked(sorted(subuser_ids), SUBUSERS_PER_CALL):
            self._write(ADD_IP_SUBUSERS, ip, body={'subusers': chunk},
                        confirm=lambda chunk=chunk: set(chunk) <= set(self.list_ip_subuser_ids(ip)))

    def remove_subusers_from_ip(self, ip: str, subuser_ids: t.Sequence[str]) -> None:
        for chunk in chunked(sorted(subuser_ids), SUBUSERS_PER_CALL):
            self._write(REMOVE_IP_SUBUSERS, ip, body={'subusers': chunk},
                        confirm=lambda chunk=chunk: not set(chunk) & set(self.list_ip_subuser_ids(ip)))

    # ----------------------------------------------------------- /v3/send_ips/pools (pools by id)

    def list_pools(self) -> list[dict[str, t.Any]]:
        """Pools with ``name``, ``id``, ``total_ip_count``, ``ips_preview`` (at most 10 IPs)."""
        return list(self._pages(LIST_POOLS, page_size=CURSOR_PAGE_SIZE))

    def list_pool_ips(self, pool_id: str) -> list[str]:
        return [item['ip'] for item in self._pages(LIST_POOL_IPS, pool_id, page_size=CURSOR_PAGE_SIZE)]

    def _find_pool(self, *, name: str | None = None, pool_id: str | None = None) -> dict[str, t.Any] | None:
        for pool in self.list_pools():
            if (name is not None and pool['name'] == name) or (pool_id is not None and str(pool['id']) == str(pool_id)):
                return pool
        return None

    def create_pool(self, name: str, ips: t.Sequence[str] = ()) -> dict[str, t.Any]:
        """Create a pool with up to 100 IPs in the same call.

        Repeated after an unknown outcome: the names are unique, so a repeat of an applied
        creation is refused, and a pool of that name holding exactly these IPs confirms it.
        """
        body: dict[str, t.Any] = {'name': name}
        if ips:
            body['ips'] = list(ips)

        def confirm() -> dict[str, t.Any] | None:
            pool = self._find_pool(name=name)
            if pool is None or set(self.list_pool_ips(pool['id'])) != set(ips):
                return None
            return {'name': name, 'id': pool['id'], 'ips': list(ips)}

        return self._write(CREATE_POOL, body=body, confirm=confirm)

    def rename_pool(self, pool_id: str, new_name: str) -> dict[str, t.Any]:
        def confirm() -> dict[str, t.Any] | None:
            pool = self._find_pool(pool_id=pool_id)
            return {'name': new_name, 'id': pool['id']} if pool is not None and pool['name'] == new_name else None

        return self._write(RENAME_POOL, pool_id, body={'name': new_name}, confirm=confirm)

    def delete_pool(self, pool_id: str) -> None:
        self._write(DELETE_POOL, pool_id, confirm=lambda: self._find_pool(pool_id=pool_id) is None)

    def add_ips_to_pool(self, pool_id: str, ips: t.Sequence[str]) -> None:
        for chunk in chunked(sorted(ips), POOL_IPS_PER_CALL):
            self._write(ADD_POOL_IPS, pool_id, body={'ips': chunk},
                        confirm=lambda chunk=chunk: set(chunk) <= set(self.list_pool_ips(pool_id)))

    def remove_ips_from_pool(self, pool_id: str, ips: t.Sequence[str]) -> None:
        for chunk in chunked(sorted(ips), POOL_IPS_PER_CALL):
            self._write(REMOVE_POOL_IPS, pool_id, body={'ips': chunk},
                        confirm=lambda chunk=chunk: not set(chunk) & set(self.list_pool_ips(pool_id)))

    # ----------------------------------------------------------- warmup

    def list_warmup(self) -> list[dict[str, t.Any]]:
        """IPs in warmup with their ``start_date`` (ListWarmUpIp)."""
        return self._call(LIST_WARMUP)

    def _warmup_entries(self, ip: str) -> list[dict[str, t.Any]]:
        return [entry for entry in self.list_warmup() if entry['ip'] == ip]

    def start_warmup(self, ip: str) -> list[dict[str, t.Any]]:
        return self._write(START_WARMUP, body={'ip': ip}, confirm=lambda: self._warmup_entries(ip))

    def stop_warmup(self, ip: str) -> None:
        self._write(STOP_WARMUP, ip, confirm=lambda: not self._warmup_entries(ip))

    # =========================================================== IP lifecycle (issue 8)

    # ----------------------------------------------------------- buying IPs (/v3/ips, /v3/send_ips/ips)

    def get_remaining_ips(self) -> dict[str, t.Any]:
        """How many IPs the account may still add, in which period, at which price (ListRemainingIpCount).

        Returns the first entry of ``results`` (``remaining``, ``period``, ``price_per_ip``), or ``{}``.
        """
        results = self._call(REMAINING_IPS).get('results')
        return dict(results[0]) if isinstance(results, list) and results and isinstance(results[0], dict) else {}

    def add_ips(self, count: int, subusers: t.Sequence[str] = (), warmup: bool = False) -> dict[str, t.Any]:
        """Buy ``count`` IPs in one call, for subusers named by username (legacy AddIp; global host only).

        Spends money: never repeated. Returns ``{ips: [{ip, subusers}], remaining_ips, warmup}``.
        """
        body: dict[str, t.Any] = {'count': count}
        if subusers:
            body['subusers'] = sorted(subusers)
        if warmup:
            body['warmup'] = True
        return self._call(ADD_IPS, body=body)

    def add_send_ip(
        self, ip_region: str, is_auto_warmup: bool, is_parent_assigned: bool, subuser_ids: t.Sequence[str] = (),
    ) -> dict[str, t.Any]:
        """Buy one IP in a region, for subusers named by id (IP Address Management AddIp; global host only).

        Spends money: never repeated. Returns ``{ip, is_auto_warmup, is_parent_assigned, subusers, region}``.
        """
        body: dict[str, t.Any] = {
            'is_auto_warmup': is_auto_warmup,
            'is_parent_assigned': is_parent_assigned,
            'region': ip_region,
            'include_region': True,
        }
        if subuser_ids:
            body['subusers'] = sorted(subuser_ids)
        return self._call(ADD_SEND_IP, body=body)

    # ----------------------------------------------------------- subuser lifecycle

    def _find_subuser(self, username: str) -> dict[str, t.Any] | None:
        return next((entry for entry in self.list_subusers(username=username) if entry.get('username') == username),
                    None)

    def create_subuser(
        self, username: str, email: str, password: str, ips: t.Sequence[str], subuser_region: str | None = None,
    ) -> dict[str, t.Any]:
        """Create a subuser with its IPs (CreateSubuser). Returns ``{username, user_id, email, region, ...}``.

        Repeated after an unknown outcome: usernames are unique, so a repeat of an applied creation is refused
        ("username exists"), and a subuser of that username and email confirms it.
        """
        body: dict[str, t.Any] = {'username': username, 'email': email, 'password': password, 'ips': list(ips)}
        if subuser_region is not None:
            body['region'] = subuser_region
            body['include_region'] = True

        def confirm() -> dict[str, t.Any] | None:
            entry = self._find_subuser(username)
            if entry is None or str(entry.get('email') or '').casefold() != email.casefold():
                return None
            return {'username': username, 'user_id': entry['id'], 'email': entry.get('email'),
                    'region': entry.get('region')}

        return self._write(CREATE_SUBUSER, body=body, confirm=confirm)

    def set_subuser_disabled(self, username: str, disabled: bool) -> None:
        """Enable (``False``) or disable (``True``) a subuser (UpdateSubuser). Safe to repeat."""
        self._write(UPDATE_SUBUSER, username, body={'disabled': disabled})

    def delete_subuser(self, username: str) -> None:
        """Delete a subuser for good (DeleteSubuser)."""
        self._write(DELETE_SUBUSER, username, confirm=lambda: self._find_subuser(username) is None)

    def list_subuser_reputations(self) -> list[dict[str, t.Any]]:
        """``[{username, reputation}]`` for every subuser of the account (ListReputation; not paginated)."""
        return self._call(LIST_REPUTATIONS)

    # ----------------------------------------------------------- reverse DNS (/v3/whitelabel/ips)

    def list_reverse_dns(self, ip_prefix: str | None = None) -> list[dict[str, t.Any]]:
        """Every reverse DNS record, or those whose IP starts with ``ip_prefix`` (ListReverseDns)."""
        return list(self._pages(LIST_REVERSE_DNS, query={'ip': ip_prefix}, page_size=REVERSE_DNS_PAGE_SIZE))

    def get_reverse_dns(self, record_id: t.Any) -> dict[str, t.Any]:
        return self._call(GET_REVERSE_DNS, record_id)

    def create_reverse_dns(self, ip: str, domain: str, subdomain: str | None = None) -> dict[str, t.Any]:
        """Set up reverse DNS for one IP (SetUpReverseDns).

        Repeated after an unknown outcome: an IP has one record, so a repeat of an applied creation is refused,
        and a record of that IP with this domain (and subdomain) confirms it.
        """
        body: dict[str, t.Any] = {'ip': ip, 'domain': domain}
        if subdomain:
            body['subdomain'] = subdomain

        def confirm() -> dict[str, t.Any] | None:
            return next((record for record in self.list_reverse_dns(ip_prefix=ip) if record.get('ip') == ip
                         and str(record.get('domain') or '').lower() == domain
                         and (not subdomain or str(record.get('subdomain') or '').lower() == subdomain)), None)

        return self._write(CREATE_REVERSE_DNS, body=body, confirm=confirm)

    def delete_reverse_dns(self, record_id: t.Any) -> None:
        def confirm() -> bool:
            try:
                self.get_reverse_dns(record_id)
            except SendGridNotFoundError:
                return True
            return False

        self._write(DELETE_REVERSE_DNS, record_id, confirm=confirm)

    def validate_reverse_dns(self, record_id: t.Any) -> dict[str, t.Any]:
        """Ask SendGrid to check the record's A record now (ValidateReverseDns). Safe to repeat.

        Returns ``{id, valid, validation_results: {a_record: {valid, reason}}}``.
        """
        return self._call(VALIDATE_REVERSE_DNS, record_id)

    # ----------------------------------------------------------- partner IP provisioning

    def list_partner_account_ips(self, account_id: str) -> list[dict[str, t.Any]]:
        """``[{ip, region}]`` of a partner's customer account, all pages (ListAccountIps), each IP once.

        The pages follow the last IP of the previous page in an order by the time IPs were added, so an IP added
        while the list is read may show up twice; it is kept once.
        """
        path = build_path(LIST_PARTNER_IPS.path, account_id)
        entries: dict[str, dict[str, t.Any]] = {}
        for entry in self.client.iter_marker_pages(path, page_size=PARTNER_IPS_PAGE_SIZE, expect=LIST_PARTNER_IPS.response,
                                                   items=Shape.list_of('ip'), marker_of=lambda item: item['ip'],
                                                   base_url=self._host(LIST_PARTNER_IPS)):
            entries.setdefault(str(entry['ip']), dict(entry))
        return list(entries.values())

    def add_partner_account_ips(self, account_id: str, count: int, ip_region: str) -> dict[str, t.Any]:
        """Buy up to 10 IPs for a customer account (AddAccountIps). One call; never repeated.

        Returns ``{ips: [str], region}``. The caller splits larger purchases (see ``PARTNER_IPS_PER_CALL``) so
        that it can report what was bought when a later call fails.
        """
        if not 1 <= count <= PARTNER_IPS_PER_CALL:
            raise ValueError(f'count must be 1 to {PARTNER_IPS_PER_CALL} per call, got {count}')
        return self._call(ADD_PARTNER_IPS, account_id, body={'count': count, 'region': ip_region})

    def remove_partner_account_ips(self, account_id: str, ips: t.Sequence[str]) -> None:
        """Remove IPs from a customer account (RemoveAccountIps), at most 10 per call.

        Repeated after an unknown outcome: a repeat of an applied removal is refused (the IPs are gone), and a
        listing without them confirms it.
        """
        for chunk in chunked(sort_ips(ips), PARTNER_IPS_PER_CALL):
            self._write(REMOVE_PARTNER_IPS, account_id, body={'ips': chunk},
                        confirm=lambda chunk=chunk: not set(chunk) & {
                            entry['ip'] for entry in self.list_partner_account_ips(account_id)})


def _operation(operation: OperationRef) -> Operation:
    """An ``Operation`` from itself or its operationId (an unknown name is a ``KeyError``: a bug)."""
    return OPERATIONS[operation] if isinstance(operation, str) else operation
