# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one error hierarchy of the SendGrid client.

This is a private module_utils file: its API may change at any time.

Every failure the client can raise is a ``SendGridError``. API errors carry the
HTTP method, path (never the full URL, never headers), status and the API's own
``field``/``message`` items, so a module can report them without a traceback.
"""

from __future__ import annotations

import typing as t

MAX_LISTED_ITEMS = 20    # a message names at most this many items, then "and N more"
MAX_ITEM_CHARS = 200     # and shows at most this many characters of each


def shorten(text: t.Any, limit: int = MAX_ITEM_CHARS) -> str:
    """``text`` as a string of at most ``limit`` characters (cut ones end in ``...``)."""
    text = str(text)
    return text if len(text) <= limit else text[:max(0, limit - 3)] + '...'


def format_items(items: t.Iterable[t.Any], limit: int = MAX_LISTED_ITEMS, separator: str = ', ') -> str:
    """List items in a message: the first ``limit`` (each shortened), then how many more there are.

    ``format_items(['a', 'b'])`` is ``'a, b'``; with 25 items it names 20 and ends in ``' and 5 more'``
    (``'; and 5 more'`` with ``separator='; '``, whose items may be sentences).
    Use it wherever a message names user or API data, so that an error stays a few kB whatever the input.
    """
    shown: list[str] = []
    rest = 0
    for item in items:
        if len(shown) < limit:
            shown.append(shorten(item))
        else:
            rest += 1
    text = separator.join(shown)
    return f'{text}{" " if separator == ", " else separator}and {rest} more' if rest else text


class SendGridError(Exception):
    """Base class of every error raised by the SendGrid client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_result(self) -> dict[str, t.Any]:
        """Extra keys for ``fail_json`` (besides ``msg``)."""
        return {}

    def add_detail(self, detail: str) -> None:
        """Append ``(detail)`` to the message (for what a caller learnt about this error)."""
        self.message = f'{self.message} ({detail})'
        self.args = (self.message,)


class SendGridConfigError(SendGridError):
    """Invalid connection settings (bad URL, missing API key, ...). Raised before any request."""


class SendGridInputError(SendGridError):
    """Invalid user input detected before any request is made."""


class SendGridNetworkError(SendGridError):
    """The request did not produce an HTTP response (connection refused, reset, timeout, TLS)."""

    def __init__(self, method: str, path: str, reason: str, outcome_unknown: bool = False) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.outcome_unknown = outcome_unknown
        message = f'{method} {path} failed: {reason}'
        if outcome_unknown:
            message += (
                '. The request may or may not have been applied by SendGrid (the outcome is unknown);'
                ' run the task again to converge')
        super().__init__(message)

    def to_result(self) -> dict[str, t.Any]:
        return {'method': self.method, 'path': self.path, 'outcome_unknown': self.outcome_unknown}


class SendGridAPIError(SendGridError):
    """SendGrid answered with an error status."""

    kind = 'API error'

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        errors: list[dict[str, t.Any]],
        detail: str | None = None,
        sent: bool = True,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors
        # Set by the client when this error came on a retry after an attempt whose outcome is unknown
        # (a 5xx or a connection lost once the request was sent): the first attempt may have been applied.
        self.after_unknown_outcome = False
        text = format_error_items(errors) or 'no error message in the response'
        # What happened, without the kind of error: "GET /v3/ips returned HTTP 404: resource not found".
        self.summary = f'{method} {path} returned HTTP {status}: {text}' if sent else f'{method} {path} was not sent'
        message = f'SendGrid {self.kind}: {self.summary}'
        if detail:
            message += f' ({detail})'
        super().__init__(message)

    def to_result(self) -> dict[str, t.Any]:
        result = {'method': self.method, 'path': self.path, 'status': self.status,
                  'errors': [_shorten_item(item) for item in self.errors[:MAX_LISTED_ITEMS]]}
        if len(self.errors) > MAX_LISTED_ITEMS:
            result['errors_total'] = len(self.errors)
        return result


class SendGridValidationError(SendGridAPIError):
    """HTTP 400 (and other 4xx the API uses for invalid input)."""

    kind = 'validation error'


