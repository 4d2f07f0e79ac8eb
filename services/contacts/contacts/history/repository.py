"""The history area's items in the contacts table (timeline, orders, METRICS, the
last-purchase index and the analytics counters).

Low-level DynamoDB calls rather than pynamodb models: the analytics counters are ADDed
to attributes named at run time (revenue_channel_web, ...), which a declared model
cannot express, and every write here is one TransactWriteItems anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contacts import SERVICE
from contacts.history.items import entry_item, entry_of_item, item_of, metrics_item, metrics_of_item
from contacts.history.metrics import Metrics
from contacts.history.models import TimelineEntry
from contacts.history.usecases import AlreadyRecorded, ContactMissing, Counters, HistoryWrite, VersionConflict
from contacts.table.keys import (
    METRICS,
    PROFILE,
    STATS_DAY_SK,
    TIMELINE_PREFIX,
    TOTALS_PK,
    TOTALS_SK,
    contact_pk,
    last_purchase_pk,
    stats_pk,
)
from contacts.table.keys import RESCORE_JOB_PK as JOB_PK
from contacts.table.keys import RESCORE_JOB_SK as JOB_SK
from shared.codec import from_item, to_av
from shared.outbox import outbox_put
from shared.settings import get_settings
from shared.table import CONDITION_FAILED, cancellation_codes

if TYPE_CHECKING:
    from contacts.history.merge import MetricsCommit
    from shared.events import Outgoing

BATCH_GET = 100  # DynamoDB's limit per BatchGetItem


def _ddb() -> Any:
    from shared.aws import client

    return client("dynamodb")


def _table() -> str:
    return get_settings().table_name(SERVICE)


def _day_index_moves(table: str, contact_id: str, put: date | None, delete: date | None) -> list[dict[str, Any]]:
    """Writes that move a contact's last-purchase day index entry (either side may be None)."""
    writes: list[dict[str, Any]] = []
    if delete:
        key = {"pk": {"S": last_purchase_pk(delete)}, "sk": {"S": contact_id}}
        writes.append({"Delete": {"TableName": table, "Key": key}})
    if put:
        writes.append({"Put": {"TableName": table, "Item": item_of(pk=last_purchase_pk(put), sk=contact_id)}})
    return writes


def _profile_check(contact_id: str) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": _table(),
            "Key": {"pk": {"S": contact_pk(contact_id)}, "sk": {"S": PROFILE}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }


