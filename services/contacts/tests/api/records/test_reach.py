"""Record-level reach over HTTP against moto's in-process DynamoDB: a sales rep reads and
changes the contacts they own (token sub = their rep id), and nothing else; every other
staff role reaches every contact (contacts.reach)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from shared.auth import Role, issue_dev_token
from shared.events import Event, Outgoing, new_event
from shared.testing import call, failed_ids, pending_outbox, sqs_event

TABLE = "crm-dev-contacts"
REP_A, REP_B = "rep-a", "rep-b"


class LeadAssigned(Event):
    """What pipeline publishes (a service never imports another one)."""

    bus_source = "crm.pipeline"
    contact_id: str
    owner_id: str
    rule: str = "round_robin"


def as_(role: str, sub: str | None = None, **extra: str) -> dict[str, str]:
    token = issue_dev_token(role, subject=sub)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}


def create(client: Client, headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"email": f"c-{uuid.uuid4().hex[:10]}@example.com", "first_name": "Ada", "last_name": "Lovelace", **fields}
    response = call(client, "post", "/", body, headers=headers or as_("manager"))
    assert response.status_code == 201, response.body
    created: dict[str, Any] = response.json
    return created


def deliver(client: Client, *events: Outgoing) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def assign(client: Client, contact_id: str, rep: str) -> None:
    """Pipeline's LeadAssigned, through the contacts consumer as the bus delivers it."""
    deliver(client, new_event(LeadAssigned(contact_id=contact_id, owner_id=rep)))


def owned(client: Client, rep: str, **fields: Any) -> dict[str, Any]:
    contact = create(client, **fields)
    assign(client, contact["id"], rep)
    return contact


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.body
    return {c["id"] for c in response.json["items"]}


# --- one contact ----------------------------------------------------------------------


def test_a_rep_reads_and_changes_their_own_contact(client: Client) -> None:
    # Given a contact pipeline assigned to rep A
    contact = owned(client, REP_A)
    path = f"/{contact['id']}"
    rep = as_("sales", REP_A)
    # When rep A reads and updates it, and works on its history
    read = call(client, "get", path, headers=rep)
    assert read.status_code == 200 and read.json["owner_id"] == REP_A
    patched = call(client, "patch", path, {"title": "Countess"}, headers={**rep, "If-Match": read.headers["ETag"]})
    assert patched.status_code == 200 and patched.json["title"] == "Countess"
    interaction = {"kind": "call", "direction": "outbound", "summary": "intro", "occurred_at": "2026-01-05T10:00:00Z"}
    assert call(client, "post", f"{path}/interactions", interaction, headers=rep).status_code == 201
    consent = {"channel": "email", "purpose": "marketing", "granted": True, "source": "fair"}
    assert call(client, "post", f"{path}/consents", consent, headers=rep).status_code == 201
    # Then every read of its own contact answers
    for sub in ("timeline", "interactions", "metrics", "consents", "duplicates"):
        assert call(client, "get", f"{path}/{sub}", headers=rep).status_code == 200, sub


# Valid bodies (and headers) for the routes on a contact that take one: a route added
# without an entry here fails the test below, so that its author thinks about reach.
SAMPLES: dict[tuple[str, str], tuple[Any, dict[str, str]]] = {
    ("PATCH", "/{contact_id}"): ({"title": "x"}, {"If-Match": '"2"'}),
    ("POST", "/{contact_id}/interactions"): (
        {"kind": "call", "direction": "outbound", "summary": "hi", "occurred_at": "2026-01-05T10:00:00Z"},
        {},
    ),
    ("POST", "/{contact_id}/orders"): (
        {
            "order_id": "o-1",
            "amount": "10.00",
            "currency": "EUR",
            "channel": "phone",
            "occurred_at": "2026-01-05T10:00:00Z",
        },
        {},
    ),
    ("POST", "/{contact_id}/consents"): (
        {"channel": "email", "purpose": "marketing", "granted": True, "source": "x"},
        {},
    ),
    ("POST", "/{contact_id}/merge"): ({"other_id": "someone"}, {}),
    ("POST", "/{contact_id}/erase"): (None, {}),
}


def contact_routes() -> dict[tuple[str, str], frozenset[Role]]:
    """Every route on one contact, with the roles it admits."""
    from contacts.api import app

    return {
        (method, path): entry.view_function.crm_roles
        for path, methods in app.routes.items()
        if "{contact_id}" in path
        for method, entry in methods.items()
    }


def test_the_routes_on_a_contact_are_all_known_here() -> None:
    routes = contact_routes()
    assert len(routes) >= 10  # a sanity check that the app's routes were found
    for method, path in routes:
        assert method in ("GET", "DELETE") or (method, path) in SAMPLES, f"add a sample body for {method} {path}"


