#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_account_ips
short_description: Make sure a SendGrid account holds at least a number of dedicated IPs, buying the missing ones
version_added: 0.2.0
description:
  - Counts the account's dedicated IPs that match O(ip_region), O(subusers) and O(status), and buys the
    missing ones when fewer than O(count) match. A re-run counts the IPs it bought and buys nothing.
  - B(This spends money.) Check mode and C(--diff) show exactly what would be bought (the number of IPs, their
    region and subusers, and the price per IP from C(GET /v3/ips/remaining)); a run that would buy fails without
    any write unless O(allow_purchase=true).
  - It never removes, changes or returns IPs; to change the settings or subusers of existing IPs use
    M(mailops.sendgrid.sendgrid_ip).
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
attributes:
  check_mode:
    support: full
    details:
      - The IPs that would be bought have no address yet; in check mode RV(ips) lists only the IPs that already
        count and RV(bought) is empty, while RV(count) and RV(purchase) say what the purchase would be.
  diff_mode:
    support: full
options:
  count:
    description:
      - The least number of matching IPs the account must hold (at least 1).
      - An existing IP counts when all of these hold
      - (1) C(GET /v3/ips) lists it (customer-owned IPs and IPs in warmup count as well);
      - (2) with O(ip_region), C(GET /v3/send_ips/ips) gives it that region;
      - (3) with O(subusers), every one of them may already send from it (it may have other subusers too);
      - (4) with O(status=free), no subuser may send from it (and, with O(pools_as_taken=true), it is in no pool).
      - The settings of an IP (O(is_auto_warmup), O(is_parent_assigned)) do not decide whether it counts.
    type: int
    required: true
  ip_region:
    description:
      - Only IPs in this region count, and the IPs bought are in this region.
      - When not set, IPs of every region count; the IPs bought are V(us) IPs when C(POST /v3/send_ips/ips) buys
        them, and in SendGrid's default region when C(POST /v3/ips) does (see the notes).
    type: str
    choices: [us, eu]
  subusers:
    description:
      - Usernames of subusers. Only IPs that all of them may send from count, and the IPs bought are assigned to
        all of them.
      - Every username must be a subuser of the account, and in the region of the IPs (a V(global) subuser sends
        from V(us) IPs, an V(eu) subuser from V(eu) IPs).
    type: list
    elements: str
  status:
    description:
      - V(all) counts every IP that matches the other options.
      - V(free) counts only IPs no subuser may send from, for example to make sure an IP is free for a new subuser.
        Cannot be combined with O(subusers).
    type: str
    choices: [all, free]
    default: all
  pools_as_taken:
    description:
      - With O(status=free), an IP in an IP pool is not free either (the v2 C(reseller.ip) definition).
    type: bool
    default: false
  is_auto_warmup:
    description:
      - Start the automatic warmup of the IPs bought. SendGrid refuses it for a subuser none of whose IPs is out
        of warmup, which the module checks before buying.
    type: bool
    default: false
  is_parent_assigned:
    description:
      - Whether the parent account may send from the IPs bought. When not set, it may (V(true)).
    type: bool
  allow_purchase:
    description:
      - Accept that the task buys IPs, which SendGrid charges for. Without it, a run that would buy fails before
        any write and says what it would buy. Check mode never needs it.
    type: bool
    default: false
