# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one place that knows each SendGrid endpoint this collection uses.

This is a private module_utils file: its API may change at any time.

Methods are named after what they do and return plain Python data. Limits the
API imposes per call (100 IPs per pool call, 1000 subusers per batch call, 100
items per cursor page) are respected here by chunking, so callers never need to
know them.
"""

from __future__ import annotations

import typing as t

from ._client import REGION_URLS, SendGridClient, build_path
from ._errors import SendGridConfigError, SendGridNotFoundError, SendGridValidationError
from ._ips import sort_ips

IPS_PAGE_SIZE = 500          # GET /v3/ips: limit has no documented maximum
SUBUSERS_PAGE_SIZE = 500     # GET /v3/subusers
CURSOR_PAGE_SIZE = 100       # /v3/send_ips/*: limit must be <= 100
SEND_IPS_PAGE_SIZE = 1000    # GET /v3/send_ips/ips alone accepts a limit up to 5000
POOL_IPS_PER_CALL = 100      # pools ips:batchAdd / batchDelete and pool creation
SUBUSERS_PER_CALL = 1000     # ips/{ip}/subusers:batchAdd / batchDelete
REVERSE_DNS_PAGE_SIZE = 100  # GET /v3/whitelabel/ips: limit has no documented maximum
PARTNER_IPS_PAGE_SIZE = 5000  # GET /v3/partners/accounts/{id}/ips: limit 1 to 5000
PARTNER_IPS_PER_CALL = 10    # POST and DELETE /v3/partners/accounts/{id}/ips: at most 10 IPs per call


def chunked(items: t.Sequence[t.Any], size: int) -> t.Iterator[list[t.Any]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


class SendGridAPI:
    """Typed access to the IP-related SendGrid v3 operations."""

    def __init__(self, client: SendGridClient) -> None:
        self.client = client

    # ----------------------------------------------------------- /v3/ips (legacy listing, usernames)

    def list_ips(self, subuser: str | None = None, ip: str | None = None) -> list[dict[str, t.Any]]:
        """Every IP on the account with its subusers (usernames), pools (names), warmup and rDNS (ListIp)."""
        query = {'subuser': subuser, 'ip': ip}
        return list(self.client.iter_offset_pages('/v3/ips', query, page_size=IPS_PAGE_SIZE))

    def get_ip(self, ip: str) -> dict[str, t.Any]:
        return self.client.request('GET', build_path('/v3/ips/{}', ip))

    def list_assigned_ips(self) -> list[dict[str, t.Any]]:
        return self.client.request('GET', '/v3/ips/assigned') or []

    # ----------------------------------------------------------- subusers

    def list_subusers(self, username: str | None = None) -> list[dict[str, t.Any]]:
        """Subusers with ``id``, ``username``, ``email``, ``disabled`` and ``region`` (ListSubuser)."""
        query = {'username': username, 'include_region': True}
        return list(self.client.iter_offset_pages('/v3/subusers', query, page_size=SUBUSERS_PAGE_SIZE))

    def set_subuser_ips(self, username: str, ips: list[str]) -> list[str]:
        """Replace the IPs a subuser may send from (UpdateSubuserIp). Returns the API's list."""
        result = self.client.request('PUT', build_path('/v3/subusers/{}/ips', username), body=list(ips))
        return list((result or {}).get('ips') or [])

    # ----------------------------------------------------------- /v3/send_ips/ips (IP address management)

    def list_send_ips(self, **filters: t.Any) -> list[dict[str, t.Any]]:
        """IPs with ``is_leased``, ``is_enabled``, ``is_parent_assigned``, ``is_auto_warmup``, ``added_at``, ...

        ``filters`` are the API's query parameters (``ip``, ``is_leased``, ``is_enabled``,
        ``is_parent_assigned``, ``pool`` (a pool id), ``start_added_at``, ``end_added_at``, ``region``).
        """
        query = {'include_region': True, **filters}
        return list(self.client.iter_cursor_pages('/v3/send_ips/ips', query, page_size=SEND_IPS_PAGE_SIZE))

    def get_send_ip(self, ip: str) -> dict[str, t.Any]:
        return self.client.request('GET', build_path('/v3/send_ips/ips/{}', ip), query={'include_region': True})

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
        return self.client.request('PATCH', build_path('/v3/send_ips/ips/{}', ip), body=settings, idempotent=True)

    def list_ip_subuser_ids(self, ip: str) -> list[str]:
        """Numeric ids (as strings) of the subusers assigned to one IP."""
        path = build_path('/v3/send_ips/ips/{}/subusers', ip)
        return [str(item) for item in self.client.iter_cursor_pages(path, page_size=CURSOR_PAGE_SIZE)]

    def add_subusers_to_ip(self, ip: str, subuser_ids: t.Sequence[str]) -> None:
        path = build_path('/v3/send_ips/ips/{}/subusers:batchAdd', ip)
        for chunk in chunked(sorted(subuser_ids), SUBUSERS_PER_CALL):
            self.client.request('POST', path, body={'subusers': chunk}, idempotent=True)

    def remove_subusers_from_ip(self, ip: str, subuser_ids: t.Sequence[str]) -> None:
        path = build_path('/v3/send_ips/ips/{}/subusers:batchDelete', ip)
        for chunk in chunked(sorted(subuser_ids), SUBUSERS_PER_CALL):
            self.client.request('POST', path, body={'subusers': chunk}, idempotent=True)

    # ----------------------------------------------------------- /v3/send_ips/pools (pools by id)

    def list_pools(self) -> list[dict[str, t.Any]]:
        """Pools with ``name``, ``id``, ``total_ip_count``, ``ips_preview`` (at most 10 IPs)."""
        return list(self.client.iter_cursor_pages('/v3/send_ips/pools', page_size=CURSOR_PAGE_SIZE))

    def list_pool_ips(self, pool_id: str) -> list[str]:
        path = build_path('/v3/send_ips/pools/{}/ips', pool_id)
        return [item['ip'] for item in self.client.iter_cursor_pages(path, page_size=CURSOR_PAGE_SIZE)]

    def create_pool(self, name: str, ips: t.Sequence[str] = ()) -> dict[str, t.Any]:
        """Create a pool with up to 100 IPs in the same call (not repeated on an unknown outcome)."""
        body: dict[str, t.Any] = {'name': name}
        if ips:
            body['ips'] = list(ips)
        return self.client.request('POST', '/v3/send_ips/pools', body=body)

    def rename_pool(self, pool_id: str, new_name: str) -> dict[str, t.Any]:
        return self.client.request('PUT', build_path('/v3/send_ips/pools/{}', pool_id), body={'name': new_name})

    def delete_pool(self, pool_id: str) -> None:
        self.client.request('DELETE', build_path('/v3/send_ips/pools/{}', pool_id))

    def add_ips_to_pool(self, pool_id: str, ips: t.Sequence[str]) -> None:
        path = build_path('/v3/send_ips/pools/{}/ips:batchAdd', pool_id)
        for chunk in chunked(sorted(ips), POOL_IPS_PER_CALL):
            self.client.request('POST', path, body={'ips': chunk}, idempotent=True)

    def remove_ips_from_pool(self, pool_id: str, ips: t.Sequence[str]) -> None:
        path = build_path('/v3/send_ips/pools/{}/ips:batchDelete', pool_id)
        for chunk in chunked(sorted(ips), POOL_IPS_PER_CALL):
            self.client.request('POST', path, body={'ips': chunk}, idempotent=True)

    # ----------------------------------------------------------- warmup

    def list_warmup(self) -> list[dict[str, t.Any]]:
        """IPs in warmup with their ``start_date`` (ListWarmUpIp)."""
        return self.client.request('GET', '/v3/ips/warmup') or []

    def start_warmup(self, ip: str) -> list[dict[str, t.Any]]:
        return self.client.request('POST', '/v3/ips/warmup', body={'ip': ip}) or []

    def stop_warmup(self, ip: str) -> None:
        self.client.request('DELETE', build_path('/v3/ips/warmup/{}', ip))

    # =========================================================== IP lifecycle (issue 8)
    # The sections below are the endpoints of the IP lifecycle modules: buying IPs, reverse DNS, subuser
    # creation and deletion, reputations, and partner IP provisioning (ip-lifecycle-endpoints.json and the
    # purchase operations of ip-endpoints.json).

    def require_global_host(self, *operations: str) -> None:
        """Fail before any write when the client talks to the EU host and an operation is served only globally.

        The spec's ``servers`` overrides serve ``POST /v3/ips``, ``POST /v3/send_ips/ips`` and the
        ``/v3/send_ips/ips/{ip}/subusers`` calls only from ``https://api.sendgrid.com`` (ENDPOINTS.md §11).
        Modules call this while planning, before their first write.
        """
        if self.client.base_url.rstrip('/') == REGION_URLS['eu']:
            raise SendGridConfigError(
                f'{" and ".join(operations)} {"is" if len(operations) == 1 else "are"} served only by'
                f' {REGION_URLS["global"]} (the parent account), not by {REGION_URLS["eu"]};'
                ' run this task with region=global')

    # ----------------------------------------------------------- buying IPs (/v3/ips, /v3/send_ips/ips)

    def get_remaining_ips(self) -> dict[str, t.Any]:
        """How many IPs the account may still add, in which period, at which price (ListRemainingIpCount).

        Returns the first entry of ``results`` (``remaining``, ``period``, ``price_per_ip``), or ``{}``.
        """
        results = (self.client.request('GET', '/v3/ips/remaining') or {}).get('results') or []
        return dict(results[0]) if results and isinstance(results[0], dict) else {}

    def add_ips(self, count: int, subusers: t.Sequence[str] = (), warmup: bool = False) -> dict[str, t.Any]:
        """Buy ``count`` IPs in one call, for subusers named by username (legacy AddIp; global host only).

        Spends money: never repeated on an unknown outcome. Returns ``{ips: [{ip, subusers}], remaining_ips, warmup}``.
        """
        body: dict[str, t.Any] = {'count': count}
        if subusers:
            body['subusers'] = sorted(subusers)
        if warmup:
            body['warmup'] = True
        return self.client.request('POST', '/v3/ips', body=body, idempotent=False) or {}

    def add_send_ip(
        self, ip_region: str, is_auto_warmup: bool, is_parent_assigned: bool, subuser_ids: t.Sequence[str] = (),
    ) -> dict[str, t.Any]:
        """Buy one IP in a region, for subusers named by id (IP Address Management AddIp; global host only).

        Spends money: never repeated on an unknown outcome. Returns ``{ip, is_auto_warmup, is_parent_assigned,
        subusers, region}``.
        """
        body: dict[str, t.Any] = {
            'is_auto_warmup': is_auto_warmup,
            'is_parent_assigned': is_parent_assigned,
            'region': ip_region,
            'include_region': True,
        }
        if subuser_ids:
            body['subusers'] = sorted(subuser_ids)
        return self.client.request('POST', '/v3/send_ips/ips', body=body, idempotent=False) or {}

    # ----------------------------------------------------------- subuser lifecycle

    def create_subuser(
        self, username: str, email: str, password: str, ips: t.Sequence[str], subuser_region: str | None = None,
    ) -> dict[str, t.Any]:
        """Create a subuser with its IPs (CreateSubuser). Not repeated on an unknown outcome.

        Returns ``{username, user_id, email, credit_allocation, region}``.
        """
        body: dict[str, t.Any] = {'username': username, 'email': email, 'password': password, 'ips': list(ips)}
        if subuser_region is not None:
            body['region'] = subuser_region
            body['include_region'] = True
        return self.client.request('POST', '/v3/subusers', body=body, idempotent=False) or {}

    def set_subuser_disabled(self, username: str, disabled: bool) -> None:
        """Enable (``False``) or disable (``True``) a subuser (UpdateSubuser). Safe to repeat."""
        self.client.request('PATCH', build_path('/v3/subusers/{}', username), body={'disabled': disabled},
                            idempotent=True)

    def delete_subuser(self, username: str) -> None:
        """Delete a subuser for good (DeleteSubuser)."""
        self.client.request('DELETE', build_path('/v3/subusers/{}', username))

    def list_subuser_reputations(self) -> list[dict[str, t.Any]]:
        """``[{username, reputation}]`` for the account's subusers (ListReputation; not paginated)."""
        result = self.client.request('GET', '/v3/subusers/reputations')
        return list(result) if isinstance(result, list) else []

    # ----------------------------------------------------------- reverse DNS (/v3/whitelabel/ips)

    def list_reverse_dns(self, ip_prefix: str | None = None) -> list[dict[str, t.Any]]:
        """Every reverse DNS record, or those whose IP starts with ``ip_prefix`` (ListReverseDns)."""
        return list(self.client.iter_offset_pages('/v3/whitelabel/ips', {'ip': ip_prefix},
                                                  page_size=REVERSE_DNS_PAGE_SIZE))

    def get_reverse_dns(self, record_id: t.Any) -> dict[str, t.Any]:
        return self.client.request('GET', build_path('/v3/whitelabel/ips/{}', record_id)) or {}

    def create_reverse_dns(self, ip: str, domain: str, subdomain: str | None = None) -> dict[str, t.Any]:
        """Set up reverse DNS for one IP (SetUpReverseDns). Not repeated on an unknown outcome."""
        body: dict[str, t.Any] = {'ip': ip, 'domain': domain}
        if subdomain:
            body['subdomain'] = subdomain
        return self.client.request('POST', '/v3/whitelabel/ips', body=body, idempotent=False) or {}

    def delete_reverse_dns(self, record_id: t.Any) -> None:
        self.client.request('DELETE', build_path('/v3/whitelabel/ips/{}', record_id))

    def validate_reverse_dns(self, record_id: t.Any) -> dict[str, t.Any]:
        """Ask SendGrid to check the record's A record now (ValidateReverseDns). Safe to repeat.

        Returns ``{id, valid, validation_results: {a_record: {valid, reason}}}``.
        """
        path = build_path('/v3/whitelabel/ips/{}/validate', record_id)
        return self.client.request('POST', path, idempotent=True) or {}

    # ----------------------------------------------------------- partner IP provisioning

    def list_partner_account_ips(self, account_id: str) -> list[dict[str, t.Any]]:
        """``[{ip, region}]`` of a partner's customer account, all pages (ListAccountIps), each IP once.

        The pages follow the last IP of the previous page in an order by the time IPs were added, so an IP added
        while the list is read may show up twice; it is kept once.
        """
        path = build_path('/v3/partners/accounts/{}/ips', account_id)
        entries: dict[str, dict[str, t.Any]] = {}
        for entry in self.client.iter_marker_pages(path, page_size=PARTNER_IPS_PAGE_SIZE):
            if isinstance(entry, dict) and entry.get('ip'):
                entries.setdefault(str(entry['ip']), dict(entry))
        return list(entries.values())

    def add_partner_account_ips(self, account_id: str, count: int, ip_region: str) -> dict[str, t.Any]:
        """Buy up to 10 IPs for a customer account (AddAccountIps). One call; never repeated on an unknown outcome.

        Returns ``{ips: [str], region}``. The caller splits larger purchases (see ``PARTNER_IPS_PER_CALL``) so
        that it can report what was bought when a later call fails.
        """
        if not 1 <= count <= PARTNER_IPS_PER_CALL:
            raise ValueError(f'count must be 1 to {PARTNER_IPS_PER_CALL} per call, got {count}')
        path = build_path('/v3/partners/accounts/{}/ips', account_id)
        return self.client.request('POST', path, body={'count': count, 'region': ip_region}, idempotent=False) or {}

    def remove_partner_account_ips(self, account_id: str, ips: t.Sequence[str]) -> None:
        """Remove IPs from a customer account (RemoveAccountIps), at most 10 per call."""
        path = build_path('/v3/partners/accounts/{}/ips', account_id)
        for chunk in chunked(sort_ips(ips), PARTNER_IPS_PER_CALL):
            self.client.request('DELETE', path, body={'ips': chunk})
