"""The suppression list in the campaigns table: ``SUPPRESSED#<address digest>``/``SUPPRESSED``
(keys.suppressed_key). The key is a digest; the address itself is an attribute only, for
the admins who look one up (and for nothing else: senders ask by address, get a set back)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from campaigns.suppression.models import Reason, Suppression
from campaigns.table.keys import suppressed_key
from campaigns.table.writes import table


def _key(address: str) -> dict[str, Any]:
    pk, sk = suppressed_key(address)
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class SuppressionRepository:
    def add(self, address: str, reason: str, at: datetime) -> bool:
        """Suppress ``address``; False when it was already (its first reason is kept)."""
        from botocore.exceptions import ClientError

        from shared.aws import client

        item = {
            **_key(address),
            "address": {"S": address.strip()},
            "reason": {"S": Reason(reason).value},
            "at": {"S": at.isoformat()},
        }
        try:
            client("dynamodb").put_item(TableName=table(), Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, address: str) -> Suppression | None:
        from shared.aws import client

        item = client("dynamodb").get_item(TableName=table(), Key=_key(address), ConsistentRead=True).get("Item")
        if not item:
            return None
        return Suppression(address=item["address"]["S"], reason=item["reason"]["S"], at=item["at"]["S"])

    def suppressed(self, addresses: list[str]) -> set[str]:
        """Which of ``addresses`` are suppressed (as given): BatchGetItem, 100 keys a call."""
        from shared.aws import client
        from shared.table import batch_get

        by_key: dict[str, list[str]] = {}
        for address in addresses:
            by_key.setdefault(_key(address)["pk"]["S"], []).append(address)
        keys = [{"pk": {"S": pk}, "sk": {"S": suppressed_key("x")[1]}} for pk in by_key]
        found = batch_get(client("dynamodb"), table(), keys, consistent=False)
        return {address for item in found for address in by_key.get(item["pk"]["S"], [])}

    def remove(self, address: str) -> bool:
        """Lift the suppression; False when there was none."""
        from shared.aws import client

        response = client("dynamodb").delete_item(TableName=table(), Key=_key(address), ReturnValues="ALL_OLD")
        return bool(response.get("Attributes"))
