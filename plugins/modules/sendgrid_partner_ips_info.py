#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_partner_ips_info
short_description: List the dedicated IPs of several customer accounts of a SendGrid partner
version_added: 0.2.0
description:
  - For SendGrid partners (resellers), lists the IPs and their region of each customer account in O(account_ids)
    in one task, with the partner IP provisioning API (C(GET /v3/partners/accounts/{accountID}/ips), all pages)
    and the partner's API key.
  - The successor of the Web API v2 C(reseller.ip task=all) view across customers. The partner API gives each
    IP's address and region only; which subuser of the customer uses an IP is not part of it.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
  - mailops.sendgrid.sendgrid.info_module
options:
  account_ids:
    description:
      - The SendGrid ids of the customer accounts. Duplicates are ignored.
      - An id SendGrid does not know fails the task, naming it.
    type: list
    elements: str
    required: true
  ip:
    description:
      - Only IPs matching this exact address, address prefix (such as V(192.0.2.)) or CIDR network (such as
        V(192.0.2.0/28)).
    type: str
  ip_region:
    description:
      - Only IPs in this region.
    type: str
    choices: [us, eu]
notes:
  - The accounts are read one after the other, one request per page (up to 5000 IPs) and account.
seealso:
  - module: mailops.sendgrid.sendgrid_partner_ips
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: Every IP of three customer accounts (v2 reseller.ip task=all)
  mailops.sendgrid.sendgrid_partner_ips_info:
    api_key: "{{ partner_api_key }}"
    account_ids: "{{ customer_accounts }}"
  register: customers

- name: How many IPs each customer holds
  ansible.builtin.debug:
    msg: "{{ item.account_id }}: {{ item.count }} IP(s)"
  loop: "{{ customers.accounts }}"

- name: Which customer holds an address of this range
  mailops.sendgrid.sendgrid_partner_ips_info:
    api_key: "{{ partner_api_key }}"
    account_ids: "{{ customer_accounts }}"
    ip: 203.0.113.0/24
  register: range_owners
"""

RETURN = r"""
ips:
  description: The matching IPs of every account, sorted by account id, then IP.
  returned: success
  type: list
  elements: dict
  contains:
    account_id:
      description: The customer account that holds the IP.
      type: str
      sample: sg1a2bcd3ef4ab5c67d8efab91c01de2fa
    ip:
      description: The IP address.
      type: str
      sample: 203.0.113.10
    region:
      description: The IP's region, V(us) or V(eu); V(null) when the listing does not give it.
      type: str
      sample: eu
accounts:
  description: Each account of O(account_ids) with its matching IPs, sorted by account id.
  returned: success
  type: list
  elements: dict
  contains:
    account_id:
      description: The customer account's id.
      type: str
      sample: sg1a2bcd3ef4ab5c67d8efab91c01de2fa
    ips:
      description: Its matching IPs, sorted.
      type: list
      elements: str
      sample: [203.0.113.10]
    count:
      description: How many matching IPs it holds.
      type: int
      sample: 1
"""

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError, SendGridNotFoundError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import ip_matcher, ip_sort_key
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_names


def main() -> None:
    with SendGridModule(
        argument_spec={
            'account_ids': {'type': 'list', 'elements': 'str', 'required': True},
            'ip': {'type': 'str'},
            'ip_region': {'type': 'str', 'choices': ['us', 'eu']},
        },
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        account_ids = clean_names(params['account_ids'], 'account_ids')
        if not account_ids:
            raise SendGridInputError('account_ids: give at least one customer account id')
        match = ip_matcher(params['ip']) if params['ip'] is not None else None

        ips, accounts = [], []
        for account_id in account_ids:
            try:
                listing = sg.api.list_partner_account_ips(account_id)
            except SendGridNotFoundError as exc:
                exc.message += f' (account_ids: {account_id!r} is not a customer account of this partner)'
                raise
            selected = sorted(
                ({'account_id': account_id, 'ip': str(entry['ip']), 'region': entry.get('region')}
                 for entry in listing if isinstance(entry, dict) and entry.get('ip')
                 and (match is None or match(str(entry['ip'])))
                 and (params['ip_region'] is None or entry.get('region') == params['ip_region'])),
                key=lambda entry: ip_sort_key(entry['ip']))
            ips.extend(selected)
            accounts.append({'account_id': account_id, 'ips': [entry['ip'] for entry in selected],
                             'count': len(selected)})
        sg.exit_json(changed=False, ips=ips, accounts=accounts)


if __name__ == '__main__':
    main()
