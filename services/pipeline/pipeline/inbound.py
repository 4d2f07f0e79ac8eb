"""What the pipeline service reads from other events (tolerant readers: unknown fields ignored)."""

from __future__ import annotations

from datetime import datetime

from shared.events import IncomingEvent


class LeadCreatedIn(IncomingEvent):
    """crm.contacts LeadCreated: only the id matters here; the profile stays in contacts."""

    contact_id: str


class RepAddedIn(IncomingEvent):
    """crm.pipeline RepAdded (our own): a new rep may take leads that were waiting."""

    rep_id: str


class ContactErasedIn(IncomingEvent):
    """crm.contacts ContactErased: the person is forgotten (a waiting lead leaves the queue)."""

    contact_id: str


class TaskReminderFiredIn(IncomingEvent):
    """crm.pipeline TaskReminderFired (our own, from a task's schedule): TaskDue if still wanted."""

    task_id: str
    remind_at: datetime
