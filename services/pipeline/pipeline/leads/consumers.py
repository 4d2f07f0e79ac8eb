"""The leads feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.inbound import SegmentMembershipIn
from shared.events import Envelope


def on_segment_entered(envelope: Envelope[SegmentMembershipIn]) -> None:
    bootstrap.leads_repository().enter_segment(envelope.data.contact_id, envelope.data.segment_id)


def on_segment_exited(envelope: Envelope[SegmentMembershipIn]) -> None:
    bootstrap.leads_repository().exit_segment(envelope.data.contact_id, envelope.data.segment_id)
