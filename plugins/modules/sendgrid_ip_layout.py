#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip_layout
short_description: Converge a SendGrid account to a declared layout of IP pools, subuser IPs and warmup in one task
version_added: 0.1.0
description:
  - Takes the whole layout (O(pools), O(subusers), O(warmup)) and converges the account to it in one task, whatever
    its size. Use it (or the C(mailops.sendgrid.ip_layout) role) rather than one task per subuser or pool, which
    costs Ansible's per-task overhead hundreds of times.
  - Reads the account with a fixed number of list reads, whatever the layout's size, all pages of each, and never
    one read per IP, pool or subuser. It reads only what the comparison and the checks need. C(GET /v3/ips) is always
    read. C(GET /v3/subusers) is read when a named subuser gains an IP or holds none, and C(GET /v3/send_ips/pools)
    when a named pool changes or holds no IP. C(GET /v3/send_ips/ips), for the IPs' regions and
    C(is_parent_assigned), is read when an IP joins a subuser or a pool. A layout the account already matches makes
    only the C(GET /v3/ips) reads.
  - Checks the whole layout against the account before writing anything. Malformed IPs, IPv6 addresses in subuser
    lists, a dictionary where a list of IPs is due, IPs or subusers not on the account, IPs of another region than
    the subuser given them (a global subuser sends only from V(us) IPs, an EU subuser only from V(eu) IPs), IPs that
    cannot join a pool (C(is_parent_assigned) false), invalid pool names, pools over 100 IPs and more than 100 pools
    are all named in one error (the first 20 spelled out), and nothing is written. A rule the reads cannot check (an
    IP C(GET /v3/send_ips/ips) does not list, or that listing refused) is named in a warning and left to SendGrid.
  - Then makes the fewest writes. With O(exclusive=false), one C(POST /v3/send_ips/ips/{ip}/subusers:batchAdd) per
    IP, for every named subuser that gains it; an addition never undoes what another run adds at the same moment.
    With O(exclusive=true), one C(PUT /v3/subusers/{name}/ips) per subuser whose IPs differ. For each pool,
    C(POST /v3/send_ips/pools) with its IPs in the body when it does not exist, otherwise C(ips:batchDelete) and
    C(ips:batchAdd) for what differs. One C(POST /v3/ips/warmup) per IP to start warming, and with O(exclusive) one
    C(DELETE /v3/ips/warmup/{ip}) per IP to stop warming.
  - Writes run concurrently (O(concurrency)). While the last response said the rate limit is spent
    (C(X-RateLimit-Remaining) is 0), no new write starts until C(X-RateLimit-Reset); a rate-limited write (HTTP 429)
    is retried as every request is (O(max_retries)).
  - If some writes fail, the others still run; then the task fails with a message that lists what was applied and
    what failed, and returns RV(writes_applied), RV(writes_failed) and RV(writes_not_attempted). The applied writes
    stay in place. Running the task again reads the account afresh and converges.
  - Subusers and pools the layout does not name are never touched, even with O(exclusive=true). A part of the layout
    that is left out (O(pools), O(subusers) or O(warmup) not given) is never touched either.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the account and returns the full plan (RV(changes), RV(summary), RV(report) and, in diff mode, the
        diff) without any write.
  diff_mode:
    support: full
    details:
      - The diff has the declared parts before and after the task (in check mode, what they would be), with sorted
        lists; only the pools and subusers the layout names, and C(warmup) with every warming IP of the account.
