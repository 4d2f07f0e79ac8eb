"""Other services' events in the shapes they publish, for consumers' tests: a service never
imports another one, and the contract tests in ``tests/`` catch drift. Each factory returns
the event as it leaves its publisher's outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.events import Event, Outgoing, new_event


class LeadCreated(Event):
    """The shape crm.contacts publishes (contacts.events.LeadCreated), for consumers' tests:
    a service never imports another one, and the contract tests in ``tests/`` catch drift."""

    bus_source = "crm.contacts"

    contact_id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    company: str | None = None
    source: str | None = None
    country: str | None = None
    region: str | None = None
    language: str | None = None
    company_id: str | None = None
    company_size: str | None = None


def lead_created(
    contact_id: str | None = None, email: str = "ada@example.com", first_name: str = "Ada", **profile: str
) -> Outgoing:
    """A LeadCreated event as it leaves contacts' outbox (``profile``: country, source...)."""
    event = LeadCreated(
        contact_id=contact_id or str(uuid.uuid4()), email=email, first_name=first_name, last_name="Lovelace", **profile
    )
    return new_event(event)


class LeadAssigned(Event):
    """The shape crm.pipeline publishes (pipeline.events.LeadAssigned), for consumers' tests."""

    bus_source = "crm.pipeline"

    contact_id: str
    owner_id: str
    rule: str = "round_robin"


class ContactErased(Event):
    """The shape crm.contacts publishes (contacts.events.ContactErased), for consumers' tests."""

    bus_source = "crm.contacts"

    contact_id: str
    erased_at: str


def lead_assigned(contact_id: str, owner_id: str, occurred_at: str | None = None) -> Outgoing:
    """A LeadAssigned event as it leaves pipeline's outbox (``occurred_at``: ISO, to order re-assignments)."""
    event = new_event(LeadAssigned(contact_id=contact_id, owner_id=owner_id))
    if occurred_at is not None:
        event.detail["metadata"]["occurred_at"] = occurred_at
    return event


def contact_erased(contact_id: str) -> Outgoing:
    """A ContactErased event as it leaves contacts' outbox."""
    return new_event(ContactErased(contact_id=contact_id, erased_at="2026-01-01T00:00:00Z"))


class PurchaseRecorded(Event):
    """The shape crm.contacts publishes (contacts.events.PurchaseRecorded), for consumers' tests."""

    bus_source = "crm.contacts"

    contact_id: str
    order_id: str
    amount: str
    currency: str
    channel: str = "web"
    occurred_at: str


class PurchaseRefunded(Event):
    bus_source = "crm.contacts"

    contact_id: str
    order_id: str
    amount: str
    currency: str
    occurred_at: str


class ContactsMerged(Event):
    bus_source = "crm.contacts"

    winner_id: str
    loser_id: str


def purchase_recorded(
    contact_id: str, order_id: str, amount: str, currency: str = "EUR", occurred_at: str | None = None
) -> Outgoing:
    at = occurred_at or datetime.now(UTC).isoformat()
    return new_event(
        PurchaseRecorded(contact_id=contact_id, order_id=order_id, amount=amount, currency=currency, occurred_at=at)
    )


def purchase_refunded(contact_id: str, order_id: str, amount: str, currency: str = "EUR") -> Outgoing:
    at = datetime.now(UTC).isoformat()
    return new_event(
        PurchaseRefunded(contact_id=contact_id, order_id=order_id, amount=amount, currency=currency, occurred_at=at)
    )


def contacts_merged(winner_id: str, loser_id: str) -> Outgoing:
    return new_event(ContactsMerged(winner_id=winner_id, loser_id=loser_id))


# --- consent, segments and profile changes (what campaigns' audience reads) ----------------


class ConsentChanged(Event):
    """The shape crm.contacts publishes (contacts.events.ConsentChanged), for consumers' tests."""

    bus_source = "crm.contacts"

    contact_id: str
    channel: str
    purpose: str
    granted: bool
    source: str = "web_form"
    at: str


class SegmentEntered(Event):
    bus_source = "crm.contacts"

    segment_id: str
    segment_name: str = "segment"
    contact_id: str


class SegmentExited(Event):
    bus_source = "crm.contacts"

    segment_id: str
    segment_name: str = "segment"
    contact_id: str


class ContactUpdated(Event):
    """The shape crm.contacts publishes (contacts.events.ContactUpdated): ``changed`` and, for
    the profile fields among them, their values."""

    bus_source = "crm.contacts"

    contact_id: str
    changed: list[str]
    lifecycle_stage: str = "lead"
    tags: list[str] = []
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    company: str | None = None
    birthday: str | None = None


def _at(event: Outgoing, occurred_at: str | None) -> Outgoing:
    if occurred_at is not None:
        event.detail["metadata"]["occurred_at"] = occurred_at
    return event


def consent_changed(
    contact_id: str, granted: bool = True, channel: str = "email", purpose: str = "marketing", at: str | None = None
) -> Outgoing:
    """A ConsentChanged as it leaves contacts' outbox (``at``: ISO, when the decision was made)."""
    when = at or datetime.now(UTC).isoformat()
    return new_event(ConsentChanged(contact_id=contact_id, channel=channel, purpose=purpose, granted=granted, at=when))


def segment_entered(segment_id: str, contact_id: str, occurred_at: str | None = None) -> Outgoing:
    return _at(new_event(SegmentEntered(segment_id=segment_id, contact_id=contact_id)), occurred_at)


def segment_exited(segment_id: str, contact_id: str, occurred_at: str | None = None) -> Outgoing:
    return _at(new_event(SegmentExited(segment_id=segment_id, contact_id=contact_id)), occurred_at)


def contact_updated(contact_id: str, occurred_at: str | None = None, **profile: str | None) -> Outgoing:
    """A ContactUpdated naming ``profile``'s fields as changed, with their values."""
    event = ContactUpdated(contact_id=contact_id, changed=sorted(profile), **profile)  # type: ignore[arg-type]
    return _at(new_event(event), occurred_at)
