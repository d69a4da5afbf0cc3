"""Limits and defaults of the emulated SendGrid accounts."""

from __future__ import annotations

import ipaddress

DEFAULT_ACCOUNT_ID = "main"            # the account of a single-account seed, reached with --api-key
DEFAULT_ADDED_AT = 1700000000          # added_at of seeded IPs that do not set one
DEFAULT_REMAINING_IPS = 2              # GET /v3/ips/remaining
PRICE_PER_IP = 20                      # GET /v3/ips/remaining (value of the spec example)
DEFAULT_REPUTATION = 100               # GET /v3/subusers/reputations of a subuser whose seed sets none
MAX_POOLS = 100                        # "100 pools limit has been reached"
MAX_IPS_PER_POOL = 100                 # "the total number of IPs per pool cannot exceed 100"
MAX_IPS_PER_POOL_CALL = 100            # "the number of IPs must be between 1 and 100"
MAX_SUBUSERS_PER_BATCH = 1000          # "cannot assign more than 1000 subusers per call"
MAX_SUBUSERS_ON_ADD_IP = 100           # POST /v3/send_ips/ips body schema: subusers maxItems 100
MAX_PARTNER_IPS_PER_CALL = 10          # AddAccountIps count / RemoveAccountIps ips: 1..10
MAX_PARTNER_PAGE = 5000                # ListAccountIps limit: 1..5000
MIN_PASSWORD_LENGTH = 8                # POST /v3/subusers (emulator choice, see the README)
PREVIEW_SIZE = 10                      # ips_preview holds at most 10 IPs
DEFAULT_PAGE_SIZE = 10                 # every list's default limit (spec gives 10 for GET /v3/ips)
DEFAULT_RATE_LIMIT = 10000             # requests per endpoint, account and window
DEFAULT_RATE_WINDOW = 60               # seconds
FIRST_SUBUSER_ID = 1001
# Offset lists that serve fewer items than asked (page_caps).  Emulator choice: GET /v3/subusers
# serves at most 500 per page, as older v3 docs said and users saw (ENDPOINTS.md section 11).
DEFAULT_PAGE_CAPS = {"/v3/subusers": 500}
CAPPABLE_LISTS = ("/v3/ips", "/v3/subusers", "/v3/whitelabel/ips", "/v3/partners/accounts/{accountID}/ips")
# Emulator choice: new IPs come from the documentation ranges, per region, then from the
# benchmarking range 198.18.0.0/15 (us: 198.18/16, eu: 198.19/16) once those are used up.
NEW_IP_RANGES = {
    "us": (ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("198.18.0.0/16")),
    "eu": (ipaddress.ip_network("203.0.113.0/24"), ipaddress.ip_network("198.19.0.0/16")),
}
IP_REGIONS = ("eu", "us")
# A subuser pinned to region "eu" sends from "eu" IPs; a "global" subuser from "us" IPs.
IP_REGION_FOR_SUBUSER_REGION = {"global": "us", "eu": "eu"}

# send_ips limit rules.  GET /v3/send_ips/ips has its own example ("limit length error", <= 5000);
# every other /v3/send_ips list uses IpAddressManagement400LimitValueError (<= 100).
LIMIT_100 = (100, "should be > 0 and <= 100")
LIMIT_5000 = (5000, "should be > 0 and \u2264 5000")
BOOL_MESSAGE = "must be one of the following: true, false"
JSON_PARSE_MESSAGE = "failed to parse the request body as a JSON payload"
