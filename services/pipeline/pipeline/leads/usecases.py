"""What pipeline does with a lead once it exists: follow-up status, the first-contact
deadline and what happens when it is missed (tested with fakes).

The deadline is a one-time schedule per lead and owner (shared.schedules), planned when
LeadAssigned is handled and cancelled by the first contact (a status change, or a call,
email or meeting completed as a task). When it fires, the lead is checked again: only a
lead still with that owner, uncontacted and not yet marked, is marked missed, in one
conditional write with its LeadFollowUpMissed, so the event is published once however
often the schedule fires or is redelivered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.events import LeadFirstContactDue, LeadFollowUpMissed, LeadStatusChanged
from pipeline.leads.models import CLOSED, AssignmentState, Lead, LeadPatch, LeadStatus, may_move
from pipeline.reach import Reach
from pipeline.teams.hours import add_working_hours
from pipeline.teams.models import Rep, Team
from shared.errors import Conflict, StaleVersion
from shared.events import EventMetadata, Outgoing, new_event
from shared.observability import logger
from shared.reach import not_found

Clock = Callable[[], datetime]
FIRST_CONTACT_KINDS = frozenset({"call", "email", "meeting"})  # tasks that count as contacting the lead


def _now() -> datetime:
    return datetime.now(UTC)


class Leads(Protocol):
    def get_lead(self, contact_id: str) -> Lead | None: ...
    def change_status(self, lead: Lead, changed: Lead, events: list[Outgoing]) -> None: ...
    def set_due(self, contact_id: str, owner_id: str, due: datetime) -> bool: ...
    def mark_missed(self, lead: Lead, at: datetime, events: list[Outgoing]) -> bool: ...


class Directory(Protocol):
    def get_rep(self, rep_id: str) -> Rep | None: ...
    def get_team(self, team_id: str) -> Team | None: ...


class Deadlines(Protocol):
    """shared.schedules: one-time schedules that put an event on the bus."""

    def schedule_event(self, name: str, when: datetime, event: Outgoing) -> bool: ...
    def cancel_schedule(self, name: str) -> bool: ...


def deadline_name(contact_id: str, owner_id: str) -> str:
    """One schedule per lead and owner (a re-assigned lead gets its own), within the 64
    characters Scheduler allows whatever the ids' lengths."""
    digest = hashlib.sha256(f"{contact_id}|{owner_id}".encode()).hexdigest()[:40]
    return f"lead-contact-{digest}"


def get_lead(contact_id: str, repo: Leads) -> Lead:
    lead = repo.get_lead(contact_id)
    if lead is None:
        raise not_found("lead", contact_id)
    return lead


def change_status(
    contact_id: str,
    patch: LeadPatch,
    if_match: int,
    *,
    repo: Leads,
    reach: Reach,
    deadlines: Deadlines,
    correlation_id: str | None = None,
) -> Lead:
    """Move a lead along its follow-up. The first move away
    from ``new`` is its first contact: it cancels the deadline. Closing it frees its
    owner's slot (in the same write) and so drains the unassigned queue."""
    lead = repo.get_lead(contact_id)
    if lead is None or not reach.covers(lead.owner_id):
        raise not_found("lead", contact_id)
    if lead.version != if_match:
        raise StaleVersion(f"lead {contact_id} is at version {lead.version}", current_version=lead.version)
    if not may_move(lead.status, patch.status):
        raise Conflict(f"a {lead.status.value} lead cannot become {patch.status.value}")
    return _move(lead, patch.status, patch.reason, repo, deadlines, correlation_id, _now())


