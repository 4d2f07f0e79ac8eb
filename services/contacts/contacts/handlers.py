"""Reactions to events from the bus (called by the on_event consumer, once per event)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contacts.routes.records import repo

if TYPE_CHECKING:
    from contacts.consumes import LeadAssignedIn
    from shared.events import Envelope


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    from contacts.usecases import record_owner

    record_owner(envelope.data.contact_id, envelope.data.owner_id, envelope.metadata, repo())