class SendGridAuthenticationError(SendGridAPIError):
    """HTTP 401 or 403: bad API key, or a key without the scope the operation needs."""

    kind = 'authentication error'

    @property
    def missing_scope(self) -> str | None:
        for item in self.errors:
            message = str(item.get('message') or '')
            marker = 'missing required scope'
            if marker in message.lower():
                return message[message.lower().index(marker) + len(marker):].strip(' :') or None
        return None


class SendGridNotFoundError(SendGridAPIError):
    """HTTP 404."""

    kind = 'not found'


class SendGridUnexpectedResponseError(SendGridAPIError):
    """A status outside 2xx that is no API error (a redirect, never followed: the API key never travels to
    another host), or a 2xx whose body lacks the documented shape of the operation (``problem`` says what)."""

    kind = 'unexpected response'

    def __init__(self, method: str, path: str, status: int, problem: str, location_host: str | None = None) -> None:
        self.problem = problem
        self.location_host = location_host
        super().__init__(method, path, status, [{'field': None, 'message': problem}])


class SendGridRateLimitError(SendGridAPIError):
    """HTTP 429 that outlasted the retry budget."""

    kind = 'rate limit'


class SendGridServerError(SendGridAPIError):
    """HTTP 5xx that outlasted the retries (or was not safe to retry)."""

    kind = 'server error'


def _shorten_item(item: dict[str, t.Any]) -> dict[str, t.Any]:
    return {key: shorten(value, 500) if isinstance(value, str) else value for key, value in item.items()}


def format_error_item(item: t.Mapping[str, t.Any]) -> str:
    """One ``{field, message}`` item of an API error as text: ``field: message`` (or the message alone)."""
    message = str(item.get('message') or '').strip() or 'error'
    field = item.get('field')
    if field and field != 'error':
        return f'{field}: {message}'
    return message


def format_error_items(items: t.Iterable[t.Mapping[str, t.Any]]) -> str:
    """The API's error items as one text, ``; ``-separated, at most ``MAX_LISTED_ITEMS`` of them (see ``format_items``)."""
    return format_items((format_error_item(item) for item in items), separator='; ')


def decode_error_body(body: t.Any, text: str = '') -> list[dict[str, t.Any]]:
    """Turn any error body shape SendGrid uses into a list of ``{field, message}`` items.

    Shapes accepted: ``{"errors": [{"field", "message", "help", "error_id"}], "id"}``,
    ``{"error": "..."}``, ``{"message": "..."}``, a bare list of error items, and
    non-JSON text (kept, shortened).
    """
    items: list[dict[str, t.Any]] = []
    if isinstance(body, dict):
        errors = body.get('errors')
        if isinstance(errors, list):
            items.extend(_normalize_item(entry) for entry in errors)
        elif isinstance(errors, (str, dict)):
            items.append(_normalize_item(errors))
        for key in ('error', 'message'):
            value = body.get(key)
            if isinstance(value, str) and value and not items:
                items.append({'field': None, 'message': value})
        if body.get('id') and items:
            items[0].setdefault('id', body['id'])
    elif isinstance(body, list):
        items.extend(_normalize_item(entry) for entry in body)
    elif text.strip():
        items.append({'field': None, 'message': text.strip()[:500]})
    return items


def _normalize_item(entry: t.Any) -> dict[str, t.Any]:
    if isinstance(entry, dict):
        item = {'field': entry.get('field'), 'message': str(entry.get('message') or entry.get('error') or '')}
        for key in ('help', 'error_id'):
            if entry.get(key) is not None:
                item[key] = entry[key]
        return item
    return {'field': None, 'message': str(entry)}


ERROR_CLASSES: dict[int, type[SendGridAPIError]] = {
    400: SendGridValidationError,
    401: SendGridAuthenticationError,
    403: SendGridAuthenticationError,
    404: SendGridNotFoundError,
    409: SendGridValidationError,
    413: SendGridValidationError,
    422: SendGridValidationError,
    429: SendGridRateLimitError,
}


def error_class_for(status: int) -> type[SendGridAPIError]:
    if status >= 500:
        return SendGridServerError
    return ERROR_CLASSES.get(status, SendGridAPIError)
