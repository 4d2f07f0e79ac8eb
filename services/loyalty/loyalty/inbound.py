"""What the loyalty service reads from other events (tolerant readers: unknown fields ignored)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from shared.events import IncomingEvent


class LeadCreatedIn(IncomingEvent):
    """crm.contacts LeadCreated: a new contact is enrolled (with a referral code, linked)."""

    contact_id: str
    referral_code: str | None = None


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned: the contact's owner, kept for reach (shared.reach)."""

    contact_id: str
    owner_id: str


class ContactErasedIn(IncomingEvent):
    """crm.contacts ContactErased: forget the person."""

    contact_id: str


class ContactsMergedIn(IncomingEvent):
    """crm.contacts ContactsMerged: the loser's points move to the winner."""

    winner_id: str
    loser_id: str


class LineIn(IncomingEvent):
    category: str | None = None
    amount: Decimal


class PurchaseRecordedIn(IncomingEvent):
    """crm.contacts PurchaseRecorded: points for the order."""

    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    occurred_at: datetime
    lines: list[LineIn] = Field(default_factory=list)


class PurchaseRefundedIn(IncomingEvent):
    """crm.contacts PurchaseRefunded: that order's points come back."""

    contact_id: str
    order_id: str
    amount: Decimal
    currency: str


class LotsExpiryDueIn(IncomingEvent):
    """crm.loyalty LotsExpiryDue (our own schedule)."""

    contact_id: str
    expires_on: date


class TierReviewDueIn(IncomingEvent):
    """crm.loyalty TierReviewDue (our own schedule)."""

    contact_id: str
    review_on: date


class SegmentMovedIn(IncomingEvent):
    """crm.contacts SegmentEntered / SegmentExited: who a coupon batch for the segment reaches."""

    segment_id: str
    contact_id: str


class SurveyAnsweredIn(IncomingEvent):
    """crm.service_desk SurveyAnswered: survey points, and a goodwill coupon for a low score."""

    ticket_id: str
    contact_id: str
    kind: str
    score: int


class CouponBatchPageDueIn(IncomingEvent):
    """crm.loyalty CouponBatchPageDue (our own: the next page of a batch)."""

    batch_id: str
    page: int
    start: dict[str, str] | None = None


class ReferralWindowClosedIn(IncomingEvent):
    """crm.loyalty ReferralWindowClosed (our own schedule)."""

    referred_id: str
    order_id: str


# --- crm.loyalty's own events, counted into the reports (only the fields they read) ------


class MemberEnrolledIn(IncomingEvent):
    contact_id: str
    tier: str


class PointsAccruedIn(IncomingEvent):
    contact_id: str
    points: int


class PointsRedeemedIn(IncomingEvent):
    contact_id: str
    points: int


class PointsExpiredIn(IncomingEvent):
    contact_id: str
    points: int


class PointsReversedIn(IncomingEvent):
    contact_id: str
    points: int


class PointsAdjustedIn(IncomingEvent):
    contact_id: str
    points: int  # signed


class TierChangedIn(IncomingEvent):
    contact_id: str
    previous_tier: str
    tier: str


class RewardRedeemedIn(IncomingEvent):
    reward_id: str
    points: int


class CouponIssuedIn(IncomingEvent):
    code: str


class CouponRedeemedIn(IncomingEvent):
    code: str
