"""What the campaigns service reads from other events (tolerant readers: unknown fields ignored)."""

from __future__ import annotations

from shared.events import IncomingEvent


class LeadCreatedIn(IncomingEvent):
    """crm.contacts LeadCreated: who to welcome, and how to greet them."""

    contact_id: str
    email: str
    first_name: str | None = None
