# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Connection settings of the SendGrid client: hosts, the API key, and the numbers, validated once.

This is a private module_utils file: its API may change at any time.

Every check raises ``SendGridConfigError`` naming the option, before any request; the modules
and the lookup share them through ``_module.client_from_settings``.
"""

from __future__ import annotations

import math
import typing as t
from urllib.parse import urlsplit

from ._errors import SendGridConfigError, shorten
from ._http import is_loopback_host

REGION_URLS = {
    'global': 'https://api.sendgrid.com',
    'eu': 'https://api.eu.sendgrid.com',
}
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BUDGET = 120.0


def check_region(region: t.Any) -> str:
    """``global`` (also for an empty value) or ``eu``."""
    region = region or 'global'
    if region not in REGION_URLS:
        raise SendGridConfigError(f'region must be one of {", ".join(sorted(REGION_URLS))}, got {shorten(repr(region))}')
    return region


def resolve_hosts(region: str | None = None, api_url: str | None = None) -> tuple[str, str | None]:
    """The base URL of every request, and the one of the operations only ``api.sendgrid.com`` serves.

    Without ``api_url``, ``region`` picks the base URL and the global host is ``api.sendgrid.com``.
    With ``api_url`` and ``region: global``, ``api_url`` is the global host. With ``api_url`` and
    ``region: eu``, ``api_url`` is taken as the EU host, and the global host is unknown (``None``):
    the operations served only by the global host then cannot be sent (see ``_api``).
    """
    region = check_region(region)
    base_url = resolve_base_url(region, api_url)
    if not api_url:
        return base_url, REGION_URLS['global']
    return base_url, base_url if region == 'global' else None


def resolve_base_url(region: str | None = None, api_url: str | None = None) -> str:
    """Return the base URL to use, validating ``api_url``.

    ``http://`` is accepted only for loopback hosts (a local emulator); any other
    host must use ``https://``. A trailing ``/v3`` (as SendGrid's docs write the base
    URL) is dropped: the client adds it to every path.
    """
    if not api_url:
        return REGION_URLS[check_region(region)]
    shown = shorten(repr(api_url))
    try:
        parts = urlsplit(api_url)
    except ValueError:  # e.g. an unbalanced '[' in the host
        parts = None
    if parts is not None and (parts.username or parts.password):
        raise SendGridConfigError('api_url must not contain credentials; use api_key')
    if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname or not _has_valid_port(parts):
        raise SendGridConfigError(f'api_url must be an http(s) URL such as https://api.sendgrid.com, got {shown}')
    if parts.query or parts.fragment:
        raise SendGridConfigError(f'api_url must not contain a query or fragment, got {shown}')
    if parts.scheme == 'http' and not is_loopback_host(parts.hostname):
        raise SendGridConfigError(
            f'api_url {shown} uses plain http:// for the non-loopback host {parts.hostname!r};'
            ' only https:// is accepted there (http:// is allowed for 127.0.0.0/8, ::1 and localhost only)')
    base_url = api_url.rstrip('/')
    if base_url.endswith('/v3'):
        base_url = base_url[:-3].rstrip('/')
    return base_url


def _has_valid_port(parts: t.Any) -> bool:
    """False for a non-numeric or out-of-range port (reading ``port`` raises ``ValueError`` then)."""
    try:
        return parts.port is None or parts.port >= 0
    except ValueError:
        return False


def _show(value: t.Any) -> str:
    return shorten(repr(value) if isinstance(value, str) else str(value), 60)


def check_api_key(api_key: t.Any) -> str:
    """The key, stripped; refused (without showing it) when it is empty or cannot travel in an HTTP header."""
    key = '' if api_key is None else str(api_key).strip()
    if not key:
        raise SendGridConfigError(
            'no SendGrid API key: set the api_key option or the SENDGRID_API_KEY environment variable')
    if _has_control_character(key):
        raise SendGridConfigError(
            'api_key holds a line break, a tab or another control character; a SendGrid API key is one line of'
            ' printable ASCII. Check how it was set: surrounding whitespace is removed, inner characters are not'
            ' (the key is not shown)')
    if not _is_latin1(key):
        raise SendGridConfigError(
            'api_key holds characters outside Latin-1, which no HTTP header can carry; a SendGrid API key is'
            ' printable ASCII (the key is not shown)')
    return key


def check_on_behalf_of(value: t.Any) -> str | None:
    if value is None or value == '':
        return None
    text = str(value)
    if _has_control_character(text) or not _is_latin1(text) or text != text.strip():
        raise SendGridConfigError(
            'on_behalf_of must be a subuser username: one line of Latin-1 text without control characters or'
            f' surrounding whitespace, got {_show(text)}')
    return text


def _has_control_character(text: str) -> bool:
    return any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text)


def _is_latin1(text: str) -> bool:
    try:
        text.encode('latin-1')
    except UnicodeEncodeError:
        return False
    return True


def check_seconds(name: str, value: t.Any, default: float, allow_zero: bool) -> float:
    """A finite number of seconds (> 0, or >= 0 with ``allow_zero``); ``None`` is the default."""
    if value is None:
        return default
    rule = '0 or more' if allow_zero else 'greater than 0'
    message = (f'{name} must be a number of seconds, {rule}, got {_show(value)}' if allow_zero
               else f'{name} must be a number of seconds {rule}, got {_show(value)}')
    if isinstance(value, bool):
        raise SendGridConfigError(message)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SendGridConfigError(message) from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise SendGridConfigError(message)
    return number


def check_count(name: str, value: t.Any, default: int) -> int:
    """A whole number, 0 or more; ``None`` is the default."""
    if value is None:
        return default
    message = f'{name} must be 0 or more, got {_show(value)}'
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise SendGridConfigError(message)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SendGridConfigError(message) from None
    if number < 0:
        raise SendGridConfigError(message)
    return number
