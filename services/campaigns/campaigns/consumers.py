"""campaigns' reactions to bus events: each reads its event and calls one use case (thin, like routes)."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.inbound import LeadCreatedIn
from campaigns.models import Recipient
from campaigns.usecases import send_welcome
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    lead = envelope.data
    recipient = Recipient(contact_id=lead.contact_id, email=lead.email, first_name=lead.first_name)
    send_welcome(recipient, envelope.metadata, bootstrap.message_repository(), bootstrap.mailer())
