#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_reverse_dns
short_description: Set up, validate and delete the reverse DNS record of a SendGrid dedicated IP
version_added: 0.2.0
description:
  - Makes sure one dedicated IP has a reverse DNS record (C(POST /v3/whitelabel/ips)) for O(domain) and
    O(subdomain), or has none (C(DELETE /v3/whitelabel/ips/{id})).
  - SendGrid "strongly encourages" reverse DNS for every dedicated IP, and an IP needs it to join an IP pool.
    SendGrid answers with the A record (C(<subdomain>.<domain>) pointing to the IP) that the operator must create
    at their DNS host; the module always returns it in RV(a_record), so that a later task can hand it to a DNS
    module.
  - The record is found by its IP. A record with another domain or subdomain is replaced only with O(force=true);
    otherwise the task fails, without any write, and names the record it found.
  - With O(validate=true), asks SendGrid to check the A record (C(POST /v3/whitelabel/ips/{id}/validate)) as long
    as the record is not valid yet, and returns the result in RV(validation).
  - Reads the records of the IP first (C(GET /v3/whitelabel/ips?ip=...)) and writes only what differs.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
attributes:
  check_mode:
    support: full
    details:
      - A record that would be created has no RV(rdns) nor RV(a_record.host) yet, as SendGrid chooses them;
        both are V(null) in check mode. No validation is requested in check mode.
  diff_mode:
    support: full
options:
  ip:
    description:
      - The dedicated IPv4 address. To set up a record, it must be on the account.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the IP has a reverse DNS record for O(domain) (and O(subdomain) when given).
      - V(absent) deletes the IP's reverse DNS record. Deleting a record that does not exist changes nothing.
    type: str
    choices: [present, absent]
    default: present
  domain:
    description:
      - The root, or sending, domain of the record, such as V(example.com). Required with O(state=present).
      - Compared without regard to case; a trailing dot is ignored and an internationalized name is sent in its
        ASCII (IDNA) form.
      - With O(state=absent), only a record with this domain is deleted; a record with another domain is left
        alone and the task fails, unless O(force=true).
    type: str
  subdomain:
    description:
      - The subdomain of the record, such as V(mail); SendGrid recommends the subdomain of the domain
        authentication of the same sending domain.
      - When not set, SendGrid chooses one for a new record, and an existing record of O(domain) is accepted
        whatever its subdomain.
    type: str
  force:
    description:
      - Replace (O(state=present)) or delete (O(state=absent)) a record of the IP that has another domain or
        subdomain. The old record is deleted before the new one is created, so the IP has no reverse DNS in
        between.
    type: bool
    default: false
  validate:
    description:
      - Ask SendGrid to validate the record's A record after the task, unless the record is already valid.
      - A failed validation does not fail the task; RV(validation) says why it failed. SendGrid notes that a new
        A record may take up to 48 hours to be seen; run the task again later.
      - Only with O(state=present).
    type: bool
    default: false
notes:
  - Only the parent account sets up reverse DNS. SendGrid keeps one reverse DNS record per IP.
  - The API key needs the C(whitelabel.*) scopes (C(whitelabel.read) for reading).
  - Creating a record cannot be repeated safely, so the client never retries it. If SendGrid answers a create
    with a server error, or the connection fails after the request was sent, the record may or may not exist; the
    task fails and says so, and running it again converges (the record is found by its IP).
  - A record SendGrid marks as V(legacy) (made with the old whitelabel tool) still works but cannot be changed;
    replacing it needs O(force=true).
seealso:
  - module: mailops.sendgrid.sendgrid_reverse_dns_info
  - module: mailops.sendgrid.sendgrid_ip_pool
"""

EXAMPLES = r"""
- name: Set up reverse DNS for a new IP and ask SendGrid to validate it
  mailops.sendgrid.sendgrid_reverse_dns:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.31
    domain: example.com
    subdomain: mail
    validate: true
  register: rdns

- name: Show the A record to create at the DNS host
  ansible.builtin.debug:
    msg: "{{ rdns.a_record.host }} {{ rdns.a_record.type }} {{ rdns.a_record.data }} (valid: {{ rdns.valid }})"
  when: rdns.a_record.host is not none  # null in check mode when the record would be created

