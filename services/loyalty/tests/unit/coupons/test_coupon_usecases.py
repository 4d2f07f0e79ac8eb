"""The coupons' use cases against an in-memory store (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.coupons.models import BatchIn, CouponIn, CouponSource, CouponTerms
from loyalty.coupons.usecases import code_for, goodwill, issue_batch_page, redeem, request_batch, segment_moved
from services.loyalty.tests.unit.coupons.fakes import FakeCoupons
from shared.errors import Conflict
from shared.events import EventMetadata

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
KEY = b"k" * 32


def _cause() -> EventMetadata:
    return EventMetadata(event_id="e-1", event_version=1, occurred_at=NOW, correlation_id="c-1")


def _clock() -> datetime:
    return NOW


def _shared(store: FakeCoupons, **fields: object) -> str:
    from loyalty.coupons.usecases import create_coupon

    data = CouponIn.model_validate({"code": "SHARED-1", "value": "5.00", "max_uses": 2, **fields})
    return create_coupon(data, "admin-1", store, clock=_clock).code


def test_codes_of_one_cause_are_one_code_and_unlike_others() -> None:
    assert code_for("goodwill:t-1", KEY) == code_for("goodwill:t-1", KEY)
    assert code_for("goodwill:t-1", KEY) != code_for("goodwill:t-2", KEY)
    assert code_for("goodwill:t-1", KEY) != code_for("goodwill:t-1", b"x" * 32)
    assert len(code_for("a", KEY)) == 12


def test_a_use_read_stale_reads_again_and_numbers_itself() -> None:
    # Given a code for 2 uses, and a checkout that loses a race once
    store = FakeCoupons()
    code = _shared(store, per_customer_limit=None)
    store.raced = 1
    # When a checkout uses it
    use, now = redeem(code, "o-1", "c-1", store, clock=_clock)
    # Then it is the second use (the racer had the first), and then the code is used up
    assert now and use.uses == 2
    with pytest.raises(Conflict) as refused:
        redeem(code, "o-2", "c-2", store, clock=_clock)
    assert refused.value.extensions["reason"] == "used_up"


def test_the_same_order_again_is_answered_with_its_use() -> None:
    store = FakeCoupons()
    code = _shared(store)
    first, _ = redeem(code, "o-1", "c-1", store, clock=_clock)
    again, now = redeem(code, "o-1", "c-1", store, clock=_clock)
    assert (again, now) == (first, False)
    with pytest.raises(Conflict) as other:
        redeem(code, "o-1", "c-9", store, clock=_clock)
    assert other.value.extensions["reason"] == "not_yours"


def test_expired_and_over_the_limit_say_so() -> None:
    store = FakeCoupons()
    old = _shared(store, code="OLD-1", expires_at=(NOW - timedelta(days=1)).date().isoformat())
    with pytest.raises(Conflict) as expired:
        redeem(old, "o-1", "c-1", store, clock=_clock)
    assert expired.value.extensions["reason"] == "expired"
    code = _shared(store, per_customer_limit=1)
    redeem(code, "o-1", "c-1", store, clock=_clock)
    with pytest.raises(Conflict) as limited:
        redeem(code, "o-2", "c-1", store, clock=_clock)
    assert limited.value.extensions["reason"] == "limit_reached"


def test_a_batch_pages_through_the_segment_once_per_member() -> None:
    # Given a segment of 120 (one left again, one event late)
    store = FakeCoupons()
    for n in range(120):
        segment_moved("vip", f"c-{n:03d}", True, NOW, store)
    segment_moved("vip", "c-000", False, NOW + timedelta(hours=1), store)
    segment_moved("vip", "c-000", True, NOW - timedelta(hours=1), store)  # older than the exit
    batch = request_batch(BatchIn(segment_id="vip", value=Decimal(5), valid_days=7), "m-1", store, clock=_clock)
    # When each page's event is handled (the first twice)
    page, start = 0, None
    while True:
        issued = issue_batch_page(batch.batch_id, page, start, store, _cause(), clock=_clock)
        assert issue_batch_page(batch.batch_id, page, start, store, _cause(), clock=_clock) == 0
        following = [e for e in store.events if e.detail_type == "CouponBatchPageDue"][-1].detail["data"]
        if following["page"] == page:
            break
        page, start = following["page"], following["start"]
        assert issued
    # Then 119 coupons, one each, and the batch is issued
    done = store.batch(batch.batch_id)
    assert done is not None and (done.state, done.issued, done.pages) == ("issued", 119, 3)
    assert len({c.contact_id for c in store.coupons.values()}) == 119
    assert all(c.expires_at == date(2026, 6, 8) for c in store.coupons.values())


def test_goodwill_is_once_per_ticket() -> None:
    store = FakeCoupons()
    terms = CouponTerms(value=Decimal(10))
    assert goodwill("t-1", "c-1", terms, store, _cause(), clock=_clock) is not None
    assert goodwill("t-1", "c-1", terms, store, _cause(), clock=_clock) is None
    assert len(store.coupons) == 1


def test_a_coupon_of_a_contact_merged_into_the_customer_is_theirs() -> None:
    from loyalty.coupons.usecases import coupon_of

    store = FakeCoupons()
    coupon = coupon_of(
        CouponTerms(value=Decimal(5)),
        code="MINE-1",
        source=CouponSource.GOODWILL,
        source_id="t-1",
        issued_at=NOW,
        contact_id="loser",
    )
    store.issue(coupon, [])
    merged = {"loser": "winner"}
    with pytest.raises(Conflict):
        redeem("MINE-1", "o-1", "someone", store, clock=_clock, home=lambda c: merged.get(c, c))
    use, _ = redeem("MINE-1", "o-1", "winner", store, clock=_clock, home=lambda c: merged.get(c, c))
    assert use.contact_id == "winner"
