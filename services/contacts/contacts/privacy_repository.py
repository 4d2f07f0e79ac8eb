"""Reads and deletes for export and erasure. Besides the contact's partition it touches
records' claims and IDX# entries of this contact only (exact keys from its profile), and
writes items of its own: the tombstone CONTACT#<id>/ERASED {contact_id, erased_at} and,
per email, ERASED#<hash>/SUPPRESS (keys.suppression_pk)."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contacts import SERVICE
from contacts.keys import PROFILE, SEGMENTS, SUPPRESS, contact_pk, suppression_pk
from contacts.privacy_codec import from_item, jsonable, outbox_put, transaction_conflict
from shared.aws import client
from shared.settings import get_settings

if TYPE_CHECKING:
    from contacts.metrics import Metrics
    from contacts.metrics_merge import MetricsCommit
    from shared.events import Outgoing

ERASED = "ERASED"
BATCH = 25  # BatchWriteItem's limit
KEEP = {PROFILE, SEGMENTS, ERASED}  # removed by the seal / the ContactErased handler


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class PrivacyRepository:
    def __init__(self, table: str | None = None) -> None:
        self.table = table or get_settings().table_name(SERVICE)

    @property
    def _ddb(self) -> Any:
        return client("dynamodb")

    def _items(self, contact_id: str, projection: str | None = None) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": contact_pk(contact_id)}},
            "ConsistentRead": True,
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        items: list[dict[str, Any]] = []
        for page in self._ddb.get_paginator("query").paginate(**kwargs):
            items.extend(page.get("Items", []))
        return items

    def partition(self, contact_id: str) -> list[dict[str, Any]]:
        """Every item under CONTACT#<id>, as plain JSON values (pk dropped: it is the id)."""
        result = []
        for item in self._items(contact_id):
            values = from_item(item) or {}
            values.pop("pk", None)
            result.append(jsonable(values))
        return result

    def profile(self, contact_id: str) -> dict[str, Any] | None:
        item = self._ddb.get_item(
            TableName=self.table, Key=_key(contact_pk(contact_id), PROFILE), ConsistentRead=True
        ).get("Item")
        return from_item(item) if item else None

    def tombstone(self, contact_id: str) -> datetime | None:
        item = self._ddb.get_item(
            TableName=self.table, Key=_key(contact_pk(contact_id), ERASED), ConsistentRead=True
        ).get("Item")
        return datetime.fromisoformat(item["erased_at"]["S"]) if item else None

    def held_keys(self, contact_id: str) -> tuple[list[str], list[tuple[str, str]]]:
        """The claims and IDX# entries records keeps for this contact, derived by records'
        own rules (contacts.search) so that erasure can never miss one records added."""
        from contacts import search
        from contacts.keys import index_pk
        from contacts.repository import ContactRepository

        contact = ContactRepository().get(contact_id)
        if contact is None:
            return [], []
        sort = search.sort_key(contact)
        entries = sorted((index_pk(field, value), sort) for field, value in search.index_values(contact))
        return sorted(search.claims(contact)), entries

    def release(self, contact_id: str, claims: list[str], index_keys: list[tuple[str, str]]) -> None:
        """Free the email/phone claims this contact holds (never another contact's) and
        delete its index entries (deleting an absent key is a no-op: safe to repeat)."""
        for pk in claims:
            # Absent, or claimed by someone else since: leave it.
            with contextlib.suppress(self._ddb.exceptions.ConditionalCheckFailedException):
                self._ddb.delete_item(
                    TableName=self.table,
                    Key=_key(pk, "CLAIM"),
                    ConditionExpression="contact_id = :id",
                    ExpressionAttributeValues={":id": {"S": contact_id}},
                )
        self._delete([_key(pk, sk) for pk, sk in index_keys])

    def purge(self, contact_id: str) -> int:
        """Delete the partition's items but the profile, SEGMENTS and the tombstone."""
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in self._items(contact_id, "pk, sk") if i["sk"]["S"] not in KEEP]
        self._delete(keys)
        return len(keys)

    def _delete(self, keys: list[dict[str, Any]]) -> None:
        for at in range(0, len(keys), BATCH):
            request: dict[str, Any] = {self.table: [{"DeleteRequest": {"Key": k}} for k in keys[at : at + BATCH]]}
            for attempt in range(8):
                request = self._ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
                time.sleep(0.02 * 2**attempt)
            else:
                raise RuntimeError("deletes kept being throttled; the erasure can be retried")

    # The 360 metrics are the history area's items: its repository writes them.

    def metrics(self, contact_id: str) -> Metrics | None:
        from contacts.history_repository import HistoryRepository

        return HistoryRepository().metrics(contact_id)

    def commit_metrics(self, commit: MetricsCommit) -> None:
        from contacts.history_repository import HistoryRepository

        HistoryRepository().commit_metrics(commit)

    def seal(self, contact_id: str, erased_at: datetime, event: Outgoing, emails: list[str]) -> bool:
        """Profile gone, tombstone + suppressions + ContactErased in, in one transaction.
        False: already sealed."""
        pk = contact_pk(contact_id)
        tombstone = {**_key(pk, ERASED), "contact_id": {"S": contact_id}, "erased_at": {"S": erased_at.isoformat()}}
        suppressions = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**_key(suppression_pk(e), SUPPRESS), "erased_at": tombstone["erased_at"]},
                }
            }
            for e in emails
        ]
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self.table, "Key": _key(pk, PROFILE)}},
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": tombstone,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    *suppressions,
                    outbox_put(self.table, event),
                ]
            )
        except Exception as exc:
            if transaction_conflict(exc):
                return False
            raise
        return True
