"""The assignment feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.assignment.usecases import drain_unassigned, forget_lead, receive_lead
from pipeline.inbound import ContactErasedIn, LeadCreatedIn, RepAddedIn
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    receive_lead(envelope.data.contact_id, envelope.metadata, bootstrap.assignment_repository())


def on_rep_added(envelope: Envelope[RepAddedIn]) -> None:
    drain_unassigned(envelope.metadata, bootstrap.assignment_repository())


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_lead(envelope.data.contact_id, bootstrap.assignment_repository())
