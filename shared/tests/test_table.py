"""shared.table: why DynamoDB cancelled a transaction, read from real (moto) cancellations."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from shared.table import (
    cancellation_codes,
    is_conditional_failure,
    table_meta,
    transaction,
    transaction_conflict,
)


def _model() -> Any:
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class Thing(Model):
        Meta = table_meta("kernel")
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        n = NumberAttribute(default=0)

    return Thing


def _put(pk: str, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": "crm-dev-kernel", "Item": {"pk": {"S": pk}, "sk": {"S": "X"}}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def test_a_pynamodb_transaction_cancelled_by_a_condition(table: str) -> None:
    from pynamodb.exceptions import TransactWriteError

    # Given an item that exists
    thing = _model()
    thing(pk="A", sk="X").save()
    # When a transaction saves a new item and the existing one again, on condition it does not exist
    with pytest.raises(TransactWriteError) as err, transaction() as tx:
        tx.save(thing(pk="B", sk="X"))
        tx.save(thing(pk="A", sk="X"), condition=thing.pk.does_not_exist())
    # Then the codes name the second item only, and it reads as a condition failure and a conflict
    assert cancellation_codes(err.value) == ["None", "ConditionalCheckFailed"]
    assert is_conditional_failure(err.value)
    assert transaction_conflict(err.value)


def test_a_client_transaction_cancelled_by_a_condition(table: str) -> None:
    from botocore.exceptions import ClientError

    # Given an item that exists
    ddb = boto3.client("dynamodb")
    ddb.put_item(**_put("A")["Put"])
    # When a low-level transaction puts it again on condition that it does not exist
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(TransactItems=[_put("A", "attribute_not_exists(pk)"), _put("B")])
    # Then the codes come from the response, in item order
    assert cancellation_codes(err.value) == ["ConditionalCheckFailed", "None"]
    assert is_conditional_failure(err.value)
    assert transaction_conflict(err.value)


def test_a_single_conditional_write_is_a_condition_failure_but_no_transaction(table: str) -> None:
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import PutError

    # Given an item that exists
    thing = _model()
    thing(pk="A", sk="X").save()
    # When it is written again on condition it does not exist, through pynamodb and the client
    with pytest.raises(PutError) as pynamo:
        thing(pk="A", sk="X").save(condition=thing.pk.does_not_exist())
    with pytest.raises(ClientError) as botocore:
        boto3.client("dynamodb").put_item(**_put("A", "attribute_not_exists(pk)")["Put"])
    # Then both are condition failures, with no cancellation codes
    for exc in (pynamo.value, botocore.value):
        assert is_conditional_failure(exc)
        assert cancellation_codes(exc) == []
        assert not transaction_conflict(exc)


def test_a_transaction_conflict_is_worth_a_retry_but_no_condition_failure() -> None:
    from botocore.exceptions import ClientError

    # Given a cancellation as DynamoDB reports a concurrent transaction on an item
    response: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled [None, None]"},
        "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "conflict"}],
    }
    exc = ClientError(response, "TransactWriteItems")
    # Then it is a conflict to retry, not a failed condition
    assert cancellation_codes(exc) == ["None", "TransactionConflict"]
    assert transaction_conflict(exc)
    assert not is_conditional_failure(exc)


def test_the_message_text_is_never_read() -> None:
    from botocore.exceptions import ClientError

    # Given a cancellation whose message names a condition but whose reasons are absent
    response: Any = {"Error": {"Code": "TransactionCanceledException", "Message": "[ConditionalCheckFailed]"}}
    exc = ClientError(response, "TransactWriteItems")
    # Then nothing is made up from the text
    assert cancellation_codes(exc) == []
    assert not transaction_conflict(exc)


def test_other_errors_have_no_codes() -> None:
    from botocore.exceptions import ClientError

    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "TransactWriteItems")
    for exc in (throttled, RuntimeError("boom")):
        assert cancellation_codes(exc) == []
        assert not is_conditional_failure(exc)
        assert not transaction_conflict(exc)


def test_a_partition_page_reads_one_prefix_in_either_order_and_refuses_a_foreign_cursor(table: str) -> None:
    from shared.errors import BadRequest
    from shared.table import partition_page

    # Given a partition holding five entries under one prefix and one item beside them
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    for n in range(5):
        ddb.put_item(TableName=table, Item={"pk": {"S": "P#1"}, "sk": {"S": f"E#{n}"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "P#1"}, "sk": {"S": "PROFILE"}})
    # When it is read two at a time, newest first, under the prefix
    first, cursor = partition_page(ddb, table, "P#1", None, 2, prefix="E#", newest_first=True)
    second, cursor = partition_page(ddb, table, "P#1", cursor, 2, prefix="E#", newest_first=True)
    third, last = partition_page(ddb, table, "P#1", cursor, 2, prefix="E#", newest_first=True)
    # Then the pages hold the entries in order and nothing else
    assert [i["sk"]["S"] for i in first + second + third] == ["E#4", "E#3", "E#2", "E#1", "E#0"]
    # And the whole partition reads oldest first without a prefix
    everything, _ = partition_page(ddb, table, "P#1", None, 10)
    assert [i["sk"]["S"] for i in everything] == ["E#0", "E#1", "E#2", "E#3", "E#4", "PROFILE"]
    # And a cursor of this partition is refused on another
    with pytest.raises(BadRequest):
        partition_page(ddb, table, "P#2", cursor, 2)
    assert last is None
