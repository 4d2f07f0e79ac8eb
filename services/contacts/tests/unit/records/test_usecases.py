"""contacts use-cases with a fake repository (no AWS)."""

from __future__ import annotations

import pytest

from contacts.records.models import Contact, ContactIn, LifecycleStage
from contacts.records.usecases import create_lead, get_contact
from shared.errors import NotFound
from shared.events import Outgoing


class FakeContacts:
    def __init__(self) -> None:
        self.rows: dict[str, Contact] = {}
        self.events: list[Outgoing] = []

    def add(self, contact: Contact, events: list[Outgoing]) -> Contact:
        self.rows[contact.id] = contact
        self.events.extend(events)
        return contact

    def get(self, contact_id: str) -> Contact | None:
        return self.rows.get(contact_id)

    def field_defs(self) -> list[object]:
        return []


def test_a_new_contact_is_a_lead_and_its_event_carries_the_correlation_id() -> None:
    repo = FakeContacts()
    data = ContactIn(email="grace@example.com", first_name="Grace", last_name="Hopper", source="web")
    contact = create_lead(data, repo, correlation_id="corr-1")
    assert contact.lifecycle_stage is LifecycleStage.LEAD
    [event, updated] = repo.events
    assert (event.detail_type, updated.detail_type) == ("LeadCreated", "ContactUpdated")
    assert event.detail["metadata"]["correlation_id"] == "corr-1"
    assert event.detail["data"]["source"] == "web"
    assert get_contact(contact.id, repo) == contact


def test_an_unknown_contact_is_not_found() -> None:
    with pytest.raises(NotFound):
        get_contact("missing", FakeContacts())
