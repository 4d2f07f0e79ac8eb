"""Contact records over HTTP against moto's in-process DynamoDB: versions, dedup,
custom fields, lists by index, companies, duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalice.test import Client

from shared.testing import call, pending_outbox

SERVICE_DIR = Path(__file__).resolve().parents[3]
ADA = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}


def create(client: Client, **fields: Any) -> dict[str, Any]:
    response = call(client, "post", "/", {**ADA, **fields})
    assert response.status_code == 201, response.body
    created: dict[str, Any] = response.json
    return created


def test_a_full_record_is_stored_normalised_and_updated_with_if_match(client: Client) -> None:
    contact = create(
        client,
        phone="020 7946 0018",
        address={"country": "gb", "city": "London"},
        tags=["VIP"],
        lifecycle_stage="customer",
        birthday="1815-12-10",
    )
    assert contact["phone"] == "+442079460018" and contact["address"]["country"] == "GB"
    assert contact["tags"] == ["vip"] and contact["version"] == 1
    # Created as a customer: no LeadCreated, one ContactUpdated naming what was set
    [event] = pending_outbox("crm-dev-contacts")
    assert event.detail_type == "ContactUpdated" and "phone" in event.detail["data"]["changed"]

    path = f"/{contact['id']}"
    assert call(client, "patch", path, {"title": "Countess"}).status_code == 428
    updated = call(client, "patch", path, {"title": "Countess", "tags": ["vip", "math"]}, headers={"If-Match": '"1"'})
    assert updated.status_code == 200 and updated.headers["ETag"] == '"2"'
    assert updated.json["title"] == "Countess" and updated.json["phone"] == "+442079460018"
    stale = call(client, "patch", path, {"title": "Lady"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json["current_version"] == 2
    changed = pending_outbox("crm-dev-contacts")[-1].detail["data"]
    assert changed["changed"] == ["tags", "title"] and changed["city"] == "London"


def test_an_email_or_phone_in_use_is_a_409_or_an_upsert(client: Client) -> None:
    first = create(client, phone="+14155552671")
    by_phone = call(client, "post", "/", {**ADA, "email": "other@example.com", "phone": "(415) 555-2671"})
    assert by_phone.status_code == 422  # a national number needs a country
    by_phone = call(client, "post", "/", {**ADA, "email": "other@example.com", "phone": "+1 415 555 2671"})
    assert by_phone.status_code == 409 and by_phone.json["existing_id"] == first["id"]
    upsert = call(client, "post", "/?on_conflict=update", {**ADA, "title": "Analyst"})
    assert upsert.status_code == 200 and upsert.json["id"] == first["id"] and upsert.json["title"] == "Analyst"


def test_custom_fields_follow_their_definitions(client: Client) -> None:
    definition = {"name": "tier", "type": "enum", "options": ["gold", "silver"]}
    assert call(client, "post", "/fields", definition, role="sales").status_code == 403
    assert call(client, "post", "/fields", definition).status_code == 201
    assert call(client, "post", "/fields", definition).status_code == 409
    assert call(client, "post", "/fields", {"name": "x", "type": "enum"}).status_code == 422
    bad = call(client, "post", "/", {**ADA, "custom_fields": {"tier": "bronze"}})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "custom_fields.tier"
    assert create(client, custom_fields={"tier": "gold"})["custom_fields"] == {"tier": "gold"}
    assert [f["name"] for f in call(client, "get", "/fields", role="agent").json["items"]] == ["tier"]


def test_delete_releases_the_email_and_publishes_contact_deleted(client: Client) -> None:
    contact = create(client)
    assert call(client, "delete", f"/{contact['id']}", role="sales").status_code == 403
    assert call(client, "delete", f"/{contact['id']}", role="manager").status_code == 204
    assert call(client, "get", f"/{contact['id']}").status_code == 404
    assert pending_outbox("crm-dev-contacts")[-1].detail_type == "ContactDeleted"
    assert create(client)["id"] != contact["id"]


def test_lists_read_one_index_filter_the_rest_and_page_with_a_stable_cursor(client: Client) -> None:
    for n in range(7):
        create(
            client,
            email=f"p{n}@example.com",
            first_name=f"Pat{n}",
            last_name="Smith" if n % 2 else "Jones",
            tags=["vip"] if n < 5 else [],
            address={"country": "FR" if n % 3 else "DE", "city": "Paris"},
        )
    first = call(client, "get", "/?tag=vip&country=FR&limit=2").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = call(client, "get", f"/?tag=vip&country=FR&limit=2&cursor={first['next_cursor']}").json
    names = [c["first_name"] for c in first["items"] + rest["items"]]
    assert names == ["Pat1", "Pat2", "Pat4"] and rest["next_cursor"] is None
    assert [c["first_name"] for c in call(client, "get", "/?q=smi").json["items"]] == ["Pat1", "Pat3", "Pat5"]
    assert [c["first_name"] for c in call(client, "get", "/?q=p6@example.com").json["items"]] == ["Pat6"]
    assert len(call(client, "get", "/?limit=100").json["items"]) == 7
    assert (
        call(client, "get", "/?created_from=2000-01-01&city=paris&stage=lead").json["items"][0]["first_name"] == "Pat0"
    )
    assert call(client, "get", "/?created_to=2000-01-01").json["items"] == []
    assert call(client, "get", "/?created_from=yesterday").status_code == 400


def test_companies_have_unique_domains_and_versions(client: Client) -> None:
    made = call(client, "post", "/companies", {"name": "Engines", "domain": "WWW.Engines.io", "size": "small"})
    assert made.status_code == 201 and made.json["domain"] == "engines.io"
    again = call(client, "post", "/companies", {"name": "Engines 2", "domain": "engines.io"})
    assert again.status_code == 409 and again.json["existing_id"] == made.json["id"]
    path = f"/companies/{made.json['id']}"
    patched = call(client, "patch", path, {"industry": "computing"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200 and patched.json["version"] == 2
    assert call(client, "patch", path, {"size": "large"}, headers={"If-Match": '"1"'}).status_code == 409
    assert call(client, "get", path, role="agent").json["industry"] == "computing"
    assert [c["name"] for c in call(client, "get", "/companies").json["items"]] == ["Engines"]
    assert call(client, "post", "/companies", {"name": "X", "size": "huge"}).status_code == 422


def test_likely_duplicates_come_from_index_lookups_with_reasons(client: Client) -> None:
    me = create(client, company="Engines", phone="+14155552671")
    create(client, email="ada@other.org", first_name="Augusta", last_name="King")
    create(client, email="countess@example.com", company="engines")
    create(client, email="nobody@example.com", first_name="Grace", last_name="Hopper")
    found = call(client, "get", f"/{me['id']}/duplicates", role="agent").json["items"]
    reasons = {d["contact"]["email"]: d["reasons"] for d in found}
    assert set(reasons) == {"ada@other.org", "countess@example.com"}
    assert reasons["countess@example.com"] == ["same name and company"]
    assert found[0]["contact"]["email"] == "countess@example.com" and found[0]["score"] > found[1]["score"]
