"""The tasks feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import bootstrap

if TYPE_CHECKING:
    from pipeline.inbound import TaskReminderFiredIn
    from shared.events import Envelope


def on_task_reminder_fired(envelope: Envelope[TaskReminderFiredIn]) -> None:
    """Our own schedule fired: TaskDue, if the task still wants it (idempotent on its own)."""
    from pipeline.tasks.usecases import remind_fired

    data = envelope.data
    remind_fired(data.task_id, data.remind_at, envelope.metadata, bootstrap.tasks_repository())
