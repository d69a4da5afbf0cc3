#!/usr/bin/python
# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sendgrid_subuser
short_description: Create, enable, disable and delete a SendGrid subuser
version_added: 0.2.0
description:
  - Creates a subuser with its email, password, region and dedicated IPs (C(POST /v3/subusers)), enables or
    disables it (C(PATCH /v3/subusers/{name})), gives an existing subuser IPs it lacks, and deletes it
    (C(DELETE /v3/subusers/{name}), only with O(allow_delete=true)).
  - Reads the subuser (C(GET /v3/subusers?username=...)) first and writes only what differs; the account's IPs are
    read only when O(ips) is set.
  - Everything is checked before the first write. IPs that are not on the account or not in the subuser's region
    are all named in one error.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.attributes
attributes:
  check_mode:
    support: full
    details:
      - A subuser that would be created has no RV(subuser_id) yet; it is V(null) in check mode.
  diff_mode:
    support: full
    details:
      - The password is never shown.
options:
  subuser:
    description:
      - The subuser's username. Leading and trailing whitespace is ignored.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the subuser exists, creating it when needed, and applies O(disabled) and O(ips).
      - V(absent) deletes the subuser for good; it needs O(allow_delete=true). Deleting a subuser that does not
        exist changes nothing.
    type: str
    choices: [present, absent]
    default: present
  email:
    description:
      - The subuser's email address. Required to create it.
      - SendGrid's API has no operation to change the email of an existing subuser; if it differs (compared
        without regard to case), the task fails without any write.
    type: str
  password:
    description:
      - The subuser's password. Required to create it. Never logged, shown or returned.
      - See O(update_password) for an existing subuser.
    type: str
  update_password:
    description:
      - V(on_create) uses O(password) only to create the subuser, and never changes the password of an existing one.
      - V(always) asks to set O(password) on an existing subuser too. SendGrid's API has no operation that changes
        a subuser's password (nor one that reads it), so for an existing subuser the task fails without any write
        and says so, rather than report a change it cannot make. Change the password in the SendGrid UI.
    type: str
    choices: [always, on_create]
    default: on_create
  subuser_region:
    description:
      - The subuser's region, used to create it. When not set, SendGrid's default (V(global)) applies.
      - A V(global) subuser sends from V(us) IPs, an V(eu) subuser from V(eu) IPs.
      - A subuser's region cannot be changed; if an existing subuser's region differs, the task fails without any
        write.
    type: str
    choices: [global, eu]
  ips:
    description:
      - Dedicated IPv4 addresses the subuser may send from. At least one is required to create a subuser.
      - For an existing subuser, those it lacks are added and its other IPs are kept, with one
        C(POST /v3/send_ips/ips/{ip}/subusers:batchAdd) per IP. To remove IPs or set exactly these, use
        M(mailops.sendgrid.sendgrid_subuser_ips).
      - Every address must be on the account and in the subuser's region.
    type: list
    elements: str
  disabled:
    description:
      - Disable (V(true)) or enable (V(false)) the subuser. Not changed when not set; a new subuser is enabled.
    type: bool
  allow_delete:
    description:
      - Accept that O(state=absent) deletes the subuser for good. Without it, a run that would delete fails before
        any write. Check mode never needs it.
    type: bool
    default: false
