"""Bus events that become a contact's history, and the 360 metrics' reaction to a merge
(declared in contacts/subscriptions.py; the on_event consumer calls them once per event
id; every write below is also idempotent on its own key, so a redelivery after the
idempotency record expired changes nothing either)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contacts.bootstrap import history_repository
from contacts.history.models import Direction
from shared.observability import logger

if TYPE_CHECKING:
    from contacts.inbound import ContactsMergedIn, OrderPlacedIn, OrderRefundedIn, TaskCompletedIn
    from shared.events import Envelope, IncomingEvent

# detail-type -> (timeline kind, producer, interaction direction) for other services'
# events about a contact. A ticket is the customer reaching out (inbound engagement); an
# email is the business reaching them (an interaction, not engagement).
FOREIGN_KINDS: dict[str, tuple[str, str, Direction | None]] = {
    "LeadAssigned": ("lead_assigned", "crm.pipeline", None),
    "TicketOpened": ("ticket_opened", "crm.service_desk", Direction.INBOUND),
    "PointsAccrued": ("points_accrued", "crm.loyalty", None),
    "TierChanged": ("tier_changed", "crm.loyalty", None),
    "EmailSent": ("email_sent", "crm.campaigns", Direction.OUTBOUND),
}


def on_timeline_event(detail_type: str) -> Callable[[Envelope[Any]], None]:
    kind, source, interaction = FOREIGN_KINDS[detail_type]

    def handle(envelope: Envelope[IncomingEvent]) -> None:
        from contacts.history.usecases import record_foreign

        data = envelope.data.model_dump(mode="json", exclude={"contact_id"})
        contact_id: str = envelope.data.contact_id  # type: ignore[attr-defined]
        record_foreign(
            contact_id,
            kind=kind,
            source=source,
            cause=envelope.metadata,
            data=data,
            store=history_repository(),
            interaction=interaction,
        )

    return handle


# A completed task that reached the customer (a rep's call, email or meeting) is an
# outbound interaction; a to-do is on the timeline without counting as one.
TASK_INTERACTIONS = frozenset({"call", "email", "meeting"})


def on_task_completed(envelope: Envelope[TaskCompletedIn]) -> None:
    """pipeline's TaskCompleted: on the contact's timeline (keyed by the event id, so once)."""
    from contacts.history.usecases import record_foreign

    data = envelope.data
    if data.contact_id is None:
        return  # a task about no contact: nothing of ours
    record_foreign(
        data.contact_id,
        kind="task_completed",
        source="crm.pipeline",
        cause=envelope.metadata,
        data=data.model_dump(mode="json", exclude={"contact_id"}),
        store=history_repository(),
        interaction=Direction.OUTBOUND if data.kind in TASK_INTERACTIONS else None,
    )


def _once(what: str, envelope: Envelope[Any], record: Callable[..., object], value: object) -> None:
    """Record a partner's order or refund (``record(value, store, today, cause=...)``: the
    use case of contacts/history/orders.py); a repeat or an unknown contact is not an error."""
    from contacts.history.usecases import AlreadyRecorded, ContactMissing

    event_id = envelope.metadata.event_id
    try:
        record(value, history_repository(), datetime.now(UTC).date(), cause=envelope.metadata)
    except AlreadyRecorded:
        logger.info(f"{what} already recorded", extra={"event_id": event_id})
    except ContactMissing:
        # Retrying will not create the contact: the event stays in the archive for an operator.
        logger.warning(f"{what} for an unknown contact skipped", extra={"event_id": event_id})


def on_order_placed(envelope: Envelope[OrderPlacedIn]) -> None:
    from contacts.history.models import Order
    from contacts.history.orders import record_order

    # The partner's fields as they arrived (order lines as JSON values), from a partner.
    order = Order.model_validate({**envelope.data.model_dump(mode="json"), "source": "partner"})
    _once("order", envelope, record_order, order)


def on_order_refunded(envelope: Envelope[OrderRefundedIn]) -> None:
    from contacts.history.models import Refund
    from contacts.history.orders import record_refund

    refund = Refund.model_validate({**envelope.data.model_dump(mode="json"), "source": "partner"})
    _once("refund", envelope, record_refund, refund)


def on_contacts_merged_metrics(envelope: Envelope[ContactsMergedIn]) -> None:
    """The winner's metrics from both contacts' orders; the loser's released."""
    from contacts.history.merge import merge_metrics

    data = envelope.data
    merge_metrics(data.winner_id, data.loser_id, history_repository(), datetime.now(UTC).date(), envelope.metadata)