def _move(  # noqa: PLR0917  # private: its two callers pass every part of the move
    lead: Lead,
    status: LeadStatus,
    reason: str | None,
    repo: Leads,
    deadlines: Deadlines,
    correlation_id: str | None,
    now: datetime,
) -> Lead:
    changes: dict[str, object] = {"status": status, "updated_at": now, "version": lead.version + 1}
    if status is LeadStatus.DISQUALIFIED:
        changes["disqualify_reason"] = reason
    if lead.first_contacted_at is None:
        changes["first_contacted_at"] = now
    changed = lead.model_copy(update=changes)
    event = LeadStatusChanged(
        contact_id=lead.contact_id,
        owner_id=lead.owner_id,
        status=status.value,
        previous_status=lead.status.value,
        reason=reason,
    )
    repo.change_status(lead, changed, [new_event(event, correlation_id=correlation_id)])
    if lead.first_contacted_at is None and lead.owner_id is not None:
        deadlines.cancel_schedule(deadline_name(lead.contact_id, lead.owner_id))
    return changed


def contacted(contact_id: str, kind: str, cause: EventMetadata, repo: Leads, deadlines: Deadlines) -> Lead | None:
    """TaskCompleted: a call, email or meeting with a new lead is its first contact (the
    lead becomes ``contacted``). Anything else, or a lead already past ``new``, is ignored."""
    lead = repo.get_lead(contact_id)
    if kind not in FIRST_CONTACT_KINDS or lead is None or lead.status is not LeadStatus.NEW:
        return None
    try:
        return _move(lead, LeadStatus.CONTACTED, None, repo, deadlines, cause.correlation_id, cause.occurred_at)
    except StaleVersion:
        return None  # changed meanwhile (it was contacted another way): the redelivery finds it done


def plan_first_contact(
    contact_id: str,
    owner_id: str,
    hours: float,
    assigned: EventMetadata,
    *,
    reassign_on_miss: bool,
    repo: Leads,
    directory: Directory,
    deadlines: Deadlines,
) -> datetime | None:
    """LeadAssigned with a first-contact deadline: ``hours`` working hours of the owner from
    the assignment, stored on the lead and scheduled. None when the lead moved on since
    (another owner, already contacted, closed)."""
    lead = repo.get_lead(contact_id)
    if lead is None or lead.owner_id != owner_id or lead.first_contacted_at is not None or not lead.open:
        return None
    rep = directory.get_rep(owner_id)
    due = add_working_hours(assigned.occurred_at, hours, rep.working_hours if rep else None)
    if not repo.set_due(contact_id, owner_id, due):
        return None
    event = LeadFirstContactDue(contact_id=contact_id, owner_id=owner_id, due_at=due, reassign_on_miss=reassign_on_miss)
    fired = new_event(event, correlation_id=assigned.correlation_id, causation_id=assigned.event_id)
    deadlines.schedule_event(deadline_name(contact_id, owner_id), due, fired)
    return due


def first_contact_missed(
    due: LeadFirstContactDue, cause: EventMetadata, repo: Leads, directory: Directory, *, clock: Clock = _now
) -> Lead | None:
    """The deadline fired: if the lead is still uncontacted with that owner, mark it missed
    and tell the owner's manager (LeadFollowUpMissed, once). Returns the lead when marked,
    so the caller re-assigns it if its rule says so; None when there was nothing to do."""
    lead = repo.get_lead(due.contact_id)
    if (
        lead is None
        or lead.assignment is not AssignmentState.ASSIGNED
        or lead.owner_id != due.owner_id
        or lead.first_contacted_at is not None
        or lead.follow_up_missed_at is not None
        or lead.status in CLOSED
    ):
        return None
    rep = directory.get_rep(due.owner_id)
    team = directory.get_team(rep.team_id) if rep and rep.team_id else None
    manager_id = (rep.manager_id if rep else None) or (team.manager_id if team else None)
    event = LeadFollowUpMissed(
        contact_id=due.contact_id,
        owner_id=due.owner_id,
        manager_id=manager_id,
        due_at=due.due_at,
        reassigned=due.reassign_on_miss,
    )
    outgoing = new_event(event, correlation_id=cause.correlation_id, causation_id=cause.event_id)
    if not repo.mark_missed(lead, clock(), [outgoing]):
        return None
    logger.info("first contact missed", extra={"contact_id": due.contact_id, "owner_id": due.owner_id})
    return lead
