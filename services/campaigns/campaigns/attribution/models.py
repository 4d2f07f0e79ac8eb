"""A contact's last click on a campaign (tracking writes it) and an order to attribute."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

ATTRIBUTION_DAYS = 7  # the window after a click, unless the campaign sets its own (attribution_days)


class Click(BaseModel):
    campaign_id: str
    source: str
    clicked_at: datetime


class Order(BaseModel):
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    occurred_at: datetime
