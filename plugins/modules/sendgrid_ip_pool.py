#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip_pool
short_description: Create, rename and delete SendGrid IP pools and manage their IPs
version_added: 0.1.0
description:
  - Creates an IP pool (with its IPs in the same call), renames it, deletes it, and adds IPs to it, removes IPs from
    it or sets exactly the IPs it holds.
  - Uses the IP Address Management API (C(/v3/send_ips/pools)), which addresses pools by id; the module finds the pool
    by its name from the list of all pools.
  - Reads the pool list and the pool's IPs first, and writes only what differs, with the fewest calls; one
    C(POST) creates a pool with its IPs, one C(PUT) renames it, and one C(ips:batchAdd) and one C(ips:batchDelete)
    change its membership.
  - Everything is checked before anything is written, all problems in one error; the task fails without a write when
    a name is invalid, an IP is malformed, not on the account or not assignable to a pool (C(is_parent_assigned)
    false), the pool would hold more than 100 IPs, or the account already has 100 pools.
  - The account's IPs are listed (C(GET /v3/send_ips/ips)) only when O(ips) names an IP that is not in the pool yet.
    C(GET /v3/ips) decides which IPs the account has; it is read too when that listing lacks a named IP, and an IP
    only C(GET /v3/ips) lists is added with a warning (SendGrid then decides whether it may join the pool).
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
  pool:
    description:
      - Name of the IP pool. Names are case-sensitive; leading and trailing whitespace is stripped, as in every module
        of the collection.
      - 2 to 64 characters; must not start with a dot.
      - With O(new_name), the pool's current name.
      - The alias O(name) is deprecated and will be removed in mailops.sendgrid 1.0.0.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - Whether the pool exists.
      - V(present) makes sure the pool exists (creating it if needed) and applies O(new_name) and O(ips).
      - V(absent) deletes the pool. Its IPs stay on the account. Deleting a pool that does not exist changes nothing.
    type: str
    choices: [present, absent]
    default: present
  new_name:
    description:
      - Rename the pool O(pool) to this name (same rules as O(pool)). Only with O(state=present).
      - If no pool is called O(pool) but one is called O(new_name), the rename is taken as done and nothing changes;
        O(ips) then applies to that pool. This makes a re-run of a rename a no-op.
      - It is an error if both pools exist, or neither does.
    type: str
  ips:
    description:
      - IP addresses of the pool, applied as O(ips_state) says. Duplicates are ignored.
      - Every address must be on the account, and an address to add must be one the parent account may send
        from (C(is_parent_assigned)). A pool holds at most 100 IPs.
      - If not set, the pool's IPs are left as they are (a new pool is created empty).
      - Only with O(state=present); to take IPs out of a pool use O(ips_state=absent).
    type: list
    elements: str
  ips_state:
    description:
      - How O(ips) combine with the pool's current IPs, as in every module of the collection.
      - V(present) adds O(ips) to the pool and keeps its other IPs.
      - V(absent) removes O(ips) from the pool and keeps the others. A pool that does not exist is not created (there
        is nothing to remove, and the task changes nothing).
      - V(exact) makes O(ips) the pool's only IPs; O(ips=[]) empties the pool.
    type: str
    choices: [present, absent, exact]
    default: present
notes:
  - If SendGrid answers a create with a server error, or the connection fails after the request was sent, the
    client sends it again; SendGrid refuses a second pool of the same name, and the client then reads the pools to
    confirm that this one exists with the IPs asked for. Should that not hold, the task fails and says so, and
    running it again converges (the pool is found by name).
  - An account can have at most 100 pools.
seealso:
  - module: mailops.sendgrid.sendgrid_ip_pool_info
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: Create a pool with two IPs (or add them to the existing pool)
  mailops.sendgrid.sendgrid_ip_pool:
    api_key: "{{ sendgrid_api_key }}"
    pool: transactional
    ips: [192.0.2.10, 192.0.2.11]

- name: Make these the only IPs of the pool
  mailops.sendgrid.sendgrid_ip_pool:
    api_key: "{{ sendgrid_api_key }}"
    pool: transactional
    ips: [192.0.2.11, 192.0.2.12]
    ips_state: exact