options:
  pools:
    description:
      - IP pools by name, each with the list of IPs it should hold (IPv4 or IPv6, on the account).
      - A pool that does not exist is created with its IPs in the same call.
      - With O(exclusive=false), IPs are only added to each pool; with O(exclusive=true), each named pool holds exactly
        the listed IPs (an empty list empties it).
      - Pool names are 2 to 64 characters long and must not start with a dot or a space. A pool holds at most 100 IPs
        and an account at most 100 pools.
      - Quote names that YAML would read as something else; an unquoted V(yes), V(off), V(0x1F) or V(12:30) is a
        boolean or a number, not a name, and fails the task before any request.
      - An IP joins a pool only if the parent account may send from it (C(is_parent_assigned)); set that with
        M(mailops.sendgrid.sendgrid_ip) first.
      - Pools that are not named are never touched and never deleted. If not given, no pool is read or changed.
    type: dict
  subusers:
    description:
      - Subusers by username, each with the list of IPv4 addresses it may send from (SendGrid accepts only IPv4 here).
      - With O(exclusive=false), IPs are only added to each subuser; with O(exclusive=true), each named subuser gets
        exactly the listed IPs.
      - Each IP must be of the subuser's region. Quote usernames that YAML would read as a boolean or a number.
      - A subuser keeps at least one IP. An empty list is a no-op with O(exclusive=false), and with O(exclusive=true)
        it is rejected before anything is written (unless the subuser has no IP already).
      - Subusers that are not named are never touched. If not given, no subuser is read or changed.
    type: dict
  warmup:
    description:
      - IPs that should be in warmup. Warmup is started for each listed IP that is not warming.
      - With O(exclusive=true), warmup is B(stopped) for every warming IP of the account that is not listed, so an IP
        whose warmup is stopped sends its full volume at once. V([]) with O(exclusive=true) stops every warmup.
      - If not given, warmup is never read or changed, even with O(exclusive=true).
    type: list
    elements: str
  exclusive:
    description:
      - V(false) only adds what the layout names (IPs to pools, IPs to subusers, IPs to warmup) and never removes
        anything.
      - V(true) also removes what the layout does not name, within the parts it names. The named pools' other members
        and the named subusers' other IPs are removed, and if O(warmup) is given, warmup of unlisted IPs is stopped.
      - Pools and subusers the layout does not name are never touched, in either case.
    type: bool
    default: false
  concurrency:
    description:
      - How many writes run at the same time (all through one HTTP connection pool).
      - Must be at least 1. V(1) writes one at a time, in a stable order.
    type: int
    default: 4
