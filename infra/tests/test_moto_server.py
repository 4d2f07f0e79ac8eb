"""The emulator's cheaper transaction rollback keeps moto's all-or-nothing behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import moto_server


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import moto.dynamodb.models as models

    # Apply the patch for this test only.
    monkeypatch.setattr(models, "copy", models.copy)
    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", models.DynamoDBBackend.transact_write_items)
    moto_server.patch()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield client


def _put(pk: str, v: str = "1", condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": "t", "Item": {"pk": {"S": pk}, "sk": {"S": "x"}, "v": {"S": v}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def _items(ddb: Any) -> dict[str, str]:
    return {i["pk"]["S"]: i["v"]["S"] for i in ddb.scan(TableName="t")["Items"]}


def _stream_length() -> int:
    from moto.dynamodb.models import dynamodb_backends

    return len(dynamodb_backends["123456789012"]["us-east-1"].tables["t"].stream_shard.items)


def test_a_failed_transaction_leaves_items_and_stream_as_they_were(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "x"}, "v": {"S": "old"}})
    before = _stream_length()
    update = {
        "Update": {
            "TableName": "t",
            "Key": {"pk": {"S": "a"}, "sk": {"S": "x"}},
            "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": {"S": "new"}},
        }
    }
    # The last operation's condition fails after the first two were applied by moto.
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[update, _put("b"), _put("c", condition="attribute_exists(pk)")])
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _items(ddb) == {"a": "old"}
    assert _stream_length() == before


def test_a_successful_transaction_writes_everything(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[_put("a"), _put("b", condition="attribute_not_exists(pk)")])
    assert _items(ddb) == {"a": "1", "b": "1"}
    assert _stream_length() == 2
