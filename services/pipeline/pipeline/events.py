"""Events the pipeline service publishes (the contract other services read).

Changes are additive: a new field is optional, so a consumer on an older model still reads it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from shared.events import Event


class PipelineEvent(Event):
    bus_source = "crm.pipeline"


class TeamCreated(PipelineEvent):
    """A sales team was set up."""

    team_id: str
    name: str
    manager_id: str | None = None


class RepAdded(PipelineEvent):
    """A sales rep joined and can receive leads (when ``active``)."""

    rep_id: str
    name: str
    territory: str | None = None  # the first of ``territories`` (kept for older readers)
    capacity: int
    team_id: str | None = None
    territories: list[str] = []
    status: str = "active"
    manager_id: str | None = None


class RepUpdated(PipelineEvent):
    """A rep changed: ``changed`` names the fields; the rest is the rep as it now is."""

    rep_id: str
    changed: list[str]
    status: str
    previous_status: str
    capacity: int
    team_id: str | None = None
    manager_id: str | None = None


class LeadAssigned(PipelineEvent):
    """A lead got an owner (first assignment or re-assignment: every owner change)."""

    contact_id: str
    owner_id: str
    rule: str  # the strategy that chose the owner: round_robin | least_loaded | fixed
    rule_id: str | None = None
    team_id: str | None = None
    reason: str | None = None
    first_contact_hours: float | None = None  # the rule's first-contact deadline, in working hours
    reassign_on_miss: bool = False  # the rule re-assigns the lead when that deadline is missed


class LeadReassigned(PipelineEvent):
    """A lead moved from one owner to another (rep off, missed follow-up, manual)."""

    contact_id: str
    owner_id: str
    previous_owner_id: str | None
    reason: str
    rule_id: str | None = None


class LeadQueued(PipelineEvent):
    """A lead waits for a rep: no rule matched, or no eligible rep had room (managers are
    told, so no lead sits unassigned unnoticed). ``previous_owner_id``: taken from that rep."""

    contact_id: str
    reason: str
    rule_id: str | None = None
    team_id: str | None = None
    previous_owner_id: str | None = None


class LeadStatusChanged(PipelineEvent):
    """A lead moved along new -> contacted -> qualified -> converted | disqualified."""

    contact_id: str
    owner_id: str | None
    status: str
    previous_status: str
    reason: str | None = None  # required for disqualified


class LeadScored(PipelineEvent):
    """A lead's score (0-100) changed, with the reasons that make it up."""

    contact_id: str
    score: int
    previous_score: int
    reasons: list[str]


class LeadFirstContactDue(PipelineEvent):
    """A lead's first-contact deadline came (put on the bus by its one-time schedule; pipeline
    checks the lead and publishes LeadFollowUpMissed if nobody contacted it)."""

    contact_id: str
    owner_id: str
    due_at: datetime
    reassign_on_miss: bool = False


class LeadFollowUpMissed(PipelineEvent):
    """A lead's first-contact deadline passed with no contact (published once per deadline)."""

    contact_id: str
    owner_id: str
    manager_id: str | None = None
    due_at: datetime
    reassigned: bool = False


class OpportunityEvent(PipelineEvent):
    """What every opportunity event carries, so forecasts and reports keep counters from
    events alone (never reading this service's table)."""

    opportunity_id: str
    contact_id: str
    owner_id: str
    team_id: str | None = None
    amount: Decimal
    currency: str  # ISO 4217
    stage: str
    probability: int  # the stage's win probability, 0-100
    forecast_category: str  # pipeline | best_case | commit | closed
    expected_close_date: date


class OpportunityCreated(OpportunityEvent):
    """A deal was opened."""

    name: str


class OpportunityStageChanged(OpportunityEvent):
    """A deal moved stage (or changed amount or close date: ``changed`` says which)."""

    previous_stage: str
    previous_amount: Decimal
    previous_expected_close_date: date
    previous_owner_id: str | None = None
    changed: list[str] = []


class OpportunityWon(OpportunityEvent):
    """A deal was won: contacts makes the contact a customer, campaigns starts onboarding."""

    won_at: datetime
    products: list[str] = []
    created_at: datetime | None = None  # for sales-cycle length


class OpportunityLost(OpportunityEvent):
    """A deal was lost, with the reason."""

    reason: str
    lost_at: datetime


class TaskDue(PipelineEvent):
    """A task's reminder time came (fired by its one-time schedule)."""

    task_id: str
    assignee_id: str
    kind: str  # call | email | meeting | todo
    title: str
    due_at: datetime
    contact_id: str | None = None
    opportunity_id: str | None = None


class TaskCompleted(PipelineEvent):
    """A task was done: contacts records it on the contact's timeline."""

    task_id: str
    assignee_id: str
    kind: str
    title: str
    completed_at: datetime
    contact_id: str | None = None
    opportunity_id: str | None = None
    outcome: str | None = None


class TaskReminderFired(PipelineEvent):
    """Internal: a task's reminder schedule fired (Scheduler put it on the bus). Pipeline
    reads it back and publishes TaskDue only if the task is still open and this is still
    its reminder time, so a late or repeated fire, or one for a changed task, says nothing."""

    task_id: str
    remind_at: datetime


class ApprovalRequested(PipelineEvent):
    """A step of an approval chain waits for its approver."""

    approval_id: str
    opportunity_id: str
    approver_id: str
    level: int
    discount_percent: Decimal
    requested_by: str
    reminder: bool = False  # a reminder of a step still waiting (its schedule fired)


class ApprovalReminderDue(PipelineEvent):
    """A step's reminder time came (put on the bus by its one-time schedule; pipeline
    re-sends ApprovalRequested as a reminder if the step still waits)."""

    approval_id: str
    level: int
    n: int = 1


class ApprovalDecided(PipelineEvent):
    """An approver decided a step; ``final`` when the chain is over (approved or rejected)."""

    approval_id: str
    opportunity_id: str
    decision: str  # approve | reject
    decided_by: str
    level: int
    final: bool
    status: str  # pending | approved | rejected (the chain's)


EVENTS: list[type[Event]] = [
    TeamCreated,
    RepAdded,
    RepUpdated,
    LeadAssigned,
    LeadReassigned,
    LeadQueued,
    LeadStatusChanged,
    LeadScored,
    LeadFirstContactDue,
    LeadFollowUpMissed,
    OpportunityCreated,
    OpportunityStageChanged,
    OpportunityWon,
    OpportunityLost,
    TaskDue,
    TaskCompleted,
    ApprovalRequested,
    ApprovalReminderDue,
    ApprovalDecided,
    TaskReminderFired,
]
