#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_partner_ips
short_description: Add and remove the dedicated IPs of a SendGrid partner's customer account
version_added: 0.2.0
description:
  - For SendGrid partners (resellers) and the customer accounts they provision, with the partner IP provisioning
    API (C(/v3/partners/accounts/{accountID}/ips)) and the partner's API key. The successor of the Web API v2
    C(reseller.ip) calls.
  - With O(count), makes sure the customer account holds at least that many IPs in O(ip_region), buying the
    missing ones (C(POST), at most 10 per call).
  - B(This spends money.) Check mode and C(--diff) show what would be bought, and a run that would buy fails without
    any write unless O(allow_purchase=true).
  - With O(ips), removes those IPs from the account (O(ips_state=absent)), keeps only those (O(ips_state=exact)),
    or checks that the account holds them (O(ips_state=present)). Removing needs O(allow_delete=true).
  - Reads the account's IPs (C(GET), all pages) first and writes only what differs.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
attributes:
  check_mode:
    support: full
    details:
      - The IPs that would be bought have no address yet; in check mode RV(ips) does not list them, RV(purchase)
        says how many would be bought.
  diff_mode:
    support: full
options:
  account_id:
    description:
      - The SendGrid id of the customer account, such as V(sg1a2bcd3ef4ab5c67d8efab91c01de2fa).
    type: str
    required: true
  count:
    description:
      - The least number of IPs in O(ip_region) the account must hold (at least 1). Every IP the account's listing
        gives in that region counts.
      - Cannot be combined with O(ips).
    type: int
  ip_region:
    description:
      - The region of the IPs O(count) is about, and of those it buys. Required with O(count).
    type: str
    choices: [us, eu]
  ips:
    description:
      - IPv4 addresses of the account, applied as O(ips_state) says. Cannot be combined with O(count).
    type: list
    elements: str
  ips_state:
    description:
      - V(absent) removes O(ips) from the account; those it does not hold are ignored.
      - V(exact) removes every IP of the account that is not in O(ips). Each address in O(ips) must be on the
        account, as the API cannot add a chosen address.
      - V(present) only checks that the account holds every address in O(ips) and fails otherwise, for the same
        reason; to add IPs use O(count).
    type: str
    choices: [present, absent, exact]
    default: present
  allow_purchase:
    description:
      - Accept that the task buys IPs, which SendGrid charges for. Without it, a run that would buy fails before
        any write and says what it would buy. Check mode never needs it.
    type: bool
    default: false
  allow_delete:
    description:
      - Accept that the task removes IPs from the account. A removed IP goes back to SendGrid and cannot be added
        back by its address. Without it, a run that would remove fails before any write. Check mode never needs it.
    type: bool
    default: false
notes:
  - "How far this is idempotent: a re-run counts the IPs the listing gives, so it buys nothing once the bought IPs
    are listed; it removes only the IPs still listed. The API cannot add a chosen address (only a number of IPs in
    a region) nor take back a removed one, and it does not state a price, so RV(purchase.price_per_ip) is V(null)."
  - A call that buys is never retried. If it fails with a server error or a lost connection, IPs may or may not
    have been bought; the task fails and says so, and a re-run counts what the listing gives. When several calls
    are needed (more than 10 IPs) and one fails, the error lists the IPs the earlier calls bought (also in
    RV(added)).
  - The listing is ordered by the most recently added IP and read page by page after the last IP of the previous
    page; IPs added or removed by someone else while it is read may be missed or seen twice.
seealso:
  - module: mailops.sendgrid.sendgrid_partner_ips_info
  - module: mailops.sendgrid.sendgrid_account_ips
"""

EXAMPLES = r"""
- name: Show what it would take for a customer to hold 2 EU IPs
  mailops.sendgrid.sendgrid_partner_ips:
    api_key: "{{ partner_api_key }}"
    account_id: sg1a2bcd3ef4ab5c67d8efab91c01de2fa
    count: 2
    ip_region: eu
  check_mode: true
  diff: true

- name: Make sure the customer holds 2 EU IPs, buying the missing ones
  mailops.sendgrid.sendgrid_partner_ips:
    api_key: "{{ partner_api_key }}"
    account_id: sg1a2bcd3ef4ab5c67d8efab91c01de2fa
    count: 2
    ip_region: eu
    allow_purchase: true
  register: customer

- name: Give one IP back
  mailops.sendgrid.sendgrid_partner_ips:
    api_key: "{{ partner_api_key }}"
    account_id: sg1a2bcd3ef4ab5c67d8efab91c01de2fa
    ips: [203.0.113.12]
    ips_state: absent
    allow_delete: true
"""

RETURN = r"""
account_id:
  description: The customer account's id.
  returned: success
  type: str
  sample: sg1a2bcd3ef4ab5c67d8efab91c01de2fa
ips:
  description: The account's IPs after the task (in check mode, without the IPs that would be bought), sorted.
  returned: success
  type: list
  elements: str
  sample: [192.0.2.40, 203.0.113.10]
ips_by_region:
  description: The same IPs by region, each list sorted; an IP the listing gives no region for is under V(unknown).
  returned: success
  type: dict
  sample: {"eu": ["203.0.113.10"], "us": ["192.0.2.40"]}
added:
  description: The IPs the task bought, sorted; empty in check mode.
  returned: success
  type: list
  elements: str
  sample: [203.0.113.10]
removed:
  description: The IPs the task removed (or would remove), sorted.
  returned: success
  type: list
  elements: str
  sample: []