# With a DNS module of another collection (this collection depends on none), for example
# amazon.aws.route53. See the guide "Onboard a customer" for community.dns.
- name: Create the A record in Route 53
  amazon.aws.route53:
    state: present
    zone: example.com
    record: "{{ rdns.a_record.host }}"
    type: "{{ rdns.a_record.type }}"
    value: "{{ rdns.a_record.data }}"
    ttl: 3600
  when: rdns.a_record.host is not none

- name: Replace a record made for another domain
  mailops.sendgrid.sendgrid_reverse_dns:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.31
    domain: example.net
    subdomain: mail
    force: true

- name: Delete the IP's reverse DNS record
  mailops.sendgrid.sendgrid_reverse_dns:
    api_key: "{{ sendgrid_api_key }}"
    ip: 192.0.2.31
    state: absent
  register: removed

- name: The A record that can now be removed from DNS as well
  ansible.builtin.debug:
    msg: "{{ removed.a_record.host }}"
  when: removed.a_record is not none
"""

RETURN = r"""
ip:
  description: The IP address.
  returned: success
  type: str
  sample: 192.0.2.31
record_id:
  description:
    - The id of the reverse DNS record after the task.
    - V(null) after O(state=absent), and in check mode when the record would be created.
  returned: success
  type: int
  sample: 123
rdns:
  description:
    - The reverse DNS name of the IP, such as V(o1.mail.example.com).
    - V(null) after O(state=absent), and in check mode when the record would be created.
  returned: success
  type: str
  sample: o1.mail.example.com
domain:
  description: The record's domain; V(null) after O(state=absent).
  returned: success
  type: str
  sample: example.com
subdomain:
  description:
    - The record's subdomain; V(null) after O(state=absent), and in check mode when SendGrid would choose it.
  returned: success
  type: str
  sample: mail
valid:
  description: Whether SendGrid considers the record valid (after the validation of O(validate=true), if any).
  returned: success
  type: bool
  sample: false
legacy:
  description: Whether the record was made with SendGrid's legacy whitelabel tool.
  returned: success
  type: bool
  sample: false
users:
  description: Usernames of the users that may send from the IP, as the record lists them, sorted.
  returned: success
  type: list
  elements: str
  sample: [shop-eu]
a_record:
  description:
    - The A record the operator must create at their DNS host for the reverse DNS to validate.
    - After O(state=absent), the A record of the deleted record (it can be removed from DNS as well), or
      V(null) when the IP had no record.
  returned: success
  type: dict
  contains:
    host:
      description:
        - The full name of the A record. V(null) in check mode when the record would be created.
      type: str
      sample: o1.mail.example.com
    type:
      description: The record type, upper-cased as DNS modules expect it.
      type: str
      sample: A
    data:
      description: The value of the A record, the IP address.
      type: str
      sample: 192.0.2.31
    valid:
      description: Whether SendGrid found the A record.
      type: bool
      sample: false
  sample: {"host": "o1.mail.example.com", "type": "A", "data": "192.0.2.31", "valid": false}
validation:
  description:
    - The result of the validation O(validate=true) asked for.
    - V(null) when no validation was requested (O(validate=false), check mode, or the record was already valid).
  returned: success
  type: dict
  contains:
    valid:
      description: Whether SendGrid could validate the A record.
      type: bool
      sample: false
    reason:
      description: Why not, in SendGrid's words; V(null) when it could.
      type: str
      sample: "Failed to resolve A Record at o1.mail.example.com: no such host"
