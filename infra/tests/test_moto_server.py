"""The emulator's fixes keep moto's behaviour: the cheaper transaction rollback is still
all-or-nothing, Query reads only its partition with the same results, and the items
route returns a table's items in one pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.local import moto_routes, moto_streams
from shared.testing import pk_sk_table


@pytest.fixture
def ddb(patched_moto: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**pk_sk_table("t"))
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


def test_a_query_reads_its_partition_in_order_with_pages_and_filters(ddb: Any) -> None:
    for n in range(30):
        for pk in ("p", "q"):
            ddb.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": f"{n:03d}"}, "v": {"S": str(n % 3)}})
    query = {
        "TableName": "t",
        "KeyConditionExpression": "pk = :p AND sk > :s",
        "FilterExpression": "v = :v",
        "ExpressionAttributeValues": {":p": {"S": "p"}, ":s": {"S": "010"}, ":v": {"S": "0"}},
        "ScanIndexForward": False,
        "Limit": 6,
    }
    pages = [ddb.query(**query)]
    while "LastEvaluatedKey" in pages[-1]:
        pages.append(ddb.query(**query, ExclusiveStartKey=pages[-1]["LastEvaluatedKey"]))
    got = [i["sk"]["S"] for page in pages for i in page["Items"]]
    assert got == ["027", "024", "021", "018", "015", "012"]
    assert [page["Count"] for page in pages[:2]] == [2, 2]  # Limit counts items read, as in AWS
    assert {i["pk"]["S"] for page in pages for i in page["Items"]} == {"p"}
    assert (
        ddb.query(**{**query, "ExpressionAttributeValues": {**query["ExpressionAttributeValues"], ":p": {"S": "z"}}})[
            "Items"
        ]
        == []
    )


def test_the_items_route_returns_every_item_or_those_of_a_prefix(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "OUTBOX#1"}, "sk": {"S": "x"}, "b": {"B": b"\x00"}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "CONTACT#1"}, "sk": {"S": "PROFILE"}, "n": {"N": "1.5"}})

    def get(query: str) -> tuple[str, Any]:
        import json

        seen: list[str] = []
        body = b"".join(
            moto_routes.with_local_routes(lambda e, s: [])(
                {"PATH_INFO": "/_local/items/t", "QUERY_STRING": query}, lambda status, headers: seen.append(status)
            )
        )
        return seen[0], json.loads(body)

    status, everything = get("")
    assert status.startswith("200")
    assert sorted(everything["Items"], key=lambda i: i["pk"]["S"]) == [
        {"pk": {"S": "CONTACT#1"}, "sk": {"S": "PROFILE"}, "n": {"N": "1.5"}},
        {"pk": {"S": "OUTBOX#1"}, "sk": {"S": "x"}, "b": {"B": "AA=="}},
    ]
    assert [i["pk"]["S"] for i in get("prefix=OUTBOX%23")[1]["Items"]] == ["OUTBOX#1"]
    # The state saver's form: the array alone, in chunks (here of one item)
    moto_routes.ITEMS_PER_CHUNK = 1
    try:
        by_pk = sorted(everything["Items"], key=lambda i: i["pk"]["S"])
        assert sorted(get("bare=1")[1], key=lambda i: i["pk"]["S"]) == by_pk
    finally:
        moto_routes.ITEMS_PER_CHUNK = 1000


def test_items_are_not_kept_in_motos_instance_registry_but_sent_mail_is(ddb: Any) -> None:
    from moto.dynamodb.models.dynamo_type import Item
    from moto.ses.models import Message

    before = len(Item.instances_tracked)  # type: ignore[attr-defined]
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "x"}})
    assert len(Item.instances_tracked) == before  # type: ignore[attr-defined]
    ses = boto3.client("ses", region_name="us-east-1")
    ses.verify_email_identity(EmailAddress="crm@example.com")
    sent = len(Message.instances_tracked)  # type: ignore[attr-defined]
    ses.send_email(
        Source="crm@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Message={"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}},
    )
    assert len(Message.instances_tracked) == sent + 1  # type: ignore[attr-defined]


def test_a_condition_parsed_once_still_sees_each_calls_values(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "c"}, "sk": {"S": "x"}, "v": {"S": "mine"}})
    check = {"ConditionExpression": "v = :me", "TableName": "t"}
    item = {"pk": {"S": "c"}, "sk": {"S": "x"}, "v": {"S": "mine"}}
    ddb.put_item(**check, Item=item, ExpressionAttributeValues={":me": {"S": "mine"}})
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        ddb.put_item(**check, Item=item, ExpressionAttributeValues={":me": {"S": "other"}})
    ddb.put_item(**check, Item=item, ExpressionAttributeValues={":me": {"S": "mine"}})  # the cached tree again


EVERY_TYPE: dict[str, Any] = {
    "pk": {"S": "types"},
    "sk": {"S": "x"},
    "s": {"S": "Zoë"},
    "n": {"N": "-1.5"},
    "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "2"}, {"BOOL": True}, {"NULL": True}]}}},
}


def test_every_attribute_type_reads_back_as_written(ddb: Any) -> None:
    """moto_fastpath reads plain JSON itself and leaves binary attributes to moto."""
    ddb.put_item(TableName="t", Item=EVERY_TYPE)
    plain = {k: v for k, v in EVERY_TYPE.items() if k not in ("b", "bs")}
    ddb.put_item(TableName="t", Item={**plain, "pk": {"S": "plain"}})
    key = {"pk": {"S": "types"}, "sk": {"S": "x"}}

    got = ddb.get_item(TableName="t", Key=key)["Item"]
    queried = ddb.query(
        TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "plain"}}
    )["Items"]

    assert {k: _sorted_sets(v) for k, v in got.items()} == {k: _sorted_sets(v) for k, v in EVERY_TYPE.items()}
    assert queried == [{**plain, "pk": {"S": "plain"}}]


def _sorted_sets(value: dict[str, Any]) -> dict[str, Any]:
    return {t: sorted(v) if t in ("SS", "NS", "BS") else v for t, v in value.items()}


def test_an_item_over_400_kb_is_refused_whole_or_grown(ddb: Any) -> None:
    big = "x" * 300_000
    with pytest.raises(ClientError) as refused:
        ddb.put_item(TableName="t", Item={"pk": {"S": "big"}, "sk": {"S": "x"}, "a": {"S": big}, "b": {"S": big}})
    ddb.put_item(TableName="t", Item={"pk": {"S": "big"}, "sk": {"S": "x"}, "a": {"S": big}})
    with pytest.raises(ClientError) as grown:
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "big"}, "sk": {"S": "x"}},
            UpdateExpression="SET b = :b",
            ExpressionAttributeValues={":b": {"S": big}},
        )

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert grown.value.response["Error"]["Code"] == "ValidationException"
    assert "b" not in ddb.get_item(TableName="t", Key={"pk": {"S": "big"}, "sk": {"S": "x"}})["Item"]


def test_a_failed_condition_is_still_a_typed_error(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "c"}, "sk": {"S": "x"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(
            TableName="t", Item={"pk": {"S": "c"}, "sk": {"S": "x"}}, ConditionExpression="attribute_not_exists(pk)"
        )


def test_get_records_keeps_only_what_the_pollers_filters_keep(ddb: Any) -> None:
    """The local poller sends its mapping's filters; the emulator drops the rest, as
    Lambda would after reading them (only the local poller sends this parameter)."""
    import json

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    for pk in ("OUTBOX#1", "CONTACT#2", "OUTBOX#3"):
        ddb.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": "x"}})
    app = Client(moto_routes.with_local_routes(DomainDispatcherApplication(create_backend_app)))
    auth = (
        "AWS4-HMAC-SHA256 Credential=testing/20261122/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x"
    )

    def call(operation: str, **body: Any) -> Any:
        headers = {"X-Amz-Target": f"DynamoDBStreams_20120810.{operation}", "Authorization": auth}
        return json.loads(app.post("/", data=json.dumps(body), headers=headers).get_data())

    arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = call("DescribeStream", StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def keys(**extra: Any) -> list[str]:
        iterator = call("GetShardIterator", StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        answer = call("GetRecords", ShardIterator=iterator["ShardIterator"], **extra)
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in answer["Records"]]

    outbox = {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "OUTBOX#"}]}}}}
    assert keys() == ["OUTBOX#1", "CONTACT#2", "OUTBOX#3"]
    assert keys(**{moto_streams.LOCAL_FILTERS: [outbox]}) == ["OUTBOX#1", "OUTBOX#3"]


def test_a_stream_stores_only_the_records_its_readers_take(ddb: Any) -> None:
    import io
    import json

    def readers(filters: list[list[dict[str, Any]]]) -> str:
        body = json.dumps({"filters": filters}).encode()
        environ = {
            "PATH_INFO": "/_local/stream-readers/t",
            "REQUEST_METHOD": "PUT",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        answer = moto_routes.with_local_routes(lambda e, s: [])(environ, lambda status, headers: None)
        return str(json.loads(b"".join(answer))["stored"])

    def stored() -> list[tuple[str, str]]:
        from moto.dynamodb.models import dynamodb_backends

        shard = dynamodb_backends["123456789012"]["us-east-1"].tables["t"].stream_shard
        return [(r.record["eventName"], r.record["dynamodb"]["Keys"]["pk"]["S"]) for r in shard.items]

    outbox = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "OUTBOX#"}]}}}}
    # Given one reader that takes new outbox records only
    assert readers([[outbox]]) == "matching"
    # When items are written, changed and deleted
    for pk in ("OUTBOX#1", "CONTACT#2"):
        ddb.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": "x"}})
    ddb.delete_item(TableName="t", Key={"pk": {"S": "OUTBOX#1"}, "sk": {"S": "x"}})
    # Then only its record is stored
    assert stored() == [("INSERT", "OUTBOX#1")]
    # A second reader without filters, or with one on the images, keeps every record
    assert readers([[outbox], []]) == "all"
    assert readers([[{"dynamodb": {"NewImage": {"v": [{"exists": True}]}}}]]) == "all"
    ddb.put_item(TableName="t", Item={"pk": {"S": "CONTACT#3"}, "sk": {"S": "x"}})
    assert stored() == [("INSERT", "OUTBOX#1"), ("INSERT", "CONTACT#3")]


def test_two_threads_never_both_pass_one_condition(ddb: Any) -> None:
    """DynamoDB checks a condition and writes atomically; the emulator serves moto from many
    threads, so without fix 11 several writers of one version could all win."""
    import sys
    import threading
    from concurrent.futures import ThreadPoolExecutor

    key = {"pk": {"S": "p"}, "sk": {"S": "x"}}
    start = threading.Barrier(8)

    def bump(n: int) -> bool:
        start.wait()
        update = {
            "TableName": "t",
            "Key": key,
            "UpdateExpression": "SET v = :next, w = :who",
            "ConditionExpression": "v = :read",
            "ExpressionAttributeValues": {":next": {"N": "1"}, ":read": {"N": "0"}, ":who": {"S": str(n)}},
        }
        try:
            ddb.transact_write_items(TransactItems=[{"Update": update}])
        except ClientError:
            return False
        return True

    def race() -> int:
        ddb.put_item(TableName="t", Item={**key, "v": {"N": "0"}})
        start.reset()
        with ThreadPoolExecutor(8) as pool:
            return sum(pool.map(bump, range(8)))

    # Given an item at version 0, when 8 threads update it from version 0 at once (20
    # times, the interpreter switching threads as often as it can)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        winners = [race() for _ in range(20)]
    finally:
        sys.setswitchinterval(interval)
    # Then exactly one wins each time
    assert winners == [1] * 20
