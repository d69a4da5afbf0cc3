#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_ip_layout
short_description: Converge a SendGrid account to a declared layout of IP pools, subuser IPs, warmup and IP settings
version_added: 0.1.0
description:
  - Takes the whole layout (O(pools), O(subusers), O(warmup), and per IP its settings and reverse DNS in O(ips)) and
    converges the account to it in one task, whatever its size. Use it (or the C(mailops.sendgrid.ip_layout) role)
    rather than one task per subuser or pool, which costs Ansible's per-task overhead hundreds of times.
  - Reads the account with a fixed number of list reads, whatever the layout's size, all pages of each, and never
    one read per IP, pool or subuser. It reads only what the comparison and the checks need. C(GET /v3/ips) is always
    read. C(GET /v3/subusers) is read when a named subuser gains an IP or holds none, and C(GET /v3/send_ips/pools)
    when a named pool changes or holds no IP. C(GET /v3/send_ips/ips), for the IPs' regions and
    C(is_parent_assigned), is read when an IP joins a subuser or a pool, or O(ips) declares a setting.
    C(GET /v3/whitelabel/ips) is read when O(ips) declares reverse DNS. A layout without O(ips) that the account
    already matches makes only the C(GET /v3/ips) reads.
  - Checks the whole layout against the account before writing anything. Malformed IPs, IPv6 addresses in subuser
    lists, a dictionary where a list of IPs is due, IPs or subusers not on the account, IPs of another region than
    the subuser given them (a global subuser sends only from V(us) IPs, an EU subuser only from V(eu) IPs), IPs that
    cannot join a pool (C(is_parent_assigned) false, unless O(ips) sets it), invalid pool names, pools over 100 IPs,
    more than 100 pools, O(ips) with C(is_parent_assigned=false) for an IP that is in a pool after the layout, settings
    for an IP C(GET /v3/send_ips/ips) does not list, and reverse DNS records of another domain or subdomain (without
    C(force)) are all named in one error (the first 20 spelled out), and nothing is written. A rule the reads cannot
    check (an IP C(GET /v3/send_ips/ips) does not list, or that listing refused) is named in a warning and left to
    SendGrid; not so the settings of O(ips), which are compared only with that listing.
  - Then makes the fewest writes. With O(ips_state=present), one C(POST /v3/send_ips/ips/{ip}/subusers:batchAdd) per
    IP, for every named subuser that gains it; an addition never undoes what another run adds at the same moment.
    With O(ips_state=exact), one C(PUT /v3/subusers/{name}/ips) per subuser whose IPs differ. For each pool,
    C(POST /v3/send_ips/pools) with its IPs in the body when it does not exist, otherwise C(ips:batchDelete) and
    C(ips:batchAdd) for what differs. One C(POST /v3/ips/warmup) per IP to start warming, and with O(ips_state=exact)
    one C(DELETE /v3/ips/warmup/{ip}) per IP to stop warming. For O(ips), one C(PATCH /v3/send_ips/ips/{ip}) per IP
    whose declared settings differ (only those fields), written before the IP joins a pool when it makes the IP
    parent-assigned and after it left its pools when it takes that away; one C(POST /v3/whitelabel/ips) per missing
    reverse DNS record, after the C(DELETE /v3/whitelabel/ips/{id}) of a record of another domain or subdomain
    when C(force) is set.
  - Writes run concurrently (O(concurrency)). While the last response said the rate limit is spent
    (C(X-RateLimit-Remaining) is 0), no new write starts until C(X-RateLimit-Reset); a rate-limited write (HTTP 429)
    is retried as every request is (O(max_retries)).
  - If some writes fail, the others still run; then the task fails with a message that lists what was applied and
    what failed, and returns RV(writes_applied), RV(writes_failed) and RV(writes_not_attempted). The applied writes
    stay in place. Running the task again reads the account afresh and converges.
  - Subusers, pools and IPs the layout does not name are never touched, even with O(ips_state=exact). A part of the
    layout that is left out (O(pools), O(subusers), O(warmup) or O(ips) not given) is never touched either.
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
      - C(before) and C(after) are JSON text in UTF-8, so names show as written (C(marketing-üß), never escaped);
        a registered result reads them back with C(result.diff.after | from_json).
