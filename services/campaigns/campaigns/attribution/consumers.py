"""Attribution's reaction to contacts' PurchaseRecorded."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.inbound import PurchaseRecordedIn
from shared.events import Envelope


def on_purchase_recorded(envelope: Envelope[PurchaseRecordedIn]) -> None:
    from campaigns.attribution.models import Order
    from campaigns.attribution.usecases import attribute_order

    order = Order.model_validate(envelope.data.model_dump())
    attribute_order(order, envelope.metadata, bootstrap.attributions())
