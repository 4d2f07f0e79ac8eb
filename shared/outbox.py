"""Transactional outbox: an event is stored in the same DynamoDB transaction as the
state change it describes, then relayed to the bus from the table's stream.

Why not put_events after the write: a crash between the two would lose the event.
The relay deletes an outbox record only after EventBridge accepted it, so a record
left behind by a crash is relayed again (at least once; consumers dedupe on event_id).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.events import Outgoing
from shared.observability import logger, metrics
from shared.settings import get_settings

if TYPE_CHECKING:
    from pynamodb.models import Model
    from pynamodb.transactions import TransactWrite

OUTBOX_PREFIX = "OUTBOX#"
OUTBOX_SK = "OUTBOX"
# A safety net only: records are deleted once relayed. Past this, nothing is lost
# that the bus archive would not also hold; the relay alarms on its DLQ long before.
OUTBOX_TTL = timedelta(days=7)
PUT_EVENTS_BATCH = 10  # EventBridge's limit per PutEvents call
PUT_EVENTS_ATTEMPTS = 4


class RelayError(Exception):
    """EventBridge kept refusing some entries: the stream batch is retried from them."""


def outbox_model(meta: Any) -> type[Model]:
    """An outbox record model bound to one service's table."""
    from pynamodb.attributes import TTLAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class OutboxRecord(Model):
        Meta = meta
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        source = UnicodeAttribute()
        detail_type = UnicodeAttribute()
        detail = UnicodeAttribute()
        expires_at = TTLAttribute()

    return OutboxRecord


def outbox_item(event: Outgoing) -> dict[str, Any]:
    """The outbox record of one event as plain values: what ``outbox_record`` and
    ``outbox_put`` both write (one shape, whichever client the repository uses)."""
    return {
        "pk": OUTBOX_PREFIX + event.event_id,
        "sk": OUTBOX_SK,
        "source": event.source,
        "detail_type": event.detail_type,
        "detail": json.dumps(event.detail, separators=(",", ":")),
        "expires_at": int((datetime.now(UTC) + OUTBOX_TTL).timestamp()),
    }


def outbox_record(model: type[Model], event: Outgoing) -> Model:
    """The outbox record as a pynamodb model (``outbox_model``), for ``TransactWrite.save``."""
    item = outbox_item(event)
    return model(**{**item, "expires_at": datetime.fromtimestamp(item["expires_at"], UTC)})


def outbox_put(table: str, event: Outgoing) -> dict[str, Any]:
    """The outbox record as one ``TransactWriteItems`` entry of the low-level client. The
    condition makes a replayed write (same event id) cancel its transaction, not overwrite."""
    from shared.codec import to_item

    return {
        "Put": {
            "TableName": table,
            "Item": to_item(outbox_item(event)),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


@contextmanager
def transaction_with_events(
    outbox: type[Model], events: Iterable[Outgoing], *, conflict: str | None = None
) -> Iterator[TransactWrite]:
    """A transaction whose state changes (written by the caller on the yielded ``tx``)
    commit with an outbox record per event, or not at all. With ``conflict``, a
    cancellation by a condition or a concurrent transaction becomes a 409 ``Conflict``
    with that message (shared.table.transaction_conflict); anything else propagates."""
    from pynamodb.exceptions import TransactWriteError

    from shared.errors import Conflict
    from shared.table import transaction, transaction_conflict

    try:
        with transaction() as tx:
            yield tx
            for event in events:
                tx.save(outbox_record(outbox, event))
    except TransactWriteError as exc:
        if conflict is not None and transaction_conflict(exc):
            raise Conflict(conflict) from None
        raise


def _pending(record: dict[str, Any]) -> dict[str, str] | None:
    """The outbox record an INSERT stream record carries, or None for anything else."""
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage", {})
    pk = image.get("pk", {}).get("S", "")
    if not pk.startswith(OUTBOX_PREFIX):
        return None
    return {
        "pk": pk,
        "sk": image["sk"]["S"],
        "source": image["source"]["S"],
        "detail_type": image["detail_type"]["S"],
        "detail": image["detail"]["S"],
    }


def _table_from_arn(arn: str) -> str:
    # arn:aws:dynamodb:region:account:table/NAME/stream/LABEL
    return arn.split(":table/", 1)[1].split("/", 1)[0]


def _put_events(entries: list[dict[str, Any]]) -> None:
    """Send entries, retrying only the ones EventBridge refused (never ignoring them)."""
    from shared.aws import client

    events = client("events")
    pending = entries
    for attempt in range(PUT_EVENTS_ATTEMPTS):
        result = events.put_events(Entries=pending)
        if not result.get("FailedEntryCount"):
            return
        pending = [e for e, r in zip(pending, result["Entries"], strict=True) if r.get("ErrorCode")]
        codes = sorted({r["ErrorCode"] for r in result["Entries"] if r.get("ErrorCode")})
        logger.warning("put_events refused entries", extra={"failed": len(pending), "codes": codes, "attempt": attempt})
        time.sleep(0.05 * 2**attempt)
    raise RelayError(f"{len(pending)} events refused by EventBridge")


def _forget(relayed: list[tuple[str, dict[str, str]]]) -> None:
    """Delete relayed outbox records in one batch write per table (at most 10 here).

    A record left behind is harmless: the stream has moved past it and TTL removes it.
    """
    from shared.aws import client

    requests: dict[str, list[dict[str, Any]]] = {}
    for table, p in relayed:
        key = {"pk": {"S": p["pk"]}, "sk": {"S": p["sk"]}}
        requests.setdefault(table, []).append({"DeleteRequest": {"Key": key}})
    for _ in range(PUT_EVENTS_ATTEMPTS):
        if not requests:
            return
        requests = client("dynamodb").batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}


def relay(event: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB stream batch -> EventBridge. Returns a partial batch response."""
    records = event.get("Records", [])
    bus = get_settings().bus_name
    failures: list[dict[str, str]] = []
    # Stream order matters: once one record fails, report it and every later one.
    for index in range(0, len(records), PUT_EVENTS_BATCH):
        chunk = records[index : index + PUT_EVENTS_BATCH]
        pending = [(r, p) for r in chunk if (p := _pending(r)) is not None]
        if not pending:
            continue
        entries = [
            {"Source": p["source"], "DetailType": p["detail_type"], "Detail": p["detail"], "EventBusName": bus}
            for _, p in pending
        ]
        try:
            _put_events(entries)
        except Exception:
            logger.exception("relay failed; the stream will retry from this record")
            failures = [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records[index:]]
            break
        metrics.add_metric(name="EventsRelayed", unit="Count", value=len(entries))
        _forget([(_table_from_arn(record["eventSourceARN"]), p) for record, p in pending])
    return {"batchItemFailures": failures}
