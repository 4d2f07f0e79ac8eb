"""Fixes 3, 7 and 8 of ``infra.local.moto_server``: Query reads only the queried partition,
condition and filter expressions are parsed once per distinct text, and stream records'
``SizeBytes`` is not computed."""

from __future__ import annotations

import json
import threading
from typing import Any

_query_partition = threading.local()


def partition_queries() -> None:
    from moto.dynamodb.models.table import Table

    all_items, query = Table.all_items, Table.query

    def partition_items(self: Any) -> Any:
        key: Any = getattr(_query_partition, "key", None)
        table: Any = getattr(_query_partition, "table", None)
        if key is None or table is not self:
            return all_items(self)
        partition = self.items.get(key)
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # query()'s 8th parameter
        if index_name is not None or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _query_partition.table, _query_partition.key = self, hash_key
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _query_partition.table = _query_partition.key = None

    Table.all_items = partition_items  # type: ignore[method-assign]
    Table.query = partition_query  # type: ignore[method-assign]


PARSED_EXPRESSIONS = 4096


def parsed_once() -> None:
    from functools import lru_cache

    from moto.dynamodb import comparisons, models
    from moto.dynamodb.models import table

    parse = comparisons.get_filter_expression

    @lru_cache(maxsize=PARSED_EXPRESSIONS)
    def parsed(expr: str | None, names: str, values: str) -> Any:
        return parse(expr, json.loads(names), json.loads(values))

    def get_filter_expression(expr: str | None, names: Any, values: Any) -> Any:
        # The parsed tree only reads items: one tree serves every call with the same text.
        if not expr:  # no condition (a plain put): nothing to key the cache by
            return parsed(None, "{}", "{}")
        return parsed(expr, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True))

    for module in (comparisons, table, models):  # each imported the name for itself
        module.get_filter_expression = get_filter_expression  # type: ignore[attr-defined]

    def no_size(dynamo_object: Any) -> str:  # only StreamRecord's SizeBytes uses it in table
        return "-"

    table.dynamo_json_dump = no_size  # type: ignore[attr-defined]
