"""Leads: a contact pipeline works on, its owner, its follow-up status and its score."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class LeadStatus(StrEnum):
    """Follow-up: new -> contacted -> qualified -> converted | disqualified."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class AssignmentState(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"  # waiting in the queue for a rep with room


class Lead(BaseModel):
    contact_id: str
    owner_id: str | None = None
    team_id: str | None = None
    assignment: AssignmentState
    status: LeadStatus = LeadStatus.NEW
    assigned_at: datetime | None = None
    rule_id: str | None = None
    first_contact_due: datetime | None = None
    first_contacted_at: datetime | None = None
    disqualify_reason: str | None = None
    score: int = Field(default=0, ge=0, le=100)
    score_reasons: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    version: int = Field(default=1, exclude=True)

    @property
    def open(self) -> bool:
        """Counts toward its owner's load until converted or disqualified."""
        return self.status not in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
