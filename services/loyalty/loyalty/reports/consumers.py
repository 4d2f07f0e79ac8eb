"""The reports' reactions to loyalty's own events: each becomes one Count of its day (the
event's occurred_at, UTC), applied once per event id."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from loyalty import bootstrap
from loyalty.reports.models import Count
from loyalty.reports.usecases import count_event

if TYPE_CHECKING:
    from loyalty.inbound import (
        CouponIssuedIn,
        CouponRedeemedIn,
        MemberEnrolledIn,
        PointsAccruedIn,
        PointsAdjustedIn,
        PointsExpiredIn,
        PointsRedeemedIn,
        PointsReversedIn,
        RewardRedeemedIn,
        TierChangedIn,
    )
    from shared.events import Envelope


def _count(envelope: Envelope[Any], **additions: Any) -> None:
    day = envelope.metadata.occurred_at.astimezone(UTC).date()
    count_event(bootstrap.reports(), envelope.metadata.event_id, Count(day_of=day, **additions))


def on_member_enrolled(envelope: Envelope[MemberEnrolledIn]) -> None:
    _count(envelope, day={"enrolled": 1}, tiers={envelope.data.tier: 1})


def on_points_accrued(envelope: Envelope[PointsAccruedIn]) -> None:
    points, contact = envelope.data.points, envelope.data.contact_id
    _count(envelope, day={"earned": points}, outstanding=points, active_contact=contact)


def on_points_redeemed(envelope: Envelope[PointsRedeemedIn]) -> None:
    points, contact = envelope.data.points, envelope.data.contact_id
    _count(envelope, day={"redeemed": points}, outstanding=-points, active_contact=contact)


def on_points_expired(envelope: Envelope[PointsExpiredIn]) -> None:
    # No activity: an expiry is the program's doing, not the member's.
    _count(envelope, day={"expired": envelope.data.points}, outstanding=-envelope.data.points)


def on_points_reversed(envelope: Envelope[PointsReversedIn]) -> None:
    points, contact = envelope.data.points, envelope.data.contact_id
    _count(envelope, day={"reversed": points}, outstanding=-points, active_contact=contact)


def on_points_adjusted(envelope: Envelope[PointsAdjustedIn]) -> None:
    # Signed: a correction or claw-back can take points as well as give them.
    points, contact = envelope.data.points, envelope.data.contact_id
    _count(envelope, day={"adjusted": points}, outstanding=points, active_contact=contact)


def on_tier_changed(envelope: Envelope[TierChangedIn]) -> None:
    data = envelope.data
    if data.previous_tier != data.tier:
        _count(envelope, tiers={data.previous_tier: -1, data.tier: 1})


def on_reward_redeemed(envelope: Envelope[RewardRedeemedIn]) -> None:
    # Its points are counted by the PointsRedeemed of the same spend; here only the reward.
    _count(envelope, reward_id=envelope.data.reward_id, reward_points=envelope.data.points)


def on_coupon_issued(envelope: Envelope[CouponIssuedIn]) -> None:
    _count(envelope, day={"coupons_issued": 1})


def on_coupon_redeemed(envelope: Envelope[CouponRedeemedIn]) -> None:
    _count(envelope, day={"coupons_redeemed": 1})
