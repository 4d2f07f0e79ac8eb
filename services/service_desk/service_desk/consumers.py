"""service_desk's reactions to bus events: each reads its event and calls one use case (thin, like routes)."""

from __future__ import annotations

from service_desk import bootstrap
from service_desk.inbound import ContactErasedIn, LeadAssignedIn
from service_desk.usecases import forget_requester
from shared.events import Envelope
from shared.reach import record_owner


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    record_owner(envelope.data.contact_id, envelope.data.owner_id, envelope.metadata, bootstrap.contact_owners())


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_requester(envelope.data.contact_id, bootstrap.ticket_repository(), bootstrap.contact_owners())
