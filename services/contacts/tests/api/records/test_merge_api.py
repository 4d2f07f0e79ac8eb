"""POST /{id}/merge against moto: fields by rule, claims moved, history copied in
chunks, opt-outs of either side kept, retry-safe."""

from __future__ import annotations

from typing import Any

import boto3
from chalice.test import Client

from services.contacts.tests.api.records.test_records_api import ADA, create
from shared.testing import call, pending_outbox

TABLE = "crm-dev-contacts"


def _ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def _put_consent(contact_id: str, state: dict[str, dict[str, Any]]) -> None:
    av = {
        k: {"M": {"granted": {"BOOL": v["granted"]}, "at": {"S": v["at"]}, "source": {"S": v["source"]}}}
        for k, v in state.items()
    }
    _ddb().put_item(
        TableName=TABLE, Item={"pk": {"S": f"CONTACT#{contact_id}"}, "sk": {"S": "CONSENT"}, "state": {"M": av}}
    )


def _partition(contact_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _ddb().query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CONTACT#{contact_id}"}},
    )["Items"]
    return items


def test_a_merge_keeps_the_opt_out_moves_claims_and_copies_history(client: Client) -> None:
    winner = create(client, tags=["a"])
    loser = create(
        client, email="ada@old.org", phone="+14155552671", title="Countess", tags=["b"], lifecycle_stage="customer"
    )
    _put_consent(
        winner["id"], {"email:marketing": {"granted": True, "at": "2026-01-01T00:00:00+00:00", "source": "web"}}
    )
    _put_consent(loser["id"], {"email:marketing": {"granted": False, "at": "2026-02-01T00:00:00+00:00", "source": "x"}})
    for n in range(110):  # more than one transaction's worth
        _ddb().put_item(
            TableName=TABLE,
            Item={"pk": {"S": f"CONTACT#{loser['id']}"}, "sk": {"S": f"T#2026-01-01T00:00:{n:03d}#note#{n}"}},
        )

    merged = call(client, "post", f"/{winner['id']}/merge", {"other_id": loser["id"]}, role="manager")

    assert merged.status_code == 200, merged.body
    body = merged.json
    assert body["email"] == "ada@example.com" and body["other_emails"] == ["ada@old.org"]
    assert body["title"] == "Countess" and body["tags"] == ["a", "b"] and body["lifecycle_stage"] == "customer"
    items = {i["sk"]["S"]: i for i in _partition(winner["id"])}
    assert sum(sk.startswith("T#") for sk in items) == 110
    assert items["CONSENT"]["state"]["M"]["email:marketing"]["M"]["granted"] == {"BOOL": False}
    assert any(sk.startswith("CONSENT#") and i["source"]["S"] == "merge" for sk, i in items.items())
    assert call(client, "get", f"/{loser['id']}").status_code == 404
    taken = call(client, "post", "/", {**ADA, "email": "ada@old.org"})
    assert taken.status_code == 409 and taken.json["existing_id"] == winner["id"]
    assert call(client, "get", "/?q=%2B14155552671").json["items"][0]["id"] == winner["id"]
    kinds = [e.detail_type for e in pending_outbox(TABLE)]
    assert kinds.count("ContactsMerged") == 1

    # A retried merge finishes (or repeats) the copy and changes nothing else.
    again = call(client, "post", f"/{winner['id']}/merge", {"other_id": loser["id"]}, role="manager")
    assert again.status_code == 200 and [e.detail_type for e in pending_outbox(TABLE)].count("ContactsMerged") == 1


def test_a_merge_keeps_the_winners_own_opt_out_and_refuses_nonsense(client: Client) -> None:
    winner = create(client)
    loser = create(client, email="ada@old.org")
    _put_consent(winner["id"], {"sms:marketing": {"granted": False, "at": "2026-01-01T00:00:00+00:00", "source": "x"}})
    _put_consent(loser["id"], {"sms:marketing": {"granted": True, "at": "2026-03-01T00:00:00+00:00", "source": "y"}})
    assert call(client, "post", f"/{winner['id']}/merge", {"other_id": winner["id"]}).status_code == 422
    assert call(client, "post", f"/{winner['id']}/merge", {"other_id": "nope"}).status_code == 404
    assert call(client, "post", f"/{winner['id']}/merge", {"other_id": loser["id"]}, role="sales").status_code == 403
    assert call(client, "post", f"/{winner['id']}/merge", {"other_id": loser["id"]}).status_code == 200
    state = {i["sk"]["S"]: i for i in _partition(winner["id"])}["CONSENT"]["state"]["M"]
    assert state["sms:marketing"]["M"]["granted"] == {"BOOL": False}
