"""contacts over its HTTP routes, against moto's in-process DynamoDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from shared.testing import bearer, pending_outbox

SERVICE_DIR = Path(__file__).resolve().parents[3]
LEAD = {"email": "Ada@Example.com", "first_name": "Ada", "last_name": "Lovelace", "company": "Engines"}


def _post(client: Client, body: Any, role: str = "sales", **headers: str) -> Any:
    return client.http.post("/", headers={**bearer(role), **headers}, body=json.dumps(body))


def _items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName="crm-dev-contacts")["Items"]


def test_creating_a_contact_makes_a_lead_and_queues_lead_created(client: Client) -> None:
    # When a sales rep creates a contact
    response = _post(client, LEAD)
    # Then it is stored as a lead, readable, and LeadCreated waits in the outbox
    assert response.status_code == 201
    contact = json.loads(response.body)
    assert contact["lifecycle_stage"] == "lead"
    assert contact["email"] == "ada@example.com"
    assert response.headers["Location"] == f"/contacts/{contact['id']}"
    fetched = client.http.get(f"/{contact['id']}", headers=bearer("agent"))
    assert fetched.status_code == 200 and json.loads(fetched.body) == contact
    [event] = [e for e in pending_outbox("crm-dev-contacts") if e.detail_type == "LeadCreated"]
    assert event.source == "crm.contacts"
    assert event.detail["data"]["contact_id"] == contact["id"]


def test_lead_created_carries_what_assignment_rules_match_on(client: Client) -> None:
    # Given a large company, when a lead of it is created with an address and a language
    company = client.http.post(
        "/companies", headers=bearer("sales"), body=json.dumps({"name": "Engines", "size": "large"})
    )
    assert company.status_code == 201, company.body
    body = {
        **LEAD,
        "company_id": json.loads(company.body)["id"],
        "address": {"country": "cn", "region": "CN-GD"},
        "language": "zh",
        "source": "web",
    }
    assert _post(client, body).status_code == 201
    # Then LeadCreated carries the country, region, language, source and company size
    [event] = [e for e in pending_outbox("crm-dev-contacts") if e.detail_type == "LeadCreated"]
    data = event.detail["data"]
    assert (data["country"], data["region"], data["language"], data["source"]) == ("CN", "CN-GD", "zh", "web")
    assert data["company_size"] == "large"


def test_the_same_email_twice_is_a_409_with_the_existing_id_and_no_second_event(client: Client) -> None:
    first = json.loads(_post(client, LEAD).body)
    again = _post(client, {**LEAD, "email": "ADA@example.com"})
    assert again.status_code == 409
    assert json.loads(again.body)["existing_id"] == first["id"]
    assert [e.detail_type for e in pending_outbox("crm-dev-contacts")].count("LeadCreated") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LEAD, "email": "not-an-email"}, "email"),
        ({**LEAD, "first_name": ""}, "first_name"),
        ({**LEAD, "lifecycle_stage": "vip"}, "lifecycle_stage"),
        ({**LEAD, "owner_id": "rep-1"}, "owner_id"),
        ({k: v for k, v in LEAD.items() if k != "last_name"}, "last_name"),
        ({**LEAD, "phone": "call me maybe"}, "phone"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_written(client: Client, body: Any, field: str) -> None:
    response = _post(client, body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in json.loads(response.body)["errors"]]
    assert _items() == []


def test_roles_and_tokens_are_enforced(client: Client) -> None:
    assert client.http.post("/", body=json.dumps(LEAD)).status_code == 401
    assert _post(client, LEAD, role="agent").status_code == 403
    assert client.http.get("/nope", headers=bearer("agent")).status_code == 404
    assert _items() == []


def test_an_idempotency_key_makes_a_retried_create_harmless(client: Client) -> None:
    first = _post(client, LEAD, **{"Idempotency-Key": "retry-1"})
    retry = _post(client, LEAD, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert json.loads(retry.body)["id"] == json.loads(first.body)["id"]
    assert [e.detail_type for e in pending_outbox("crm-dev-contacts")].count("LeadCreated") == 1
