"""pipeline's reactions to bus events: each reads its event and calls one use case (thin, like routes)."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.inbound import ContactErasedIn, LeadCreatedIn, RepAddedIn
from pipeline.usecases import drain_unassigned, forget_lead, receive_lead
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    receive_lead(envelope.data.contact_id, envelope.metadata, bootstrap.pipeline_repository())


def on_rep_added(envelope: Envelope[RepAddedIn]) -> None:
    drain_unassigned(envelope.metadata, bootstrap.pipeline_repository())


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_lead(envelope.data.contact_id, bootstrap.pipeline_repository())
