#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip_info
short_description: List the dedicated IPs of a SendGrid account (all, free, taken, available)
version_added: 0.1.0
description:
  - Lists the account's IPs with the subusers (usernames) that may send from each, their pools, warmup and reverse DNS,
    and where the API gives them the IP-management settings (O(fields)).
  - Classifies IPs the way the retired Web API v2 C(customer.ip) call did (O(status)), computed from v3 data.
  - Also returns RV(usage), the C({ip, subuser}) pairs of the v2 C(reseller.ip task=usage) call.
  - Makes only the requests the asked-for fields and filters need, and never one request per IP.
  - C(GET /v3/ips) decides which IPs the account has. C(GET /v3/send_ips/ips), a separate system that need not
    list the same IPs at the same moment, only adds the IP-management fields. An IP it lacks is still returned
    with its other fields, its IP-management fields are V(null), and a warning names it. Only an IP-management
    filter (O(is_leased), O(is_enabled), O(is_parent_assigned), O(ip_region), O(added_after), O(added_before))
    excludes an IP.
  - When C(GET /v3/send_ips/ips) is refused (HTTP 401, 403 or 404, as for a key without the IP Address Management
    scope or an account without that API), the listing still succeeds with the other fields and a warning that
    says which call failed and why; with an IP-management filter it fails.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
  - mailops.sendgrid.sendgrid.info_module
  - mailops.sendgrid.sendgrid.ip_listing
options:
  fields:
    description:
      - The fields to return for each IP (besides RV(ips[].ip), which is always there).
      - Asking only for V(subusers), V(pools), V(warmup), V(start_date), V(rdns) and V(whitelabeled), with no filter on the
        IP-management settings, saves the C(GET /v3/send_ips/ips) listing.
      - Defaults to every field, the IP's V(region) included (what deciding which subuser may send from an IP
        needs), at the cost of that second listing (all pages, 1000 IPs per page).
    type: list
    elements: str
    choices: [subusers, pools, warmup, start_date, rdns, whitelabeled, is_auto_warmup, is_parent_assigned, is_enabled,
              is_leased, added_at, updated_at, region]
notes:
  - Reads C(GET /v3/ips) always, C(GET /v3/send_ips/ips) only for the IP-management fields and filters, and
    C(GET /v3/subusers) only for O(status=available) or O(subuser). All pages are read.
  - Reads C(GET /v3/send_ips/pools) only when O(pool) names a pool that no IP is in, to tell an empty pool from
    a pool that does not exist (an error).
seealso:
  - module: mailops.sendgrid.sendgrid_subuser_ips
"""

EXAMPLES = r"""
- name: List every IP of the account
  mailops.sendgrid.sendgrid_ip_info:
    api_key: "{{ sendgrid_api_key }}"
  register: all_ips

- name: Free IPs (the v2 customer.ip list=free)
  mailops.sendgrid.sendgrid_ip_info:
    api_key: "{{ sendgrid_api_key }}"
    status: free
  register: free

- name: IPs a subuser may send from (the v2 customer.sendip task=list)
  mailops.sendgrid.sendgrid_ip_info:
    api_key: "{{ sendgrid_api_key }}"
    subuser: shop-eu
    fields: [pools]
  register: shop_ips

- name: Customer-owned IPs in a network, with only the fields a report needs
  mailops.sendgrid.sendgrid_ip_info:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.0/24
    is_leased: false
    fields: [subusers, is_enabled]

- name: Available IPs a global subuser may be given (global subusers send from us IPs)
  mailops.sendgrid.sendgrid_ip_info:
    api_key: "{{ sendgrid_api_key }}"
    status: available
    ip_region: us
    fields: [region]
  register: available_us

- name: Which subuser uses which IP (the v2 reseller.ip task=usage)
  ansible.builtin.debug:
    msg: "{{ all_ips.usage | map(attribute='subuser') | list }}"
"""

RETURN = r"""
ips:
  description: The matching IPs, sorted by address. Each has RV(ips[].ip) plus the fields in O(fields).
  returned: success
  type: list
  elements: dict
  contains:
    ip:
      description: The IP address.
      type: str
      sample: 192.0.2.10
    subusers:
      description: Usernames of the subusers that may send from this IP, sorted.
      type: list
      elements: str
      sample: [shop-eu]
    pools:
      description: Names of the IP pools this IP belongs to, sorted.
      type: list
      elements: str
      sample: [transactional]
    warmup:
      description: Whether the IP is warming up.
      type: bool
    start_date:
      description: When the warmup started (Unix seconds), or V(null).
      type: int
    rdns:
      description: The reverse DNS name, or V(null).
      type: str
      sample: o1.mail.example.com
    whitelabeled:
      description: Whether the IP has a reverse DNS record.
      type: bool
    is_auto_warmup:
      description:
        - Whether automatic warmup is on.
        - This and the other IP-management fields below are V(null) for an IP C(GET /v3/send_ips/ips) does not
          list (a warning names such IPs).
      type: bool
    is_parent_assigned:
      description: Whether the parent account may send from this IP.
      type: bool
    is_enabled:
      description: Whether a customer-owned IP is enabled; V(null) for IPs leased from SendGrid.
      type: bool
    is_leased:
      description: Whether the IP is leased from SendGrid (rather than customer-owned).
      type: bool
    added_at:
      description: When the IP was added to the account (Unix seconds).
      type: int
    updated_at:
      description: When the IP was last updated (Unix seconds), or V(null).
      type: int
    region:
      description:
        - The IP's region, V(us) or V(eu). A global subuser can only send from V(us) IPs, an EU subuser only from
          V(eu) IPs.
        - V(null) when C(GET /v3/send_ips/ips) does not list the IP.
      type: str
usage:
  description: One C({ip, subuser}) pair for each subuser of each returned IP, sorted by IP then subuser.
  returned: success
  type: list
  elements: dict
  sample: [{"ip": "192.0.2.10", "subuser": "shop-eu"}]
"""

from ansible_collections.mailops.sendgrid.plugins.module_utils._ip_listing import (
    ALL_FIELDS,
    IP_REGIONS,
    IPListingQuery,
    list_account_ips,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import STATUSES
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule


def main() -> None:
    with SendGridModule(
        argument_spec={
            'status': {'type': 'str', 'choices': list(STATUSES), 'default': 'all'},
            'pools_as_taken': {'type': 'bool', 'default': False},
            'ip': {'type': 'str'},
            'subuser': {'type': 'str'},
            'pool': {'type': 'str'},
            'is_leased': {'type': 'bool'},
            'is_enabled': {'type': 'bool'},
            'is_parent_assigned': {'type': 'bool'},
            'ip_region': {'type': 'str', 'choices': list(IP_REGIONS)},
            'added_after': {'type': 'str'},
            'added_before': {'type': 'str'},
            'fields': {'type': 'list', 'elements': 'str', 'choices': list(ALL_FIELDS)},
        },
        mutually_exclusive=[('pool', 'is_parent_assigned')],
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        query = IPListingQuery(**{name: params[name] for name in (
            'status', 'pools_as_taken', 'ip', 'subuser', 'pool', 'is_leased', 'is_enabled', 'is_parent_assigned',
            'ip_region', 'added_after', 'added_before', 'fields')})
        listing = list_account_ips(sg.api, query)
        for warning in listing.pop('warnings'):
            sg.module.warn(warning)
        sg.exit_json(changed=False, **listing)


if __name__ == '__main__':
    main()
