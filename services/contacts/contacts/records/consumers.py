"""Records' reactions to bus events (declared in contacts/subscriptions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contacts.inbound import LeadAssignedIn, OpportunityWonIn
    from shared.events import Envelope


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    """pipeline's LeadAssigned: the contact's owner."""
    from contacts.bootstrap import contact_repository
    from contacts.records.usecases import record_owner

    record_owner(envelope.data.contact_id, envelope.data.owner_id, envelope.metadata, contact_repository())


def on_opportunity_won(envelope: Envelope[OpportunityWonIn]) -> None:
    """pipeline's OpportunityWon: the contact is a customer (never moved back along the funnel)."""
    from contacts.bootstrap import contact_repository
    from contacts.records.usecases import became_customer

    became_customer(envelope.data.contact_id, envelope.metadata, contact_repository())
