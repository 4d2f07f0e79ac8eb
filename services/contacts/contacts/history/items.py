"""History's items in DynamoDB's form and back: METRICS and timeline entries (pure
mapping, no calls; contacts/history/repository.py reads and writes them), through
shared.codec."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from contacts.history.metrics import Metrics, RfmGroup, ValueTier
from contacts.history.models import TimelineEntry
from contacts.table.keys import METRICS, TIMELINE_PREFIX, contact_pk
from shared.codec import from_item, to_item


def item_of(**attributes: Any) -> dict[str, Any]:
    """A low-level item of these attributes; None leaves an attribute out."""
    return to_item(attributes, omit_none=True)


def _decimal(value: Any) -> Decimal:
    """Amounts and intervals are Decimal in the domain (shared.codec gives int when whole)."""
    return value if isinstance(value, Decimal) else Decimal(value)


def time_of(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


# --- METRICS ---------------------------------------------------------------------------------


def metrics_item(m: Metrics) -> dict[str, Any]:
    return item_of(
        pk=contact_pk(m.contact_id),
        sk=METRICS,
        total_spend=m.total_spend,
        order_count=m.order_count,
        first_purchase_at=m.first_purchase_at.isoformat() if m.first_purchase_at else None,
        last_purchase_at=m.last_purchase_at.isoformat() if m.last_purchase_at else None,
        spend_by_currency=m.spend_by_currency,
        active=m.active,
        average_interval_days=m.average_interval_days,
        next_purchase_at=m.next_purchase_at.isoformat() if m.next_purchase_at else None,
        recency_score=m.recency_score,
        frequency_score=m.frequency_score,
        monetary_score=m.monetary_score,
        rfm_group=m.rfm_group.value if m.rfm_group else None,
        value_tier=m.value_tier.value if m.value_tier else None,
        scored_on=m.scored_on.isoformat() if m.scored_on else None,
        last_engaged_at=m.last_engaged_at.isoformat() if m.last_engaged_at else None,
        interaction_count=m.interaction_count,
        inbound_count=m.inbound_count,
        version=m.version + 1,
    )


def metrics_of_item(item: dict[str, Any]) -> Metrics:
    raw = from_item(item) or {}
    interval = raw.get("average_interval_days")
    return Metrics(
        contact_id=str(raw["pk"]).removeprefix("CONTACT#"),
        total_spend=_decimal(raw.get("total_spend", 0)),
        order_count=int(raw.get("order_count", 0)),
        first_purchase_at=time_of(raw.get("first_purchase_at")),
        last_purchase_at=time_of(raw.get("last_purchase_at")),
        spend_by_currency={k: _decimal(v) for k, v in (raw.get("spend_by_currency") or {}).items()},
        active=bool(raw.get("active", False)),
        version=int(raw.get("version", 0)),
        average_interval_days=None if interval is None else _decimal(interval),
        next_purchase_at=time_of(raw.get("next_purchase_at")),
        recency_score=int(raw["recency_score"]) if raw.get("recency_score") is not None else None,
        frequency_score=int(raw["frequency_score"]) if raw.get("frequency_score") is not None else None,
        monetary_score=int(raw["monetary_score"]) if raw.get("monetary_score") is not None else None,
        rfm_group=RfmGroup(raw["rfm_group"]) if raw.get("rfm_group") else None,
        value_tier=ValueTier(raw["value_tier"]) if raw.get("value_tier") else None,
        scored_on=date.fromisoformat(raw["scored_on"]) if raw.get("scored_on") else None,
        last_engaged_at=engaged_at(raw),
        interaction_count=int(raw.get("interaction_count", 0)),
        inbound_count=int(raw.get("inbound_count", 0)),
    )


def engaged_at(raw: dict[str, Any]) -> datetime | None:
    """An order is engagement: items written before engagement was kept have only the
    last purchase, which is then their latest engagement."""
    moments = [m for m in (time_of(raw.get("last_engaged_at")), time_of(raw.get("last_purchase_at"))) if m]
    return max(moments, default=None)


# --- timeline ----------------------------------------------------------------------------


def entry_item(contact_id: str, entry: TimelineEntry) -> dict[str, Any]:
    return item_of(
        pk=contact_pk(contact_id),
        sk=TIMELINE_PREFIX + entry.id,
        kind=entry.kind,
        occurred_at=entry.occurred_at.isoformat(),
        source=entry.source,
        by=entry.by,
        data=json.dumps(entry.data, separators=(",", ":"), default=str),
    )


def entry_of_item(item: dict[str, Any]) -> TimelineEntry:
    return TimelineEntry(
        id=item["sk"]["S"].removeprefix(TIMELINE_PREFIX),
        kind=item["kind"]["S"],
        occurred_at=datetime.fromisoformat(item["occurred_at"]["S"]),
        source=item["source"]["S"],
        by=item["by"]["S"] if "by" in item else None,
        data=json.loads(item["data"]["S"]),
    )