@pytest.mark.parametrize(("method", "path"), sorted(contact_routes()), ids=str)
def test_another_reps_contact_answers_exactly_like_a_missing_one(client: Client, method: str, path: str) -> None:
    # Given a contact of rep A
    contact = owned(client, REP_A)
    body, extra = SAMPLES.get((method, path), (None, {}))
    rep_b = as_("sales", REP_B, **extra)

    def answer(contact_id: str) -> tuple[int, str]:
        response = call(client, method, path.replace("{contact_id}", contact_id), body, headers=rep_b)
        return response.status_code, response.body.decode().replace(contact_id, "<id>")

    # When rep B calls the route on it, and on a contact that does not exist
    theirs, missing = answer(contact["id"]), answer(str(uuid.uuid4()))
    # Then: 404 (403 where the role is not admitted at all), word for word the same answer
    assert theirs[0] == (404 if Role.SALES in contact_routes()[method, path] else 403), theirs
    assert theirs == missing
    # ... and nothing changed
    after = call(client, "get", f"/{contact['id']}", headers=as_("manager"))
    assert after.json["version"] == 2 and after.json["title"] is None  # created, then assigned
    timeline = call(client, "get", f"/{contact['id']}/timeline", headers=as_("manager")).json["items"]
    assert [e["kind"] for e in timeline] == ["lead_assigned"]


def test_a_rep_cannot_upsert_into_another_reps_contact(client: Client) -> None:
    theirs = owned(client, REP_B, title="Countess")
    body = {"email": theirs["email"], "first_name": "Ada", "last_name": "Lovelace", "title": "Lady"}
    rep_a = as_("sales", REP_A)
    # ?on_conflict=update meets the same 409 as a plain create: no change, no read
    upsert = call(client, "post", "/?on_conflict=update", body, headers=rep_a)
    plain = call(client, "post", "/", body, headers=rep_a)
    assert upsert.status_code == plain.status_code == 409
    assert upsert.json == plain.json and "first_name" not in upsert.json
    assert call(client, "get", f"/{theirs['id']}", headers=as_("manager")).json["title"] == "Countess"
    # ... while the owner's upsert does update it
    mine = call(client, "post", "/?on_conflict=update", body, headers=as_("sales", REP_B))
    assert mine.status_code == 200 and mine.json["title"] == "Lady"


def test_a_duplicate_outside_reach_says_the_email_or_phone_is_taken_not_by_whom(client: Client) -> None:
    # Given rep B's contact with an email and a phone
    theirs = owned(client, REP_B, phone="+44 20 7946 0018")
    rep_a = as_("sales", REP_A)
    by_email = {"email": theirs["email"], "first_name": "Ada", "last_name": "Lovelace"}
    by_phone = {"email": f"x-{uuid.uuid4().hex[:8]}@example.com", "first_name": "A", "last_name": "B"}
    by_phone["phone"] = "+44 20 7946 0018"
    # When rep A creates (or upserts) a contact holding either
    for path in ("/", "/?on_conflict=update"):
        for body, field in ((by_email, "email"), (by_phone, "phone")):
            answer = call(client, "post", path, body, headers=rep_a)
            # Then a 409 names the field taken, and neither the holder's id nor anything of it
            assert answer.status_code == 409, answer.body
            assert "existing_id" not in answer.json and theirs["id"] not in answer.body.decode()
            assert [e["field"] for e in answer.json["errors"]] == [field]
    # ... a patch of rep A's own contact onto rep B's email is refused the same way
    mine = owned(client, REP_A)
    read = call(client, "get", f"/{mine['id']}", headers=rep_a)
    patch = call(
        client,
        "patch",
        f"/{mine['id']}",
        {"email": theirs["email"]},
        headers={**rep_a, "If-Match": read.headers["ETag"]},
    )
    assert patch.status_code == 409 and "existing_id" not in patch.json
    # ... while the holder's owner, and a manager, are told which contact holds it
    for headers in (as_("sales", REP_B), as_("manager")):
        named = call(client, "post", "/", by_email, headers=headers)
        assert named.status_code == 409 and named.json["existing_id"] == theirs["id"]


def test_duplicates_show_only_contacts_within_reach(client: Client) -> None:
    mine = owned(client, REP_A)
    theirs = owned(client, REP_B)  # same name: a likely duplicate
    found = call(client, "get", f"/{mine['id']}/duplicates", headers=as_("sales", REP_A))
    assert found.status_code == 200 and found.json["items"] == []
    found = call(client, "get", f"/{mine['id']}/duplicates", headers=as_("manager"))
    assert [d["contact"]["id"] for d in found.json["items"]] == [theirs["id"]]


