"""What a bounce, a complaint or a delivery does (tested with fakes): a hard bounce or a
complaint suppresses each address it names (first: idempotent on its own), then the fact
is recorded once per notification (SES's feedback id: a redelivered message changes
nothing) with the campaign's counter and the event; a transient bounce is counted only."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from campaigns.bounces.models import Feedback, Kind
from campaigns.events import EmailBounced, EmailComplained
from campaigns.suppression.models import Reason
from campaigns.table.keys import campaign_of
from shared.events import Outgoing, new_event
from shared.observability import logger


class Suppressor(Protocol):
    def add(self, address: str, reason: str, at: datetime) -> bool: ...


class FeedbackLog(Protocol):
    def record(
        self, feedback_id: str, campaign_id: str | None, counts: dict[str, int], event: Outgoing | None
    ) -> bool: ...


def _counts(feedback: Feedback) -> dict[str, int]:
    if feedback.kind is Kind.COMPLAINT:
        return {"complained": 1}
    if feedback.kind is Kind.DELIVERY:
        return {"delivered": 1}
    return {"bounced": 1} if feedback.bounce_type == "Permanent" else {"bounced.transient": 1}


def _event(feedback: Feedback, campaign_id: str | None) -> Outgoing | None:
    who, sent = feedback.contact_id, feedback.ses_message_id
    if feedback.kind is Kind.BOUNCE:
        bounced = EmailBounced(
            contact_id=who,
            source=feedback.source,
            campaign_id=campaign_id,
            bounce_type=feedback.bounce_type or "Undetermined",
            ses_message_id=sent,
            at=feedback.at,
        )
        return new_event(bounced)
    if feedback.kind is Kind.COMPLAINT:
        complained = EmailComplained(
            contact_id=who, source=feedback.source, campaign_id=campaign_id, ses_message_id=sent, at=feedback.at
        )
        return new_event(complained)
    return None


def handle_feedback(feedback: Feedback, suppressions: Suppressor, log: FeedbackLog) -> bool:
    """False when this notification was handled before."""
    if feedback.suppresses:
        reason = Reason.COMPLAINT if feedback.kind is Kind.COMPLAINT else Reason.BOUNCE
        added = sum(suppressions.add(address, reason.value, feedback.at) for address in feedback.addresses)
    else:
        added = 0
    campaign_id = campaign_of(feedback.source) if feedback.source else None
    first = log.record(feedback.feedback_id, campaign_id, _counts(feedback), _event(feedback, campaign_id))
    logger.info(
        "ses feedback",
        extra={
            "kind": feedback.kind.value,
            "bounce_type": feedback.bounce_type,
            "contact_id": feedback.contact_id,
            "source": feedback.source,
            "suppressed": added,
            "first": first,
        },
    )
    return first
