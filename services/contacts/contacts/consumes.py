"""What contacts reads from the bus (tolerant readers), and the handlers that react.

Each area adds its models to CONSUMES and its handlers to ``subscriptions()``; the
resources.yaml rules must route the same detail-types (a contract test checks both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.events import IncomingEvent

if TYPE_CHECKING:
    from shared.consumer import Subscription


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned: the contact's owner."""

    contact_id: str
    owner_id: str


CONSUMES: dict[str, type[IncomingEvent]] = {"LeadAssigned": LeadAssignedIn}


def subscriptions() -> list[Subscription[Any]]:
    from contacts.handlers import on_lead_assigned
    from shared.consumer import Subscription

    return [Subscription("LeadAssigned", LeadAssignedIn, on_lead_assigned)]
