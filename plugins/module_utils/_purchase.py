# Copyright (c) mailops.sendgrid contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Buying dedicated IPs: the guard, the description of a purchase, and a purchase made in several calls.

This is a private module_utils file: its API may change at any time.

Shared by ``sendgrid_account_ips`` (the account's own IPs) and ``sendgrid_partner_ips`` (a partner's
customer accounts). A purchase spends money, so:

- it is described exactly (count, region, price) before anything is bought, in check mode and in the diff;
- outside check mode it needs ``allow_purchase: true``, checked before the first write;
- a call that buys is never repeated on an unknown outcome (the client does not retry it);
- when a purchase needs several calls and one fails, the error says which IPs were bought before it.
"""

from __future__ import annotations

import typing as t

from ._errors import SendGridError, SendGridInputError, format_items
from ._ips import sort_ips


def describe_purchase(purchase: t.Mapping[str, t.Any]) -> str:
    """``2 IPs in region us at 20 per IP (month), 40 in all`` and the like, from a ``purchase`` result."""
    count = purchase['count']
    text = f'{count} IP{"" if count == 1 else "s"}'
    text += f' in region {purchase["ip_region"]}' if purchase.get('ip_region') else ' (region chosen by SendGrid)'
    price = purchase.get('price_per_ip')
    if price is None:
        text += ' at a price SendGrid does not state through this API'
    else:
        period = f' ({purchase["period"]})' if purchase.get('period') else ''
        text += f' at {price:g} per IP{period}, {price * count:g} in all'
    if purchase.get('subusers'):
        text += ' for the subuser(s) ' + format_items(purchase['subusers'])
    return text


def require_purchase_allowed(allow_purchase: bool, check_mode: bool, purchase: t.Mapping[str, t.Any]) -> None:
    """Refuse, before any write, a purchase the user did not accept. Check mode never needs it."""
    if not check_mode and not allow_purchase:
        raise SendGridInputError(
            f'this task would buy {describe_purchase(purchase)}, which SendGrid charges for;'
            ' set allow_purchase: true to accept the purchase (run with --check --diff to see it first)')


class PartialPurchaseError(SendGridError):
    """A purchase of several calls stopped at a failed call; ``bought`` holds the IPs bought before it."""

    def __init__(self, cause: SendGridError, bought: list[str], wanted: int) -> None:
        self.cause = cause
        self.bought = sort_ips(bought)
        message = cause.message
        if self.bought:
            message += (f'. Bought before this error: {len(self.bought)} of {wanted} IP(s),'
                        f' {format_items(self.bought)}; they are on the account now')
        else:
            message += f'. No IP was bought before this error (0 of {wanted})'
        message += '; run the task again to buy only what is still missing'
        super().__init__(message)

    def to_result(self) -> dict[str, t.Any]:
        return {**self.cause.to_result(), 'bought': self.bought}


def buy_in_steps(steps: t.Sequence[int], buy: t.Callable[[int], list[str]]) -> list[str]:
    """Call ``buy(n)`` for each step (the IPs one call buys); returns every IP bought, sorted.

    A failing call raises ``PartialPurchaseError`` naming the IPs the earlier calls bought.
    """
    bought: list[str] = []
    for step in steps:
        try:
            bought.extend(buy(step))
        except SendGridError as exc:
            raise PartialPurchaseError(exc, bought, sum(steps)) from None
    return sort_ips(bought)


def check_unknown_regions(
    unknown: t.Sequence[str], missing: int, ip_region: str, listing: str, warn: t.Callable[[str], None],
) -> None:
    """IPs whose region the listing does not give never count: refuse a purchase they could change, else warn."""
    if not unknown:
        return
    names = format_items(sort_ips(unknown))
    if missing:
        raise SendGridInputError(
            f'cannot tell the region of {names}: {listing} gives none, so whether to buy {missing} IP(s) in'
            f' {ip_region} is unknown; refusing to buy. Run the task again later')
    warn(f'not counted, as {listing} gives no region for them: {names}')
