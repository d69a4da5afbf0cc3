# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by every module, and the standard attributes."""

    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - A SendGrid API key with the C(ips.*) and C(subusers.*) scopes the task needs.
      - If not set, the value of the E(SENDGRID_API_KEY) environment variable is used.
      - Required; it is never logged or returned.
      - Set it once for all tasks with C(module_defaults) and the action group C(group/mailops.sendgrid.sendgrid).
    type: str
  region:
    description:
      - Which SendGrid API to talk to. V(global) is C(https://api.sendgrid.com), V(eu) is C(https://api.eu.sendgrid.com)
        (EU regional subusers).
      - Ignored when O(api_url) is set.
    type: str
    choices: [global, eu]
    default: global
  api_url:
    description:
      - Explicit base URL of the API, for example a local emulator such as C(http://127.0.0.1:8080).
      - If not set, the value of the E(SENDGRID_API_URL) environment variable is used; otherwise O(region) decides.
      - Must be C(https://); plain C(http://) is accepted only for loopback hosts (127.0.0.0/8, ::1, localhost).
    type: str
  on_behalf_of:
    description:
      - Act as this subuser (its username), sent as the C(on-behalf-of) header. Needs the parent account's key.
      - SendGrid does not declare this header on the IP management endpoints; most IP operations are parent-only.
    type: str
  validate_certs:
    description:
      - Verify the API's TLS certificate. Only set to V(false) for testing.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: float
    default: 30.0
  max_retries:
    description:
      - How many times one request is retried after HTTP 429, 500, 502, 503, 504 or a connection error.
      - A rate-limited request (429) waits until the time given by C(X-RateLimit-Reset) or C(Retry-After).
      - Server errors and connection errors are retried with exponential backoff and jitter, and only for
        requests that are safe to repeat; a write whose outcome is unknown is reported, not repeated.
    type: int
    default: 5
  retry_budget:
    description:
      - Total seconds one request may spend waiting between retries. When a wait would exceed it, the task fails
        with the API's last answer.
    type: float
    default: 120.0
requirements:
  - requests
"""

    ATTRIBUTES = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  action_group:
    description: Use C(group/mailops.sendgrid.sendgrid) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mailops.sendgrid.sendgrid
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

    # Use before the main fragment: `extends_documentation_fragment: [mailops.sendgrid.sendgrid.lookup,
    # mailops.sendgrid.sendgrid]`. Where both describe an option, the keys given here win (Ansible merges
    # fragments option by option), so this only adds what differs for a plugin: environment variables, and no
    # module_defaults.
    LOOKUP = r"""
options:
  api_key:
    description:
      - A SendGrid API key with the C(ips.*) and C(subusers.*) scopes the lookup needs.
      - If not set, the value of the E(SENDGRID_API_KEY) environment variable is used.
      - Required. It is a secret, as with C(no_log) for a module option, and is never displayed, logged, returned or
        included in an error message.
      - Plugins do not see C(module_defaults); set the environment variable or pass it to each lookup.
    type: str
    env:
      - name: SENDGRID_API_KEY
  api_url:
    env:
      - name: SENDGRID_API_URL
"""

    # The filters of the IP listing (module_utils/_ip_listing.py), shared by sendgrid_ip_info and the
    # sendgrid_ips lookup so that both describe them the same way.
    IP_LISTING = r"""
options:
  status:
    description:
      - Which IPs to return, by the Web API v2 definitions.
      - V(all) returns every IP.
      - V(free) returns IPs no subuser may send from.
      - V(taken) returns IPs at least one subuser may send from.
      - V(available) returns free IPs plus IPs used only by disabled subusers.
    type: str
    choices: [all, free, taken, available]
    default: all
  pools_as_taken:
    description:
      - Also count an IP that belongs to an IP pool as taken (the v2 C(reseller.ip) definition).
    type: bool
    default: false
  ip:
    description:
      - Only IPs matching this exact address, address prefix (such as V(192.0.2.)) or CIDR network (such as
        V(192.0.2.0/28)).
    type: str
  subuser:
    description:
      - Only the IPs this subuser (username) may send from; the v2 C(customer.sendip task=list) call.
      - An unknown subuser is an error.
    type: str
  pool:
    description:
      - Only IPs in the IP pool with this name (case-sensitive).
      - A name that is no pool of the account is an error, as for O(subuser).
      - Cannot be combined with O(is_parent_assigned) (the API rejects the combination).
    type: str
  is_leased:
    description:
      - Only IPs leased from SendGrid (V(true)) or only customer-owned IPs (V(false)).
      - This and the other IP-management filters (O(is_enabled), O(is_parent_assigned), O(ip_region), O(added_after),
        O(added_before)) are answered by C(GET /v3/send_ips/ips); they exclude the IPs that listing does not return,
        and the task fails if the API refuses that listing.
    type: bool
  is_enabled:
    description:
      - Only IPs enabled (V(true)) or disabled (V(false)) for sending. Applies to customer-owned IPs.
    type: bool
  is_parent_assigned:
    description:
      - Only IPs the parent account may (V(true)) or may not (V(false)) send from.
    type: bool
  ip_region:
    description:
      - Only IPs in this region. A global subuser can only send from V(us) IPs, an EU subuser only from V(eu) IPs.
    type: str
    choices: [us, eu]
  added_after:
    description:
      - Only IPs added to the account at or after this moment, a Unix timestamp or an ISO 8601 date or date-time
        (UTC unless it says otherwise).
    type: str
  added_before:
    description:
      - Only IPs added to the account at or before this moment, in the same forms as O(added_after).
    type: str
"""
