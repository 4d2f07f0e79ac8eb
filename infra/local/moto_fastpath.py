"""Cheaper DynamoDB requests in the local emulator: the same answers as moto's, less CPU.

Loaded by ``infra.local.moto_server`` only. Measured on BatchWriteItem of 25 small items
(one CSV import writes ~15 items per contact), moto spent per request:

1. ~1.9 ms reading the JSON body as a URL query string (``parse_qsl`` of the whole
   body), which DynamoDB never uses: its handler now takes the raw body.
2. ~1.3 ms walking the body against the API model to build its parameters. DynamoDB's
   JSON is already those parameters; it is read with ``json.loads`` unless it holds a
   binary attribute (``B``/``BS``, base64 on the wire), which still takes moto's parser.
3. ~0.6 ms walking data-plane answers against the API model: they are plain DynamoDB
   JSON and are dumped as such (anything ``json`` cannot encode falls back to moto's).

and per item:

4. the item's size recomputed from every attribute each time one attribute was added
   (quadratic in the attributes): now summed once, with the same 400 KB limit;
5. two ``json.dumps`` to look up the parsed form of an absent condition.
"""

from __future__ import annotations

import json
from typing import Any

# Operations whose answers hold only strings, numbers, booleans, lists and maps.
PLAIN_ANSWERS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)
BINARY_MARKERS = (b'"B"', b'"BS"')
ITEM_LIMIT_BYTES = 405_000  # moto's limit (AWS's 400 KB, as measured by moto)


def patch_targets() -> list[tuple[Any, str]]:
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.responses import DynamoHandler

    return [
        (DynamoHandler, "use_raw_body"),
        (DynamoHandler, "parse_parameters"),
        (DynamoHandler, "serialized"),
        (dynamo_type.Item, "__init__"),
    ]


def patch() -> None:
    _raw_json_requests()
    _plain_json_answers()
    _item_size_once()


def _raw_json_requests() -> None:
    from moto.dynamodb.responses import DynamoHandler

    parse = DynamoHandler.parse_parameters

    def parse_parameters(self: Any, request: Any) -> None:
        body: bytes = request.data
        if any(marker in body for marker in BINARY_MARKERS):
            parse(self, request)  # base64 blobs: moto's parser decodes them
            return
        self.params = json.loads(body or b"{}")

    DynamoHandler.use_raw_body = True
    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign]


def _plain_json_answers() -> None:
    from moto.dynamodb.responses import DynamoHandler

    serialized = DynamoHandler.serialized

    def plain(self: Any, action_result: Any) -> Any:
        result = action_result.result
        if isinstance(result, dict) and self._get_action() in PLAIN_ANSWERS:
            try:
                body = json.dumps({k: v for k, v in result.items() if v is not None})
            except TypeError:  # bytes, datetimes, ...: moto's serializer knows them
                return serialized(self, action_result)
            headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
            return 200, headers, body
        return serialized(self, action_result)

    DynamoHandler.serialized = plain  # type: ignore[method-assign]


def _item_size_once() -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:  # noqa: N807
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(k) + v.size() for k, v in values.items()) > ITEM_LIMIT_BYTES:
            raise ItemSizeTooLarge
        # dict's constructor path: LimitedSizeDict checks later single additions (updates).
        self.attrs = LimitedSizeDict(values)

    dynamo_type.Item.__init__ = __init__  # type: ignore[method-assign]
