#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip_warmup
short_description: Start or stop the warmup of a SendGrid dedicated IP
version_added: 0.1.0
description:
  - Puts one IP of the account into warmup mode (C(POST /v3/ips/warmup)) or takes it out (C(DELETE /v3/ips/warmup/{ip})).
  - Reads the list of IPs in warmup (C(GET /v3/ips/warmup)) first and writes only when the IP is not yet in the
    requested state.
  - An IP that is not on the account fails the task without any write. C(GET /v3/ips) decides; an IP the IP Address
    Management API does not know (C(GET /v3/send_ips/ips/{ip})) is looked up there before it is called unknown.
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
  state:
    description:
      - V(started) puts the IP into warmup; an IP that is already warming up keeps its start date.
      - V(stopped) takes the IP out of warmup.
    type: str
    choices: [started, stopped]
    default: started
notes:
  - This is the manual warmup of the IP Warmup API. Automatic warmup is a setting of the IP, see
    M(mailops.sendgrid.sendgrid_ip) O(mailops.sendgrid.sendgrid_ip#module:is_auto_warmup).
  - To see which IPs are warming up, use M(mailops.sendgrid.sendgrid_ip_info) (fields C(warmup) and C(start_date)).
seealso:
  - module: mailops.sendgrid.sendgrid_ip
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: Start warming up a new IP
  mailops.sendgrid.sendgrid_ip_warmup:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.31
  register: warmup

- name: Show when the warmup started
  ansible.builtin.debug:
    msg: "{{ warmup.ip }} warms up since {{ warmup.start_date }}"

- name: Stop the warmup
  mailops.sendgrid.sendgrid_ip_warmup:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.31
    state: stopped
"""

RETURN = r"""
ip:
  description: The IP address.
  returned: success
  type: str
  sample: 192.0.2.13
warmup:
  description: Whether the IP is warming up after the task (in check mode, whether it would be).
  returned: success
  type: bool
  sample: true
start_date:
  description:
    - When the warmup started (Unix seconds).
    - V(null) when the IP is not warming up, and in check mode when the warmup would only be started.
  returned: success
  type: int
  sample: 1735689600
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import normalize_ip
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import on_account

WARMUP_STATES = ('started', 'stopped')


def find_entry(entries: t.Iterable[t.Mapping[str, t.Any]] | None, address: str) -> t.Mapping[str, t.Any] | None:
    """The warmup entry of ``address`` in a ``[{ip, start_date}]`` list, or ``None``."""
    for entry in entries or ():
        try:
            if normalize_ip(entry.get('ip')) == address:
                return entry
        except ValueError:
            continue
    return None


def main() -> None:
    with SendGridModule(
        argument_spec={
            'ip': {'type': 'str', 'required': True},
            'state': {'type': 'str', 'choices': list(WARMUP_STATES), 'default': 'started'},
        },
        supports_check_mode=True,
    ) as sg:
        try:
            address = normalize_ip(sg.params['ip'], ipv4_only=True)
        except ValueError as exc:
            raise SendGridInputError(f'ip: {exc}') from None
        wanted = sg.params['state'] == 'started'

        entry = find_entry(sg.api.list_warmup(), address)
        warming = entry is not None
        # GET /v3/ips decides which IPs exist; the IP Address Management API is asked first (one IP, one read).
        if not warming and sg.api.find_send_ip(address) is None and not on_account(sg.api, address):
            raise SendGridInputError(f'ip: {address} is not on this SendGrid account')
        start_date = entry.get('start_date') if entry is not None else None

        changed = warming != wanted
        if changed:
            start_date = None
            if wanted and not sg.check_mode:
                started = find_entry(sg.api.start_warmup(address), address)
                start_date = started.get('start_date') if started is not None else None
            elif not wanted and not sg.check_mode:
                sg.api.stop_warmup(address)

        result: dict[str, t.Any] = {'changed': changed, 'ip': address, 'warmup': wanted, 'start_date': start_date}
        if sg.diff_mode:
            result['diff'] = sg.diff({'ip': address, 'warmup': warming}, {'ip': address, 'warmup': wanted})
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
