"""Consent over HTTP against moto: state + append-only history + ConsentChanged, together."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from shared.testing import bearer, pending_outbox

SERVICE_DIR = Path(__file__).resolve().parents[3]
TABLE = "crm-dev-contacts"


def new_contact(client: Client, email: str = "ada@example.com") -> str:
    body = {"email": email, "first_name": "Ada", "last_name": "Lovelace"}
    response = client.http.post("/", headers=bearer("sales"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    contact_id: str = json.loads(response.body)["id"]
    return contact_id


def consent(client: Client, contact_id: str, body: dict[str, Any], role: str = "agent") -> Any:
    return client.http.post(f"/{contact_id}/consents", headers=bearer(role), body=json.dumps(body))


def read(client: Client, path: str) -> Any:
    response = client.http.get(path, headers=bearer("marketer"))
    return response.status_code, json.loads(response.body)


def test_a_grant_then_a_withdrawal_keeps_both_records_and_the_latest_state(client: Client) -> None:
    contact_id = new_contact(client)
    granted = consent(
        client, contact_id, {"channel": "email", "purpose": "marketing", "granted": True, "source": "web_form"}
    )
    assert granted.status_code == 201, granted.body
    consent(client, contact_id, {"channel": "sms", "purpose": "transactional", "granted": True, "source": "agent"})
    withdrawn = consent(
        client, contact_id, {"channel": "email", "purpose": "marketing", "granted": False, "source": "unsubscribe_link"}
    )
    assert withdrawn.status_code == 201
    status, view = read(client, f"/{contact_id}/consents")
    assert status == 200
    assert view["state"]["email:marketing"]["granted"] is False
    assert view["state"]["email:marketing"]["source"] == "unsubscribe_link"
    assert view["state"]["sms:transactional"]["granted"] is True
    assert [(h["channel"], h["granted"]) for h in view["history"]] == [("email", False), ("sms", True), ("email", True)]
    events = [e for e in pending_outbox(TABLE) if e.detail_type == "ConsentChanged"]
    assert [(e.detail["data"]["channel"], e.detail["data"]["granted"]) for e in events] == [
        ("email", True),
        ("sms", True),
        ("email", False),
    ]
    assert events[-1].detail["data"]["contact_id"] == contact_id


def test_history_is_paginated_newest_first(client: Client) -> None:
    contact_id = new_contact(client)
    for granted in (True, False, True):
        consent(client, contact_id, {"channel": "push", "purpose": "marketing", "granted": granted, "source": "app"})
    _, first = read(client, f"/{contact_id}/consents?limit=2")
    _, rest = read(client, f"/{contact_id}/consents?limit=2&cursor={first['next_cursor']}")
    assert [h["granted"] for h in first["history"] + rest["history"]] == [True, False, True]
    assert rest["next_cursor"] is None
    assert read(client, f"/{contact_id}/consents?cursor=nonsense")[0] == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "pigeon", "purpose": "marketing", "granted": True, "source": "web"}, "channel"),
        ({"channel": "email", "purpose": "gossip", "granted": True, "source": "web"}, "purpose"),
        ({"channel": "email", "purpose": "marketing", "granted": "yes", "source": "web"}, "granted"),
        ({"channel": "email", "purpose": "marketing", "granted": True}, "source"),
        ({"channel": "email", "purpose": "marketing", "granted": True, "source": "web", "at": "x"}, "at"),
    ],
)
def test_bad_consent_is_422_naming_the_field_and_writes_nothing(client: Client, body: Any, field: str) -> None:
    contact_id = new_contact(client)
    response = consent(client, contact_id, body)
    assert response.status_code == 422
    assert field in [e["field"] for e in json.loads(response.body)["errors"]]
    assert read(client, f"/{contact_id}/consents")[1]["history"] == []


def test_consent_for_an_unknown_contact_is_404_and_needs_a_token(client: Client) -> None:
    body = {"channel": "email", "purpose": "marketing", "granted": True, "source": "web"}
    assert consent(client, "nobody", body).status_code == 404
    assert read(client, "/nobody/consents")[0] == 404
    assert client.http.post("/x/consents", body=json.dumps(body)).status_code == 401
    assert [e for e in pending_outbox(TABLE) if e.detail_type == "ConsentChanged"] == []
