"""loyalty's reactions to bus events: each reads its event and calls one use case (thin, like routes)."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.inbound import ContactErasedIn, LeadAssignedIn, LeadCreatedIn
from loyalty.usecases import enrol_lead, forget_member
from shared.events import Envelope
from shared.reach import record_owner


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    enrol_lead(envelope.data.contact_id, envelope.metadata, bootstrap.loyalty_repository())


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    record_owner(envelope.data.contact_id, envelope.data.owner_id, envelope.metadata, bootstrap.contact_owners())


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_member(envelope.data.contact_id, bootstrap.contact_owners())
