"""The suppression list's use cases and what bounces do with it, with fakes (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.bounces.models import Feedback, Kind
from campaigns.bounces.usecases import handle_feedback
from campaigns.suppression.models import Reason, SuppressionIn
from campaigns.suppression.usecases import get_suppression, lift, suppress
from services.campaigns.tests.unit.unsubscribe.fakes import FakeFeedbackLog, FakeSuppressions
from shared.errors import NotFound

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_suppressing_twice_keeps_the_first_reason_and_lifting_twice_is_a_404() -> None:
    repo = FakeSuppressions()
    first, created = suppress(SuppressionIn(address="a@b.c", reason=Reason.BOUNCE), repo, clock=lambda: AT)
    again, created_again = suppress(SuppressionIn(address="A@B.C"), repo, clock=lambda: AT)
    assert (created, created_again, first.reason, again.reason) == (True, False, Reason.BOUNCE, Reason.BOUNCE)
    lift("a@b.c", repo)
    with pytest.raises(NotFound):
        lift("a@b.c", repo)
    with pytest.raises(NotFound):
        get_suppression("a@b.c", repo)


def _feedback(kind: Kind, bounce_type: str | None = None, feedback_id: str = "f1") -> Feedback:
    return Feedback(
        kind=kind,
        feedback_id=feedback_id,
        ses_message_id="m1",
        bounce_type=bounce_type,
        addresses=["x@y.z"],
        source="campaign-k-1",
        contact_id="c1",
        at=AT,
    )


def test_a_hard_bounce_suppresses_and_records_once_a_soft_one_only_counts() -> None:
    suppressions, log = FakeSuppressions(), FakeFeedbackLog()
    # When a hard bounce arrives twice, and a soft one
    assert handle_feedback(_feedback(Kind.BOUNCE, "Permanent"), suppressions, log) is True
    assert handle_feedback(_feedback(Kind.BOUNCE, "Permanent"), suppressions, log) is False
    handle_feedback(_feedback(Kind.BOUNCE, "Transient", "f2"), FakeSuppressions(), log)
    # Then the address is suppressed as a bounce; counts and events as recorded
    found = suppressions.get("x@y.z")
    assert found is not None and found.reason is Reason.BOUNCE
    campaign_id, counts, event = log.seen["f1"]
    assert (campaign_id, counts) == ("k", {"bounced": 1})
    assert event is not None and "x@y.z" not in str(event.detail)
    assert log.seen["f2"][1] == {"bounced.transient": 1}


def test_a_complaint_suppresses_and_a_delivery_only_counts() -> None:
    suppressions, log = FakeSuppressions(), FakeFeedbackLog()
    handle_feedback(_feedback(Kind.COMPLAINT), suppressions, log)
    handle_feedback(_feedback(Kind.DELIVERY, feedback_id="d1"), suppressions, log)
    assert suppressions.suppressed(["x@y.z"]) == {"x@y.z"}
    assert log.seen["f1"][2] is not None and log.seen["f1"][2].detail_type == "EmailComplained"
    assert log.seen["d1"][1:] == ({"delivered": 1}, None)
