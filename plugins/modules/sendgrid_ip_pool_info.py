#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip_pool_info
short_description: List the IP pools of a SendGrid account with all their IPs
version_added: 0.1.0
description:
  - Lists every IP pool of the account, or the one named O(pool), each with the full list of its IPs.
  - Reads C(GET /v3/send_ips/pools) (all pages) and, for each pool that has IPs, every page of
    C(GET /v3/send_ips/pools/{id}/ips); the API's C(ips_preview) (at most 10 IPs) is never used as the IP list.
  - When the pool listing's C(total_ip_count) of a pool differs from the number of IPs its IP listing gives, the
    task warns and names each such pool; RV(pools[].ips) and RV(pools[].ip_count) are those of the IP listing.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
  - mailops.sendgrid.sendgrid.info_module
options:
  pool:
    description:
      - Only the pool with this name (case-sensitive; leading and trailing whitespace is stripped, as in every
        module of the collection).
      - The alias O(name) is deprecated and will be removed in mailops.sendgrid 1.0.0.
      - If no pool has this name, the task fails and names the account's pools (a misspelt name is not taken for
        an empty answer).
    type: str
    aliases: [name]
seealso:
  - module: mailops.sendgrid.sendgrid_ip_pool
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: List every pool with its IPs
  mailops.sendgrid.sendgrid_ip_pool_info:
    api_key: "{{ sendgrid_api_key }}"
  register: all_pools

- name: One pool
  mailops.sendgrid.sendgrid_ip_pool_info:
    api_key: "{{ sendgrid_api_key }}"
    pool: transactional
  register: transactional

- name: Show the IPs of the pool
  ansible.builtin.debug:
    msg: "{{ transactional.pools[0].ips }}"
"""

RETURN = r"""
pools:
  description:
    - The pools, sorted by name. With O(pool), the one pool of that name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The pool's name.
      type: str
      sample: transactional
    id:
      description: The pool's id.
      type: str
      sample: "12345"
    ips:
      description: All IPs of the pool, sorted.
      type: list
      elements: str
      sample: [192.0.2.10, 192.0.2.11]
    ip_count:
      description:
        - How many IPs the pool holds (the length of RV(pools[].ips)).
        - A warning names the pools for which C(GET /v3/send_ips/pools) gives another C(total_ip_count).
      type: int
      sample: 2
  sample: [{"name": "transactional", "id": "12345", "ips": ["192.0.2.10", "192.0.2.11"], "ip_count": 2}]
"""

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError, format_items
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import sort_ips, unknown_pool_message
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name, renamed_from


def main() -> None:
    with SendGridModule(
        argument_spec={
            'pool': {'type': 'str', **renamed_from('name')},
        },
        supports_check_mode=True,
    ) as sg:
        name = clean_name(sg.params['pool'], 'pool') if sg.params['pool'] is not None else None
        every_pool = sg.api.list_pools()
        pools = [pool for pool in every_pool if name is None or pool['name'] == name]
        if name is not None and not pools:
            raise SendGridInputError(unknown_pool_message('pool', name, (pool['name'] for pool in every_pool)))
        result = []
        disagree = []
        for pool in sorted(pools, key=lambda entry: entry['name']):
            # A pool the listing reports as empty needs no IP listing.
            ips = sort_ips(sg.api.list_pool_ips(pool['id'])) if pool.get('total_ip_count') != 0 else []
            result.append({'name': pool['name'], 'id': pool['id'], 'ips': ips, 'ip_count': len(ips)})
            counted = pool.get('total_ip_count')
            if isinstance(counted, int) and not isinstance(counted, bool) and counted != len(ips):
                disagree.append(f'{pool["name"]} (total_ip_count {counted}, {len(ips)} listed)')
        if disagree:
            # Never a silent answer: which of the two is right cannot be known from here.
            sg.module.warn(
                f'GET /v3/send_ips/pools and GET /v3/send_ips/pools/{{id}}/ips disagree on how many IPs'
                f' {len(disagree)} pool(s) hold: {format_items(disagree)}; ips and ip_count are what the IP'
                ' listing gives (every page)')
        sg.exit_json(changed=False, pools=result)


if __name__ == '__main__':
    main()
