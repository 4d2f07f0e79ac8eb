"""Send records in the campaigns table, through the low-level client: the bulk path of a
campaign (a hundred records a transaction, no model objects per recipient), and the only
module that maps them.

A record lives at ``SEND#<source>#<channel>``/``CONTACT#<id>`` (table/keys.py): a source's
sends are one partition, read a hundred keys a BatchGetItem, claimed a hundred a
transaction. Settling a record writes, in one transaction, its outcome (conditional on it
still being claimed, so a settle happens once), its event's outbox record and the
campaign's counters: the counts and the events can never disagree with the records.
"""

from __future__ import annotations

from typing import Any

from campaigns import SERVICE
from campaigns.audience.models import Channel
from campaigns.sending.models import SendContended, SendRecord, SendStatus
from campaigns.table.keys import send_key
from campaigns.table.stats import stats_update
from shared.codec import from_item, to_item
from shared.events import Outgoing
from shared.outbox import outbox_put
from shared.table import batch_get

# DynamoDB's limit on the items of one transaction.
TRANSACTION_ITEMS = 100


def _table() -> str:
    from shared.settings import get_settings

    return get_settings().table_name(SERVICE)


def _ddb() -> Any:
    from shared.aws import client

    return client("dynamodb", validate=False)


def _key(source: str, channel: Channel, contact_id: str) -> dict[str, Any]:
    pk, sk = send_key(source, channel.value, contact_id)
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _record(item: dict[str, Any]) -> SendRecord:
    values = from_item(item) or {}
    return SendRecord.model_validate({k: v for k, v in values.items() if k not in ("pk", "sk")})


class SendRepository:
    def get_many(self, source: str, channel: Channel, contact_ids: list[str]) -> dict[str, SendRecord]:
        keys = [_key(source, channel, c) for c in contact_ids]
        return {r.contact_id: r for r in map(_record, batch_get(_ddb(), _table(), keys))}

    def claim(self, records: list[SendRecord]) -> None:
        """Write ``records`` (status ``sending``) if none exists yet, all or none."""
        if not records:
            return
        table = _table()
        items = [
            {
                "Put": {
                    "TableName": table,
                    "Item": {
                        **_key(r.source, r.channel, r.contact_id),
                        **to_item(r.model_dump(mode="json"), omit_none=True),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for r in records
        ]
        _transact(items)

    def release(self, records: list[SendRecord]) -> None:
        """Drop claims whose send never happened (throttled), while they are still claims."""
        table = _table()
        for r in records:
            try:
                _ddb().delete_item(
                    TableName=table,
                    Key=_key(r.source, r.channel, r.contact_id),
                    ConditionExpression="#s = :sending",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":sending": {"S": SendStatus.SENDING.value}},
                )
            except _ddb().exceptions.ConditionalCheckFailedException:
                continue

    def settle(
        self,
        records: list[SendRecord],
        events: list[Outgoing],
        *,
        campaign_id: str | None,
        counts: dict[str, dict[str, int]],
    ) -> None:
        """Write the outcomes of claimed ``records`` with their ``events`` and the campaign's
        ``counts`` (by variant: ``""`` for the campaign's own), in one transaction."""
        table = _table()
        # The whole record is put again over its claim: a Put costs DynamoDB (and the
        # emulator) less than an Update's expression, and the claim's fields are all known.
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": table,
                    "Item": _put_item(r),
                    "ConditionExpression": "#status = :sending",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":sending": {"S": SendStatus.SENDING.value}},
                }
            }
            for r in records
        ]
        items += [outbox_put(table, e) for e in events]
        if campaign_id is not None:
            items += [
                stats_update(table, campaign_id, c, variant or None) for variant, c in counts.items() if any(c.values())
            ]
        _transact(items)


def _put_item(record: SendRecord) -> dict[str, Any]:
    return {
        **_key(record.source, record.channel, record.contact_id),
        **to_item(record.model_dump(mode="json"), omit_none=True),
    }


def _transact(items: list[dict[str, Any]]) -> None:
    if len(items) > TRANSACTION_ITEMS:
        raise ValueError(f"{len(items)} items: a transaction holds {TRANSACTION_ITEMS}")
    ddb = _ddb()
    try:
        ddb.transact_write_items(TransactItems=items)
    except ddb.exceptions.TransactionCanceledException as exc:
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise SendContended(f"{reasons.count('ConditionalCheckFailed')} records changed meanwhile") from None
        raise
