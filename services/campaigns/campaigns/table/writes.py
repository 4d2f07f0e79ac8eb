"""Low-level writes the tracking features share: one TransactWriteItems of entries built by
each owner (a marker's Put, stats.stats_update, shared.outbox.outbox_put), where a
condition failing means "already done", not an error."""

from __future__ import annotations

from typing import Any

from campaigns import SERVICE


def table() -> str:
    from shared.settings import get_settings

    return get_settings().table_name(SERVICE)


def once(entries: list[dict[str, Any]]) -> bool:
    """Commit ``entries`` together; False when a condition cancelled them (done before)."""
    from botocore.exceptions import ClientError

    from shared.aws import client
    from shared.table import is_conditional_failure

    try:
        client("dynamodb").transact_write_items(TransactItems=entries)
    except ClientError as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True


def put_new(key: tuple[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """A Put of a marker that must not exist yet (the fact it records happens once)."""
    from shared.codec import to_item

    pk, sk = key
    return {
        "Put": {
            "TableName": table(),
            "Item": to_item({"pk": pk, "sk": sk, **values}, omit_none=True),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def variant_of(source: str, contact_id: str, channel: str = "email") -> str | None:
    """The A/B variant the send to this contact was in (the sender's send record), if any."""
    from campaigns.table.keys import send_key
    from shared.aws import client

    pk, sk = send_key(source, channel, contact_id)
    item = (
        client("dynamodb")
        .get_item(
            TableName=table(),
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ProjectionExpression="variant",
        )
        .get("Item")
        or {}
    )
    value = item.get("variant", {}).get("S")
    return str(value) if value else None


def stats_entries(campaign_id: str | None, counts: dict[str, int], variant: str | None = None) -> list[dict[str, Any]]:
    """The campaign's counters (and its variant's) as transaction entries; none for a journey."""
    from campaigns.table.stats import stats_update

    if campaign_id is None or not counts:
        return []
    entries = [stats_update(table(), campaign_id, counts)]
    if variant is not None:
        entries.append(stats_update(table(), campaign_id, counts, variant))
    return entries