# --- a lead a rep enters ----------------------------------------------------------------


def test_a_rep_keeps_the_lead_they_entered_until_pipeline_assigns_it(client: Client) -> None:
    # When rep A enters a lead
    lead = create(client, as_("sales", REP_A))
    # Then the POST returns it to them, and until it has an owner it is theirs to read and fix
    assert (lead["created_by"], lead["owner_id"]) == (REP_A, None)
    path = f"/{lead['id']}"
    fixed = call(client, "patch", path, {"title": "Dr"}, headers=as_("sales", REP_A, **{"If-Match": '"1"'}))
    assert fixed.status_code == 200
    assert call(client, "get", path, headers=as_("sales", REP_B)).status_code == 404
    # It joins a list by its owner: not yet in A's
    assert lead["id"] not in ids(call(client, "get", "/", headers=as_("sales", REP_A)))
    # When pipeline assigns it to rep B, it is B's alone
    assign(client, lead["id"], REP_B)
    assert call(client, "get", path, headers=as_("sales", REP_A)).status_code == 404
    assert call(client, "get", path, headers=as_("sales", REP_B)).status_code == 200
    assert lead["id"] in ids(call(client, "get", "/", headers=as_("sales", REP_B)))


# --- lists and search -------------------------------------------------------------------


def test_a_reps_list_and_search_hold_only_their_own_contacts_and_a_manager_sees_all(client: Client) -> None:
    ada = owned(client, REP_A, tags=["vip"], lifecycle_stage="customer")
    alan = owned(client, REP_A, first_name="Alan", last_name="Turing")
    byron = owned(client, REP_B, last_name="Byron", tags=["vip"])
    nobody = create(client)  # no owner yet, entered by a manager
    rep = as_("sales", REP_A)

    def listed(query: str = "", headers: dict[str, str] = rep) -> set[str]:
        return ids(call(client, "get", f"/{query}", headers=headers))

    assert listed() == {ada["id"], alan["id"]}
    assert listed("?q=ada") == {ada["id"]}  # Ada Byron is rep B's
    assert listed(f"?q={ada['email']}") == {ada["id"]}
    assert listed(f"?q={byron['email']}") == set()
    assert listed("?tag=vip") == {ada["id"]}
    assert listed("?stage=lead") == {alan["id"]}
    assert listed(f"?owner={REP_A}") == {ada["id"], alan["id"]}
    assert listed(f"?owner={REP_B}") == set()
    assert listed(f"?created_from={datetime.now(UTC).year - 1}-01-01") == {ada["id"], alan["id"]}
    # pages of one walk the rep's contacts only
    first = call(client, "get", "/?limit=1", headers=rep).json
    second = call(client, "get", f"/?limit=1&cursor={first['next_cursor']}", headers=rep).json
    assert {c["id"] for c in first["items"] + second["items"]} == {ada["id"], alan["id"]}
    assert second["next_cursor"] is None
    # Every other role sees every contact
    everyone = {ada["id"], alan["id"], byron["id"], nobody["id"]}
    for role in ("manager", "admin", "agent", "marketer"):
        assert listed("?limit=100", as_(role)) == everyone, role
    assert listed("?q=ada", as_("manager")) == {ada["id"], byron["id"], nobody["id"]}


def test_a_rep_gets_their_own_members_of_a_segment_from_the_contact_list(client: Client) -> None:
    # Given a segment of VIPs with a contact of each rep in it
    rules = {"all": [{"field": "tags", "op": "contains", "value": "vip"}]}
    created = call(client, "post", "/segments", {"name": "VIPs", "rules": rules}, headers=as_("marketer"))
    assert created.status_code == 201, created.body
    segment = created.json["id"]
    mine, _ = owned(client, REP_A, tags=["vip"]), owned(client, REP_A)
    theirs = owned(client, REP_B, tags=["vip"])
    deliver(client, *[e for e in pending_outbox(TABLE) if e.detail_type == "ContactUpdated"])
    assert ids(call(client, "get", f"/?segment={segment}", headers=as_("manager"))) == {mine["id"], theirs["id"]}
    # Then rep A's list by segment holds their own member only
    assert ids(call(client, "get", f"/?segment={segment}", headers=as_("sales", REP_A))) == {mine["id"]}
    assert ids(call(client, "get", f"/?segment={segment}&q=ada", headers=as_("sales", REP_A))) == {mine["id"]}
    # ... and the segment's whole audience is not for sales
    assert call(client, "get", f"/segments/{segment}/members", headers=as_("sales", REP_A)).status_code == 403
    members = call(client, "get", f"/segments/{segment}/members", headers=as_("agent")).json["items"]
    assert {m["contact_id"] for m in members} == {mine["id"], theirs["id"]}