class HistoryRepository:
    def contact_exists(self, contact_id: str) -> bool:
        found = _ddb().get_item(
            TableName=_table(),
            Key={"pk": {"S": contact_pk(contact_id)}, "sk": {"S": PROFILE}},
            ProjectionExpression="pk",
            ConsistentRead=True,
        )
        return "Item" in found

    def add_entry(self, contact_id: str, entry: TimelineEntry) -> bool:
        """Put the entry if the contact exists; a repeat of the same key changes nothing.
        False: no such contact."""
        from botocore.exceptions import ClientError

        put = {
            "Put": {
                "TableName": _table(),
                "Item": entry_item(contact_id, entry),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        try:
            _ddb().transact_write_items(TransactItems=[_profile_check(contact_id), put])
        except ClientError as exc:
            reasons = cancellation_codes(exc)
            if not reasons:
                raise
            if reasons[0] == CONDITION_FAILED:
                return False
            if reasons[1] == CONDITION_FAILED:
                return True  # already there: a redelivery
            raise
        return True

    def entries(
        self, contact_id: str, limit: int, start: dict[str, Any] | None, kind: str | None = None
    ) -> tuple[list[TimelineEntry], dict[str, Any] | None]:
        """Newest first. With ``kind``, a filter inside the contact's partition (never a
        scan): pages are filled by querying on until ``limit`` entries or the end."""
        found: list[dict[str, Any]] = []
        last = start
        args: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :t)",
            "ExpressionAttributeValues": {":pk": {"S": contact_pk(contact_id)}, ":t": {"S": TIMELINE_PREFIX}},
            "ScanIndexForward": False,
        }
        if kind:
            args["FilterExpression"] = "kind = :kind"
            args["ExpressionAttributeValues"][":kind"] = {"S": kind}
        while True:
            page_args = {**args, "Limit": limit - len(found)}
            if last:
                page_args["ExclusiveStartKey"] = {k: {"S": str(v)} for k, v in last.items()}
            page = _ddb().query(**page_args)
            found.extend(page.get("Items", []))
            raw_last = page.get("LastEvaluatedKey")
            last = {k: v["S"] for k, v in raw_last.items()} if raw_last else None
            if last is None or len(found) >= limit:
                break
        if len(found) >= limit and found:
            last = {"pk": found[-1]["pk"]["S"], "sk": found[-1]["sk"]["S"]}
        return [entry_of_item(i) for i in found], last

    def metrics(self, contact_id: str) -> Metrics | None:
        found = _ddb().get_item(
            TableName=_table(), Key={"pk": {"S": contact_pk(contact_id)}, "sk": {"S": METRICS}}, ConsistentRead=True
        )
        return metrics_of_item(found["Item"]) if "Item" in found else None

    def claimed_entry(self, contact_id: str, claim_sk: str) -> TimelineEntry | None:
        """The timeline entry a claim item (INTERACTION#<ref>) points to, if both exist."""
        pk = {"S": contact_pk(contact_id)}
        claim = _ddb().get_item(TableName=_table(), Key={"pk": pk, "sk": {"S": claim_sk}}, ConsistentRead=True)
        entry_id = claim.get("Item", {}).get("entry_id", {}).get("S")
        if not entry_id:
            return None
        key = {"pk": pk, "sk": {"S": TIMELINE_PREFIX + entry_id}}
        found = _ddb().get_item(TableName=_table(), Key=key, ConsistentRead=True)
        return entry_of_item(found["Item"]) if "Item" in found else None

    def commit(self, write: HistoryWrite) -> None:
        """One transaction; raises AlreadyRecorded, ContactMissing or VersionConflict."""
        table = _table()
        pk = contact_pk(write.contact_id)
        actions: list[_Action] = []
        if write.claim_sk:
            claim = item_of(pk=pk, sk=write.claim_sk, **write.claim)
            actions.append(
                (
                    AlreadyRecorded(write.claim_sk),
                    {"Put": {"TableName": table, "Item": claim, "ConditionExpression": "attribute_not_exists(pk)"}},
                )
            )
            actions.append((ContactMissing(write.contact_id), _profile_check(write.contact_id)))
        metrics_put: dict[str, Any] = {"TableName": table, "Item": metrics_item(write.metrics)}
        if write.metrics.version:
            metrics_put["ConditionExpression"] = "version = :v"
            metrics_put["ExpressionAttributeValues"] = {":v": to_av(write.metrics.version)}
        else:
            metrics_put["ConditionExpression"] = "attribute_not_exists(pk)"
        actions.append((VersionConflict(write.contact_id), {"Put": metrics_put}))
        if write.entry:
            actions.append((None, {"Put": {"TableName": table, "Item": entry_item(write.contact_id, write.entry)}}))
        actions.extend(
            (None, w) for w in _day_index_moves(table, write.contact_id, write.index_put, write.index_delete)
        )
        _transact(table, actions, write.counters, write.events)

    # --- merge and erasure (contacts/history/merge.py) --------------------------------

    def purchases(self, contact_id: str) -> list[dict[str, Any]]:
        """The contact's ORDER#, REFUND# and INTERACTION# items as plain values: one
        key-condition query per kind on its partition (paginated), never a scan."""
        found: list[dict[str, Any]] = []
        for prefix in ("ORDER#", "REFUND#", "INTERACTION#"):
            args: dict[str, Any] = {
                "TableName": _table(),
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
                "ExpressionAttributeValues": {":pk": {"S": contact_pk(contact_id)}, ":p": {"S": prefix}},
                # Names, not words: "direction" and friends may be reserved in expressions.
                "ProjectionExpression": "sk, #a, #c, #o, #d",
                "ExpressionAttributeNames": {"#a": "amount", "#c": "currency", "#o": "occurred_at", "#d": "direction"},
                "ConsistentRead": True,
            }
            while True:
                page = _ddb().query(**args)
                found += [from_item(item) or {} for item in page.get("Items", [])]
                if not page.get("LastEvaluatedKey"):
                    break
                args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found

    def commit_metrics(self, commit: MetricsCommit) -> None:
        """METRICS items replaced or deleted (each conditioned on the version read), their
        day-index entries moved, counters and events: one transaction. VersionConflict
        when any METRICS changed meanwhile."""
        table = _table()
        stale = VersionConflict(", ".join(m.contact_id for m in commit.moves))  # any METRICS' condition failing
        actions: list[_Action] = []
        for move in commit.moves:
            key = {"pk": {"S": contact_pk(move.contact_id)}, "sk": {"S": METRICS}}
            # Version 0 was read as "no item, or one written without a version": either way
            # it must still have none.
            condition: dict[str, Any] = (
                {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": to_av(move.version)}}
                if move.version
                else {"ConditionExpression": "attribute_not_exists(version)"}
            )
            if move.after is not None:
                item = metrics_item(replace(move.after, version=move.version))
                actions.append((stale, {"Put": {"TableName": table, "Item": item, **condition}}))
            else:
                actions.append((stale, {"Delete": {"TableName": table, "Key": key, **condition}}))
            actions.extend(
                (None, w) for w in _day_index_moves(table, move.contact_id, move.index_put, move.index_delete)
            )
        _transact(table, actions, commit.counters, commit.events)

    # --- the recency job and analytics -----------------------------------------------

    def contacts_last_bought_on(self, day: date) -> Iterable[str]:
        args: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": last_purchase_pk(day)}},
            "ProjectionExpression": "sk",
        }
        while True:
            page = _ddb().query(**args)
            yield from (i["sk"]["S"] for i in page.get("Items", []))
            if not page.get("LastEvaluatedKey"):
                return
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def last_run(self) -> date | None:
        found = _ddb().get_item(TableName=_table(), Key={"pk": {"S": JOB_PK}, "sk": {"S": JOB_SK}}, ConsistentRead=True)
        return date.fromisoformat(found["Item"]["day"]["S"]) if "Item" in found else None

    def set_last_run(self, day: date) -> None:
        _ddb().put_item(TableName=_table(), Item=item_of(pk=JOB_PK, sk=JOB_SK, day=day.isoformat()))

    def counters(self, days: list[date]) -> dict[date, dict[str, Decimal]]:
        """The daily counter items that exist among ``days`` (BatchGetItem, by key)."""
        found: dict[date, dict[str, Decimal]] = {}
        keys = [{"pk": {"S": stats_pk(d)}, "sk": {"S": STATS_DAY_SK}} for d in days]
        for index in range(0, len(keys), BATCH_GET):
            request: dict[str, Any] = {_table(): {"Keys": keys[index : index + BATCH_GET]}}
            while request:
                result = _ddb().batch_get_item(RequestItems=request)
                for item in result.get("Responses", {}).get(_table(), []):
                    day = date.fromisoformat(item["pk"]["S"].removeprefix("STATS#"))
                    found[day] = _counters(item)
                request = result.get("UnprocessedKeys") or {}
        return found

    def totals(self) -> dict[str, Decimal]:
        found = _ddb().get_item(TableName=_table(), Key={"pk": {"S": TOTALS_PK}, "sk": {"S": TOTALS_SK}})
        return _counters(found.get("Item", {}))


