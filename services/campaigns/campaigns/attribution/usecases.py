"""Attribution (tested with fakes): an order counts to the campaign whose email the contact
clicked last, when that click came within the campaign's window (``attribution_days``,
else 7 days) before the order. Once per order: the conversion marker ``ORDER#<id>`` is
written on a condition with the counters (``conversions``, ``revenue_cents``) and the
CampaignConversion event, so a redelivered or replayed PurchaseRecorded adds nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from campaigns.attribution.models import ATTRIBUTION_DAYS, Click, Order
from campaigns.events import CampaignConversion
from shared.events import EventMetadata, Outgoing, follow_up
from shared.observability import logger


class Attributions(Protocol):
    def clicks(self, contact_id: str) -> list[Click]: ...
    def window_days(self, campaign_id: str) -> int | None: ...
    def convert(self, order: Order, campaign_id: str, revenue_cents: int, event: Outgoing) -> bool: ...


def cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def attributed_click(order: Order, repo: Attributions) -> Click | None:
    """The last click before the order that is still within its campaign's window."""
    for click in sorted(repo.clicks(order.contact_id), key=lambda c: c.clicked_at, reverse=True):
        if click.clicked_at > order.occurred_at:
            continue
        days = repo.window_days(click.campaign_id) or ATTRIBUTION_DAYS
        if order.occurred_at - click.clicked_at <= timedelta(days=days):
            return click
        # An older click of another campaign may have a longer window: keep looking.
    return None


def attribute_order(order: Order, cause: EventMetadata, repo: Attributions) -> str | None:
    """The campaign the order was counted to now; None when none (or counted before)."""
    click = attributed_click(order, repo)
    if click is None:
        return None
    event = CampaignConversion(
        campaign_id=click.campaign_id,
        contact_id=order.contact_id,
        order_id=order.order_id,
        amount=order.amount,
        currency=order.currency,
    )
    if not repo.convert(order, click.campaign_id, cents(order.amount), follow_up(event, cause)):
        return None
    logger.info("order attributed", extra={"campaign_id": click.campaign_id, "order_id": order.order_id})
    return click.campaign_id
