"""What service_desk reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from service_desk.consumers import on_contact_erased, on_lead_assigned
from service_desk.inbound import ContactErasedIn, LeadAssignedIn
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription("LeadAssigned", LeadAssignedIn, on_lead_assigned),
    Subscription("ContactErased", ContactErasedIn, on_contact_erased),
]
