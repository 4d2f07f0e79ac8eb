"""campaigns' reactions to bus events: each reads its event and calls one use case (thin, like routes)."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.inbound import ContactErasedIn, LeadAssignedIn, LeadCreatedIn
from campaigns.messages.models import Recipient
from campaigns.messages.usecases import forget_recipient, send_welcome
from shared.events import Envelope
from shared.reach import record_owner


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    lead = envelope.data
    recipient = Recipient(contact_id=lead.contact_id, email=lead.email, first_name=lead.first_name)
    send_welcome(recipient, envelope.metadata, bootstrap.message_repository(), bootstrap.mailer())


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    record_owner(envelope.data.contact_id, envelope.data.owner_id, envelope.metadata, bootstrap.contact_owners())


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_recipient(envelope.data.contact_id, bootstrap.message_repository(), bootstrap.contact_owners())
