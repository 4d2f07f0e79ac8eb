"""Leads: a contact pipeline works on, its owner, its follow-up status and its score."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from shared.errors import field_error
from shared.inputs import RequestModel


class LeadStatus(StrEnum):
    """Follow-up: new -> contacted -> qualified -> converted | disqualified."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


CLOSED = frozenset({LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED})
# Forward only: a lead may skip a step (new -> qualified) but never go back; disqualified
# may follow any open status.
ORDER = {LeadStatus.NEW: 0, LeadStatus.CONTACTED: 1, LeadStatus.QUALIFIED: 2, LeadStatus.CONVERTED: 3}


def may_move(current: LeadStatus, wanted: LeadStatus) -> bool:
    if current in CLOSED:
        return False
    if wanted is LeadStatus.DISQUALIFIED:
        return True
    return ORDER[wanted] > ORDER[current]


class AssignmentState(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"  # waiting in the queue for a rep with room


class LeadFacts(BaseModel):
    """What rules and reps are matched on: the lead's profile from LeadCreated, its score and
    its segments. Kept on the lead, so a queued or re-assigned lead is decided the same way."""

    country: str | None = None
    region: str | None = None
    language: str | None = None
    company_size: str | None = None
    source: str | None = None
    score: int = 0  # the profile-fit score when the lead arrived (scoring.models.score_of)
    score_reasons: list[str] = Field(default_factory=list)
    segment_ids: list[str] = Field(default_factory=list)


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
    follow_up_missed_at: datetime | None = None
    disqualify_reason: str | None = None
    score: int = Field(default=0, ge=0, le=100)
    score_reasons: list[str] = Field(default_factory=list)
    behaviour: dict[str, int] = Field(default_factory=dict)  # behaviour events counted into the score
    facts: LeadFacts = Field(default_factory=LeadFacts)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = Field(default=1, exclude=True)

    @property
    def open(self) -> bool:
        """Counts toward its owner's load until converted or disqualified."""
        return self.status not in CLOSED


class LeadPatch(RequestModel):
    """PATCH /leads/{id}: the follow-up status only (the owner changes through assignment)."""

    status: LeadStatus
    reason: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _reason_when_disqualified(self) -> LeadPatch:
        if self.status is LeadStatus.DISQUALIFIED and not self.reason:
            raise field_error("reason", "disqualifying a lead needs a reason")
        return self
