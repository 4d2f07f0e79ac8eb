"""One contact change's segment maintenance makes the same DynamoDB requests whatever the
table holds: counted (calls, items read, items written), not timed."""

from __future__ import annotations

import pytest

from infra.bench_segments import HEADER, Meter, measure, rows


@pytest.mark.usefixtures("restored_moto")  # the bench applies the fixes itself
def test_one_change_costs_the_same_requests_with_100_and_2000_contacts_stored() -> None:
    # Given 100 contacts, then 2,000, and one contact's change measured at each size
    small, large = measure(samples=4, sizes=(100, 2_000))
    # Then every change at both sizes made exactly the same requests ...
    assert small.cost == large.cost
    # ... a batch read of the contact's three items and one transaction (SEGMENTS, the
    # member, the segment's count, the event), no scan and no query over contacts
    assert dict(small.cost.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert (small.cost.items_read, small.cost.items_written) == (3, 4)
    # And the bench table reports them beside the time
    table = rows([small, large])
    assert [r[4:7] for r in table] == [("2", "3", "4"), ("2", "3", "4")]
    assert len(table[0]) == len(HEADER)


def test_the_meter_counts_reads_by_items_returned_and_scanned() -> None:
    from moto import mock_aws

    with mock_aws():
        import boto3

        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        meter = Meter(ddb)
        for n in range(5):
            ddb.put_item(TableName="t", Item={"pk": {"S": f"k{n}"}})
        ddb.get_item(TableName="t", Key={"pk": {"S": "k1"}})
        ddb.get_item(TableName="t", Key={"pk": {"S": "missing"}})
        ddb.scan(TableName="t")
        cost = meter.take()
    assert dict(cost.calls) == {"PutItem": 5, "GetItem": 2, "Scan": 1}
    assert (cost.items_read, cost.items_written) == (1 + 5, 5)