- name: Take one IP out of the pool
  mailops.sendgrid.sendgrid_ip_pool:
    api_key: "{{ sendgrid_api_key }}"
    pool: transactional
    ips: [192.0.2.12]
    ips_state: absent

- name: Rename the pool (a re-run finds it under the new name and changes nothing)
  mailops.sendgrid.sendgrid_ip_pool:
    api_key: "{{ sendgrid_api_key }}"
    pool: transactional
    new_name: transactional-eu

- name: Delete the pool (its IPs stay on the account)
  mailops.sendgrid.sendgrid_ip_pool:
    api_key: "{{ sendgrid_api_key }}"
    pool: transactional-eu
    state: absent
"""

RETURN = r"""
pool:
  description:
    - The pool's name after the task (with O(new_name), the new name).
    - A string since 0.2.0; 0.1.0 returned a dictionary with the name, id and IPs, which are now RV(pool_id) and
      RV(ips).
  returned: success
  type: str
  sample: transactional
pool_id:
  description:
    - The pool's id.
    - V(null) when the pool does not exist after the task (deleted, or to be created in check mode).
  returned: success
  type: str
  sample: "12345"
ips:
  description: The pool's IPs after the task (in check mode, what they would be), sorted; empty after O(state=absent).
  returned: success
  type: list
  elements: str
  sample: [192.0.2.10, 192.0.2.11]
added:
  description: IPs the task added (or would add) to the pool, sorted.
  returned: success
  type: list
  elements: str
  sample: [192.0.2.11]
