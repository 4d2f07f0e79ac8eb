"""Coupons: codes worth a discount, a gift or free shipping, used at a partner's checkout.

A coupon is issued by a reward's redemption, by a batch for a segment, for goodwill (a low
survey score) or by an admin (a campaign code many customers share). ``max_uses`` bounds
its uses in all, ``per_customer_limit`` each customer's; a coupon issued to a member can
be used by that member only. ``expires_at`` is the last day it can be used.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from shared.inputs import RequestModel

Money = Annotated[Decimal, Field(gt=0, le=1_000_000, max_digits=12, decimal_places=2)]
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9\-]{3,31}$"
COUPON_TAG, ORDER_TAG, CUSTOMER_TAG = "coupon", "order", "customer"  # the conditions of a use


class CouponRefused(Exception):
    """A condition of a coupon's use failed: ``tags`` name which (coupon, order, customer)."""

    def __init__(self, tags: set[str]) -> None:
        super().__init__(", ".join(sorted(tags)))
        self.tags = tags


class CouponKind(StrEnum):
    DISCOUNT = "discount"  # ``value`` off the order
    GIFT = "gift"
    FREE_SHIPPING = "free_shipping"


class CouponSource(StrEnum):
    REDEMPTION = "redemption"
    BATCH = "batch"
    GOODWILL = "goodwill"
    RULE = "rule"  # an admin's code (a campaign code many customers share)


class CouponState(StrEnum):
    ACTIVE = "active"
    USED_UP = "used_up"
    EXPIRED = "expired"


class CouponTerms(RequestModel):
    """What a coupon is worth and how often it can be used (shared by every way of issuing one)."""

    kind: CouponKind = CouponKind.DISCOUNT
    value: Money | None = Field(default=None, description="money off (discount) or the gift's value")
    max_uses: int = Field(default=1, ge=1, le=1_000_000, strict=True)
    per_customer_limit: int | None = Field(default=None, ge=1, le=1000, strict=True)
    expires_at: date | None = Field(default=None, description="the last day it can be used")

    @model_validator(mode="after")
    def _valued(self) -> CouponTerms:
        if self.kind is CouponKind.DISCOUNT and self.value is None:
            raise ValueError("value: a discount needs its amount")
        return self


class CouponIn(CouponTerms):
    """POST /coupons (admin): a code of the business's own (or one made up), for many customers."""

    code: str | None = Field(default=None, pattern=CODE_PATTERN, description="upper-case letters, digits, dashes")
    max_uses: int = Field(default=100, ge=1, le=1_000_000, strict=True)
    per_customer_limit: int | None = Field(default=1, ge=1, le=1000, strict=True)


class Coupon(BaseModel):
    code: str
    kind: CouponKind
    value: Decimal | None = None
    contact_id: str | None = None  # issued to this member only
    max_uses: int
    uses: int = 0
    per_customer_limit: int | None = None
    expires_at: date | None = None
    source: CouponSource
    source_id: str  # what issued it: a redemption, a batch, a ticket, an admin
    reward_id: str | None = None
    points: int | None = None  # what the member paid for it
    issued_at: datetime
    state: CouponState = CouponState.ACTIVE

    def state_on(self, day: date) -> CouponState:
        if self.uses >= self.max_uses:
            return CouponState.USED_UP
        if self.expires_at is not None and day > self.expires_at:
            return CouponState.EXPIRED
        return CouponState.ACTIVE


class CouponPage(BaseModel):
    items: list[Coupon]
    next_cursor: str | None = None


class RedeemIn(RequestModel):
    """POST /coupons/{code}/redeem: a partner's checkout uses the coupon on an order."""

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
    contact_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")


class CouponUse(BaseModel):
    code: str
    order_id: str
    contact_id: str
    kind: CouponKind
    value: Decimal | None = None
    uses: int  # the coupon's uses after this one
    max_uses: int
    redeemed_at: datetime


class BatchIn(CouponTerms):
    """POST /coupons/batches: one coupon for each member of a segment (as contacts last told us)."""

    segment_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
    name: str = Field(default="", max_length=120)
    valid_days: int | None = Field(default=None, ge=1, le=3650, strict=True, description="instead of expires_at")


class BatchState(StrEnum):
    ISSUING = "issuing"
    ISSUED = "issued"


class Batch(BaseModel):
    batch_id: str
    segment_id: str
    name: str = ""
    terms: CouponTerms
    state: BatchState = BatchState.ISSUING
    issued: int = 0
    pages: int = 0
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None = None
