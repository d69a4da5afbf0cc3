# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: sendgrid_ips
short_description: List the dedicated IPs of a SendGrid account (all, free, taken, available) in a template
version_added: 0.1.0
description:
  - Returns the account's IPs that match the filters, sorted by address, for use in templates and C(vars).
  - Gives exactly the listing and O(status) classification of M(mailops.sendgrid.sendgrid_ip_info) (the same code
    makes the same requests), without a task and a registered variable.
  - By default returns the IP addresses. With O(details=true) returns one dictionary per IP, like
    RV(mailops.sendgrid.sendgrid_ip_info#module:ips).
  - Takes no terms; filter on addresses with O(ip). An option it does not know (a misspelt filter) is an error, never
    ignored.
  - Warnings of the listing (IPs C(GET /v3/send_ips/ips) does not list, a refused IP-management listing; see
    M(mailops.sendgrid.sendgrid_ip_info)) are shown as Ansible warnings.
  - Runs on the controller, so the controller needs the Python library C(requests) and network access to the API.
author:
  - mailops.sendgrid maintainers (@mailops)
extends_documentation_fragment:
  - mailops.sendgrid.sendgrid.lookup
  - mailops.sendgrid.sendgrid
  - mailops.sendgrid.sendgrid.ip_listing
options:
  details:
    description:
      - V(false) returns the IP addresses (strings).
      - V(true) returns one dictionary per IP with C(ip) and the fields in O(fields).
    type: bool
    default: false
  fields:
    description:
      - With O(details=true), the fields to return for each IP (besides C(ip), which is always there).
      - Asking only for V(subusers), V(pools), V(warmup), V(start_date), V(rdns) and V(whitelabeled), with no filter on the
        IP-management settings, saves the C(GET /v3/send_ips/ips) listing.
      - Defaults to every field. Only valid with O(details=true).
    type: list
    elements: str
    choices: [subusers, pools, warmup, start_date, rdns, whitelabeled, is_auto_warmup, is_parent_assigned, is_enabled,
              is_leased, added_at, updated_at, region]
notes:
  - Reads C(GET /v3/ips) always, C(GET /v3/send_ips/ips) only for O(details=true) (unless O(fields) needs none of its
    fields) or for the IP-management filters, and C(GET /v3/subusers) only for O(status=available) or O(subuser).
    All pages are read.
  - As for every lookup, the C(lookup) function joins two or more addresses into one comma-separated string and
    returns a single result as it is; use the C(query) function or C(wantlist=true) to always get a list.
  - The lookup runs again each time the template is evaluated; store the result with M(ansible.builtin.set_fact)
    to reuse it.
seealso:
  - module: mailops.sendgrid.sendgrid_ip_info
"""

EXAMPLES = r"""
- name: Free IPs of the transactional pool (the API key comes from SENDGRID_API_KEY)
  ansible.builtin.debug:
    msg: "{{ query('mailops.sendgrid.sendgrid_ips', status='free', pool='transactional') }}"

- name: Give a new global subuser the first available IP of its region (us; an EU subuser needs ip_region='eu')
  mailops.sendgrid.sendgrid_subuser_ips:
    api_key: "{{ sendgrid_api_key }}"
    subuser: shop-us
    ips:
      - "{{ query('mailops.sendgrid.sendgrid_ips', status='available', ip_region='us', api_key=sendgrid_api_key) | first }}"

- name: IPs a subuser may send from, as one comma-separated string
  ansible.builtin.debug:
    msg: "{{ lookup('mailops.sendgrid.sendgrid_ips', subuser='shop-eu') }}"

- name: Keep the details of the customer-owned IPs of a network
  ansible.builtin.set_fact:
    owned_ips: >-
      {{ query('mailops.sendgrid.sendgrid_ips', ip='192.0.2.0/24', is_leased=false,
               details=true, fields=['subusers', 'is_enabled']) }}

- name: Warn about IPs that are still warming up
  ansible.builtin.debug:
    msg: "{{ item.ip }} is warming up since {{ item.start_date }}"
  loop: "{{ query('mailops.sendgrid.sendgrid_ips', details=true, fields=['warmup', 'start_date']) }}"
  when: item.warmup
"""

RETURN = r"""
_raw:
  description:
    - With O(details=false), the addresses of the matching IPs, sorted.
    - With O(details=true), one dictionary per matching IP, sorted by address, with C(ip) and the fields in O(fields),
      as in RV(mailops.sendgrid.sendgrid_ip_info#module:ips).
  type: list
  elements: raw
  sample: ["192.0.2.13", "192.0.2.14"]
"""

import difflib
import typing as t

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.mailops.sendgrid.plugins.module_utils._api import SendGridAPI
from ansible_collections.mailops.sendgrid.plugins.module_utils._errors import SendGridError
from ansible_collections.mailops.sendgrid.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.mailops.sendgrid.plugins.module_utils._ip_listing import IPListingQuery, list_account_ips
from ansible_collections.mailops.sendgrid.plugins.module_utils._module import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_settings,
)

FILTER_OPTIONS = (
    'status', 'pools_as_taken', 'ip', 'subuser', 'pool', 'is_leased', 'is_enabled', 'is_parent_assigned',
    'ip_region', 'added_after', 'added_before',
)
# Without details only the addresses are returned: ask for one field of GET /v3/ips so that the
# GET /v3/send_ips/ips listing is read only when a filter needs it.
ADDRESS_ONLY_FIELDS = ('subusers',)
PLUGIN = 'the mailops.sendgrid.sendgrid_ips lookup'

display = Display()


def unknown_options_message(given: t.Iterable[str], known: t.Iterable[str]) -> str | None:
    """Why the options are refused (a typo must not silently drop a filter), or ``None``."""
    known = sorted(known)
    unknown = sorted(set(given) - set(known))
    if not unknown:
        return None
    hints = sorted({match for name in unknown for match in difflib.get_close_matches(name, known, n=1)})
    hint = f' (did you mean {", ".join(hints)}?)' if hints else ''
    return (f'{PLUGIN} got the unknown option{"s" if len(unknown) > 1 else ""} {", ".join(unknown)}{hint};'
            f' its options are {", ".join(known)}')


def import_error_summary(text: str | None) -> str:
    """The last line of an import traceback (``No module named 'requests'``), without the traceback."""
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    last = lines[-1] if lines else 'not installed'
    return last.split(': ', 1)[1] if last.startswith(('ModuleNotFoundError: ', 'ImportError: ')) else last


class LookupModule(LookupBase):

    def run(self, terms: list[t.Any], variables: dict[str, t.Any] | None = None, **kwargs: t.Any) -> list[t.Any]:
        self.set_options(var_options=variables, direct=kwargs)
        refused = unknown_options_message(kwargs, self._options)
        if refused:
            raise AnsibleLookupError(refused)
        if terms:
            raise AnsibleLookupError(
                'the mailops.sendgrid.sendgrid_ips lookup takes no terms, got'
                f' {len(terms)}; pass filters as keyword options, for example ip="192.0.2.0/24"')
        if not HAS_REQUESTS:
            raise AnsibleLookupError(
                f'{PLUGIN} needs the Python library requests on the controller; install it (pip install requests)'
                f' in the Python that runs Ansible ({import_error_summary(REQUESTS_IMPORT_ERROR)})')

        details = self.get_option('details')
        fields = self.get_option('fields')
        if fields and not details:
            raise AnsibleLookupError('fields can only be used with details=true')

        try:
            query = IPListingQuery(
                fields=fields if details else ADDRESS_ONLY_FIELDS,
                **{name: self.get_option(name) for name in FILTER_OPTIONS},
            )
            api = SendGridAPI(client_from_settings({name: self.get_option(name) for name in CONNECTION_ARGUMENT_SPEC}))
            try:
                listing = list_account_ips(api, query)
            finally:
                api.client.close()
        except SendGridError as exc:
            # The message names the method, path, status and the API's own errors; never the key.
            raise AnsibleLookupError(exc.message) from None

        for warning in listing['warnings']:
            display.warning(f'mailops.sendgrid.sendgrid_ips: {warning}')
        if details:
            return listing['ips']
        return [entry['ip'] for entry in listing['ips']]
