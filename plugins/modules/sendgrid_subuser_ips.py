#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_subuser_ips
short_description: Manage which dedicated IPs a SendGrid subuser may send from
version_added: 0.1.0
description:
  - Adds IPs to, removes IPs from, or sets exactly the IPs a subuser may send from; the retired Web API v2
    C(customer.sendip task=append) call with C(set=specify) and C(set=all) (O(all_ips)). Its C(set=none) (no IP at
    all) SendGrid does not support, and the task refuses it (see O(ips_state)).
  - Reads the subuser's current IPs first and writes only when something differs.
  - O(ips_state=present) and O(ips_state=absent) change only the named IPs, with one
    C(POST /v3/send_ips/ips/{ip}/subusers:batchAdd) or C(:batchDelete) call per IP. An IP another task or play
    gives the subuser at the same time is therefore kept. O(ips_state=exact) (and O(all_ips) with it) replaces the
    whole list with one C(PUT /v3/subusers/{name}/ips) call.
  - Names are stripped of leading and trailing whitespace.
  - Every IP is checked before anything is written, all problems in one error. IPs that are not on the account are
    named. So are IPs of another region than the subuser's, as SendGrid would refuse them (a global subuser sends
    only from V(us) IPs, an EU subuser only from V(eu) IPs). The regions come from C(GET /v3/send_ips/ips), read
    only when an IP is added. An IP whose region that listing does not give is left to SendGrid, with a warning.
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
  subuser:
    description:
      - Username of the subuser.
    type: str
    required: true
  ips:
    description:
      - IPv4 addresses (the API accepts only IPv4 here). Required unless O(all_ips=true).
      - Duplicates are ignored; the addresses must be on the account.
    type: list
    elements: str
  ips_state:
    description:
      - How O(ips) combine with the subuser's current IPs, as in every module of the collection.
      - V(present) adds O(ips) and keeps the subuser's other IPs.
      - V(absent) removes O(ips) and keeps the others.
      - V(exact) makes O(ips) the subuser's only IPs.
      - A subuser keeps at least one IP. SendGrid refuses C(PUT /v3/subusers/{name}/ips) with no IP, so when the
        task would take every IP away with it (O(ips_state=exact) with O(ips=[]), the v2 C(set=none), or the
        removal of the last IPs where no host serves the batch calls) it fails before any write, as
        M(mailops.sendgrid.sendgrid_ip_layout) does.
      - The alias O(state) is deprecated and will be removed in mailops.sendgrid 1.0.0.
    type: str
    choices: [present, absent, exact]
    default: present
    aliases: [state]
  all_ips:
    description:
      - Let the subuser send from every IP on the account in its region (v2 C(set=all)). A global subuser gets every
        V(us) IP, an EU subuser every V(eu) IP, as SendGrid does not let a subuser send from another region's IPs.
        This reads C(GET /v3/send_ips/ips) for the IPs' regions; the task fails if the API refuses that listing.
      - The account's IPs are those of C(GET /v3/ips). An IP whose region C(GET /v3/send_ips/ips) does not give is
        neither added nor, with O(ips_state=exact), removed; a warning names it.
      - Cannot be combined with O(ips) or O(ips_state=absent).
    type: bool
    default: false
