"""The opt-out an unsubscribe link records: once per (source, contact, channel), with an
UnsubscribeRequested event that contacts stores as consent withdrawn (the one record of
consent stays contacts'), and ``unsubscribed`` counted to the campaign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from campaigns.events import UnsubscribeRequested
from campaigns.table.keys import campaign_of
from campaigns.tracking.tokens import verify
from campaigns.unsubscribe.models import MARKETING, OptOut
from shared.events import Outgoing, new_event
from shared.observability import logger

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class OptOuts(Protocol):
    def record(self, opt_out: OptOut, campaign_id: str | None, event: Outgoing) -> bool: ...


def read_token(token: str) -> OptOut | None:
    """The opt-out a link names; None when the token is not one of ours (the routes' 404)."""
    return OptOut.of(verify("unsubscribe", token))


def unsubscribe(opt_out: OptOut, repo: OptOuts, clock: Clock = _now) -> bool:
    """Record the opt-out; False when this link had recorded it already (nothing more done)."""
    event = UnsubscribeRequested(
        contact_id=opt_out.contact_id, channel=opt_out.channel, purpose=MARKETING, source=opt_out.source, at=clock()
    )
    first = repo.record(opt_out, campaign_of(opt_out.source), new_event(event))
    logger.info("unsubscribe", extra={"contact_id": opt_out.contact_id, "source": opt_out.source, "first": first})
    return first