notes:
  - Creating a subuser cannot be repeated safely, so the client never retries it. If SendGrid answers with a
    server error, or the connection fails after the request was sent, the subuser may or may not exist; the task
    fails and says so, and running it again converges (the subuser is found by its username).
  - IPs are added to an existing subuser with one C(POST /v3/send_ips/ips/{ip}/subusers:batchAdd) per IP, which keeps
    an IP another run gives the subuser at the same time. Only the global API (C(https://api.sendgrid.com)) serves
    that call; with O(region=eu) it goes there. With O(region=eu) and O(api_url) (no global host known) the module
    makes the one C(PUT /v3/subusers/{name}/ips) of the subuser's current and new IPs instead, which gives the same
    result but is not safe against concurrent changes of the same subuser.
  - If a write fails after an earlier write of the same task succeeded, the error says what was already applied.
seealso:
  - module: mailops.sendgrid.sendgrid_subuser_info
  - module: mailops.sendgrid.sendgrid_subuser_ips
  - module: mailops.sendgrid.sendgrid_account_ips
"""

EXAMPLES = r"""
- name: Create a subuser with one dedicated IP
  mailops.sendgrid.sendgrid_subuser:
    api_key: "{{ sendgrid_api_key }}"
    subuser: acme
    email: ops@acme.example
    password: "{{ vault_acme_password }}"
    ips: [192.0.2.31]
  register: acme

- name: Create an EU subuser
  mailops.sendgrid.sendgrid_subuser:
    api_key: "{{ sendgrid_api_key }}"
    subuser: acme-eu
    email: ops@acme.example
    password: "{{ vault_acme_password }}"
    subuser_region: eu
    ips: [203.0.113.10]

- name: Disable it
  mailops.sendgrid.sendgrid_subuser:
    api_key: "{{ sendgrid_api_key }}"
    subuser: acme-eu
    disabled: true

- name: Delete it for good
  mailops.sendgrid.sendgrid_subuser:
    api_key: "{{ sendgrid_api_key }}"
    subuser: acme-eu
    state: absent
    allow_delete: true
"""

RETURN = r"""
subuser:
  description: The subuser's username.
  returned: success
  type: str
  sample: acme
subuser_id:
  description:
    - The subuser's numeric id. V(null) in check mode when the subuser would be created, and after O(state=absent).
  returned: success
  type: int
  sample: 1006
email:
  description: The subuser's email address; V(null) after O(state=absent).
  returned: success
  type: str
  sample: ops@acme.example
disabled:
  description: Whether the subuser is disabled; V(null) after O(state=absent).
  returned: success
  type: bool
  sample: false
subuser_region:
  description: The subuser's region, V(global) or V(eu); V(null) when SendGrid does not say, and after O(state=absent).
  returned: success
  type: str
  sample: global
ips:
  description:
    - The IPs the subuser may send from after the task, sorted.
    - V(null) when they were not read (O(ips) not set and no subuser created), and after O(state=absent).
  returned: success
  type: list
  elements: str
  sample: [192.0.2.31]
added:
  description: The IPs the task gave (or would give) the subuser, sorted; all of them when it creates the subuser.
  returned: success
  type: list
  elements: str
  sample: [192.0.2.31]
"""

import re
import typing as t

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import UPDATE_SUBUSER
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridError, SendGridInputError
from ansible_collections.mailops.sendgrid.plugins.module_utils._ips import normalize_ips, sort_ips
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import SendGridModule
from ansible_collections.mailops.sendgrid.plugins.module_utils._names import clean_name
from ansible_collections.mailops.sendgrid.plugins.module_utils._rules import Findings, IPFacts
from ansible_collections.mailops.sendgrid.plugins.module_utils._writes import (
    Write,
    run_in_order,
    subuser_membership_writes,
)

EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s.]+$')
PRESENT_ONLY = ('email', 'password', 'subuser_region', 'ips', 'disabled')


def check_options(params: t.Mapping[str, t.Any]) -> tuple[str, str | None, list[str] | None]:
    """(username, email, IPs) validated before any request."""
    username = clean_name(params['subuser'], 'subuser')
    if params['state'] == 'absent':
        given = [name for name in PRESENT_ONLY if params[name] is not None]
        if given:
            raise SendGridInputError(
                f'state=absent deletes the subuser and takes none of {", ".join(given)}')
        return username, None, None
    email = None
    if params['email'] is not None:
        email = params['email'].strip()
        if not EMAIL.match(email):
            raise SendGridInputError(f'email: {email!r} is not an email address')
    if params['password'] is not None and not params['password']:
        raise SendGridInputError('password: must not be empty')
    ips = normalize_ips(params['ips'], ipv4_only=True) if params['ips'] is not None else None
    return username, email, ips


def check_ips(sg: SendGridModule, username: str, ips: list[str], account: dict[str, dict[str, t.Any]],
              subuser_region: str) -> None:
    """The rules of _rules for the IPs a subuser gains: on the account, and of the subuser's region (as far as
    GET /v3/send_ips/ips tells: an IP it gives no region for is named in a warning, and SendGrid decides)."""
    findings = Findings()
    findings.check_on_account(ips, account)
    if not findings.problems:
        findings.check_regions({username: set(ips)}, {username: {'region': subuser_region}}, IPFacts.read(sg.api),
                               where=lambda _name: 'ips')
    findings.settle(sg.module.warn)


def redact(exc: SendGridError, secret: str) -> SendGridError:
    """The error without ``secret`` (the API may quote the password it refused), whatever Ansible masks later."""
    exc.message = exc.message.replace(secret, '********')
    for item in getattr(exc, 'errors', None) or ():
        if isinstance(item.get('message'), str):
            item['message'] = item['message'].replace(secret, '********')
    return exc


def state_view(entry: t.Mapping[str, t.Any] | None, ips: list[str] | None) -> dict[str, t.Any]:
    if entry is None:
        return {}
    view = {'subuser': entry['username'], 'email': entry.get('email'), 'disabled': bool(entry.get('disabled')),
            'subuser_region': entry.get('region')}
    if ips is not None:
        view['ips'] = sort_ips(ips)
    return view


def create(sg: SendGridModule, username: str, email: str | None, ips: list[str] | None) -> dict[str, t.Any]:
    params = sg.params
    missing = [name for name, value in (('email', email), ('password', params['password'])) if value is None]
    if not ips:
        missing.append('ips (at least one IP)')
    if missing:
        raise SendGridInputError(f'subuser {username!r} does not exist; to create it, give {", ".join(missing)}')
    ips = t.cast(list, ips)
    region = params['subuser_region'] or 'global'
    account = {record['ip']: record for record in sg.api.list_ips()}
    check_ips(sg, username, ips, account, region)

    entry: dict[str, t.Any] = {'username': username, 'id': None, 'email': email, 'disabled': False,
                               'region': region}
    if not sg.check_mode:
        try:
            answer = sg.api.create_subuser(username, t.cast(str, email), params['password'], ips,
                                           params['subuser_region'])
        except SendGridError as exc:
            raise redact(exc, params['password']) from None
        entry.update(id=answer.get('user_id'), email=answer.get('email') or email,
                     region=answer.get('region') or region)
        if answer.get('username') != username:
            # Never a silent answer: subuser_id and email are those of the answer.
            sg.module.warn(f'POST /v3/subusers for {username!r} answered the subuser {answer.get("username")!r}'
                           f' (id {answer.get("user_id")}); check it with sendgrid_subuser_info')
        if params['disabled']:
            try:
                sg.api.set_subuser_disabled(username, True)
            except SendGridError as exc:
                exc.message += f'. Already applied before this error: created subuser {username} (enabled)'
                exc.args = (exc.message,)
                raise
    entry['disabled'] = bool(params['disabled'])
    return result_for(sg, None, None, entry, ips, ips)


def update(
    sg: SendGridModule, entry: dict[str, t.Any], email: str | None, ips: list[str] | None,
) -> dict[str, t.Any]:
    params = sg.params
    username = entry['username']
    if params['password'] is not None and params['update_password'] == 'always':
        raise SendGridInputError(
            f'password: subuser {username!r} exists, and SendGrid\'s API has no operation that changes (or reads) a'
            ' subuser\'s password, so update_password=always cannot be honoured; change it in the SendGrid UI, or use'
            ' update_password=on_create to set the password only when the subuser is created')
    if email is not None and str(entry.get('email') or '').casefold() != email.casefold():
        raise SendGridInputError(
            f'email: subuser {username!r} has the email {entry.get("email")!r}, and SendGrid\'s API has no operation'
            f' that changes it to {email!r}; change it in the SendGrid UI or leave email unset')
    region = entry.get('region')
    if params['subuser_region'] is not None:
        if region is None:
            sg.module.warn(f'SendGrid did not return the region of subuser {username}; subuser_region was not checked')
        elif region != params['subuser_region']:
            raise SendGridInputError(
                f'subuser_region: subuser {username!r} is in region {region!r}, and a subuser\'s region cannot be'
                f' changed to {params["subuser_region"]!r}')

    current = added = None
    writes: list[Write] = []
    if ips is not None:
        account = {record['ip']: record for record in sg.api.list_ips()}
        current = sort_ips(address for address, record in account.items() if username in (record.get('subusers') or ()))
        added = sort_ips(set(ips) - set(current))
        if added:
            check_ips(sg, username, added, account, region or params['subuser_region'] or 'global')
            # One batchAdd per IP (kept by a concurrent run), or the PUT of the whole list where no host serves it.
            writes = subuser_membership_writes(sg.api, username, entry['id'], current, [*current, *added],
                                               exact=False)
    disable = params['disabled'] is not None and bool(entry.get('disabled')) != params['disabled']
    if disable:
        writes.append(Write(f'{"disable" if params["disabled"] else "enable"} subuser {username}',
                            lambda api: api.set_subuser_disabled(username, params['disabled']), UPDATE_SUBUSER))

    after = {**entry, 'disabled': params['disabled'] if disable else bool(entry.get('disabled'))}
    if not sg.check_mode:
        run_in_order(sg.api, writes)
    after_ips = sort_ips([*current, *added]) if current is not None and added is not None else None
    return result_for(sg, entry, current, after, after_ips, added or [])


def result_for(
    sg: SendGridModule, before: dict[str, t.Any] | None, before_ips: list[str] | None, after: dict[str, t.Any],
    after_ips: list[str] | None, added: list[str],
) -> dict[str, t.Any]:
    before_view, after_view = state_view(before, before_ips), state_view(after, after_ips)
    result: dict[str, t.Any] = {
        'changed': before_view != after_view,
        'subuser': after['username'],
        'subuser_id': int(after['id']) if after.get('id') is not None else None,
        'email': after.get('email'),
        'disabled': bool(after.get('disabled')),
        'subuser_region': after.get('region'),
        'ips': after_ips,
        'added': sort_ips(added),
    }
    if sg.diff_mode:
        result['diff'] = sg.diff(before_view, after_view)
    return result


def delete(sg: SendGridModule, entry: dict[str, t.Any] | None, username: str) -> dict[str, t.Any]:
    if entry is not None and not sg.check_mode:
        if not sg.params['allow_delete']:
            raise SendGridInputError(
                f'state=absent would delete subuser {username!r} for good (SendGrid cannot restore it);'
                ' set allow_delete: true to accept that')
        sg.api.delete_subuser(username)
    result: dict[str, t.Any] = {
        'changed': entry is not None, 'subuser': username, 'subuser_id': None, 'email': None, 'disabled': None,
        'subuser_region': None, 'ips': None, 'added': [],
    }
    if sg.diff_mode:
        result['diff'] = sg.diff(state_view(entry, None), {})
    return result


def main() -> None:
    with SendGridModule(
        argument_spec={
            'subuser': {'type': 'str', 'required': True},
            'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
            'email': {'type': 'str'},
            'password': {'type': 'str', 'no_log': True},
            'update_password': {'type': 'str', 'choices': ['always', 'on_create'], 'default': 'on_create',
                                'no_log': False},
            'subuser_region': {'type': 'str', 'choices': ['global', 'eu']},
            'ips': {'type': 'list', 'elements': 'str'},
            'disabled': {'type': 'bool'},
            'allow_delete': {'type': 'bool', 'default': False},
        },
        supports_check_mode=True,
    ) as sg:
        username, email, ips = check_options(sg.params)
        entry = next((dict(item) for item in sg.api.list_subusers(username=username)
                      if item.get('username') == username), None)
        if sg.params['state'] == 'absent':
            result = delete(sg, entry, username)
        elif entry is None:
            result = create(sg, username, email, ips)
        else:
            result = update(sg, entry, email, ips)
        sg.exit_json(**result)


if __name__ == '__main__':
    main()
