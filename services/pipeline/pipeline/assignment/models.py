"""The assignment feature's records: waiting leads, rotations, decisions and one assignment."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from pipeline.leads.models import LeadFacts
from pipeline.rules.models import Rule
from pipeline.teams.models import Rep


class QueuedLead(BaseModel):
    """A lead waiting for a rep (oldest first), with the facts its rule is chosen on."""

    contact_id: str
    queued_at: datetime
    correlation_id: str
    facts: LeadFacts = Field(default_factory=LeadFacts)


class Rotation(BaseModel):
    """A round-robin cursor: per team (``pool``), or over every rep (``None``): the last rep
    given a lead, and a version for conditional writes."""

    pool: str | None = None
    last_rep_id: str | None = None
    version: int = 0


class DecisionKind(StrEnum):
    ASSIGNED = "assigned"
    QUEUED = "queued"  # no rule matched, or no eligible rep had room
    REASSIGNED = "reassigned"  # handed from one rep to another (rep off, missed follow-up)
    REQUEUED = "requeued"  # taken from a rep with nobody to take it: back to the queue


class Decision(BaseModel):
    """One assignment decision, recorded with the lead (GET /leads/{id}/assignment)."""

    kind: DecisionKind
    owner_id: str | None = None
    previous_owner_id: str | None = None
    rule_id: str | None = None
    strategy: str | None = None
    team_id: str | None = None
    reason: str
    decided_at: datetime


class Choice(BaseModel):
    """What the rules say for a lead now: the rule, the rep (None: wait) and why."""

    rule: Rule | None = None
    rep: Rep | None = None
    rotation: Rotation | None = None  # the cursor a round robin or least loaded choice read
    reason: str


class Assignment(BaseModel):
    """A lead given to a rep, committed all or nothing. ``queued`` is the lead's waiting
    entry when it waited; ``previous_owner_id`` the rep it is taken from; neither: new."""

    contact_id: str
    rep: Rep
    rule: Rule
    rotation: Rotation | None
    at: datetime
    facts: LeadFacts
    decision: Decision
    queued: QueuedLead | None = None
    previous_owner_id: str | None = None


class AssignmentView(BaseModel):
    """GET /leads/{contact_id}/assignment: the current decision and every one before it."""

    owner_id: str | None
    rule_id: str | None
    strategy: str | None
    reason: str | None
    decided_at: datetime | None
    history: list[Decision]
