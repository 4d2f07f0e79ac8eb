"""Referrals: a member's code, and who referred a member (its state on the way to credit)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class ReferralState(StrEnum):
    LINKED = "linked"  # signed up with a code, nothing bought yet
    PURCHASED = "purchased"  # first purchase made, its refund window open
    COMPLETED = "completed"  # both sides credited
    VOID = "void"  # the first purchase was refunded within the window


class ReferralCode(BaseModel):
    """GET /members/{id}/referral-code."""

    code: str
    contact_id: str


class Referral(BaseModel):
    """``MEMBER#<referred id>``/``REFERRED``: at most one per member, ever."""

    referred_id: str
    referrer_id: str
    code: str
    state: ReferralState
    linked_at: datetime
    order_id: str | None = None