notes:
  - "Which API call buys the IPs: C(POST /v3/send_ips/ips) (one call per IP, subusers given by id, at most 100) when
    O(ip_region), O(is_auto_warmup=true) or O(is_parent_assigned) is set, as only it takes a region and those
    settings; otherwise C(POST /v3/ips) (one call for all the IPs, subusers given by username), SendGrid's
    long-standing call, which adds IPs in SendGrid's default region and returns how many more may be added."
  - Both calls are served only by the global API (C(https://api.sendgrid.com)), for the parent account; with
    O(region=eu) they go there, and with O(region=eu) and O(api_url) (no global host known) the task fails before
    any write.
  - A call that buys is never retried. If it fails with a server error or a lost connection, the IPs may or may
    not have been bought; the task fails and says so, and a re-run counts what is on the account. When several
    calls are needed and one fails, the error lists the IPs the earlier calls bought (also in RV(bought)).
  - The purchase is refused before any write when it exceeds the number of IPs the account may still add in the
    current period (C(GET /v3/ips/remaining)), or when that call gives no price.
  - With O(ip_region), an IP that C(GET /v3/send_ips/ips) does not list has no known region. It never counts;
    when it could change what is bought, the task fails rather than buy, and otherwise it is named in a warning.
seealso:
  - module: mailops.sendgrid.sendgrid_ip_info
  - module: mailops.sendgrid.sendgrid_ip
  - module: mailops.sendgrid.sendgrid_partner_ips
"""

EXAMPLES = r"""
- name: Show what it would take to hold 4 IPs in the EU (buys nothing)
  mailops.sendgrid.sendgrid_account_ips:
    api_key: "{{ sendgrid_api_key }}"
    count: 4
    ip_region: eu
  check_mode: true
  diff: true
  register: plan

- name: Show the price
  ansible.builtin.debug:
    msg: "{{ plan.purchase.count }} IPs at {{ plan.purchase.price_per_ip }} each"
  when: plan.purchase is not none

- name: Hold 4 IPs in the EU, buying the missing ones
  mailops.sendgrid.sendgrid_account_ips:
    api_key: "{{ sendgrid_api_key }}"
    count: 4
    ip_region: eu
    allow_purchase: true

- name: Two IPs for shop-eu, in automatic warmup
  mailops.sendgrid.sendgrid_account_ips:
    api_key: "{{ sendgrid_api_key }}"
    count: 2
    subusers: [shop-eu]
    ip_region: eu
    is_auto_warmup: true
    allow_purchase: true

- name: Make sure one US IP is free for a new customer (none in a pool either)
  mailops.sendgrid.sendgrid_account_ips:
    api_key: "{{ sendgrid_api_key }}"
    count: 1
    status: free
    pools_as_taken: true
    ip_region: us
    allow_purchase: true
  register: free_ip
"""

RETURN = r"""
ips:
  description:
    - The IPs that count after the task, sorted; in check mode only those that already count.
  returned: success
  type: list
  elements: str
  sample: [192.0.2.31, 198.51.100.10]
count:
  description: How many IPs count after the task (in check mode, after the purchase it would make).
  returned: success
  type: int
  sample: 2
bought:
  description: The IPs the task bought, sorted; empty when nothing was bought and in check mode.
  returned: success
  type: list
  elements: str
  sample: [198.51.100.10]
purchase:
  description: What the task bought (in check mode, would buy); V(null) when enough IPs count.
  returned: success
  type: dict
  contains:
    count:
      description: The number of IPs.
      type: int
      sample: 1
    ip_region:
      description: Their region; V(null) when SendGrid chooses it (C(POST /v3/ips)).
      type: str
      sample: us
    price_per_ip:
      description: The price of one IP, as C(GET /v3/ips/remaining) states it.
      type: float
      sample: 20
    period:
      description: The period of that price and of the remaining count, as SendGrid states it.
      type: str
      sample: month
    subusers:
      description: The subusers the IPs are assigned to, sorted.
      type: list
      elements: str
      sample: []
    is_auto_warmup:
      description: Whether the IPs start the automatic warmup.
      type: bool
      sample: false
    is_parent_assigned:
      description: Whether the parent may send from the IPs; V(null) with C(POST /v3/ips), which does not take it.
      type: bool
      sample: true
    endpoint:
      description: The call that buys them.
      type: str
      sample: POST /v3/send_ips/ips
  sample:
    count: 1
    ip_region: us
    price_per_ip: 20
    period: month
    subusers: []
    is_auto_warmup: false
    is_parent_assigned: true
    endpoint: POST /v3/send_ips/ips
remaining:
  description:
    - How many more IPs the account may add in the current period after the task; V(null) when nothing had to
      be bought (it is not read then).
  returned: success
  type: int
  sample: 1
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import ADD_IPS, ADD_SEND_IP, SendGridAPI
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError, format_items
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import SubuserDirectory, classify, sort_ips
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_names
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import Findings, IPFacts
from ansible_collections.mailops.sendgrid.plugins.module_utils._purchase import (
    buy_in_steps,
    check_unknown_regions,
    require_purchase_allowed,
)

LEGACY_ADD = 'POST /v3/ips'
SEND_IPS_ADD = 'POST /v3/send_ips/ips'
MAX_SUBUSERS_PER_IP_CALL = 100


def check_options(params: t.Mapping[str, t.Any]) -> list[str]:
    """Validate the options before any request; returns the cleaned subuser names."""
    if params['count'] < 1:
        raise SendGridInputError(f'count: must be at least 1, got {params["count"]}')
    subusers = clean_names(params['subusers'], 'subusers') if params['subusers'] is not None else []
    if params['status'] == 'free' and subusers:
        raise SendGridInputError(
            'status=free counts IPs no subuser may send from; it cannot be combined with subusers')
    if params['pools_as_taken'] and params['status'] != 'free':
        raise SendGridInputError('pools_as_taken: only with status=free')
    if uses_send_ips(params) and len(subusers) > MAX_SUBUSERS_PER_IP_CALL:
        raise SendGridInputError(
            f'subusers: {SEND_IPS_ADD} (used with ip_region, is_auto_warmup or is_parent_assigned) assigns at most'
            f' {MAX_SUBUSERS_PER_IP_CALL} subusers to a new IP; {len(subusers)} given')
    return subusers


def uses_send_ips(params: t.Mapping[str, t.Any]) -> bool:
    return params['ip_region'] is not None or params['is_auto_warmup'] or params['is_parent_assigned'] is not None


class Snapshot:
    """What the account holds, read once: IPs (usernames), their regions and settings if needed, the subusers."""

    def __init__(self, api: SendGridAPI, params: t.Mapping[str, t.Any], subusers: list[str]) -> None:
        self.records = {record['ip']: record for record in api.list_ips()}
        self.directory = None
        if subusers:
            self.directory = SubuserDirectory(api.list_subusers())
            self.directory.require(subusers)
        self.send_ips: dict[str, dict[str, t.Any]] | None = None
        if params['ip_region'] is not None or (params['is_auto_warmup'] and subusers):
            self.send_ips = {entry['ip']: entry for entry in api.list_send_ips()}

    def region_of(self, ip: str) -> str | None:
        return ((self.send_ips or {}).get(ip) or {}).get('region')

    def count(self, params: t.Mapping[str, t.Any], subusers: list[str]) -> tuple[list[str], list[str]]:
        """(the IPs that count, the IPs whose region is unknown and would otherwise count)."""
        counted, unknown = [], []
        for address, record in self.records.items():
            if not set(subusers) <= set(record.get('subusers') or ()):
                continue
            if params['status'] == 'free' and not classify(record, (), params['pools_as_taken'])['free']:
                continue
            if params['ip_region'] is not None:
                region = self.region_of(address)
                if region is None:
                    unknown.append(address)
                    continue
                if region != params['ip_region']:
                    continue
            counted.append(address)
        return sort_ips(counted), sort_ips(unknown)


def check_subusers_can_take(snapshot: Snapshot, params: t.Mapping[str, t.Any], subusers: list[str]) -> None:
    """The rules SendGrid applies to the subusers of a new IP (``_rules``), checked from the snapshot before buying;
    one error names every problem."""
    if not subusers or snapshot.directory is None:
        return
    findings = Findings()
    where = f'ip_region={params["ip_region"]}' if params['ip_region'] else f'{LEGACY_ADD} (without ip_region)'
    findings.check_new_ips_region({name: snapshot.directory.by_name[name] for name in subusers},
                                  params['ip_region'] or 'us', f'the IPs bought by {where}')
    if params['is_auto_warmup']:
        findings.check_auto_warmup_subusers(subusers, snapshot.records.values(),
                                            IPFacts((snapshot.send_ips or {}).values()))
    findings.raise_problems()


def plan_purchase(
    sg: SendGridModule, params: t.Mapping[str, t.Any], subusers: list[str], missing: int,
) -> tuple[dict[str, t.Any], int]:
    """The purchase and the remaining count before it; every check before the first write."""
    endpoint = SEND_IPS_ADD if uses_send_ips(params) else LEGACY_ADD
    sg.api.require(ADD_SEND_IP if endpoint == SEND_IPS_ADD else ADD_IPS)
    quote = sg.api.get_remaining_ips()
    remaining, price = quote.get('remaining'), quote.get('price_per_ip')
    if not isinstance(remaining, int) or isinstance(remaining, bool) or not isinstance(price, (int, float)):
        raise SendGridInputError(
            f'GET /v3/ips/remaining did not give the number of IPs the account may still add and their price'
            f' (it answered {quote!r}); refusing to buy {missing} IP(s) without knowing the price')
    if missing > remaining:
        raise SendGridInputError(
            f'count: {missing} more IP(s) needed, but the account may add only {remaining} more'
            f' this {quote.get("period") or "period"} (GET /v3/ips/remaining)')
    purchase = {
        'count': missing,
        'ip_region': params['ip_region'] if endpoint == LEGACY_ADD else (params['ip_region'] or 'us'),
        'price_per_ip': price,
        'period': quote.get('period'),
        'subusers': subusers,
        'is_auto_warmup': bool(params['is_auto_warmup']),
        'is_parent_assigned': (True if params['is_parent_assigned'] is None else params['is_parent_assigned'])
        if endpoint == SEND_IPS_ADD else None,
        'endpoint': endpoint,
    }
    return purchase, remaining


def buy(sg: SendGridModule, snapshot: Snapshot, purchase: dict[str, t.Any], remaining: int) -> tuple[list[str], int]:
    """Make the purchase; returns (the IPs bought, the remaining count after it)."""
    if purchase['endpoint'] == LEGACY_ADD:
        answer = sg.api.add_ips(purchase['count'], purchase['subusers'])
        bought = sort_ips(entry['ip'] for entry in answer.get('ips') or () if isinstance(entry, dict) and entry.get('ip'))
        if len(bought) != purchase['count']:
            sg.module.warn(
                f'{LEGACY_ADD} was asked for {purchase["count"]} IP(s) and its answer names {len(bought)}:'
                f' {format_items(bought) or "none"}; check the account with sendgrid_ip_info')
        after = answer.get('remaining_ips')
        return bought, after if isinstance(after, int) else remaining - len(bought)

    directory = snapshot.directory
    ids = [directory.id_of(name) for name in purchase['subusers']] if directory is not None else []

    def buy_one(_count: int) -> list[str]:
        answer = sg.api.add_send_ip(purchase['ip_region'], purchase['is_auto_warmup'],
                                    purchase['is_parent_assigned'], ids)
        return [answer['ip']] if answer.get('ip') else []

    bought = buy_in_steps([1] * purchase['count'], buy_one)
    if len(bought) != purchase['count']:
        sg.module.warn(f'{SEND_IPS_ADD} answered {purchase["count"]} time(s) and named {len(bought)} IP(s):'
                       f' {format_items(bought) or "none"}; check the account with sendgrid_ip_info')
    return bought, remaining - len(bought)


def main() -> None:
    with SendGridModule(
        argument_spec={
            'count': {'type': 'int', 'required': True},
            'ip_region': {'type': 'str', 'choices': ['us', 'eu']},
            'subusers': {'type': 'list', 'elements': 'str'},
            'status': {'type': 'str', 'choices': ['all', 'free'], 'default': 'all'},
            'pools_as_taken': {'type': 'bool', 'default': False},
            'is_auto_warmup': {'type': 'bool', 'default': False},
            'is_parent_assigned': {'type': 'bool'},
            'allow_purchase': {'type': 'bool', 'default': False},
        },
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        subusers = check_options(params)
        snapshot = Snapshot(sg.api, params, subusers)
        counted, unknown = snapshot.count(params, subusers)
        missing = max(0, params['count'] - len(counted))
        check_unknown_regions(unknown, missing, params['ip_region'], 'GET /v3/send_ips/ips', sg.module.warn)

        purchase = None
        bought: list[str] = []
        remaining = None
        if missing:
            check_subusers_can_take(snapshot, params, subusers)
            purchase, remaining = plan_purchase(sg, params, subusers, missing)
            require_purchase_allowed(params['allow_purchase'], sg.check_mode, purchase)
            if sg.check_mode:
                remaining -= missing
            else:
                bought, remaining = buy(sg, snapshot, purchase, remaining)

        ips = sort_ips([*counted, *bought])
        result: dict[str, t.Any] = {
            'changed': bool(missing), 'ips': ips, 'count': len(counted) + (missing if sg.check_mode else len(bought)),
            'bought': bought, 'purchase': purchase, 'remaining': remaining,
        }
        if sg.diff_mode:
            after: dict[str, t.Any] = {'count': result['count'], 'ips': ips}
            if purchase is not None:
                after['purchase'] = purchase
            result['diff'] = sg.diff({'count': len(counted), 'ips': counted}, after)
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
