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
  - Lists every IP pool of the account, or the one named O(name), each with the full list of its IPs.
  - Reads C(GET /v3/send_ips/pools) (all pages) and, for each pool that has IPs, every page of
    C(GET /v3/send_ips/pools/{id}/ips); the API's C(ips_preview) (at most 10 IPs) is never used as the IP list.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
  - mailops.sendgrid.sendgrid.info_module
options:
  name:
    description:
      - Only the pool with this name (case-sensitive).
      - If no pool has this name, the task fails and names the account's pools (a misspelt name is not taken for
        an empty answer).
    type: str
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
    name: transactional
  register: transactional

- name: Show the IPs of the pool
  ansible.builtin.debug:
    msg: "{{ transactional.pools[0].ips }}"
"""

RETURN = r"""
pools:
  description:
    - The pools, sorted by name. With O(name), the one pool of that name.
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
      description: How many IPs the pool holds (the length of RV(pools[].ips)).
      type: int
      sample: 2
  sample: [{"name": "transactional", "id": "12345", "ips": ["192.0.2.10", "192.0.2.11"], "ip_count": 2}]
"""

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import sort_ips, unknown_pool_message
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule


def main() -> None:
    with SendGridModule(
        argument_spec={
            'name': {'type': 'str'},
        },
        supports_check_mode=True,
    ) as sg:
        name = sg.params['name']
        every_pool = sg.api.list_pools()
        pools = [pool for pool in every_pool if name is None or pool['name'] == name]
        if name is not None and not pools:
            raise SendGridInputError(unknown_pool_message('name', name, (pool['name'] for pool in every_pool)))
        result = []
        for pool in sorted(pools, key=lambda entry: entry['name']):
            # A pool the listing reports as empty needs no IP listing.
            ips = sort_ips(sg.api.list_pool_ips(pool['id'])) if pool.get('total_ip_count') != 0 else []
            result.append({'name': pool['name'], 'id': pool['id'], 'ips': ips, 'ip_count': len(ips)})
        sg.exit_json(changed=False, pools=result)


if __name__ == '__main__':
    main()
