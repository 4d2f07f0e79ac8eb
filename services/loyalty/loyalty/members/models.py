"""Members: a contact's account in the program (the state the ledger keeps), and the view of it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from loyalty.tiers.models import TierProgress
from shared.inputs import RequestModel


class Member(BaseModel):
    """The profile item: what every ledger posting moves, guarded by ``version`` (each
    posting adds one; an entry's seq is the version it wrote)."""

    contact_id: str
    points_balance: int = 0
    lifetime_points: int = 0  # earned ever: accruals less their reversals (never spends)
    pending_points: int = 0  # promised, not yet credited (referral rewards in their window)
    tier: str
    tier_review_on: date | None = None  # the earliest day the tier may go down
    earned_by_month: dict[str, int] = Field(default_factory=dict)  # yyyy-mm → points (tiers)
    spend_by_month: dict[str, Decimal] = Field(default_factory=dict)  # yyyy-mm → money (tiers)
    caps: dict[str, int] = Field(default_factory=dict)  # <rule>@<period> → points granted
    enrolled_at: datetime
    birthday: str | None = None  # MM-DD, for the birthday rule; removed on erasure
    merged_into: str | None = None  # a merged-away member: its points moved there
    version: int = 0


class NextExpiry(BaseModel):
    date: date
    points: int


class MemberView(BaseModel):
    """GET /members/{contact_id}."""

    contact_id: str
    points_balance: int
    pending_points: int
    lifetime_points: int
    tier: str
    tier_review_on: date | None = None
    progress: TierProgress
    next_expiry: NextExpiry | None = None
    enrolled_at: datetime
    merged_into: str | None = None


class MemberIn(RequestModel):
    """POST /members: enrol a contact by hand (a lead is enrolled by its LeadCreated)."""

    contact_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
    birthday: str | None = Field(default=None, pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
    referral_code: str | None = Field(
        default=None, min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$", description="the referrer's code"
    )