options:
  pools:
    description:
      - IP pools by name, each with the list of IPs it should hold (IPv4 or IPv6, on the account).
      - A pool that does not exist is created with its IPs in the same call.
      - With O(ips_state=present), IPs are only added to each pool; with O(ips_state=exact), each named pool holds
        exactly the listed IPs (an empty list empties it).
      - Pool names are stripped of surrounding whitespace, 2 to 64 characters long, and must not start with a dot.
        A pool holds at most 100 IPs and an account at most 100 pools.
      - Quote names that YAML would read as something else; an unquoted V(yes), V(off), V(0x1F) or V(12:30) is a
        boolean or a number, not a name, and fails the task before any request.
      - An IP joins a pool only if the parent account may send from it (C(is_parent_assigned)); set that in O(ips)
        (it is then written first) or with M(mailops.sendgrid.sendgrid_ip).
      - Pools that are not named are never touched and never deleted. If not given, no pool is read or changed.
    type: dict
  subusers:
    description:
      - Subusers by username, each with the list of IPv4 addresses it may send from (SendGrid accepts only IPv4 here).
      - With O(ips_state=present), IPs are only added to each subuser; with O(ips_state=exact), each named subuser
        gets exactly the listed IPs.
      - Each IP must be of the subuser's region. Quote usernames that YAML would read as a boolean or a number.
      - A subuser keeps at least one IP. An empty list is a no-op with O(ips_state=present), and with
        O(ips_state=exact) it is rejected before anything is written (unless the subuser has no IP already).
      - Subusers that are not named are never touched. If not given, no subuser is read or changed.
    type: dict
  warmup:
    description:
      - IPs that should be in warmup. Warmup is started for each listed IP that is not warming.
      - With O(ips_state=exact), warmup is B(stopped) for every warming IP of the account that is not listed, so an
        IP whose warmup is stopped sends its full volume at once. V([]) with O(ips_state=exact) stops every warmup.
      - If not given, warmup is never read or changed, even with O(ips_state=exact).
    type: list
    elements: str
  ips:
    description:
      - IPv4 address (on the account) -> what is declared for it, a dictionary with at least one of
        C(is_auto_warmup), C(is_parent_assigned) and C(reverse_dns). IPs not named and keys not given are never
        touched. O(ips_state) does not apply here.
      - C(is_auto_warmup) (bool) and C(is_parent_assigned) (bool) are the IP's settings, as
        M(mailops.sendgrid.sendgrid_ip) sets them, compared with C(GET /v3/send_ips/ips). An IP in a pool after the
        layout (in a named pool as declared, or in a pool the layout does not name) must stay parent-assigned.
      - C(reverse_dns) is the IP's reverse DNS record, as M(mailops.sendgrid.sendgrid_reverse_dns) names it, with
        C(domain) (required), C(subdomain) (when not set, SendGrid chooses one for a new record, and a record of
        C(domain) is accepted whatever its subdomain) and C(force) (bool, default V(false)) to replace a record of
        another domain or subdomain, deleting it first, so the IP has no reverse DNS in between. Without C(force)
        such a record fails the task before any write. RV(a_records) lists the A records to create at the DNS host.
    type: dict
  ips_state:
    description:
      - How the IP lists of O(pools), O(subusers) and O(warmup) combine with what the account has.
      - V(present) only adds what the layout names (IPs to pools, IPs to subusers, IPs to warmup) and never removes
        anything.
      - V(exact) also removes what the layout does not name, within the parts it names. The named pools' other
        members and the named subusers' other IPs are removed, and if O(warmup) is given, warmup of unlisted IPs is
        stopped.
      - Pools and subusers the layout does not name are never touched, in either case. It does not apply to O(ips).
      - If neither O(ips_state) nor O(exclusive) is given, V(present).
    type: str
    choices: [present, exact]
    version_added: 0.2.0
  exclusive:
    description:
      - Deprecated; use O(ips_state). V(true) is O(ips_state=exact), V(false) is O(ips_state=present).
      - Given with a contradicting O(ips_state), the task fails before any request.
      - Will be removed in mailops.sendgrid 1.0.0; until then, using it warns.
    type: bool
  concurrency:
    description:
      - How many writes run at the same time (all through one HTTP connection pool).
      - Must be at least 1. V(1) writes one at a time, in a stable order.
    type: int
    default: 4
