"""The assignment feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.assignment.usecases import drain_unassigned, forget_lead, hand_on_all, receive_lead
from pipeline.inbound import ContactErasedIn, LeadCreatedIn, LeadStatusChangedIn, RepAddedIn, RepUpdatedIn
from pipeline.leads.models import CLOSED, LeadFacts
from pipeline.teams.models import RepStatus
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    data = envelope.data
    facts = LeadFacts.model_validate(data.model_dump(exclude={"contact_id"}))
    receive_lead(data.contact_id, facts, envelope.metadata, bootstrap.assignment_repository())


def on_rep_added(envelope: Envelope[RepAddedIn]) -> None:
    drain_unassigned(envelope.metadata, bootstrap.assignment_repository())


def on_rep_updated(envelope: Envelope[RepUpdatedIn]) -> None:
    data, repo = envelope.data, bootstrap.assignment_repository()
    if data.status == RepStatus.OFF and data.previous_status != RepStatus.OFF:
        hand_on_all(data.rep_id, envelope.metadata, repo)
    elif data.status == RepStatus.ACTIVE and (data.previous_status != RepStatus.ACTIVE or "capacity" in data.changed):
        drain_unassigned(envelope.metadata, repo)


def on_lead_status_changed(envelope: Envelope[LeadStatusChangedIn]) -> None:
    """A closed lead freed its owner's slot (or, closed while waiting, leaves the queue)."""
    data, repo = envelope.data, bootstrap.assignment_repository()
    if data.status in CLOSED and data.previous_status not in CLOSED:
        forget_lead(data.contact_id, repo)
        drain_unassigned(envelope.metadata, repo)


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_lead(envelope.data.contact_id, bootstrap.assignment_repository())
