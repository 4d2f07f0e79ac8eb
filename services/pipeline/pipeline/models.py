"""Request and response bodies and domain records of the pipeline service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.inputs import RequestModel
from shared.types import Email

DEFAULT_CAPACITY = 50


class RepIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    email: Email
    territory: str | None = Field(default=None, min_length=1, max_length=50)
    capacity: int = Field(default=DEFAULT_CAPACITY, ge=1, le=10_000, strict=True)


class Rep(BaseModel):
    id: str
    name: str
    email: str
    territory: str | None = None
    capacity: int
    open_leads: int = 0
    active: bool = True
    created_at: datetime

    @property
    def has_room(self) -> bool:
        return self.active and self.open_leads < self.capacity


class RepPage(BaseModel):
    items: list[Rep]
    next_cursor: str | None = None


class LeadStatus(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"


class Lead(BaseModel):
    contact_id: str
    owner_id: str | None = None
    status: LeadStatus
    assigned_at: datetime | None = None


class QueuedLead(BaseModel):
    """A lead waiting for a rep (oldest first)."""

    contact_id: str
    queued_at: datetime
    correlation_id: str


class Rotation(BaseModel):
    """The round-robin cursor: the last rep given a lead, and a version for conditional writes."""

    last_rep_id: str | None = None
    version: int = 0


class Assignment(BaseModel):
    """A lead given to a rep on the rotation's turn read: committed all or nothing. ``queued``
    is the lead's waiting entry when it waited; a lead without one is new to pipeline."""

    contact_id: str
    rep: Rep
    rotation: Rotation
    at: datetime
    queued: QueuedLead | None = None
