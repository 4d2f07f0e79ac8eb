"""What pipeline reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from pipeline.assignment.consumers import on_contact_erased, on_lead_created, on_rep_added
from pipeline.inbound import ContactErasedIn, LeadCreatedIn, RepAddedIn, TaskReminderFiredIn
from pipeline.tasks.consumers import on_task_reminder_fired
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription("LeadCreated", LeadCreatedIn, on_lead_created),
    Subscription("RepAdded", RepAddedIn, on_rep_added),
    Subscription("ContactErased", ContactErasedIn, on_contact_erased),
    Subscription("TaskReminderFired", TaskReminderFiredIn, on_task_reminder_fired),
]