purchase:
  description: What the task bought (in check mode, would buy); V(null) when nothing had to be bought.
  returned: success
  type: dict
  contains:
    count:
      description: The number of IPs.
      type: int
      sample: 1
    ip_region:
      description: Their region.
      type: str
      sample: eu
    price_per_ip:
      description: Always V(null); the partner API does not state a price.
      type: float
      sample: null
    period:
      description: Always V(null).
      type: str
      sample: null
    calls:
      description: The number of C(POST) calls (at most 10 IPs each).
      type: int
      sample: 1
    endpoint:
      description: The call that buys them.
      type: str
      sample: POST /v3/partners/accounts/{accountID}/ips
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import PARTNER_IPS_PER_CALL, chunked
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridError, SendGridInputError, format_items
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import MEMBERSHIP_STATES, normalize_ips, sort_ips
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name
from ansible_collections.mailops.sendgrid.plugins.module_utils._purchase import (
    buy_in_steps,
    check_unknown_regions,
    require_purchase_allowed,
)

ENDPOINT = 'POST /v3/partners/accounts/{accountID}/ips'
LISTING = 'GET /v3/partners/accounts/{accountID}/ips'


def by_region(regions: t.Mapping[str, str | None], ips: t.Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for address in ips:
        grouped.setdefault(regions.get(address) or 'unknown', []).append(address)
    return {region: sort_ips(addresses) for region, addresses in sorted(grouped.items())}


def plan_removal(params: t.Mapping[str, t.Any], requested: list[str], current: set[str], account_id: str) -> list[str]:
    state = params['ips_state']
    if state in ('present', 'exact'):
        absent = sort_ips(set(requested) - current)
        if absent:
            raise SendGridInputError(
                f'ips: not on account {account_id}: {format_items(absent)}; the partner API cannot add a chosen address'
                ' (use count and ip_region to add IPs)')
    if state == 'absent':
        return sort_ips(current & set(requested))
    if state == 'exact':
        return sort_ips(current - set(requested))
    return []


def main() -> None:
    with SendGridModule(
        argument_spec={
            'account_id': {'type': 'str', 'required': True},
            'count': {'type': 'int'},
            'ip_region': {'type': 'str', 'choices': ['us', 'eu']},
            'ips': {'type': 'list', 'elements': 'str'},
            'ips_state': {'type': 'str', 'choices': list(MEMBERSHIP_STATES), 'default': 'present'},
            'allow_purchase': {'type': 'bool', 'default': False},
            'allow_delete': {'type': 'bool', 'default': False},
        },
        mutually_exclusive=[('count', 'ips')],
        required_one_of=[('count', 'ips')],
        required_by={'count': 'ip_region'},
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        account_id = clean_name(params['account_id'], 'account_id')
        if params['count'] is not None and params['count'] < 1:
            raise SendGridInputError(f'count: must be at least 1, got {params["count"]}')
        if params['ip_region'] is not None and params['count'] is None:
            raise SendGridInputError('ip_region: only with count (the region of the IPs to count and to buy)')
        requested = normalize_ips(params['ips'], ipv4_only=True) if params['ips'] is not None else None

        regions = {entry['ip']: entry.get('region') for entry in sg.api.list_partner_account_ips(account_id)
                   if isinstance(entry, dict) and entry.get('ip')}
        current = set(regions)
        purchase = None
        added: list[str] = []
        removed: list[str] = []
        if requested is None:
            counted = [address for address, region in regions.items() if region == params['ip_region']]
            missing = max(0, params['count'] - len(counted))
            check_unknown_regions([address for address, region in regions.items() if not region], missing,
                                  params['ip_region'], LISTING, sg.module.warn)
            if missing:
                steps = [len(chunk) for chunk in chunked(range(missing), PARTNER_IPS_PER_CALL)]
                purchase = {'count': missing, 'ip_region': params['ip_region'], 'price_per_ip': None, 'period': None,
                            'calls': len(steps), 'endpoint': ENDPOINT}
                require_purchase_allowed(params['allow_purchase'], sg.check_mode, purchase)
                if not sg.check_mode:
                    added = buy_in_steps(steps, lambda step: [
                        str(ip) for ip in sg.api.add_partner_account_ips(account_id, step, params['ip_region'])
                        .get('ips') or ()])
                    if len(added) != missing:
                        sg.module.warn(f'{ENDPOINT} was asked for {missing} IP(s) and its answers name {len(added)}:'
                                       f' {format_items(added) or "none"}; check with sendgrid_partner_ips_info')
                    regions.update({address: params['ip_region'] for address in added})
        else:
            removed = plan_removal(params, requested, current, account_id)
            if removed and not sg.check_mode:
                if not params['allow_delete']:
                    raise SendGridInputError(
                        f'this task would remove {len(removed)} IP(s) from account {account_id}: {format_items(removed)};'
                        ' a removed IP cannot be added back by its address; set allow_delete: true to accept that')
                done: list[str] = []
                try:
                    for chunk in chunked(removed, PARTNER_IPS_PER_CALL):
                        sg.api.remove_partner_account_ips(account_id, chunk)
                        done.extend(chunk)
                except SendGridError as exc:
                    exc.message += (f'. Removed before this error: {format_items(done)}' if done
                                    else '. No IP was removed before this error')
                    raise

        after = sort_ips((current | set(added)) - set(removed))
        result: dict[str, t.Any] = {
            'changed': bool(purchase or removed), 'account_id': account_id, 'ips': after,
            'ips_by_region': by_region(regions, after), 'added': added, 'removed': removed, 'purchase': purchase,
        }
        if sg.diff_mode:
            after_state: dict[str, t.Any] = {'account_id': account_id, 'ips': after}
            if purchase is not None:
                after_state['purchase'] = purchase
            result['diff'] = sg.diff({'account_id': account_id, 'ips': sort_ips(current)}, after_state)
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
