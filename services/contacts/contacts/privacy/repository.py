"""Privacy's items: the only module of the feature that talks to DynamoDB.

Consent: CONTACT#<id>/CONSENT (current state + version) and the append-only
CONTACT#<id>/CONSENT#<iso>#<channel>#<purpose> records, defined here only (records' merge
asks ``ConsentRepository`` for the current consent and for its opt-out writes).

Export and erasure: besides the contact's partition they touch records' claims and IDX#
entries of this contact only (exact keys records derives from its profile), and write
items of their own: the tombstone CONTACT#<id>/ERASED {contact_id, erased_at} and, per
email, ERASED#<hash>/SUPPRESS (table.keys.suppression_pk)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contacts import SERVICE
from contacts.privacy.models import ConsentEntry, Deleted, state_key
from contacts.table.keys import (
    CONSENT,
    CONSENT_RECORD_PREFIX,
    DELETED,
    ERASED,
    PROFILE,
    SEGMENTS,
    SUPPRESS,
    consent_record_sk,
    contact_pk,
    suppression_pk,
)
from shared.aws import client
from shared.codec import from_av, from_item, jsonable, to_av
from shared.errors import Conflict
from shared.outbox import outbox_put
from shared.settings import get_settings
from shared.table import CONDITION_FAILED, cancellation_codes, partition_page, transaction_conflict

if TYPE_CHECKING:
    from contacts.history.merge import MetricsCommit
    from contacts.history.metrics import Metrics
    from contacts.privacy.ports import HeldKeys, MetricsStore
    from shared.events import Outgoing

BATCH = 25  # BatchWriteItem's limit
# Removed by the seal (the profile, a deleted contact's marker) or by the ContactErased
# handler (SEGMENTS); the marker stays until the seal so that a crashed erasure of a
# deleted contact can be retried.
KEEP = {PROFILE, DELETED, SEGMENTS, ERASED}
ATTEMPTS = 4


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class ConsentRepository:
    def __init__(self, table: str | None = None) -> None:
        self.table = table or get_settings().table_name(SERVICE)

    @property
    def _ddb(self) -> Any:
        return client("dynamodb")

    def record(self, contact_id: str, entry: ConsentEntry, event: Outgoing) -> bool:
        """Append the record, set the state and queue the event, all or nothing, on a live
        contact. False: no such contact. Optimistic on the CONSENT item's version."""
        pk = contact_pk(contact_id)
        value = {"granted": entry.granted, "at": entry.at.isoformat(), "source": entry.source}
        record = {
            **_key(pk, consent_record_sk(entry.at, entry.channel, entry.purpose)),
            **{k: to_av(v) for k, v in entry.model_dump(mode="json").items()},
        }
        for _ in range(ATTEMPTS):
            current = self._ddb.get_item(TableName=self.table, Key=_key(pk, CONSENT), ConsistentRead=True).get("Item")
            items: list[dict[str, Any]] = [
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": _key(pk, PROFILE),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {"Put": {"TableName": self.table, "Item": record, "ConditionExpression": "attribute_not_exists(pk)"}},
                self._state_write(pk, current, state_key(entry.channel, entry.purpose), value),
                outbox_put(self.table, event),
            ]
            try:
                self._ddb.transact_write_items(TransactItems=items)
                return True
            except Exception as exc:
                if not transaction_conflict(exc):
                    raise
                if cancellation_codes(exc)[:1] == [CONDITION_FAILED]:
                    return False  # no profile: unknown, deleted or erased contact
        raise Conflict("consent kept changing; retry")

    def _state_write(self, pk: str, current: dict[str, Any] | None, key: str, value: dict[str, Any]) -> dict[str, Any]:
        if current is None:
            item = {**_key(pk, CONSENT), "state": to_av({key: value}), "version": to_av(1)}
            return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        version = current.get("version")
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": _key(pk, CONSENT),
            "UpdateExpression": "SET #state.#k = :v, version = :new",
            "ExpressionAttributeNames": {"#state": "state", "#k": key},
            "ExpressionAttributeValues": {":v": to_av(value)},
        }
        if version is None:  # written by someone without a version (a merge): claim it now
            update["ConditionExpression"] = "attribute_not_exists(version)"
            update["ExpressionAttributeValues"][":new"] = to_av(1)
        else:
            update["ConditionExpression"] = "version = :old"
            update["ExpressionAttributeValues"][":old"] = version
            update["ExpressionAttributeValues"][":new"] = to_av(from_av(version) + 1)
        if "state" not in current:
            update["UpdateExpression"] = "SET #state = :m, version = :new"
            update["ExpressionAttributeNames"] = {"#state": "state"}
            update["ExpressionAttributeValues"][":m"] = to_av({key: value})
            del update["ExpressionAttributeValues"][":v"]
        return {"Update": update}

    # --- for records' merge (contacts.records.ports.Consent) ---------------------------

    def current(self, contact_id: str) -> dict[str, Any] | None:
        """The CONSENT item as plain values (None: nothing ever recorded)."""
        item = self._ddb.get_item(
            TableName=self.table, Key=_key(contact_pk(contact_id), CONSENT), ConsistentRead=True
        ).get("Item")
        return from_item(item)

    def opt_out_writes(
        self, contact_id: str, opt_outs: dict[str, dict[str, Any]], before: dict[str, Any] | None, at: datetime
    ) -> list[dict[str, Any]]:
        """A merge's opt-outs as TransactWriteItems entries: the winner's current state with
        them set (``before``: its CONSENT item as ``current`` read it), and one consent
        record each (source "merge"). Left without a version: the next ``record`` claims it."""
        pk = contact_pk(contact_id)
        state = {**((before or {}).get("state") or {}), **opt_outs}
        writes: list[dict[str, Any]] = []
        if before is None:
            item = {**_key(pk, CONSENT), "state": to_av(state), "updated_at": {"S": at.isoformat()}}
            writes.append({"Put": {"TableName": self.table, "Item": item}})
        else:
            update = {
                "TableName": self.table,
                "Key": _key(pk, CONSENT),
                "UpdateExpression": "SET #state = :state, updated_at = :at",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {":state": to_av(state), ":at": {"S": at.isoformat()}},
            }
            writes.append({"Update": update})
        for key, value in opt_outs.items():
            channel, _, purpose = key.partition(":")
            entry = ConsentEntry(
                channel=channel, purpose=purpose, granted=False, source="merge", at=datetime.fromisoformat(value["at"])
            )
            record = {**_key(pk, consent_record_sk(entry.at, channel, purpose)), "at": {"S": value["at"]}}
            record.update({k: to_av(v) for k, v in entry.model_dump(mode="json").items() if k != "at"})
            writes.append({"Put": {"TableName": self.table, "Item": record}})
        return writes

    def state(self, contact_id: str) -> dict[str, dict[str, Any]] | None:
        """The current state ({} when nothing was ever recorded); None: no such contact."""
        pk = contact_pk(contact_id)
        got = self._ddb.batch_get_item(
            RequestItems={self.table: {"Keys": [_key(pk, PROFILE), _key(pk, CONSENT)], "ConsistentRead": True}}
        )
        found = {i["sk"]["S"]: i for i in got.get("Responses", {}).get(self.table, [])}
        if PROFILE not in found:
            return None
        consent = from_item(found.get(CONSENT)) or {}
        state: dict[str, dict[str, Any]] = consent.get("state") or {}
        return state

    def history(self, contact_id: str, limit: int, cursor: str | None) -> tuple[list[ConsentEntry], str | None]:
        """Newest first."""
        pk = contact_pk(contact_id)
        items, next_cursor = partition_page(
            self._ddb, self.table, pk, cursor, limit, prefix=CONSENT_RECORD_PREFIX, newest_first=True
        )
        return [ConsentEntry.model_validate(from_item(i)) for i in items], next_cursor