removed:
  description: IPs the task removed (or would remove) from the pool, sorted. When the pool is deleted, all its IPs.
  returned: success
  type: list
  elements: str
  sample: []
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import RENAME_POOL
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import (
    MEMBERSHIP_STATES,
    desired_members,
    normalize_ips,
    pool_name_problems,
    sort_ips,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name, renamed_from
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import Findings, IPFacts
from ansible_collections.mailops.sendgrid.plugins.module_utils._writes import Write, pool_member_writes, run_in_order


def validate_pool_name(value: str, option: str) -> str:
    """The name stripped, and the API's rules for a pool name checked before any request."""
    value = clean_name(value, option)
    problems = pool_name_problems(value)
    if problems:
        raise SendGridInputError(f'{option}: ' + '; '.join(problems))
    return value


def find_pool(
    pools: dict[str, dict[str, t.Any]], name: str, new_name: str | None,
) -> tuple[dict[str, t.Any] | None, bool]:
    """The existing pool the task is about, and whether it must be renamed to ``new_name``."""
    if new_name is None or new_name == name:
        return pools.get(name), False
    source, target = pools.get(name), pools.get(new_name)
    if source is not None and target is not None:
        raise SendGridInputError(
            f'cannot rename pool {name!r} to {new_name!r}: a pool named {new_name!r} already exists'
            f' (id {target["id"]}); delete one of them first')
    if source is None and target is None:
        raise SendGridInputError(f'cannot rename pool {name!r} to {new_name!r}: no pool has either name')
    return (source, True) if source is not None else (target, False)


def delete(sg: SendGridModule, pools: dict[str, dict[str, t.Any]], name: str) -> dict[str, t.Any]:
    """state=absent: delete the pool if it exists."""
    pool = pools.get(name)
    current = sort_ips(sg.api.list_pool_ips(pool['id'])) if pool is not None else []
    if pool is not None and not sg.check_mode:
        sg.api.delete_pool(pool['id'])
    result: dict[str, t.Any] = {'changed': pool is not None, **flat(name, None, []), 'added': [], 'removed': current}
    if sg.diff_mode:
        result['diff'] = sg.diff({'pool': name, 'ips': current} if pool is not None else {}, {})
    return result


def flat(name: str, pool_id: t.Any, ips: list[str]) -> dict[str, t.Any]:
    """The pool in the result: its name under ``pool``, with its id and IPs beside it."""
    return {'pool': name, 'pool_id': pool_id, 'ips': ips}


def ensure(
    sg: SendGridModule, pools: dict[str, dict[str, t.Any]], name: str, new_name: str | None,
    requested: list[str] | None, ips_state: str,
) -> dict[str, t.Any]:
    """state=present: create or rename the pool and set its IPs; every check comes before the first write."""
    pool, rename = find_pool(pools, name, new_name)
    final_name = new_name if new_name is not None else name
    findings = Findings()
    if pool is None and requested is not None and ips_state == 'absent':
        # Taking IPs out of a pool that does not exist: nothing to do, and no pool to create.
        check_on_account(sg, set(requested), IPFacts.read(sg.api), findings)
        findings.raise_problems()
        return {'changed': False, **flat(final_name, None, []), 'added': [], 'removed': [],
                **({'diff': sg.diff({}, {})} if sg.diff_mode else {})}
    if pool is None:
        findings.check_pool_count(len(pools), [final_name], where='pool')

    current = set(sg.api.list_pool_ips(pool['id'])) if pool is not None else set()
    desired = current if requested is None else desired_members(current, requested, ips_state)
    unverified = set(requested or ()) - current  # IPs already in the pool are on the account
    if unverified:
        facts = IPFacts.read(sg.api)
        check_on_account(sg, unverified, facts, findings)
        findings.check_pool_members({final_name: desired - current}, facts, where=lambda _name: 'ips')
    findings.check_pool_size(len(desired), 'ips', subject=f'pool {final_name!r}')
    findings.settle(sg.module.warn)

    added, removed = sort_ips(desired - current), sort_ips(current - desired)
    changed = pool is None or rename or bool(added or removed)
    pool_id = pool['id'] if pool is not None else None
    if changed and not sg.check_mode:
        if pool is None:
            pool_id = (sg.api.create_pool(final_name, sort_ips(desired)) or {}).get('id')
        else:
            writes = [Write(f'rename pool {pool["name"]} to {final_name}',
                            lambda api: api.rename_pool(pool_id, final_name), RENAME_POOL)] if rename else []
            run_in_order(sg.api, writes + pool_member_writes(final_name, pool_id, added, removed))

    result = {'changed': changed, **flat(final_name, pool_id, sort_ips(desired)), 'added': added, 'removed': removed}
    if sg.diff_mode:
        before = {'pool': pool['name'], 'ips': sort_ips(current)} if pool is not None else {}
        result['diff'] = sg.diff(before, {'pool': final_name, 'ips': sort_ips(desired)})
    return result


def check_on_account(sg: SendGridModule, ips: set[str], facts: IPFacts, findings: Findings) -> None:
    """The IPs must be on the account. ``GET /v3/ips`` decides: an IP the IP-management listing lacks (or a
    listing the API refused) is looked up there before it is called unknown."""
    unlisted = {ip for ip in ips if facts.get(ip) is None}
    if unlisted:
        findings.check_on_account(unlisted, (record['ip'] for record in sg.api.list_ips()))


def main() -> None:
    with SendGridModule(
        argument_spec={
            'pool': {'type': 'str', 'required': True, **renamed_from('name')},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'new_name': {'type': 'str'},
            'ips': {'type': 'list', 'elements': 'str'},
            'ips_state': {'type': 'str', 'choices': list(MEMBERSHIP_STATES), 'default': 'present'},
        },
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        name = validate_pool_name(params['pool'], 'pool')
        new_name = params['new_name']
        if new_name is not None:
            new_name = validate_pool_name(new_name, 'new_name')
        if params['state'] == 'absent' and (new_name is not None or params['ips'] is not None):
            raise SendGridInputError(
                'state=absent deletes the pool and takes neither new_name nor ips;'
                ' to take IPs out of a pool use state=present with ips_state=absent')
        requested = None if params['ips'] is None else normalize_ips(params['ips'])

        pools = {pool['name']: pool for pool in sg.api.list_pools()}
        if params['state'] == 'absent':
            result = delete(sg, pools, name)
        else:
            result = ensure(sg, pools, name, new_name, requested, params['ips_state'])
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
