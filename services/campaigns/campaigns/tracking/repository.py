"""Opens and clicks in the campaigns table (low-level client: the markers commit with the
campaign's ADD counters and the outbox record in one transaction).

- first open: ``TRACK#<source>``/``OPEN#<contact>#<human|machine>`` (keys.opened_key);
- first click: ``TRACK#<source>``/``CLICK#<contact>`` (keys.clicked_key);
- last click on a campaign, for attribution: ``CONTACT#<contact>``/``CLICK#<campaign>``
  (keys.click_key), overwritten by a later click only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from campaigns.table.keys import click_key, clicked_key, opened_key
from campaigns.table.writes import once, put_new, stats_entries, table, variant_of
from campaigns.tracking.models import Visit
from shared.events import Outgoing
from shared.outbox import outbox_put

# A click older than any attribution window is of no use: TTL removes it.
CLICK_KEPT = timedelta(days=90)


class TrackingRepository:
    def first_open(self, visit: Visit, machine: bool, event: Outgoing) -> bool:
        marker = put_new(opened_key(visit.source, visit.contact_id, machine), {"at": event.detail["data"]["at"]})
        counts = {"opened.machine" if machine else "opened": 1, **({} if machine else {"opens": 1})}
        variant = variant_of(visit.source, visit.contact_id)
        return once([marker, *stats_entries(visit.campaign_id, counts, variant), outbox_put(table(), event)])

    def first_click(self, visit: Visit, event: Outgoing) -> bool:
        marker = put_new(clicked_key(visit.source, visit.contact_id), {"at": event.detail["data"]["at"]})
        variant = variant_of(visit.source, visit.contact_id)
        counts = {"clicked": 1, "clicks": 1}
        return once([marker, *stats_entries(visit.campaign_id, counts, variant), outbox_put(table(), event)])

    def add_totals(self, visit: Visit, counts: dict[str, int]) -> None:
        from campaigns.table.stats import add_counts

        if visit.campaign_id is not None:
            add_counts(visit.campaign_id, counts)

    def remember_click(self, visit: Visit, at: datetime) -> None:
        from botocore.exceptions import ClientError

        from shared.aws import client
        from shared.codec import to_item

        assert visit.campaign_id is not None
        pk, sk = click_key(visit.contact_id, visit.campaign_id)
        item = {
            "pk": pk,
            "sk": sk,
            "campaign_id": visit.campaign_id,
            "source": visit.source,
            "clicked_at": at.isoformat(),
            "expires_at": int((at + CLICK_KEPT).timestamp()),
        }
        try:
            client("dynamodb").put_item(
                TableName=table(),
                Item=to_item(item),
                # ISO times in UTC compare as strings: a late, older click never wins.
                ConditionExpression="attribute_not_exists(pk) OR clicked_at < :at",
                ExpressionAttributeValues={":at": {"S": item["clicked_at"]}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
