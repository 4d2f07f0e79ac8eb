"""SES's notifications queue (SNS -> SQS): one notification a message."""

from __future__ import annotations

from typing import Any

from shared.jobs import job_worker
from shared.observability import logger


def handle(message: Any) -> None:
    from campaigns import bootstrap
    from campaigns.bounces.models import read_feedback
    from campaigns.bounces.usecases import handle_feedback

    feedback = read_feedback(message)
    if feedback is None:
        logger.info("not an email notification; dropped", extra={"type": str(message.get("Type"))[:40]})
        return
    handle_feedback(feedback, bootstrap.suppressions(), bootstrap.feedback_log())


ses_feedback = job_worker("ses_feedback", handle)
