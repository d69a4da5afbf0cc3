#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip
short_description: Manage the settings and subusers of one SendGrid dedicated IP
version_added: 0.1.0
description:
  - Sets the automatic warmup, parent assignment and (for customer-owned IPs) the enabled flag of one IP on the
    account, with the IP Address Management API (C(/v3/send_ips/ips/{ip})).
  - Adds subusers to, removes subusers from, or sets exactly the subusers of that IP, with the per-IP batch calls
    (C(/v3/send_ips/ips/{ip}/subusers:batchAdd) and C(:batchDelete)). Subusers are named by username here; the
    module maps them to the numeric ids the API uses with C(GET /v3/subusers).
  - Reads the IP first and writes only what differs, with at most one C(PATCH) for the settings and one batch
    call for each of the additions and removals (per 1000 subusers).
  - Everything is checked before the first write, and one error names every problem. The task fails without any
    write for an IP that is not on the account, O(is_enabled) on an IP leased from SendGrid,
    O(is_parent_assigned=false) on an IP that is in a pool (SendGrid keeps pool members parent-assigned), unknown
    usernames, and subusers of another region than the IP's (a global subuser sends only from V(us) IPs, an EU
    subuser only from V(eu) IPs).
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  ip:
    description:
      - The IPv4 address. It must be on the account.
    type: str
    required: true
  is_auto_warmup:
    description:
      - Whether SendGrid warms the IP up automatically.
      - Not changed when not set.
    type: bool
  is_parent_assigned:
    description:
      - Whether the parent account may send from the IP.
      - Not changed when not set.
    type: bool
  is_enabled:
    description:
      - Whether a customer-owned IP (one not leased from SendGrid) is enabled for sending and billed.
      - The API applies it only to customer-owned IPs; setting it for an IP leased from SendGrid fails the task
        before anything is written.
      - Not changed when not set.
    type: bool
  subusers:
    description:
      - Usernames of subusers to assign to the IP, or to remove from it, according to O(subusers_state).
      - When not set, the IP's subusers are neither read nor changed.
      - Every username must be a subuser of the account; unknown ones are all named in one error.
    type: list
    elements: str
  subusers_state:
    description:
      - V(present) assigns O(subusers) to the IP and keeps its other subusers.
      - V(absent) removes O(subusers) from the IP and keeps the others.
      - V(exact) makes O(subusers) the IP's only subusers; with O(subusers=[]) it removes every subuser.
      - Only used with O(subusers).
    type: str
    choices: [present, absent, exact]
    default: present
