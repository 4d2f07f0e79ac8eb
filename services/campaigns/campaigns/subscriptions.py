"""What campaigns reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from campaigns.attribution import consumers as attribution
from campaigns.inbound import ContactErasedIn, LeadAssignedIn, LeadCreatedIn, PurchaseRecordedIn
from campaigns.messages import consumers as messages
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription("LeadCreated", LeadCreatedIn, messages.on_lead_created),
    Subscription("LeadAssigned", LeadAssignedIn, messages.on_lead_assigned),
    Subscription("ContactErased", ContactErasedIn, messages.on_contact_erased),
    Subscription("PurchaseRecorded", PurchaseRecordedIn, attribution.on_purchase_recorded),
]
