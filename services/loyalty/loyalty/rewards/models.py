"""Rewards: what members spend points on. A redemption takes the points, one unit of stock
and one of the member's allowance in one transaction, and issues the reward's coupon."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from loyalty.coupons.models import Coupon, CouponKind, Money
from shared.inputs import RequestModel

STOCK_TAG, LIMIT_TAG = "stock", "limit"  # the conditions a redemption adds to its posting
ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")


class RewardFields(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    kind: CouponKind | None = None
    points_cost: int | None = Field(default=None, ge=1, le=10_000_000, strict=True)
    stock: int | None = Field(default=None, ge=0, le=10_000_000, strict=True, description="units left")
    per_member_limit: int | None = Field(default=None, ge=1, le=1000, strict=True)
    valid_until: date | None = Field(default=None, description="the last day it can be redeemed")
    value: Money | None = Field(default=None, description="a discount's amount (the coupon's value)")
    coupon_valid_days: int | None = Field(default=None, ge=1, le=3650, strict=True)
    active: bool | None = None


class RewardPatch(RewardFields):
    """PATCH /rewards/{id} (``If-Match``): the fields sent; ``null`` clears an optional one."""


class RewardIn(RewardFields):
    """POST /rewards."""

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    kind: CouponKind
    points_cost: int = Field(ge=1, le=10_000_000, strict=True)
    stock: int = Field(ge=0, le=10_000_000, strict=True, description="units left")
    coupon_valid_days: int = Field(default=90, ge=1, le=3650, strict=True)
    active: bool = True

    @model_validator(mode="after")
    def _valued(self) -> RewardIn:
        if self.kind is CouponKind.DISCOUNT and self.value is None:
            raise ValueError("value: a discount reward needs its amount")
        return self


class Reward(RewardIn):
    id: str
    redeemed: int = 0
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def available_on(self, day: date) -> bool:
        return self.active and (self.valid_until is None or day <= self.valid_until)


class RewardPage(BaseModel):
    items: list[Reward]
    next_cursor: str | None = None


class RedemptionIn(RequestModel):
    """POST /members/{id}/redemptions; an ``Idempotency-Key`` makes a retry redeem once."""

    reward_id: str = ID


class Redemption(BaseModel):
    redemption_id: str  # the ledger entry's cause
    contact_id: str
    reward_id: str
    reward_name: str
    points: int
    balance: int | None = None  # after this redemption (None when answered again for a retry)
    coupon: Coupon
    redeemed_at: datetime
