#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_reverse_dns_info
short_description: List the reverse DNS records of the dedicated IPs of a SendGrid account
version_added: 0.2.0
description:
  - Lists the account's reverse DNS records (C(GET /v3/whitelabel/ips), all pages) with their validity, the A
    record each needs, and the users that may send from each IP.
  - With O(ip), only the records of matching IPs; an address or an address prefix is also passed to SendGrid's
    prefix search so that fewer records are read.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
  - mailops.sendgrid.sendgrid.info_module
options:
  ip:
    description:
      - Only records of IPs matching this exact address, address prefix (such as V(192.0.2.)) or CIDR network
        (such as V(192.0.2.0/28)).
    type: str
  domain:
    description:
      - Only records of this domain (compared without regard to case).
    type: str
  valid:
    description:
      - Only valid records (V(true)), or only records SendGrid could not validate yet (V(false)).
    type: bool
notes:
  - The API key needs the C(whitelabel.read) scope.
  - An IP without a reverse DNS record does not appear. To find the IPs that still need one, compare with
    M(mailops.sendgrid.sendgrid_ip_info).
seealso:
  - module: mailops.sendgrid.sendgrid_reverse_dns
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: Every reverse DNS record
  mailops.sendgrid.sendgrid_reverse_dns_info:
    api_key: "{{ sendgrid_api_key }}"
  register: rdns

- name: The A records still to be created or fixed
  mailops.sendgrid.sendgrid_reverse_dns_info:
    api_key: "{{ sendgrid_api_key }}"
    valid: false
  register: pending

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.a_record.host }} {{ item.a_record.type }} {{ item.a_record.data }}"
  loop: "{{ pending.records }}"

- name: The records of one range
  mailops.sendgrid.sendgrid_reverse_dns_info:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.0/28
"""

RETURN = r"""
records:
  description: The matching reverse DNS records, sorted by IP (then record id).
  returned: success
  type: list
  elements: dict
  contains:
    record_id:
      description: The record's id.
      type: int
      sample: 123
    ip:
      description: The IP address.
      type: str
      sample: 192.0.2.10
    rdns:
      description: The reverse DNS name of the IP.
      type: str
      sample: o1.mail.example.com
    domain:
      description: The record's domain.
      type: str
      sample: example.com
    subdomain:
      description: The record's subdomain; V(null) when SendGrid does not give one.
      type: str
      sample: mail
    valid:
      description: Whether SendGrid considers the record valid.
      type: bool
      sample: true
    legacy:
      description: Whether the record was made with SendGrid's legacy whitelabel tool.
      type: bool
      sample: false
    last_validation_attempt_at:
      description: When SendGrid last tried to validate the record (Unix seconds); V(null) if it does not say.
      type: int
      sample: 1735689600
    users:
      description: Usernames of the users that may send from the IP, sorted.
      type: list
      elements: str
      sample: [shop-eu]
    a_record:
      description: The A record the record needs at the DNS host.
      type: dict
      contains:
        host:
          description: The full name of the A record.
          type: str
          sample: o1.mail.example.com
        type:
          description: The record type, upper-cased.
          type: str
          sample: A
        data:
          description: The IP address.
          type: str
          sample: 192.0.2.10
        valid:
          description: Whether SendGrid found the A record.
          type: bool
          sample: true
"""

import ipaddress

from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import ip_matcher
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._reverse_dns import (
    normalize_dns_name,
    record_view,
    sort_records,
)


def api_prefix(pattern: str | None) -> str | None:
    """The part of the ``ip`` filter SendGrid's prefix search understands: an address or a prefix, not a CIDR."""
    if pattern is None:
        return None
    pattern = pattern.strip()
    if '/' in pattern:
        network = ipaddress.ip_network(pattern, strict=False)
        # The fixed leading octets of an IPv4 network are a prefix SendGrid can search for.
        octets = network.prefixlen // 8 if network.version == 4 else 0
        return '.'.join(str(network.network_address).split('.')[:octets]) + '.' if octets else None
    return pattern


def main() -> None:
    with SendGridModule(
        argument_spec={
            'ip': {'type': 'str'},
            'domain': {'type': 'str'},
            'valid': {'type': 'bool'},
        },
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        match = ip_matcher(params['ip']) if params['ip'] is not None else None
        domain = normalize_dns_name(params['domain'], 'domain') if params['domain'] is not None else None

        records = []
        for record in sg.api.list_reverse_dns(ip_prefix=api_prefix(params['ip'])):
            view = record_view(record)
            if match is not None and not match(str(view['ip'] or '')):
                continue
            if domain is not None and str(view['domain'] or '').lower().rstrip('.') != domain:
                continue
            if params['valid'] is not None and view['valid'] != params['valid']:
                continue
            records.append(view)
        sg.exit_json(changed=False, records=sort_records(records))


if __name__ == '__main__':
    main()