notes:
  - Run it in check mode first (C(--check --diff)) to see the full plan; check mode makes the same reads and no write.
  - The per-IP batch calls and C(PATCH /v3/send_ips/ips/{ip}) are served only by C(https://api.sendgrid.com); with
    O(region=eu) they go there. With O(region=eu) and O(api_url), a layout whose O(ips) settings differ fails
    before any write, naming that operation. With
    O(region=eu) and O(api_url) (O(api_url) is taken as the EU host, and no host is known for them)
    O(ips_state=present) writes one C(PUT /v3/subusers/{name}/ips) of the subuser's current and declared IPs instead,
    which gives the same result but is not safe against concurrent changes (an IP another run adds to the same
    subuser at the same moment is lost).
  - The API key needs the C(ips.read), C(subusers.read), C(subusers.update) (subuser IPs), C(ips.pools.*),
    C(ips.warmup.*) and (reverse DNS) C(whitelabel.*) scopes for the parts the layout names.
  - An action plugin of the same name runs first on the controller, where the names still have the types YAML gave
    them; it refuses names that are not strings, then runs the module.
seealso:
  - module: mailops.sendgrid.sendgrid_subuser_ips
    description: Change the IPs of one subuser.
  - module: mailops.sendgrid.sendgrid_ip_info
    description: List the account's IPs with their subusers, pools and warmup.
  - module: mailops.sendgrid.sendgrid_ip
    description: The settings and subusers of one IP.
  - module: mailops.sendgrid.sendgrid_reverse_dns
    description: The reverse DNS record of one IP, with its validation.
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
    ips:
      192.0.2.20:
        is_auto_warmup: false
        reverse_dns: {domain: example.com, subdomain: mail}
      192.0.2.21:
        is_parent_assigned: true
    ips_state: exact
  register: layout

- name: Show the A records to create at the DNS host for the reverse DNS records
  ansible.builtin.debug:
    msg: "{{ item.host }} {{ item.type }} {{ item.data }}"
  loop: "{{ layout.a_records | rejectattr('valid') | rejectattr('host', 'none') }}"

- name: Plan a layout kept in a variable, without writing anything
  mailops.sendgrid.sendgrid_ip_layout:
    api_key: "{{ sendgrid_api_key }}"
    pools: "{{ ip_layout.pools }}"
    subusers: "{{ ip_layout.subusers }}"
    ips_state: exact
  check_mode: true
  diff: true
  register: plan

- name: Only add IPs to many subusers (ips_state=present never removes anything)
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
    ip_settings_changed:
      description: IPs of O(ips) whose settings change (one C(PATCH) each).
      type: int
      sample: 1
      version_added: 0.2.0
    reverse_dns_created:
      description: Reverse DNS records created for O(ips).
      type: int
      sample: 1
      version_added: 0.2.0
    reverse_dns_deleted:
      description: Reverse DNS records of another domain or subdomain deleted (C(force)).
      type: int
      sample: 0
      version_added: 0.2.0
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
    ip_settings_changed: 0
    reverse_dns_created: 0
    reverse_dns_deleted: 0
    writes: 3
changes:
  description:
    - What changes (in check mode, would change), leaving out the subusers and pools that are already right.
    - C(subusers) maps a username to its C(added) and C(removed) IPs; C(pools) maps a pool name to C(created) (bool),
      C(added) and C(removed); C(warmup) has the IPs whose warmup is C(started) and C(stopped). All lists are sorted.
    - C(ips), only when O(ips) is given, maps each IP that changes to C(settings) (the fields written, with their
      new values) and C(reverse_dns) (V(null), or C(created), C(domain), C(subdomain) and C(deleted), the reverse DNS
      names of the records deleted first).
  returned: success
  type: dict
  sample:
    subusers:
      newsletter: {added: [192.0.2.21], removed: [192.0.2.22]}
    pools:
      marketing: {created: true, added: [192.0.2.20], removed: []}
    warmup: {started: [192.0.2.21], stopped: []}
    ips:
      192.0.2.20:
        settings: {is_auto_warmup: false}
        reverse_dns: {created: true, domain: example.com, subdomain: mail, deleted: []}
report:
  description:
    - What changed (in check mode, would change) in lines for a person, made from RV(summary) and RV(changes). The
      C(mailops.sendgrid.ip_layout) role prints them.
    - The first line gives the counts, or says that the account already matches the layout. Then one line per
      changed pool and subuser, with the IPs added and removed, one per warmup direction, one per IP of O(ips)
      that changes, and last, also when nothing changed, one per A record of RV(a_records) that SendGrid has not
      found yet, which names the record to create.
  returned: success
  type: list
  elements: str
  version_added: 0.2.0
  sample:
    - 'Made 3 write(s): 1 subuser(s) changed, 1 pool(s) created, 0 pool(s) changed, 2 IP assignment(s) added,
      1 removed, warmup started for 1 IP(s), stopped for 0, 0 IP(s) with new settings, 0 reverse DNS record(s)
      created, 0 deleted.'
    - 'pool marketing: created; added [192.0.2.20], removed []'
    - 'subuser newsletter: added [192.0.2.21], removed [192.0.2.22]'
    - 'warmup: started for 192.0.2.21'
a_records:
  description:
    - The A records the operator must create at the DNS host, one for each reverse DNS record O(ips) declares,
      sorted by IP, after the task; hand them to a DNS module. Empty when O(ips) declares no reverse DNS.
    - C(host) is V(null) in check mode for a record still to create (SendGrid chooses it).
  returned: success
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    ip:
      description: The IP of the record.
      type: str
      sample: 192.0.2.20
    host:
      description: The full name of the A record.
      type: str
      sample: o1.mail.example.com
    type:
      description: The record type, upper-cased as DNS modules expect it.
      type: str
      sample: A
    data:
      description: The value of the A record, the IP address.
      type: str
      sample: 192.0.2.20
    valid:
      description: Whether SendGrid found the A record.
      type: bool
      sample: false
  sample: [{"ip": "192.0.2.20", "host": "o1.mail.example.com", "type": "A", "data": "192.0.2.20", "valid": false}]
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
  description:
    - Writes not attempted because an earlier write they depend on failed, such as a pool's removals before its
      additions.
    - Writes that must follow others (an IP joins a pool after the C(PATCH) that makes it parent-assigned, and loses
      that after it left its pools) are not attempted when any write before them failed.
  returned: failure, when some writes failed
  type: list
  elements: str
  sample: []
"""

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._layout import DEFAULT_CONCURRENCY, converge_layout
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule

IPS_STATES = ('present', 'exact')


def ips_state_of(sg: SendGridModule) -> str:
    """``ips_state``, or the deprecated ``exclusive`` mapped to it (``true``: ``exact``, ``false``: ``present``)."""
    ips_state, exclusive = sg.params['ips_state'], sg.params['exclusive']
    if exclusive is None:
        return ips_state or 'present'
    mapped = 'exact' if exclusive else 'present'
    if ips_state is not None and ips_state != mapped:
        raise SendGridInputError(f'exclusive: {str(exclusive).lower()} contradicts ips_state: {ips_state}; give only'
                                 ' ips_state (exclusive is deprecated)')
    sg.module.deprecate('exclusive is deprecated: use ips_state: exact instead of exclusive: true, and ips_state:'
                        ' present instead of exclusive: false', version='1.0.0', collection_name='mailops.sendgrid')
    return mapped


def main() -> None:
    with SendGridModule(
        argument_spec={
            'pools': {'type': 'dict'},
            'subusers': {'type': 'dict'},
            'warmup': {'type': 'list', 'elements': 'str'},
            'ips': {'type': 'dict'},
            'ips_state': {'type': 'str', 'choices': list(IPS_STATES)},
            'exclusive': {'type': 'bool'},
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
            ips=params['ips'],
            exclusive=ips_state_of(sg) == 'exact',
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
            'a_records': plan.a_records(),
            'report': plan.report(sg.check_mode),
        }
        if sg.diff_mode:
            result['diff'] = sg.diff(plan.state('before'), plan.state('after'))
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
