"""shared.codec: the one DynamoDB attribute-value codec, checked against DynamoDB (moto)."""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest

from shared.codec import from_av, from_item, jsonable, number, to_av, to_item


def test_numbers_come_back_as_int_when_whole_and_decimal_otherwise() -> None:
    # Given numbers as DynamoDB writes them
    # When they are read, then whole ones are ints (counts, versions) and others exact Decimals
    assert from_av({"N": "3"}) == 3 and type(from_av({"N": "3"})) is int
    assert from_av({"N": "3.0"}) == 3 and type(from_av({"N": "3.0"})) is int
    assert from_av({"N": "1E+3"}) == 1000 and type(from_av({"N": "1E+3"})) is int
    assert from_av({"N": "19.99"}) == Decimal("19.99")
    assert type(number("-0.5")) is Decimal


def test_every_type_round_trips_through_dynamodb(table: str) -> None:
    # Given an item with every kind of value a repository stores
    values = {
        "pk": "CONTACT#1",
        "sk": "PROFILE",
        "count": 7,
        "spend": Decimal("1234.56"),
        "ratio": 0.25,
        "active": True,
        "gone": None,
        "blob": b"\x00\x01",
        "tags": {"vip", "b2b"},
        "scores": {1, Decimal("2.5")},
        "nested": {"a": [1, "two", {"three": Decimal("3.5")}], "b": False},
    }
    # When it is written with to_item and read back with from_item
    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName=table, Item=to_item(values))
    read = from_item(ddb.get_item(TableName=table, Key=to_item({"pk": "CONTACT#1", "sk": "PROFILE"}))["Item"])
    # Then it is the same item, the float as its exact Decimal
    assert read == {**values, "ratio": Decimal("0.25")}
    assert type(read and read["count"]) is int


def test_omit_none_leaves_attributes_absent() -> None:
    assert to_item({"a": 1, "b": None}) == {"a": {"N": "1"}, "b": {"NULL": True}}
    assert to_item({"a": 1, "b": None}, omit_none=True) == {"a": {"N": "1"}}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), set(), {1, "x"}, object()])
def test_what_dynamodb_cannot_store_is_refused_before_the_call(bad: object) -> None:
    with pytest.raises(TypeError):
        to_av(bad)


def test_booleans_are_not_numbers() -> None:
    assert to_av(True) == {"BOOL": True}
    assert to_av(1) == {"N": "1"}


def test_missing_item_stays_none() -> None:
    assert from_item(None) is None


def test_jsonable_makes_read_values_json_friendly() -> None:
    # Given values as from_item returns them
    value = {"spend": Decimal("19.99"), "n": 2, "b": b"hi", "tags": {"z", "a"}, "l": [Decimal("4")]}
    # When made JSON-friendly, then Decimals are floats/ints, bytes base64, sets sorted lists
    assert jsonable(value) == {"spend": 19.99, "n": 2, "b": "aGk=", "tags": ["a", "z"], "l": [4]}