def _counters(item: dict[str, Any]) -> dict[str, Decimal]:
    """A counter item's counters, as Decimal (what the analytics arithmetic works in)."""
    return {k: Decimal(v) for k, v in (from_item(item) or {}).items() if k not in ("pk", "sk")}


# A transaction's action, with the error its failed condition means (None: it has none that can fail).
_Action = tuple[Exception | None, dict[str, Any]]


def _transact(table: str, actions: list[_Action], counters: Counters, events: list[Outgoing]) -> None:
    """One TransactWriteItems: ``actions``, then the counters' ADDs and the events' outbox
    records. Cancelled by a failed condition: the error of the first action whose condition
    failed; anything else is raised as it came."""
    from botocore.exceptions import ClientError

    items = [action for _, action in actions]
    items += [{"Update": _add(table, counter_pk, deltas)} for counter_pk, deltas in counters.items.items()]
    items += [outbox_put(table, e) for e in events]
    try:
        _ddb().transact_write_items(TransactItems=items)
    except ClientError as exc:
        for (error, _), code in zip(actions, cancellation_codes(exc), strict=False):
            if error is not None and code == CONDITION_FAILED:
                raise error from None
        raise


def _add(table: str, counter_pk: str, deltas: dict[str, Decimal]) -> dict[str, Any]:
    names = {f"#a{i}": name for i, name in enumerate(deltas)}
    values = {f":a{i}": to_av(delta) for i, delta in enumerate(deltas.values())}
    sk = TOTALS_SK if counter_pk == TOTALS_PK else STATS_DAY_SK
    return {
        "TableName": table,
        "Key": {"pk": {"S": counter_pk}, "sk": {"S": sk}},
        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(deltas))),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
