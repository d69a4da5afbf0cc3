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
from ._errors import SendGridNotFoundError, SendGridValidationError

IPS_PAGE_SIZE = 500          # GET /v3/ips: limit has no documented maximum
SUBUSERS_PAGE_SIZE = 500     # GET /v3/subusers
CURSOR_PAGE_SIZE = 100       # /v3/send_ips/*: limit must be <= 100
SEND_IPS_PAGE_SIZE = 1000    # GET /v3/send_ips/ips alone accepts a limit up to 5000
POOL_IPS_PER_CALL = 100      # pools ips:batchAdd / batchDelete and pool creation
SUBUSERS_PER_CALL = 1000     # ips/{ip}/subusers:batchAdd / batchDelete


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

    # ----------------------------------------------------------- added by the planner branch (issue 7, section 3)
    # To be replaced by the client branch's knowledge of the host of each operation.

    def serves_global_only_operations(self) -> bool:
        """Whether this host serves the operations the spec serves only from ``api.sendgrid.com``
        (ENDPOINTS.md section 11), among them ``/v3/send_ips/ips/{ip}/subusers:batchAdd`` and ``:batchDelete``.

        False for the EU host, which cannot serve them: the planners then fall back to
        ``PUT /v3/subusers/{name}/ips`` where that gives the same result.
        """
        return self.client.base_url.rstrip('/') != REGION_URLS['eu']
