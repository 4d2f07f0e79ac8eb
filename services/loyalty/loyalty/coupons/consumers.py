"""The coupons feature's reactions to bus events: segment members, batch pages, goodwill."""

from __future__ import annotations

from datetime import timedelta

from loyalty import bootstrap
from loyalty.coupons.models import CouponTerms
from loyalty.coupons.usecases import goodwill, issue_batch_page, segment_moved
from loyalty.inbound import CouponBatchPageDueIn, SegmentMovedIn, SurveyAnsweredIn
from shared.events import Envelope


def on_segment_entered(envelope: Envelope[SegmentMovedIn]) -> None:
    data = envelope.data
    segment_moved(data.segment_id, data.contact_id, True, envelope.metadata.occurred_at, bootstrap.coupons())


def on_segment_exited(envelope: Envelope[SegmentMovedIn]) -> None:
    data = envelope.data
    segment_moved(data.segment_id, data.contact_id, False, envelope.metadata.occurred_at, bootstrap.coupons())


def on_coupon_batch_page_due(envelope: Envelope[CouponBatchPageDueIn]) -> None:
    data = envelope.data
    issue_batch_page(data.batch_id, data.page, data.start, bootstrap.coupons(), envelope.metadata)


def on_survey_answered(envelope: Envelope[SurveyAnsweredIn]) -> None:
    """A poor score (as the program sets it) earns the ticket's requester one goodwill coupon."""
    data, program = envelope.data, bootstrap.program().get()
    ceiling = program.goodwill_csat_max if data.kind == "csat" else program.goodwill_nps_max
    if program.goodwill_value is None or data.kind not in {"csat", "nps"} or data.score > ceiling:
        return
    expires = (envelope.metadata.occurred_at + timedelta(days=program.goodwill_valid_days)).date()
    terms = CouponTerms(value=program.goodwill_value, expires_at=expires)
    goodwill(data.ticket_id, data.contact_id, terms, bootstrap.coupons(), envelope.metadata)
