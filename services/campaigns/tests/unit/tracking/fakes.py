"""In-memory stand-ins for tracking's, bounces' and attribution's repositories."""

from __future__ import annotations

from datetime import datetime

from campaigns.attribution.models import Click, Order
from campaigns.tracking.models import Visit
from shared.events import Outgoing


class FakeTracking:
    def __init__(self) -> None:
        self.markers: set[tuple[str, str, str]] = set()
        self.events: list[Outgoing] = []
        self.totals: dict[str, int] = {}
        self.last_click: dict[tuple[str, str], datetime] = {}

    def _once(self, marker: tuple[str, str, str], event: Outgoing) -> bool:
        if marker in self.markers:
            return False
        self.markers.add(marker)
        self.events.append(event)
        return True

    def first_open(self, visit: Visit, machine: bool, event: Outgoing) -> bool:
        return self._once((visit.source, visit.contact_id, "machine" if machine else "human"), event)

    def first_click(self, visit: Visit, event: Outgoing) -> bool:
        return self._once((visit.source, visit.contact_id, "click"), event)

    def add_totals(self, visit: Visit, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            self.totals[name] = self.totals.get(name, 0) + value

    def remember_click(self, visit: Visit, at: datetime) -> None:
        assert visit.campaign_id is not None
        self.last_click[(visit.contact_id, visit.campaign_id)] = at


class FakeAttributions:
    def __init__(self, clicks: list[Click], windows: dict[str, int] | None = None) -> None:
        self._clicks = clicks
        self.windows = windows or {}
        self.converted: dict[str, tuple[str, int]] = {}

    def clicks(self, contact_id: str) -> list[Click]:
        return list(self._clicks)

    def window_days(self, campaign_id: str) -> int | None:
        return self.windows.get(campaign_id)

    def convert(self, order: Order, campaign_id: str, revenue_cents: int, event: Outgoing) -> bool:
        if order.order_id in self.converted:
            return False
        self.converted[order.order_id] = (campaign_id, revenue_cents)
        return True
