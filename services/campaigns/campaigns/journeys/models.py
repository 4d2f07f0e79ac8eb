"""Journeys: triggered messages with delays and stop conditions, each a small definition an
admin or a marketer can change (``PUT /journeys/{id}``, ``If-Match``), and each contact's
run of one (at most one at a time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter, field_validator, model_validator

from shared.inputs import RequestModel

JourneyId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
MAX_DELAY = timedelta(days=400)  # a yearly journey's steps fit; a typo of years does not
_DURATION: TypeAdapter[timedelta] = TypeAdapter(timedelta)


class TriggerEvent(StrEnum):
    """What starts a run: the bus events campaigns subscribes to (inbound.py), and its own
    ``BirthdayDue`` (a contact's yearly one-time schedule: birthdays.py)."""

    LEAD_CREATED = "LeadCreated"
    BIRTHDAY_DUE = "BirthdayDue"
    SEGMENT_ENTERED = "SegmentEntered"
    OPPORTUNITY_WON = "OpportunityWon"
    SURVEY_REQUESTED = "SurveyRequested"
    TICKET_OPENED = "TicketOpened"
    COUPON_ISSUED = "CouponIssued"


class StopEvent(StrEnum):
    """What ends a run early (its pending step's schedule is cancelled). ``ContactErased``
    always ends every run of the contact, listed or not."""

    PURCHASE_RECORDED = "PurchaseRecorded"
    SEGMENT_EXITED = "SegmentExited"  # only the segment the run was triggered by (trigger.segment_id)
    UNSUBSCRIBE_REQUESTED = "UnsubscribeRequested"
    OPPORTUNITY_LOST = "OpportunityLost"
    SURVEY_ANSWERED = "SurveyAnswered"
    CONTACT_ERASED = "ContactErased"


class StepChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    BOTH = "both"


class Purpose(StrEnum):
    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"


class Trigger(RequestModel):
    event: TriggerEvent
    segment_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="SegmentEntered: the segment whose entry starts a run"
    )

    @model_validator(mode="after")
    def _segment(self) -> Trigger:
        if (self.event is TriggerEvent.SEGMENT_ENTERED) != (self.segment_id is not None):
            raise ValueError("segment_id is required for SegmentEntered, and only for it")
        return self


class Step(RequestModel):
    delay: int | str = Field(
        description="after the previous step (the trigger for the first): minutes, or an ISO-8601 duration (P2D, PT2S)"
    )
    template_id: str = Field(min_length=1, max_length=64)
    channel: StepChannel = StepChannel.EMAIL
    purpose: Purpose = Purpose.MARKETING

    @field_validator("delay")
    @classmethod
    def _delay(cls, delay: int | str) -> int | str:
        if isinstance(delay, bool):
            raise ValueError("minutes or an ISO-8601 duration")
        if isinstance(delay, int) and not 0 <= delay <= MAX_DELAY / timedelta(minutes=1):
            raise ValueError(f"between 0 and {MAX_DELAY.days} days")
        wait = timedelta(minutes=delay) if isinstance(delay, int) else _iso(delay)
        if not timedelta(0) <= wait <= MAX_DELAY:
            raise ValueError(f"between 0 and {MAX_DELAY.days} days")
        return delay

    @property
    def wait(self) -> timedelta:
        return timedelta(minutes=self.delay) if isinstance(self.delay, int) else _iso(self.delay)


def _iso(text: str) -> timedelta:
    if not text.startswith("P") or len(text) > 40:  # pydantic also reads "12:00" and "120": only the ISO form is meant
        raise ValueError("an ISO-8601 duration such as P2D or PT30M (a month counts 30 days, a year 365)")
    try:
        return _DURATION.validate_python(text)
    except (ValueError, OverflowError):
        raise ValueError("an ISO-8601 duration such as P2D or PT30M (a month counts 30 days, a year 365)") from None


class JourneyIn(RequestModel):
    """PUT /journeys/{id}, POST /journeys: the whole definition."""

    name: str = Field(min_length=1, max_length=120)
    trigger: Trigger
    steps: list[Step] = Field(min_length=1, max_length=10)
    stop_when: list[StopEvent] = Field(default_factory=list, max_length=len(StopEvent))
    enabled: bool = True
    once_per_contact: bool = Field(
        default=False, description="a contact ever runs it once (the welcome); else again after a run ends"
    )

    @model_validator(mode="after")
    def _stops(self) -> JourneyIn:
        if len(set(self.stop_when)) != len(self.stop_when):
            raise ValueError("stop_when lists an event twice")
        if StopEvent.SEGMENT_EXITED in self.stop_when and self.trigger.segment_id is None:
            raise ValueError("SegmentExited stops only a journey triggered by SegmentEntered (its segment)")
        return self


class JourneyNew(JourneyIn):
    """POST /journeys: a custom journey, with its id."""

    id: JourneyId


class Journey(JourneyIn):
    id: str
    builtin: bool = False
    updated_at: datetime | None = None
    version: int = 0  # 0: a built-in default, never stored


class JourneyPage(BaseModel):
    """GET /journeys: all of them in one answer (the built-ins and a few custom ones), so no cursor."""

    items: list[Journey]


class RunStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


class Run(BaseModel):
    """``CONTACT#<id>``/``JOURNEY#<journey id>``: the contact's current (or last) run.
    ``step`` is the next step to send; ``context`` the trigger's template variables."""

    run_id: str
    journey_id: str
    contact_id: str
    step: int = 0
    status: RunStatus = RunStatus.ACTIVE
    started_at: datetime
    due_at: datetime | None = None  # when ``step`` is due (its schedule's time)
    ended_at: datetime | None = None
    trigger_event_id: str
    segment_id: str | None = None  # the segment that triggered it (SegmentExited stops only that)
    stopped_by: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)

    def source(self, step: int) -> str:
        """What the sending core claims each send under: one per run and step, so a yearly
        journey's run this year is not the one of last year."""
        return f"journey-{self.journey_id}-{self.run_id}-{step}"
