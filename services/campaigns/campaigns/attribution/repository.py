"""Attribution's items: the contact's last clicks (``CONTACT#<id>``/``CLICK#<campaign>``,
written by tracking), the campaign's own window, and the conversion marker
``ORDER#<order id>``/``CONVERSION`` (keys.conversion_key)."""

from __future__ import annotations

from campaigns.attribution.models import Click, Order
from campaigns.table.keys import CLICK_PREFIX, campaign_key, contact_pk, conversion_key
from campaigns.table.writes import once, put_new, stats_entries, table
from shared.events import Outgoing
from shared.outbox import outbox_put


class AttributionRepository:
    def clicks(self, contact_id: str) -> list[Click]:
        from shared.aws import client
        from shared.codec import from_item

        response = client("dynamodb").query(
            TableName=table(),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :click)",
            ExpressionAttributeValues={":pk": {"S": contact_pk(contact_id)}, ":click": {"S": CLICK_PREFIX}},
        )
        found = [from_item(item) or {} for item in response.get("Items", [])]
        return [Click.model_validate(item) for item in found]

    def window_days(self, campaign_id: str) -> int | None:
        """The campaign's own window (its ``attribution_days``), when it set one."""
        from shared.aws import client

        pk, sk = campaign_key(campaign_id)
        item = (
            client("dynamodb")
            .get_item(
                TableName=table(), Key={"pk": {"S": pk}, "sk": {"S": sk}}, ProjectionExpression="attribution_days"
            )
            .get("Item")
            or {}
        )
        value = item.get("attribution_days", {}).get("N")
        return int(value) if value else None

    def convert(self, order: Order, campaign_id: str, revenue_cents: int, event: Outgoing) -> bool:
        marker = put_new(
            conversion_key(order.order_id),
            {"campaign_id": campaign_id, "contact_id": order.contact_id, "revenue_cents": revenue_cents},
        )
        counts = {"conversions": 1, "revenue_cents": revenue_cents}
        return once([marker, *stats_entries(campaign_id, counts), outbox_put(table(), event)])
