"""Fixes 2 and the stream readers' filters of ``infra.local.moto_server``: GetRecords
answers plain JSON, filtered by the local poller's patterns (``LOCAL_FILTERS``), and a
write whose stream record no reader would take is never stored (``READERS_FILTERS``, set
by ``infra.local.moto_routes``)."""

from __future__ import annotations

from typing import Any

from infra.local.moto_routes import READERS_FILTERS

# A GetRecords parameter of the local stack's pollers only (AWS has none such; Lambda
# filters after reading): their mapping's filter patterns.
LOCAL_FILTERS = "LocalFilterPatterns"


def plain_json_stream_records() -> None:
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    from infra.local.filters import passes

    def get_records(self: Any) -> str:
        # The records are already DynamoDB JSON; datetimes become epoch seconds, as in AWS.
        limit = self._get_param("Limit") or 1000
        answer = self.backend.get_records(self._get_param("ShardIterator"), limit)
        filters = self._get_param(LOCAL_FILTERS)
        if filters:  # the local poller's mapping filters: drop here what Lambda would drop
            answer["Records"] = [r for r in answer["Records"] if passes(tuple(filters), r)]
        return dynamo_json_dump(answer)

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign,assignment]


def records_readers_take() -> None:
    from moto.dynamodb.models.table import StreamShard

    from infra.local.filters import passes

    add = StreamShard.add

    def add_if_read(self: Any, old: Any, new: Any) -> None:
        kept = getattr(self.table, READERS_FILTERS, None)
        if kept:
            item = old if old is not None else new
            keys = {self.table.hash_key_attr: item.hash_key.to_json()}
            if self.table.range_key_attr is not None:
                keys[self.table.range_key_attr] = item.range_key.to_json()
            name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
            if not passes(kept, {"eventName": name, "dynamodb": {"Keys": keys}}):
                return
        add(self, old, new)

    StreamShard.add = add_if_read  # type: ignore[method-assign]
