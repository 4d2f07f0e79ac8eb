"""The ledger's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.earning.models import EarningEvent
from loyalty.earning.points import Line
from loyalty.inbound import LotsExpiryDueIn, PurchaseRecordedIn, PurchaseRefundedIn, SurveyAnsweredIn, TierReviewDueIn
from loyalty.ledger.refunds import Refund, reverse_purchase
from loyalty.ledger.usecases import Purchase, accrue_purchase, earn, expire_lots, review_tier
from shared.errors import NotFound
from shared.events import Envelope


def on_purchase_recorded(envelope: Envelope[PurchaseRecordedIn]) -> None:
    data = envelope.data
    purchase = Purchase(
        contact_id=data.contact_id,
        order_id=data.order_id,
        amount=data.amount,
        currency=data.currency,
        lines=[Line(category=line.category, amount=line.amount) for line in data.lines],
        occurred_at=data.occurred_at,
    )
    accrue_purchase(bootstrap.books(), purchase, envelope.metadata)


def on_purchase_refunded(envelope: Envelope[PurchaseRefundedIn]) -> None:
    data = envelope.data
    refund = Refund(contact_id=data.contact_id, order_id=data.order_id, amount=data.amount)
    reverse_purchase(bootstrap.books(), refund, envelope.metadata)


def on_lots_expiry_due(envelope: Envelope[LotsExpiryDueIn]) -> None:
    expire_lots(bootstrap.books(), envelope.data.contact_id, envelope.data.expires_on)


def on_tier_review_due(envelope: Envelope[TierReviewDueIn]) -> None:
    review_tier(bootstrap.books(), envelope.data.contact_id, envelope.data.review_on)


def on_survey_answered(envelope: Envelope[SurveyAnsweredIn]) -> None:
    """The survey-answered rules' points, once per answer (a requester who is no member earns none)."""
    meta = envelope.metadata
    try:
        earn(
            bootstrap.books(),
            envelope.data.contact_id,
            EarningEvent.SURVEY_ANSWERED,
            cause_id=meta.event_id,
            occurred_at=meta.occurred_at,
            cause=meta,
        )
    except NotFound:
        return
