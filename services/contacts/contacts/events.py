"""Events the contacts service publishes (the contract other services read)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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
    # What pipeline's assignment rules match on (additive: older readers ignore them).
    country: str | None = None  # ISO 3166-1 alpha-2
    region: str | None = None  # as given on the address (an ISO 3166-2 code like CN-GD when known)
    language: str | None = None
    company_id: str | None = None
    company_size: str | None = None  # the linked company's size band: small | medium | large


class ContactUpdated(ContactsEvent):
    """A contact was created or changed: what changed and the fields segments filter on."""

    contact_id: str
    changed: list[str]
    lifecycle_stage: str
    tags: list[str] = []
    country: str | None = None
    region: str | None = None
    city: str | None = None
    company_id: str | None = None
    owner_id: str | None = None
    source: str | None = None
    import_id: str | None = None  # the import that changed it, if one did
    # The profile fields among ``changed``, with their new value (null: cleared), for the
    # services that keep their own view of a person (campaigns' recipients). Additive: a
    # field not in ``changed`` is null, and older readers ignore them.
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    company: str | None = None
    birthday: date | None = None


class ContactDeleted(ContactsEvent):
    """A contact was deleted: other services drop or anonymise what they hold about it."""

    contact_id: str


class ContactsMerged(ContactsEvent):
    """``loser_id`` was merged into ``winner_id``: re-key whatever you hold under the loser."""

    winner_id: str
    loser_id: str


class ContactsImported(ContactsEvent):
    """One chunk of a CSV import: the contacts it created and updated (packed: one event
    per chunk, not per row, so a 100,000-row import does not flood the bus)."""

    import_id: str
    created: list[str]
    updated: list[str]


EVENTS: list[type[Event]] = [LeadCreated]


# --- segments and privacy -----------------------------------------------------------


class SegmentEntered(ContactsEvent):
    """A contact started matching a segment's rules (emitted once per entry)."""

    segment_id: str
    segment_name: str
    contact_id: str


class SegmentExited(ContactsEvent):
    """A contact stopped matching a segment's rules, was erased/deleted/merged away, or the
    segment was deleted (emitted once per exit)."""

    segment_id: str
    segment_name: str
    contact_id: str


class SegmentDefined(ContactsEvent):
    """A segment was created, or its rules changed: its members are being recomputed.

    Every stored contact is evaluated against the rules of ``segment_version`` (a
    backfill); SegmentBackfillProgressed reports the progress."""

    segment_id: str
    segment_name: str
    segment_version: int


class SegmentBackfillProgressed(ContactsEvent):
    """One more page of stored contacts was evaluated against a segment's rules.

    ``done`` on the last page of the backfill for ``segment_version``: the member count is
    then complete."""

    segment_id: str
    segment_version: int
    pages: int
    evaluated: int
    done: bool


class ConsentChanged(ContactsEvent):
    """A contact granted or withdrew consent for one channel and purpose."""

    contact_id: str
    channel: str  # email, sms, push
    purpose: str  # marketing, transactional, ...
    granted: bool
    source: str  # where the consent was given: web_form, unsubscribe_link, agent, import, ...
    at: datetime


class ContactErased(ContactsEvent):
    """A contact's personal data was erased (GDPR): drop or anonymise whatever you hold."""

    contact_id: str
    erased_at: datetime


EVENTS += [SegmentEntered, SegmentExited, ConsentChanged, ContactErased]
EVENTS += [SegmentDefined, SegmentBackfillProgressed]

# records area
EVENTS += [ContactUpdated, ContactDeleted, ContactsMerged, ContactsImported]

# --- history and metrics ----------------------------------------------------------


class PurchaseRecorded(ContactsEvent):
    """An order was recorded for a contact (once per order_id), from the API or a partner."""

    contact_id: str
    order_id: str
    amount: Decimal
    currency: str  # ISO 4217
    channel: str  # web, store, phone, marketplace, partner
    occurred_at: datetime


class PurchaseRefunded(ContactsEvent):
    """An order was refunded (once per order_id): the contact's spend went down by ``amount``."""

    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    occurred_at: datetime


class ContactMetricsUpdated(ContactsEvent):
    """A contact's 360 metrics changed (a purchase, a refund, or recency decaying with time).
    A logged interaction moves the engagement fields (and publishes this event) too.
    Scores and groups are defined in contacts/history/metrics.py; null until the first purchase."""

    contact_id: str
    total_spend: Decimal
    order_count: int
    last_purchase_at: datetime | None = None
    recency_score: int | None = None
    frequency_score: int | None = None
    monetary_score: int | None = None
    rfm_group: str | None = None
    value_tier: str | None = None
    # Engagement (additive, version 1): the latest inbound interaction or order, and counts.
    last_engaged_at: datetime | None = None
    interaction_count: int = 0
    inbound_count: int = 0


EVENTS += [PurchaseRecorded, PurchaseRefunded, ContactMetricsUpdated]
