"""Events the contacts service publishes (the contract other services read)."""

from __future__ import annotations

from shared.events import Event


class ContactsEvent(Event):
    bus_source = "crm.contacts"


class LeadCreated(ContactsEvent):
    """A new contact entered the CRM as a lead."""

    contact_id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    company: str | None = None
    source: str | None = None  # the lead's channel (web, referral, event, ...)


EVENTS: list[type[Event]] = [LeadCreated]
