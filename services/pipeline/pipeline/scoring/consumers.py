"""The scoring feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.inbound import BehaviourIn
from shared.events import Envelope


def on_purchase_recorded(envelope: Envelope[BehaviourIn]) -> None:
    from pipeline.scoring.usecases import record_behaviour

    record_behaviour(envelope.data.contact_id, "PurchaseRecorded", envelope.metadata, bootstrap.scoring_repository())