"""

import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridError, SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import normalize_ip
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._reverse_dns import (
    a_record_view,
    describe_record as describe,
    foreign_answer_warning,
    matches,
    normalize_dns_name,
    record_view,
    records_of_ip,
)
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import on_account

EMPTY_RECORD = {'record_id': None, 'rdns': None, 'domain': None, 'subdomain': None, 'valid': False,
                'legacy': False, 'users': []}


def diff_state(view: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    if view is None:
        return {}
    return {key: view.get(key) for key in ('ip', 'domain', 'subdomain', 'rdns', 'valid')}


def refuse_other_records(address: str, others: list[dict[str, t.Any]], action: str) -> None:
    if others:
        found = '; '.join(describe(record) for record in others)
        raise SendGridInputError(
            f'{address} already has reverse DNS for another domain or subdomain: {found}.'
            f' Set force: true to {action} it')


def delete_records(sg: SendGridModule, records: list[dict[str, t.Any]]) -> list[str]:
    done: list[str] = []
    for record in records:
        sg.api.delete_reverse_dns(record['id'])
        done.append(f'deleted record {describe(record)}')
    return done


def ensure_present(
    sg: SendGridModule, address: str, domain: str, subdomain: str | None, records: list[dict[str, t.Any]],
) -> dict[str, t.Any]:
    params = sg.params
    keep = next((record for record in records if matches(record, domain, subdomain)), None)
    others = [record for record in records if record is not keep]
    if not params['force']:
        refuse_other_records(address, others, 'replace')
    if keep is None and not on_account(sg.api, address):
        raise SendGridInputError(f'ip: {address} is not on this SendGrid account')

    before = record_view(records[0]) if records else None
    changed = keep is None or bool(others)
    view = record_view(keep) if keep is not None else {
        **EMPTY_RECORD, 'ip': address, 'domain': domain, 'subdomain': subdomain,
        'a_record': a_record_view({}, address)}
    validation = None
    if not sg.check_mode:
        applied: list[str] = []
        try:
            applied += delete_records(sg, others)
            if keep is None:
                created = sg.api.create_reverse_dns(address, domain, subdomain)
                view = record_view(created)
                applied.append(f'created record {view["rdns"]} (id {view["record_id"]})')
                warning = foreign_answer_warning(address, created)
                if warning:
                    sg.module.warn(warning)
            if params['validate'] and not view['valid'] and view['record_id'] is not None:
                validation = validate(sg, view)
                changed = changed or view['valid']
        except SendGridError as exc:
            if applied:
                exc.message += f'. Already applied for {address} before this error: ' + '; '.join(applied)
            raise

    result: dict[str, t.Any] = {'changed': changed, **view, 'validation': validation}
    if sg.diff_mode:
        result['diff'] = sg.diff(diff_state(before), diff_state(view))
    return result


def validate(sg: SendGridModule, view: dict[str, t.Any]) -> dict[str, t.Any]:
    """Ask for a validation and fold its outcome into ``view``."""
    answer = sg.api.validate_reverse_dns(view['record_id'])
    a_record = ((answer.get('validation_results') or {}).get('a_record') or {})
    view['valid'] = bool(answer.get('valid'))
    view['a_record'] = {**view['a_record'], 'valid': bool(a_record.get('valid', view['valid']))}
    return {'valid': view['valid'], 'reason': a_record.get('reason')}


def ensure_absent(
    sg: SendGridModule, address: str, domain: str | None, subdomain: str | None, records: list[dict[str, t.Any]],
) -> dict[str, t.Any]:
    if domain is not None and not sg.params['force']:
        refuse_other_records(address, [record for record in records if not matches(record, domain, subdomain)],
                             'delete')
    if records and not sg.check_mode:
        delete_records(sg, records)
    removed = record_view(records[0]) if records else None
    result: dict[str, t.Any] = {
        'changed': bool(records), **EMPTY_RECORD, 'ip': address,
        'a_record': removed['a_record'] if removed else None, 'validation': None}
    if sg.diff_mode:
        result['diff'] = sg.diff(diff_state(removed), {})
    return result


def main() -> None:
    with SendGridModule(
        argument_spec={
            'ip': {'type': 'str', 'required': True},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'domain': {'type': 'str'},
            'subdomain': {'type': 'str'},
            'force': {'type': 'bool', 'default': False},
            'validate': {'type': 'bool', 'default': False},
        },
        required_if=[('state', 'present', ('domain',))],
        supports_check_mode=True,
    ) as sg:
        try:
            address = normalize_ip(sg.params['ip'], ipv4_only=True)
        except ValueError as exc:
            raise SendGridInputError(f'ip: {exc}') from None
        params = sg.params
        domain = normalize_dns_name(params['domain'], 'domain', min_labels=2) if params['domain'] is not None else None
        subdomain = normalize_dns_name(params['subdomain'], 'subdomain') if params['subdomain'] is not None else None
        if params['state'] == 'absent':
            if params['validate']:
                raise SendGridInputError('validate: only with state=present')
            if subdomain is not None and domain is None:
                raise SendGridInputError('subdomain: with state=absent, give domain as well (or neither)')

        records = records_of_ip(sg.api.list_reverse_dns(ip_prefix=address), address)
        if params['state'] == 'present':
            result = ensure_present(sg, address, t.cast(str, domain), subdomain, records)
        else:
            result = ensure_absent(sg, address, domain, subdomain, records)
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
