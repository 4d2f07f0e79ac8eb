"""What loyalty reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from loyalty.consumers import on_contact_erased, on_lead_assigned, on_lead_created
from loyalty.inbound import ContactErasedIn, LeadAssignedIn, LeadCreatedIn
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription("LeadCreated", LeadCreatedIn, on_lead_created),
    Subscription("LeadAssigned", LeadAssignedIn, on_lead_assigned),
    Subscription("ContactErased", ContactErasedIn, on_contact_erased),
]
