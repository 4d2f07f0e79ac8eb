"""What the contacts service does, independent of HTTP and DynamoDB (tested with fakes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol

from contacts.events import LeadCreated
from contacts.models import Contact, ContactIn, LifecycleStage
from shared.errors import NotFound
from shared.events import EventMetadata, Outgoing, new_event


class Contacts(Protocol):
    def add(self, contact: Contact, events: list[Outgoing]) -> Contact: ...
    def get(self, contact_id: str) -> Contact | None: ...
    def set_owner(self, contact_id: str, owner_id: str, assigned_at: datetime) -> bool: ...


def create_lead(data: ContactIn, repo: Contacts, correlation_id: str | None = None) -> Contact:
    now = datetime.now(UTC)
    contact = Contact(
        id=str(uuid.uuid4()),
        email=str(data.email).lower(),
        first_name=data.first_name,
        last_name=data.last_name,
        phone=data.phone,
        company=data.company,
        source=data.source,
        lifecycle_stage=LifecycleStage.LEAD,
        created_at=now,
        updated_at=now,
        version=1,
    )
    event = LeadCreated(
        contact_id=contact.id,
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        phone=contact.phone,
        company=contact.company,
        source=contact.source,
    )
    return repo.add(contact, [new_event(event, correlation_id=correlation_id)])


def get_contact(contact_id: str, repo: Contacts) -> Contact:
    contact = repo.get(contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    return contact


def record_owner(contact_id: str, owner_id: str, cause: EventMetadata, repo: Contacts) -> bool:
    """LeadAssigned: the newest assignment wins, whatever order the events arrive in."""
    return repo.set_owner(contact_id, owner_id, cause.occurred_at)
