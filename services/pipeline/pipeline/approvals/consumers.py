"""The approvals feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.events import ApprovalReminderDue
from pipeline.inbound import ApprovalReminderDueIn
from shared.events import Envelope


def on_reminder_due(envelope: Envelope[ApprovalReminderDueIn]) -> None:
    from pipeline.approvals.usecases import remind

    due = ApprovalReminderDue.model_validate(envelope.data.model_dump())
    remind(due, envelope.metadata, bootstrap.approvals_repository(), bootstrap.deadlines())
