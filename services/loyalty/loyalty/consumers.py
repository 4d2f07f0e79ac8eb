"""loyalty's reactions to bus events: each reads its event and calls one use case (thin, like routes)."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.inbound import LeadCreatedIn
from loyalty.usecases import enrol_lead
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    enrol_lead(envelope.data.contact_id, envelope.metadata, bootstrap.loyalty_repository())
