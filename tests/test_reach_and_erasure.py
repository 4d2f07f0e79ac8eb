"""Reach in every service, and erasure everywhere, end to end over HTTP against the local stack.

A sales user reaches only the contacts they own (the token's sub = their rep id, the owner
pipeline's LeadAssigned names): in each of the five services, another rep's contact answers
the missing record's 404 word for word, and the owner gets 200. Erasing a contact leaves none
of its email, phone or name in any service's table.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from shared.auth import issue_dev_token
from tests.e2e import aws, eventually, headers

pytestmark = pytest.mark.e2e


def _per_contact_reads() -> list[str]:
    """Every read a sales token may make of one contact's records, in the five services: each
    GET operation of the committed OpenAPI documents (made from the route declarations) that
    names a contact or a ticket, in its path or its query ({c}: the contact, {t}: its ticket).
    A later route is checked by being declared."""
    import json

    from infra.services import existing_services, service_dir
    from shared.http import base_path

    routes = []
    for service in existing_services():
        document = json.loads((service_dir(service) / "openapi.json").read_text())
        for path, item in document["paths"].items():
            operation = item.get("get")
            if operation is None or "sales" not in operation.get("x-roles", []):
                continue
            named = {p["name"]: p["in"] for p in operation.get("parameters", []) if p.get("required")}
            if not {"contact_id", "ticket_id"} & set(named):
                continue
            public = base_path(service) + path.rstrip("/")
            public = public.replace("{contact_id}", "{c}").replace("{ticket_id}", "{t}")
            routes.append(public + ("?contact_id={c}" if named.get("contact_id") == "query" else ""))
    return sorted(routes)


ROUTES = _per_contact_reads()


def _sales(rep: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token('sales', subject=rep)}", "Content-Type": "application/json"}


def _rep(stack: Any) -> None:
    body = {"name": "Reach", "email": f"reach-{uuid.uuid4().hex[:6]}@example.com", "capacity": 1000}
    response = stack.session.post(f"{stack.url}/pipeline/reps", json=body, headers=headers(stack, "manager"))
    assert response.status_code == 201, response.text


def _person(stack: Any) -> dict[str, Any]:
    """A lead with an email, a phone and a name no other test uses."""
    tag = uuid.uuid4().hex[:8]
    for _ in range(5):
        body = {
            "email": f"erase-{tag}@example.com",
            "first_name": f"Zelda{tag}",
            "last_name": f"Quarry{tag}",
            "phone": f"+44 20 7946 0{random.randint(0, 999):03d}",
        }
        response = stack.session.post(f"{stack.url}/contacts", json=body, headers=headers(stack, "admin"))
        if response.status_code == 201:
            created: dict[str, Any] = response.json()
            return created
        assert response.status_code == 409, response.text  # that phone is taken: another one
    raise AssertionError("no free phone number")


def _ticket(stack: Any, contact: dict[str, Any]) -> str:
    body = {
        "contact_id": contact["id"],
        "subject": f"{contact['first_name']} {contact['last_name']} cannot log in",
        "description": f"Reach me at {contact['email']} or {contact['phone']}",
    }
    response = stack.session.post(f"{stack.url}/service-desk/tickets", json=body, headers=headers(stack, "agent"))
    assert response.status_code == 201, response.text
    ticket_id: str = response.json()["id"]
    return ticket_id


def _owned(stack: Any) -> tuple[dict[str, Any], str, str]:
    """A contact pipeline assigned, its ticket, and its owner, once every service knows the owner."""
    _rep(stack)
    contact = _person(stack)
    ticket = _ticket(stack, contact)

    def owner() -> str | None:
        lead = stack.session.get(f"{stack.url}/pipeline/leads/{contact['id']}", headers=headers(stack, "agent"))
        return lead.json().get("owner_id") if lead.status_code == 200 else None

    rep = eventually(owner)
    for route in ROUTES:
        path = route.format(c=contact["id"], t=ticket)
        eventually(lambda path=path: stack.session.get(f"{stack.url}{path}", headers=_sales(rep)).status_code == 200)
    return contact, ticket, str(rep)


@pytest.fixture(scope="module")
def owned(stack: Any) -> tuple[dict[str, Any], str, str]:
    return _owned(stack)


@pytest.mark.parametrize("route", ROUTES)
def test_another_reps_contact_answers_like_a_missing_one_in_every_service(
    stack: Any, owned: tuple[dict[str, Any], str, str], route: str
) -> None:
    contact, ticket, owner = owned
    nobody, no_ticket = str(uuid.uuid4()), str(uuid.uuid4())

    def answer(contact_id: str, ticket_id: str, rep: str) -> tuple[int, str]:
        response = stack.session.get(f"{stack.url}{route.format(c=contact_id, t=ticket_id)}", headers=_sales(rep))
        return response.status_code, response.text.replace(contact_id, "<c>").replace(ticket_id, "<t>")

    # Rep A on rep B's contact, and on one that does not exist: the same 404
    theirs, missing = answer(contact["id"], ticket, "rep-a"), answer(nobody, no_ticket, "rep-a")
    assert theirs[0] == 404 and theirs == missing
    assert contact["email"] not in theirs[1]
    # The owner reads it
    assert answer(contact["id"], ticket, owner)[0] == 200


def test_the_reads_checked_include_every_service() -> None:
    services = {route.split("/")[1] for route in ROUTES}
    assert services == {"contacts", "pipeline", "service-desk", "loyalty", "campaigns"}
    assert "/contacts/{c}/timeline" in ROUTES and "/service-desk/tickets/{t}" in ROUTES


def test_an_erased_contact_leaves_no_personal_data_in_any_services_table(scan_stack: Any) -> None:
    stack = scan_stack  # its scans read only what this test wrote (tests/conftest.py)
    contact, _, _ = _owned(stack)
    e164 = contact["phone"]
    secrets = [contact["email"], e164, e164.removeprefix("+"), contact["first_name"], contact["last_name"]]
    ddb = aws(stack, "dynamodb")
    tables = [t for t in ddb.list_tables()["TableNames"] if t.startswith(f"crm-{stack.stage}-")]
    assert len(tables) >= 5

    def leaks() -> list[str]:
        found = []
        for table in tables:
            for page in ddb.get_paginator("scan").paginate(TableName=table):
                text = str(page["Items"])
                found += [f"{table}: {s}" for s in secrets if s in text]
        return found

    def clean() -> bool:
        found = leaks()
        assert not found, found
        return True

    # Before: the scan finds the person (contacts' profile, campaigns' message, the ticket)
    held = {leak.split(":")[0] for leak in leaks()}
    assert {f"crm-{stack.stage}-contacts", f"crm-{stack.stage}-campaigns", f"crm-{stack.stage}-service-desk"} <= held
    erased = stack.session.post(f"{stack.url}/contacts/{contact['id']}/erase", headers=headers(stack, "admin"))
    assert erased.status_code == 200, erased.text
    # After: every service heard ContactErased, and the outbox records of the person's events are gone
    eventually(clean, timeout=30)