notes:
  - Run it in check mode first (C(--check --diff)) to see the full plan; check mode makes the same reads and no write.
  - The per-IP batch calls are served only by C(https://api.sendgrid.com); with O(region=eu) they go there. With
    O(region=eu) and O(api_url) (O(api_url) is taken as the EU host, and no host is known for them)
    O(exclusive=false) writes one C(PUT /v3/subusers/{name}/ips) of the subuser's current and declared IPs instead,
    which gives the same result but is not safe against concurrent changes (an IP another run adds to the same
    subuser at the same moment is lost).
  - The API key needs the C(ips.read), C(subusers.read), C(subusers.update) (subuser IPs), C(ips.pools.*) and
    C(ips.warmup.*) scopes for the parts the layout names.
  - An action plugin of the same name runs first on the controller, where the names still have the types YAML gave
    them; it refuses names that are not strings, then runs the module.
seealso:
  - module: mailops.sendgrid.sendgrid_subuser_ips
    description: Change the IPs of one subuser.
  - module: mailops.sendgrid.sendgrid_ip_info
    description: List the account's IPs with their subusers, pools and warmup.
"""

EXAMPLES = r"""
- name: Converge the account to the layout (run it with --check --diff first to see the plan)
  mailops.sendgrid.sendgrid_ip_layout:
    api_key: "{{ sendgrid_api_key }}"
    pools:
      transactional: [192.0.2.10, 192.0.2.11]
      marketing: [192.0.2.20]
    subusers:
      shop-eu: [192.0.2.10]
      newsletter: [192.0.2.20, 192.0.2.21]
    warmup: [192.0.2.21]
    exclusive: true
  register: layout

- name: Plan a layout kept in a variable, without writing anything
  mailops.sendgrid.sendgrid_ip_layout:
    api_key: "{{ sendgrid_api_key }}"
    pools: "{{ ip_layout.pools }}"
    subusers: "{{ ip_layout.subusers }}"
    exclusive: true
  check_mode: true
  diff: true
  register: plan

- name: Only add IPs to many subusers (exclusive=false never removes anything)
  mailops.sendgrid.sendgrid_ip_layout:
    api_key: "{{ sendgrid_api_key }}"
    subusers: "{{ subuser_ips }}"  # a dict of username -> list of IPv4 addresses
    concurrency: 8
"""

RETURN = r"""
check_mode:
  description:
    - Whether the task ran in check mode, so that RV(summary) and RV(changes) tell what would change and nothing was
      written. Also true when only this task runs in check mode (the task keyword C(check_mode=true)).
  returned: success
  type: bool
  sample: false
summary:
  description: Counts of what the task changed (in check mode, would change).
  returned: success
  type: dict
  contains:
    subusers_changed:
      description: Subusers whose IPs change (several can share one C(subusers:batchAdd) write).
      type: int
      sample: 1
    pools_created:
      description: Pools created.
      type: int
      sample: 1
    pools_changed:
      description: Existing pools whose members change.
      type: int
      sample: 0
    ips_added:
      description: IPs added to subusers and pools, counted per subuser and per pool (created pools included).
      type: int
      sample: 2
    ips_removed:
      description: IPs removed from subusers and pools, counted per subuser and per pool.
      type: int
      sample: 1
    warmup_started:
      description: IPs whose warmup starts.
      type: int
      sample: 1
    warmup_stopped:
      description: IPs whose warmup stops.
      type: int
      sample: 0
    writes:
      description: API write requests made (in check mode, that would be made), retries not counted.
      type: int
      sample: 3
  sample:
    subusers_changed: 1
    pools_created: 1
    pools_changed: 0
    ips_added: 2
    ips_removed: 1
    warmup_started: 1
    warmup_stopped: 0
    writes: 3
changes:
  description:
    - What changes (in check mode, would change), leaving out the subusers and pools that are already right.
    - C(subusers) maps a username to its C(added) and C(removed) IPs; C(pools) maps a pool name to C(created) (bool),
      C(added) and C(removed); C(warmup) has the IPs whose warmup is C(started) and C(stopped). All lists are sorted.
  returned: success
  type: dict
  sample:
    subusers:
      newsletter: {added: [192.0.2.21], removed: [192.0.2.22]}
    pools:
      marketing: {created: true, added: [192.0.2.20], removed: []}
    warmup: {started: [192.0.2.21], stopped: []}
report:
  description:
    - What changed (in check mode, would change) in lines for a person, made from RV(summary) and RV(changes). The
      C(mailops.sendgrid.ip_layout) role prints them.
    - The first line gives the counts, or says that the account already matches the layout. Then one line per
      changed pool and subuser, with the IPs added and removed, and one per warmup direction.
  returned: success
  type: list
  elements: str
  version_added: 0.2.0
  sample:
    - 'Made 3 write(s): 1 subuser(s) changed, 1 pool(s) created, 0 pool(s) changed, 2 IP assignment(s) added,
      1 removed, warmup started for 1 IP(s), stopped for 0.'
    - 'pool marketing: created; added [192.0.2.20], removed []'
    - 'subuser newsletter: added [192.0.2.21], removed [192.0.2.22]'
    - 'warmup: started for 192.0.2.21'
problems:
  description: Every problem found in the layout when it is rejected (the task then fails and writes nothing).
  returned: failure, when the layout is invalid for the account
  type: list
  elements: str
  sample: ['subusers.shop-eu: ''2001:db8::1'' is an IPv6 address; SendGrid accepts only IPv4 addresses here',
           'subusers.shop-eu: 192.0.2.41 (eu): a global subuser can only send from us IPs']
writes_applied:
  description: The writes that succeeded when others failed (the task then fails).
  returned: failure, when some writes failed
  type: list
  elements: str
  sample: [create pool marketing with 192.0.2.20]
writes_failed:
  description: The writes that failed, each with the API's error.
  returned: failure, when some writes failed
  type: list
  elements: str
  sample: ['start warmup of 192.0.2.21: SendGrid server error: POST /v3/ips/warmup returned HTTP 500: ...']
writes_not_attempted:
  description: Writes not attempted because an earlier write of the same pool failed.
  returned: failure, when some writes failed
  type: list
  elements: str
  sample: []
"""

from ansible_collections.mailops.sendgrid.plugins.module_utils._layout import DEFAULT_CONCURRENCY, converge_layout
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule


def main() -> None:
    with SendGridModule(
        argument_spec={
            'pools': {'type': 'dict'},
            'subusers': {'type': 'dict'},
            'warmup': {'type': 'list', 'elements': 'str'},
            'exclusive': {'type': 'bool', 'default': False},
            'concurrency': {'type': 'int', 'default': DEFAULT_CONCURRENCY},
        },
        supports_check_mode=True,
    ) as sg:
        params = sg.params
        plan, _report = converge_layout(
            sg.api,
            pools=params['pools'],
            subusers=params['subusers'],
            warmup=params['warmup'],
            exclusive=params['exclusive'],
            concurrency=params['concurrency'],
            check_mode=sg.check_mode,
        )
        for warning in plan.warnings:
            sg.module.warn(warning)
        result = {
            'changed': plan.changed,
            'check_mode': sg.check_mode,
            'summary': plan.summary(),
            'changes': plan.changes(),
            'report': plan.report(sg.check_mode),
        }
        if sg.diff_mode:
            result['diff'] = {'before': plan.state('before'), 'after': plan.state('after')}
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
