"""Campaigns: one template to segments minus exclusions, now, at a time, or on a cron, by
email, SMS or both, with an optional A/B test of subjects on a sample.

States: ``draft`` (no schedule) → ``scheduled`` → ``sending`` → ``sent``; ``paused`` and back
to ``sending`` (the run continues where it stopped); ``cancelled``; ``failed`` with a reason.
A recurring campaign goes back to ``scheduled`` after each run.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from shared.inputs import RequestModel

SegmentId = str


class CampaignChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    BOTH = "both"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


EDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED})
LAUNCHABLE = EDITABLE
FINAL = frozenset({CampaignStatus.SENT, CampaignStatus.CANCELLED, CampaignStatus.FAILED})


class Schedule(RequestModel):
    """``at`` (a time, with its zone) or ``cron`` (six fields, as EventBridge Scheduler reads
    them, e.g. ``0 9 ? * MON *``) in ``timezone`` (an IANA name, default UTC)."""

    at: datetime | None = None
    cron: str | None = Field(default=None, pattern=r"^\S+( \S+){5}$", max_length=100)
    timezone: str = Field(default="UTC", max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its offset (e.g. 2026-12-24T09:00:00+01:00), or a timezone")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.at is None) == (self.cron is None):
            raise ValueError("give either at or cron")
        return self


class AbTest(RequestModel):
    """Subjects tried on a sample; after ``wait_minutes`` the better by ``metric`` goes to the rest."""

    subjects: list[str] = Field(min_length=2, max_length=4)
    sample_percent: int = Field(default=20, ge=2, le=50)
    metric: Literal["open", "click"] = "open"
    wait_minutes: int = Field(default=240, ge=1, le=7 * 24 * 60)

    @field_validator("subjects")
    @classmethod
    def _subjects(cls, value: list[str]) -> list[str]:
        if any(not s.strip() or len(s) > 200 for s in value):
            raise ValueError("each subject is 1 to 200 characters")
        return value


class CampaignFields(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    channel: CampaignChannel | None = None
    template_id: str | None = Field(default=None, min_length=1, max_length=64)
    segment_ids: list[SegmentId] | None = Field(default=None, min_length=1, max_length=20)
    exclude_segment_ids: list[SegmentId] | None = Field(default=None, max_length=20)
    schedule: Schedule | None = None
    ab_test: AbTest | None = None
    cost: float | None = Field(default=None, ge=0, description="What the campaign cost, for its ROI")


class CampaignPatch(CampaignFields):
    """PATCH /campaigns/{id} (``If-Match``), while draft or scheduled: the fields sent
    (``schedule: null`` makes it a draft again)."""


class CampaignIn(CampaignFields):
    name: str = Field(min_length=1, max_length=120)
    channel: CampaignChannel = CampaignChannel.EMAIL
    template_id: str = Field(min_length=1, max_length=64)
    segment_ids: list[SegmentId] = Field(min_length=1, max_length=20)
    exclude_segment_ids: list[SegmentId] = Field(default_factory=list, max_length=20)


class Run(BaseModel):
    """The campaign's current (or last) run: its audience frozen when sending started."""

    number: int
    fired_for: str | None = None  # the schedule time this run answers (a cron's fire), once each
    started_at: datetime
    audience: int | None = None  # None until frozen
    chunks: int = 0
    completed_at: datetime | None = None
    winner: str | None = None  # the A/B variant sent to the rest


class Campaign(CampaignIn):
    id: str
    status: CampaignStatus
    reason: str | None = None
    created_by: str
    created_at: datetime
    updated_at: datetime
    run: Run | None = None
    version: int = 1


class CampaignPage(BaseModel):
    items: list[Campaign]
    next_cursor: str | None = None