notes:
  - The batch calls are served only by C(https://api.sendgrid.com); with O(region=eu) they go there. With
    O(region=eu) and O(api_url) (O(api_url) is taken as the EU host, and no host is known for them) the module makes
    the one C(PUT /v3/subusers/{name}/ips) of the whole list instead. That gives the same result, but is not safe
    against concurrent changes; an IP another run adds to or removes from the same subuser between this task's read
    and its write is undone.
seealso:
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: Let shop-eu send from two more IPs (keeps its other IPs)
  mailops.sendgrid.sendgrid_subuser_ips:
    api_key: "{{ sendgrid_api_key }}"
    subuser: shop-eu
    ips: [192.0.2.31, 192.0.2.32]

- name: Make these the only IPs of newsletter (v2 set=specify)
  mailops.sendgrid.sendgrid_subuser_ips:
    api_key: "{{ sendgrid_api_key }}"
    subuser: newsletter
    ips: [192.0.2.20]
    ips_state: exact

- name: Take one IP away from newsletter
  mailops.sendgrid.sendgrid_subuser_ips:
    api_key: "{{ sendgrid_api_key }}"
    subuser: newsletter
    ips: [192.0.2.21]
    ips_state: absent

- name: Every IP of the account in the subuser's region (v2 set=all)
  mailops.sendgrid.sendgrid_subuser_ips:
    api_key: "{{ sendgrid_api_key }}"
    subuser: transactional-us
    all_ips: true
"""

RETURN = r"""
subuser:
  description: The subuser's username.
  returned: success
  type: str
  sample: shop-eu
ips:
  description: The subuser's IPs after the task (in check mode, what they would be), sorted.
  returned: success
  type: list
  elements: str
  sample: [192.0.2.10, 192.0.2.31]
added:
  description: IPs the task added (or would add), sorted.
  returned: success
  type: list
  elements: str
  sample: [192.0.2.31]
removed:
  description: IPs the task removed (or would remove), sorted.
  returned: success
  type: list
  elements: str
  sample: []
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import UPDATE_SUBUSER_IPS
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError, format_items
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import (
    MEMBERSHIP_STATES,
    SubuserDirectory,
    desired_members,
    normalize_ips,
    sort_ips,
    subuser_ip_region,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name, renamed_from
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import Findings, IPFacts
from ansible_collections.mailops.sendgrid.plugins.module_utils._writes import run_in_order, subuser_membership_writes


def every_ip_of_region(
    account_ips: set[str], current: set[str], entry: t.Mapping[str, t.Any], facts: IPFacts, state: str,
) -> tuple[set[str], list[str]]:
    """all_ips: the subuser's IPs after the task, and the warnings.

    "Every IP" is every IP of ``GET /v3/ips`` in the subuser's region. An IP whose region
    ``GET /v3/send_ips/ips`` does not give is neither added nor, with ``ips_state=exact``, removed.
    """
    if not facts.available:
        raise SendGridInputError(
            f'all_ips needs the region of every IP, from {facts.why_unknown()}; list the IPs in ips instead')
    region = subuser_ip_region(entry)
    same_region = {ip for ip in account_ips if facts.value(ip, 'region') == region}
    unknown = {ip for ip in account_ips if facts.value(ip, 'region') is None}
    warnings = []
    if unknown:
        kept = sort_ips(unknown & current)
        warnings.append(
            f'all_ips: the region of {format_items(sort_ips(unknown))} could not be established ({facts.why_unknown()}),'
            ' so all_ips neither adds nor removes them' + (f' (the subuser keeps {format_items(kept)})' if kept else ''))
    if state == 'exact':
        return same_region | (current & unknown), warnings
    return current | same_region, warnings


def main() -> None:
    with SendGridModule(
        argument_spec={
            'subuser': {'type': 'str', 'required': True},
            'ips': {'type': 'list', 'elements': 'str'},
            'ips_state': {'type': 'str', 'choices': list(MEMBERSHIP_STATES), 'default': 'present',
                          **renamed_from('state')},
            'all_ips': {'type': 'bool', 'default': False},
        },
        mutually_exclusive=[('ips', 'all_ips')],
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        username = clean_name(params['subuser'], 'subuser')
        # Not required_one_of=[('ips', 'all_ips')]: the default all_ips=false would always satisfy it.
        if params['ips'] is None and not params['all_ips']:
            raise SendGridInputError(
                'ips is required unless all_ips=true')
        state = params['ips_state']
        if params['all_ips'] and state == 'absent':
            raise SendGridInputError('all_ips=true cannot be combined with ips_state=absent')
        requested = [] if params['all_ips'] else normalize_ips(params['ips'] or [], ipv4_only=True)

        directory = SubuserDirectory(sg.api.list_subusers(username=username))
        directory.require([username], option='subuser')
        entry = directory.by_name[username]
        account = sg.api.list_ips()
        account_ips = {record['ip'] for record in account}
        current = {record['ip'] for record in account if username in (record.get('subusers') or [])}

        findings = Findings()
        if params['all_ips']:
            desired, warnings = every_ip_of_region(account_ips, current, entry, IPFacts.read(sg.api), state)
            findings.warnings.extend(warnings)
        else:
            findings.check_on_account(requested, account_ips)
            desired = desired_members(current, set(requested) & account_ips, state)
            if desired - current:
                # A subuser sends only from IPs of its region: checked before the write, not left to the API.
                findings.check_regions({username: desired - current}, directory.by_name, IPFacts.read(sg.api),
                                       where=lambda name: 'ips')
        # PUT for an exact list; otherwise the batch calls, which keep concurrent changes (the PUT of the whole
        # list where no host serves them).
        writes = subuser_membership_writes(sg.api, username, directory.id_of(username), current, desired,
                                           exact=state == 'exact')
        if not desired and any(write.operation is UPDATE_SUBUSER_IPS for write in writes):
            findings.problems.append(
                f'ips: this would take every IP away from subuser {username!r} ({format_items(sort_ips(current))}),'
                ' which SendGrid does not support (PUT /v3/subusers/{name}/ips with no IP is refused);'
                ' give it at least one IP')
        findings.settle(sg.module.warn)
        if writes and not sg.check_mode:
            run_in_order(sg.api, writes)

        added, removed = sort_ips(desired - current), sort_ips(current - desired)
        result = {'changed': bool(writes), 'subuser': username, 'ips': sort_ips(desired), 'added': added,
                  'removed': removed}
        if sg.diff_mode:
            result['diff'] = sg.diff({'subuser': username, 'ips': sort_ips(current)},
                                     {'subuser': username, 'ips': sort_ips(desired)})
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
