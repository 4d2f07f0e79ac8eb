"""Events the loyalty service publishes (the contract other services read)."""

from __future__ import annotations

from shared.events import Event


class LoyaltyEvent(Event):
    bus_source = "crm.loyalty"


class MemberEnrolled(LoyaltyEvent):
    """A contact joined the loyalty program."""

    contact_id: str
    tier: str


class PointsAccrued(LoyaltyEvent):
    """Points were credited to a member; ``entry_id`` is the ledger entry (= the cause's event id)."""

    contact_id: str
    points: int
    reason: str  # signup, purchase, referral, ...
    balance: int  # the balance after this entry
    entry_id: str


class TierChanged(LoyaltyEvent):
    """A member's tier moved (tiers follow lifetime points)."""

    contact_id: str
    previous_tier: str
    tier: str
    lifetime_points: int


EVENTS: list[type[Event]] = [MemberEnrolled, PointsAccrued, TierChanged]
