"""Events the loyalty service publishes (the contract other services read).

``entry_id`` is a ledger entry's cause (an event id, ``order:<id>`` for a purchase, an
Idempotency-Key for an API call): one entry per cause, ever.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.events import Event


class LoyaltyEvent(Event):
    bus_source = "crm.loyalty"


class MemberEnrolled(LoyaltyEvent):
    """A contact joined the loyalty program."""

    contact_id: str
    tier: str
    referred_by: str | None = None  # the referrer's contact id, when signed up with a code


class PointsAccrued(LoyaltyEvent):
    """Points were credited to a member, as a lot that expires on ``expires_on``."""

    contact_id: str
    points: int
    reason: str  # signup, purchase, referral, ...
    balance: int  # the balance after this entry
    entry_id: str
    expires_on: date | None = None


class PointsRedeemed(LoyaltyEvent):
    """Points were spent (on a reward); ``lots`` says how many came from each lot."""

    contact_id: str
    points: int
    reason: str
    balance: int
    entry_id: str
    reward_id: str | None = None


class PointsExpired(LoyaltyEvent):
    """What was left of a lot expired."""

    contact_id: str
    points: int
    balance: int
    entry_id: str
    lot_id: str
    expired_on: date


class PointsReversed(LoyaltyEvent):
    """A refund took back an order's points; ``unrecovered``: points already spent that
    were not taken back (the program does not claw back)."""

    contact_id: str
    order_id: str
    points: int
    balance: int
    entry_id: str
    unrecovered: int = 0


class PointsAdjusted(LoyaltyEvent):
    """A correction of the balance: by an admin (with a reason), or a refund's claw-back,
    or points moved by a merge."""

    contact_id: str
    points: int
    reason: str
    balance: int
    entry_id: str
    by: str | None = None


class TierChanged(LoyaltyEvent):
    """A member's tier moved (tiers follow what was earned over a rolling 12 months)."""

    contact_id: str
    previous_tier: str
    tier: str
    lifetime_points: int


class RewardRedeemed(LoyaltyEvent):
    contact_id: str
    reward_id: str
    reward_name: str
    points: int
    coupon_code: str


class CouponIssued(LoyaltyEvent):
    """A coupon for a member (campaigns delivers it): by a redemption, a batch, goodwill."""

    code: str
    contact_id: str | None = None
    kind: str
    value: Decimal | None = None
    source: str  # redemption, batch, goodwill, rule
    expires_at: date | None = None


class CouponRedeemed(LoyaltyEvent):
    code: str
    contact_id: str
    order_id: str
    uses: int  # the coupon's uses after this one
    max_uses: int


class ReferralCompleted(LoyaltyEvent):
    """A referred member's first purchase stayed unrefunded: both sides were credited."""

    referrer_id: str
    referred_id: str
    referrer_points: int
    referred_points: int


EVENTS: list[type[Event]] = [
    MemberEnrolled,
    PointsAccrued,
    PointsRedeemed,
    PointsExpired,
    PointsReversed,
    PointsAdjusted,
    TierChanged,
    RewardRedeemed,
    CouponIssued,
    CouponRedeemed,
    ReferralCompleted,
]


# --- internal: put on the bus by the service's own one-time schedules -----------------


class LotsExpiryDue(LoyaltyEvent):
    """Internal: a member's lots expiring on ``expires_on`` are due (their schedule fired)."""

    contact_id: str
    expires_on: date


class TierReviewDue(LoyaltyEvent):
    """Internal: a member's tier review day came; the tier goes down if the rolling record
    no longer reaches it."""

    contact_id: str
    review_on: date


class ReferralWindowClosed(LoyaltyEvent):
    """Internal: a referred member's first purchase passed the refund window."""

    referred_id: str
    order_id: str


class CouponBatchPageDue(LoyaltyEvent):
    """Internal: the next page of a coupon batch's segment is to be issued (``start``: where
    the previous page stopped)."""

    batch_id: str
    page: int
    start: dict[str, str] | None = None


EVENTS += [LotsExpiryDue, TierReviewDue, ReferralWindowClosed, CouponBatchPageDue]
