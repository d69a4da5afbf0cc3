#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_subuser_info
short_description: List the subusers of a SendGrid account with the IPs each may send from
version_added: 0.1.0
description:
  - Lists the account's subusers with their id, email, region, whether they are disabled, and the dedicated IPs
    each one may send from.
  - Reads the subuser listing (C(GET /v3/subusers)) and the IP listing (C(GET /v3/ips)) once each (all pages),
    never one request per subuser.
  - Also returns each subuser's sender reputation, from one C(GET /v3/subusers/reputations).
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
  - mailops.sendgrid.sendgrid.info_module
options:
  subuser:
    description:
      - Only the subuser with exactly this username (leading and trailing whitespace is stripped, as in every module
        of the collection).
      - A username that is no subuser of the account fails the task (a misspelt name is not taken for an empty
        answer).
      - The alias O(username) is deprecated and will be removed in mailops.sendgrid 1.0.0.
    type: str
    aliases: [username]
  disabled:
    description:
      - Only disabled subusers (V(true)) or only enabled subusers (V(false)).
    type: bool
  subuser_region:
    description:
      - Only subusers in this region. Subusers not pinned to a region are V(global).
      - Named so because O(region) selects the API to talk to.
    type: str
    choices: [global, eu]
notes:
  - When no subuser matches the filters, neither the IP listing nor the reputations are read.
  - SendGrid notes that the reputation of an EU regional subuser is not calculated accurately, as the data needed
    stays in the EU.
  - If the reputations cannot be read (for example with an API key without the scope for them, HTTP 401 or 403,
    or an answer that is not the documented list), the task still succeeds, every RV(subusers[].reputation) is
    V(null), and a warning says why.
seealso:
  - module: mailops.sendgrid.sendgrid_ip_info
  - module: mailops.sendgrid.sendgrid_subuser_ips
"""

EXAMPLES = r"""
- name: List every subuser with its IPs
  mailops.sendgrid.sendgrid_subuser_info:
    api_key: "{{ sendgrid_api_key }}"
  register: all_subusers

- name: The IPs of one subuser
  mailops.sendgrid.sendgrid_subuser_info:
    api_key: "{{ sendgrid_api_key }}"
    subuser: shop-eu
  register: shop

- name: Show them
  ansible.builtin.debug:
    msg: "{{ (shop.subusers | first).ips }}"

- name: Disabled EU subusers that still hold IPs
  mailops.sendgrid.sendgrid_subuser_info:
    api_key: "{{ sendgrid_api_key }}"
    disabled: true
    subuser_region: eu
  register: dormant

- name: Their usernames
  ansible.builtin.debug:
    msg: "{{ dormant.subusers | selectattr('ips') | map(attribute='username') | list }}"
"""

RETURN = r"""
subusers:
  description: The matching subusers, sorted by username.
  returned: success
  type: list
  elements: dict
  contains:
    username:
      description: The subuser's username.
      type: str
      sample: shop-eu
    id:
      description: The subuser's numeric id (the id the IP Address Management API uses).
      type: int
      sample: 1001
    email:
      description: The subuser's email address.
      type: str
      sample: shop@example.com
    disabled:
      description: Whether the subuser is disabled.
      type: bool
      sample: false
    region:
      description: The subuser's region, V(global) or V(eu); V(null) when the API does not say.
      type: str
      sample: eu
    ips:
      description: The IPs the subuser may send from, sorted.
      type: list
      elements: str
      sample: [192.0.2.10, 192.0.2.11]
    reputation:
      description:
        - The subuser's sender reputation (0 to 100), as C(GET /v3/subusers/reputations) gives it.
        - V(null) when SendGrid gives none for the subuser, or the reputations could not be read (see the warning).
      type: float
      sample: 99.5
      version_added: 0.2.0
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import (
    SendGridAuthenticationError,
    SendGridNotFoundError,
    SendGridUnexpectedResponseError,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import SubuserDirectory, sort_ips
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name, renamed_from

SUBUSER_REGIONS = ('global', 'eu')


def matches(entry: t.Mapping[str, t.Any], params: t.Mapping[str, t.Any]) -> bool:
    if params['subuser'] is not None and entry.get('username') != params['subuser']:
        return False
    if params['disabled'] is not None and bool(entry.get('disabled')) != params['disabled']:
        return False
    if params['subuser_region'] is not None and entry.get('region') != params['subuser_region']:
        return False
    return True


def read_reputations(sg: SendGridModule) -> dict[str, float]:
    """Reputation by username; an API key that may not read them gives a warning, not a failure."""
    try:
        entries = sg.api.list_subuser_reputations()
    except (SendGridAuthenticationError, SendGridNotFoundError, SendGridUnexpectedResponseError) as exc:
        sg.module.warn(f'subuser reputations are not returned (every reputation is null): {exc.message}')
        return {}
    return {str(entry['username']): float(entry['reputation']) for entry in entries
            if isinstance(entry, dict) and entry.get('username') is not None
            and isinstance(entry.get('reputation'), (int, float)) and not isinstance(entry.get('reputation'), bool)}


def main() -> None:
    with SendGridModule(
        argument_spec={
            'subuser': {'type': 'str', **renamed_from('username')},
            'disabled': {'type': 'bool'},
            'subuser_region': {'type': 'str', 'choices': list(SUBUSER_REGIONS)},
        },
        supports_check_mode=True,
    ) as sg:
        params = {**sg.params}
        if params['subuser'] is not None:
            params['subuser'] = clean_name(params['subuser'], 'subuser')
        # The username query narrows the listing; the exact match is checked here as well.
        listed_subusers = sg.api.list_subusers(username=params['subuser'])
        if params['subuser'] is not None:
            SubuserDirectory(listed_subusers).require([params['subuser']], option='subuser')
        selected = [entry for entry in listed_subusers if matches(entry, params)]

        ips_by_username: dict[str, list[str]] = {entry['username']: [] for entry in selected}
        reputations: dict[str, float] = {}
        if selected:
            for record in sg.api.list_ips():
                for username in record.get('subusers') or ():
                    if username in ips_by_username:
                        ips_by_username[username].append(record['ip'])
            reputations = read_reputations(sg)

        subusers = [
            {
                'username': entry['username'],
                'id': int(entry['id']),
                'email': entry.get('email'),
                'disabled': bool(entry.get('disabled')),
                'region': entry.get('region'),
                'ips': sort_ips(ips_by_username[entry['username']]),
                'reputation': reputations.get(entry['username']),
            }
            for entry in sorted(selected, key=lambda entry: entry['username'])
        ]
        sg.exit_json(changed=False, subusers=subusers)


if __name__ == '__main__':
    main()
