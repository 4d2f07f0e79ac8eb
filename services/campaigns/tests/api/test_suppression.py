"""The suppression list against moto: admins change it, marketers look addresses up,
senders ask in bulk (Given/When/Then)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.testing import call


def test_an_admin_suppresses_and_lifts_an_address_others_only_read(client: Any, table: str) -> None:
    address = "Someone@Example.com"
    path = f"/suppressions/{address}"  # API Gateway hands the parameter decoded; the test client as sent
    # Given nothing suppressed; a marketer may not add, an admin may
    assert call(client, "GET", path, role="marketer").status_code == 404
    assert call(client, "POST", "/suppressions", role="marketer", body={"address": address}).status_code == 403
    created = call(client, "POST", "/suppressions", role="admin", body={"address": address})
    assert created.status_code == 201 and created.json["reason"] == "manual"
    # When it is added again with another reason
    again = call(client, "POST", "/suppressions", role="admin", body={"address": address, "reason": "complaint"})
    # Then the first reason stays; the lookup ignores case; sales may not look
    assert again.status_code == 200 and again.json["reason"] == "manual"
    assert call(client, "GET", "/suppressions/someone@example.com", role="marketer").json["address"] == address
    assert call(client, "GET", path, role="sales").status_code == 403
    # ... and lifting it is an admin's: then it is gone, and lifting again is a 404
    assert call(client, "DELETE", path, role="marketer").status_code == 403
    assert call(client, "DELETE", path, role="admin").status_code == 204
    assert call(client, "GET", path, role="admin").status_code == 404
    assert call(client, "DELETE", path, role="admin").status_code == 404


def test_a_bad_address_or_reason_is_a_422_naming_the_field(client: Any) -> None:
    bad = call(client, "POST", "/suppressions", body={"address": "not an address"})
    assert bad.status_code == 422 and [e["field"] for e in bad.json["errors"]] == ["address"]
    worse = call(client, "POST", "/suppressions", body={"address": "a@b.c", "reason": "whim"})
    assert worse.status_code == 422 and [e["field"] for e in worse.json["errors"]] == ["reason"]


def test_senders_learn_which_of_many_addresses_are_suppressed(table: str) -> None:
    from campaigns.suppression.repository import SuppressionRepository

    repo = SuppressionRepository()
    # Given 3 suppressed addresses among 250
    addresses = [f"user{i}@example.com" for i in range(250)]
    now = datetime.now(UTC)
    assert [repo.add(addresses[i], "bounce", now) for i in (3, 120, 249)] == [True, True, True]
    assert repo.add("USER3@example.com", "complaint", now) is False
    # When a sender asks about all of them (more than one BatchGetItem)
    found = repo.suppressed([*addresses, "User120@Example.com"])
    # Then exactly those, as asked
    assert found == {addresses[3], addresses[120], addresses[249], "User120@Example.com"}
    assert repo.remove(addresses[3]) is True and repo.remove(addresses[3]) is False
    assert repo.suppressed(addresses) == {addresses[120], addresses[249]}


def test_no_address_is_a_key_in_plain_text(table: str) -> None:
    import boto3

    from campaigns.suppression.repository import SuppressionRepository

    SuppressionRepository().add("secret.person@example.com", "manual", datetime.now(UTC))
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]
    (item,) = [i for i in items if i["pk"]["S"].startswith("SUPPRESSED#")]
    assert "secret" not in item["pk"]["S"] + item["sk"]["S"] and item["address"]["S"] == "secret.person@example.com"
