"""The performance feature's reactions to pipeline's own events: each counts one thing."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.inbound import DealClosedIn, LeadAssignedIn, LeadStatusChangedIn
from pipeline.performance.usecases import month_of
from shared.events import Envelope


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    meta = envelope.data, envelope.metadata
    data, cause = meta
    bootstrap.performance_repository().count(
        data.owner_id, month_of(cause.occurred_at), cause.event_id, cause.occurred_at, leads=1
    )


def on_lead_status_changed(envelope: Envelope[LeadStatusChangedIn]) -> None:
    """Conversion, and the time from assignment to the first contact (the first move off new)."""
    data, cause = envelope.data, envelope.metadata
    lead = bootstrap.leads_repository().get_lead(data.contact_id)
    if lead is None or lead.owner_id is None:
        return
    add: dict[str, int] = {}
    if data.status == "converted":
        add["converted"] = 1
    if data.previous_status == "new" and lead.assigned_at is not None:
        add["contact_minutes"] = max(0, int((cause.occurred_at - lead.assigned_at).total_seconds() // 60))
    if add:
        month = month_of(cause.occurred_at)
        bootstrap.performance_repository().count(lead.owner_id, month, cause.event_id, cause.occurred_at, **add)


def on_opportunity_won(envelope: Envelope[DealClosedIn]) -> None:
    data, cause = envelope.data, envelope.metadata
    closed = data.won_at or cause.occurred_at
    days = (closed - data.created_at).days if data.created_at else 0
    bootstrap.performance_repository().count(
        data.owner_id, month_of(closed), cause.event_id, cause.occurred_at, won=1, revenue=data.amount, cycle_days=days
    )


def on_opportunity_lost(envelope: Envelope[DealClosedIn]) -> None:
    data, cause = envelope.data, envelope.metadata
    closed = data.lost_at or cause.occurred_at
    bootstrap.performance_repository().count(data.owner_id, month_of(closed), cause.event_id, cause.occurred_at, lost=1)