class PrivacyRepository:
    """``records`` and ``history`` are the stores of the items an erasure removes besides
    the partition (records' claims and index entries, history's metrics): bootstrap passes
    them in (contacts.privacy.ports)."""

    def __init__(self, records: HeldKeys, history: MetricsStore, table: str | None = None) -> None:
        self.table = table or get_settings().table_name(SERVICE)
        self._records = records
        self._history = history

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

    def deleted(self, contact_id: str) -> Deleted | None:
        """Records' DELETED marker: the contact was deleted (and not yet erased)."""
        item = self._ddb.get_item(
            TableName=self.table, Key=_key(contact_pk(contact_id), DELETED), ConsistentRead=True
        ).get("Item")
        return Deleted.model_validate(from_item(item)) if item else None

    def held_keys(self, contact_id: str) -> tuple[list[str], list[tuple[str, str]]]:
        """The claims and IDX# entries records keeps for this contact (records derives them)."""
        return self._records.held_keys(contact_id)

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

    # The 360 metrics are the history feature's items: its repository writes them.

    def metrics(self, contact_id: str) -> Metrics | None:
        return self._history.metrics(contact_id)

    def commit_metrics(self, commit: MetricsCommit) -> None:
        self._history.commit_metrics(commit)

    def seal(
        self, contact_id: str, erased_at: datetime, event: Outgoing, emails: list[str], hashed: Sequence[str] = ()
    ) -> bool:
        """Profile (or a deleted contact's marker) gone, tombstone + suppressions +
        ContactErased in, in one transaction. ``emails``: email claim keys; ``hashed``:
        suppression keys already hashed (a deleted contact's). False: already sealed."""
        pk = contact_pk(contact_id)
        tombstone = {**_key(pk, ERASED), "contact_id": {"S": contact_id}, "erased_at": {"S": erased_at.isoformat()}}
        suppressions = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**_key(key, SUPPRESS), "erased_at": tombstone["erased_at"]},
                }
            }
            for key in sorted({*map(suppression_pk, emails), *hashed})
        ]
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self.table, "Key": _key(pk, PROFILE)}},
                    {"Delete": {"TableName": self.table, "Key": _key(pk, DELETED)}},
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
