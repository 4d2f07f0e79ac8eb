"""What the campaigns service reads from other events (tolerant readers: unknown fields ignored)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shared.events import IncomingEvent


class LeadCreatedIn(IncomingEvent):
    """crm.contacts LeadCreated: who to welcome, and how to greet them."""

    contact_id: str
    email: str
    first_name: str | None = None


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned: the contact's owner, kept for reach (shared.reach)."""

    contact_id: str
    owner_id: str


class ContactErasedIn(IncomingEvent):
    """crm.contacts ContactErased: forget the person."""

    contact_id: str


class PurchaseRecordedIn(IncomingEvent):
    """crm.contacts PurchaseRecorded (once per order): an order to attribute to a campaign."""

    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    occurred_at: datetime
