"""Attribution's window and once-per-order rule, with fakes (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from campaigns.attribution.models import Click, Order
from campaigns.attribution.usecases import attribute_order, cents
from services.campaigns.tests.unit.tracking.fakes import FakeAttributions
from shared.events import EventMetadata

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
CAUSE = EventMetadata(event_id="e1", event_version=1, occurred_at=NOW, correlation_id="e1")


def _click(campaign: str, days_ago: float) -> Click:
    return Click(campaign_id=campaign, source=f"campaign-{campaign}-1", clicked_at=NOW - timedelta(days=days_ago))


def _order(order_id: str = "o1", at: datetime = NOW) -> Order:
    return Order(contact_id="c", order_id=order_id, amount=Decimal("12.345"), currency="EUR", occurred_at=at)


def test_the_latest_click_in_its_window_wins_once() -> None:
    repo = FakeAttributions([_click("a", 3), _click("b", 1)])
    assert attribute_order(_order(), CAUSE, repo) == "b"
    assert attribute_order(_order(), CAUSE, repo) is None  # the same order again
    assert repo.converted == {"o1": ("b", 1235)}


def test_a_click_past_the_window_counts_nothing_unless_its_campaign_widens_it() -> None:
    assert attribute_order(_order(), CAUSE, FakeAttributions([_click("a", 8)])) is None
    assert attribute_order(_order(), CAUSE, FakeAttributions([_click("a", 8)], {"a": 10})) == "a"


def test_a_click_after_the_order_does_not_count() -> None:
    assert attribute_order(_order(at=NOW - timedelta(days=2)), CAUSE, FakeAttributions([_click("a", 1)])) is None


def test_cents_round_half_up() -> None:
    assert (cents(Decimal("0.005")), cents(Decimal("19.99")), cents(Decimal("3"))) == (1, 1999, 300)
