"""The members feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.inbound import ContactErasedIn, ContactsMergedIn, LeadAssignedIn, LeadCreatedIn
from loyalty.members.usecases import enrol, forget_member, merge
from shared.events import Envelope
from shared.reach import record_owner


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    meta = envelope.metadata
    enrol(bootstrap.books(), envelope.data.contact_id, cause_id=meta.event_id, occurred_at=meta.occurred_at, cause=meta)


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    record_owner(envelope.data.contact_id, envelope.data.owner_id, envelope.metadata, bootstrap.contact_owners())


def on_contacts_merged(envelope: Envelope[ContactsMergedIn]) -> None:
    merge(bootstrap.books(), envelope.data.winner_id, envelope.data.loser_id, envelope.metadata)


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    forget_member(envelope.data.contact_id, bootstrap.ledger_repository(), bootstrap.contact_owners())