notes:
  - At least one of O(is_auto_warmup), O(is_parent_assigned), O(is_enabled) and O(subusers) is required.
  - The IP Address Management API answers only the parent account; its write calls, and the listing of one IP's
    subusers, exist only on the global API (C(https://api.sendgrid.com)). With O(region=eu) they go there; with
    O(region=eu) and O(api_url) (no global host known) the task fails before any request, naming the operations.
  - If SendGrid refuses a write for a reason the reads could not reveal, the error keeps SendGrid's message and says
    what was already applied and what was not; run the task again to converge.
seealso:
  - module: mailops.sendgrid.sendgrid_ip_info
  - module: mailops.sendgrid.sendgrid_ip_warmup
  - module: mailops.sendgrid.sendgrid_subuser_ips
"""

EXAMPLES = r"""
- name: Let the parent send from an IP and stop automatic warmup
  mailops.sendgrid.sendgrid_ip:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.10
    is_parent_assigned: true
    is_auto_warmup: false

- name: Assign two more subusers to an IP (keeps its other subusers)
  mailops.sendgrid.sendgrid_ip:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.10
    subusers: [shop-eu, newsletter]

- name: Make shop-eu the only subuser of an IP
  mailops.sendgrid.sendgrid_ip:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.11
    subusers: [shop-eu]
    subusers_state: exact

- name: Disable a customer-owned IP and take every subuser off it
  mailops.sendgrid.sendgrid_ip:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.32
    is_enabled: false
    subusers: []
    subusers_state: exact
"""

RETURN = r"""
ip:
  description:
    - The IP address.
    - A string since 0.2.0; 0.1.0 returned a dictionary holding the address and the settings, which are now
      returned beside it (RV(is_auto_warmup), RV(is_parent_assigned), RV(is_enabled), RV(is_leased), RV(subusers)).
  returned: success
  type: str
  sample: 192.0.2.10
is_auto_warmup:
  description: Whether automatic warmup is on after the task (in check mode, what it would be).
  returned: success
  type: bool
  sample: false
is_parent_assigned:
  description: Whether the parent account may send from the IP after the task (in check mode, what it would be).
  returned: success
  type: bool
  sample: true
is_enabled:
  description: Whether a customer-owned IP is enabled after the task; V(null) for IPs leased from SendGrid.
  returned: success
  type: bool
  sample: null
is_leased:
  description: Whether the IP is leased from SendGrid (rather than customer-owned).
  returned: success
  type: bool
  sample: true
subusers:
  description:
    - Usernames of the subusers assigned to the IP after the task (in check mode, what they would be), sorted.
    - A subuser id the API returns that matches no subuser of the account is shown as the id.
  returned: when O(subusers) is set
  type: list
  elements: str
  sample: [newsletter, shop-eu]
added:
  description: Subusers the task assigned (or would assign) to the IP, sorted.
  returned: when O(subusers) is set
  type: list
  elements: str
  sample: [shop-eu]
removed:
  description: Subusers the task took (or would take) off the IP, sorted.
  returned: when O(subusers) is set
  type: list
  elements: str
  sample: []
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import (
    ADD_IP_SUBUSERS,
    LIST_IP_SUBUSERS,
    REMOVE_IP_SUBUSERS,
    UPDATE_SEND_IP,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import (
    MEMBERSHIP_STATES,
    SubuserDirectory,
    desired_members,
    normalize_ip,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_names
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import Findings, IPFacts, on_account
from ansible_collections.mailops.sendgrid.plugins.module_utils._writes import (
    ip_settings_write,
    ip_subusers_writes,
    run_in_order,
)

SETTINGS = ('is_auto_warmup', 'is_parent_assigned', 'is_enabled')


def ip_state(record: t.Mapping[str, t.Any], subusers: t.Iterable[str] | None) -> dict[str, t.Any]:
    state = {'ip': record['ip'], **{field: record.get(field) for field in SETTINGS}, 'is_leased': record.get('is_leased')}
    if subusers is not None:
        state['subusers'] = sorted(subusers)
    return state


def main() -> None:
    with SendGridModule(
        argument_spec={
            'ip': {'type': 'str', 'required': True},
            'is_auto_warmup': {'type': 'bool'},
            'is_parent_assigned': {'type': 'bool'},
            'is_enabled': {'type': 'bool'},
            'subusers': {'type': 'list', 'elements': 'str'},
            'subusers_state': {'type': 'str', 'choices': list(MEMBERSHIP_STATES), 'default': 'present'},
        },
        required_one_of=[('is_auto_warmup', 'is_parent_assigned', 'is_enabled', 'subusers')],
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        try:
            address = normalize_ip(params['ip'], ipv4_only=True)
        except ValueError as exc:
            raise SendGridInputError(f'ip: {exc}') from None
        requested = clean_names(params['subusers'], 'subusers') if params['subusers'] is not None else None
        # Every operation this module writes with is served only by api.sendgrid.com: without a host for them
        # (api_url taken as the EU host) it fails before any request, naming them.
        sg.api.require(*([UPDATE_SEND_IP] if any(params[field] is not None for field in SETTINGS) else []),
                       *([LIST_IP_SUBUSERS, ADD_IP_SUBUSERS, REMOVE_IP_SUBUSERS] if requested is not None else []))

        current = sg.api.find_send_ip(address)
        if current is None:
            if on_account(sg.api, address):
                raise SendGridInputError(
                    f'ip: {address} is on the account (GET /v3/ips lists it), but the IP Address Management API does'
                    f' not know it (GET /v3/send_ips/ips/{address} found no such IP), so its settings and subusers'
                    ' cannot be managed there yet')
            raise SendGridInputError(f'ip: {address} is not on this SendGrid account')
        current = {**current, 'ip': address}
        settings = {
            field: params[field] for field in SETTINGS
            if params[field] is not None and current.get(field) != params[field]
        }
        # Every rule the API enforces that the reads reveal, all in one error, before the first write.
        findings = Findings()
        findings.check_ip_settings(address, {field: params[field] for field in SETTINGS}, current)

        current_subusers = desired_subusers = None
        additions: dict[str, str] = {}
        removals: dict[str, str] = {}
        if requested is not None:
            directory = SubuserDirectory(sg.api.list_subusers())
            unknown = directory.unknown(requested)
            if unknown:
                findings.problems.append(t.cast(str, directory.unknown_problem(unknown)))
            id_by_name = {directory.name_of(subuser_id): subuser_id for subuser_id in sg.api.list_ip_subuser_ids(address)}
            current_subusers = set(id_by_name)
            desired_subusers = desired_members(current_subusers, set(requested) - set(unknown),
                                               params['subusers_state'])
            additions = {name: directory.id_of(name) for name in desired_subusers - current_subusers}
            removals = {name: id_by_name[name] for name in current_subusers - desired_subusers}
            findings.check_regions({name: {address} for name in additions}, directory.by_name, IPFacts([current]),
                                   where=lambda name: f'subusers: {name}')
        findings.settle(sg.module.warn)

        writes = ([ip_settings_write(address, settings)] if settings else []) \
            + (ip_subusers_writes(address, additions, add=True) if additions else []) \
            + (ip_subusers_writes(address, removals, add=False) if removals else [])
        if writes and not sg.check_mode:
            run_in_order(sg.api, writes)

        before = ip_state(current, current_subusers)
        after = ip_state({**current, **settings}, desired_subusers)
        # Flat: the address under ip, its after-state beside it.
        result: dict[str, t.Any] = {'changed': bool(writes), **after}
        if requested is not None:
            result.update(added=sorted(additions), removed=sorted(removals))
        if sg.diff_mode:
            result['diff'] = sg.diff(before, after)
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
