"""A campaign's counters (``CAMPAIGN#<id>``/``STATS``, and ``STATS#<variant>`` per A/B
variant): one UpdateItem ``ADD`` per change, so concurrent senders and trackers never
overwrite each other. Each caller counts a fact once: it adds in the same transaction as
the record that makes the fact (a send settled, an open recorded, an order attributed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaigns import SERVICE
from campaigns.table.keys import stats_key


def stats_update(table: str, campaign_id: str, counts: Mapping[str, int], variant: str | None = None) -> dict[str, Any]:
    """A TransactWriteItems ``Update`` entry adding ``counts`` (``{"sent": 3, "skipped.no_consent": 1}``)."""
    names = {f"#c{i}": name for i, name in enumerate(counts)}
    values = {f":c{i}": {"N": str(int(value))} for i, value in enumerate(counts.values())}
    pk, sk = stats_key(campaign_id, variant)
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "UpdateExpression": "ADD " + ", ".join(f"{n} :c{i}" for i, n in enumerate(names)),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def add_counts(campaign_id: str, counts: Mapping[str, int], variant: str | None = None) -> None:
    """Add ``counts`` alone (where no record needs writing with them)."""
    from shared.aws import client
    from shared.settings import get_settings

    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        return
    update = stats_update(get_settings().table_name(SERVICE), campaign_id, counts, variant)["Update"]
    client("dynamodb").update_item(**update)


def read_counts(campaign_id: str, variant: str | None = None) -> dict[str, int]:
    from shared.aws import client
    from shared.settings import get_settings

    pk, sk = stats_key(campaign_id, variant)
    item = (
        client("dynamodb")
        .get_item(
            TableName=get_settings().table_name(SERVICE),
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=True,
        )
        .get("Item", {})
    )
    return {k: int(v["N"]) for k, v in item.items() if "N" in v}
