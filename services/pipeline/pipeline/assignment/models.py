"""The assignment feature's records: waiting leads, the rotation and one assignment."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from pipeline.teams.models import Rep


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
