"""Records' write use cases (create, upsert, update, delete, owner) against the fake store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.fields.models import FieldDef, FieldType
from contacts.records.errors import DuplicateContact
from contacts.records.models import Address, ContactIn, ContactPatch, LifecycleStage
from contacts.records.usecases import create_contact, delete_contact, record_owner, update_contact
from services.contacts.tests.unit.records.fakes import T0, FakeContacts, a_contact, seeded
from shared.errors import NotFound, StaleVersion, Unprocessable
from shared.events import EventMetadata


def _data(**extra: object) -> ContactIn:
    return ContactIn.model_validate({"email": "Ada@Example.com", "first_name": "Ada", "last_name": "Lovelace", **extra})


def _kinds(repo: FakeContacts) -> list[str]:
    return [e.detail_type for e in repo.events]


def _cause(at_minutes: int, event_id: str = "ev-1") -> EventMetadata:
    return EventMetadata(
        event_id=event_id, event_version=1, occurred_at=T0 + timedelta(minutes=at_minutes), correlation_id="corr-9"
    )


# --- create ---------------------------------------------------------------------------


def test_a_lead_is_announced_with_lead_created_then_contact_updated_naming_what_was_set() -> None:
    # Given an empty store
    repo = FakeContacts()
    # When a rep creates a lead with a title and tags
    result = create_contact(_data(title="Countess", tags=["VIP"]), repo, created_by="rep-1", correlation_id="c-1")
    # Then it is stored at version 1, its email normalised, its creator kept
    assert result.created and result.contact.version == 1
    assert result.contact.email == "ada@example.com" and result.contact.created_by == "rep-1"
    # ... and two events share the correlation id; changed names exactly the fields given
    assert _kinds(repo) == ["LeadCreated", "ContactUpdated"]
    lead, updated = (e.detail for e in repo.events)
    assert lead["data"]["email"] == "ada@example.com"
    assert updated["data"]["changed"] == [
        "email",
        "first_name",
        "last_name",
        "lifecycle_stage",
        "tags",
        "title",
    ]
    assert updated["data"]["tags"] == ["vip"]
    assert {lead["metadata"]["correlation_id"], updated["metadata"]["correlation_id"]} == {"c-1"}
    # ... and it carries the profile fields that were set, the others null
    profile = {k: updated["data"][k] for k in ("email", "first_name", "last_name", "phone", "birthday")}
    assert profile == {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": None,
        "birthday": None,
    }


def test_a_customer_is_not_a_lead() -> None:
    # Given/When a contact created straight as a customer
    repo = FakeContacts()
    create_contact(_data(lifecycle_stage="customer"), repo)
    # Then only ContactUpdated goes out
    assert _kinds(repo) == ["ContactUpdated"]
    assert repo.events[0].detail["data"]["lifecycle_stage"] == "customer"


def test_phones_are_read_in_the_contacts_country_and_secondary_values_deduplicated() -> None:
    # Given a GB address and national numbers, one repeated, and the primary email repeated
    repo = FakeContacts()
    data = _data(
        address={"country": "gb"},
        phone="020 7946 0018",
        other_phones=["+44 20 7946 0018", "020 7946 0019"],
        other_emails=["ADA@example.com", "ada@work.org"],
    )
    # When it is created
    contact = create_contact(data, repo).contact
    # Then phones are E.164 and nothing repeats the primary values
    assert contact.phone == "+442079460018" and contact.other_phones == ["+442079460019"]
    assert contact.other_emails == ["ada@work.org"]


def test_bad_phone_and_custom_fields_are_all_named_and_nothing_is_written() -> None:
    # Given a required enum custom field
    tier = FieldDef(name="tier", type=FieldType.ENUM, options=["gold"], required=True, created_at=T0)
    repo = FakeContacts([tier])
    # When the create carries a number without a country and no tier
    with pytest.raises(Unprocessable) as raised:
        create_contact(_data(phone="020 7946 0018"), repo)
    # Then both problems are reported, and nothing is stored or announced
    assert [e["field"] for e in raised.value.extensions["errors"]] == ["phone", "custom_fields.tier"]
    assert repo.profiles == {} and repo.events == []


def test_a_second_contact_with_a_held_email_is_a_duplicate_naming_the_holder() -> None:
    # Given a contact holding ada@example.com
    repo = seeded(a_contact(id="first"))
    # When another contact is created with that email (in another case)
    with pytest.raises(DuplicateContact) as raised:
        create_contact(_data(), repo)
    # Then the holder is named and nothing else was stored or announced
    assert raised.value.extensions["existing_id"] == "first"
    assert list(repo.profiles) == ["first"] and repo.events == []


def test_upsert_updates_the_visible_holder_with_only_the_fields_given() -> None:
    # Given a customer holding the phone, owned by rep-1, with a source
    repo = seeded(
        a_contact(
            id="held",
            email="other@example.com",
            phone="+442079460018",
            lifecycle_stage=LifecycleStage.CUSTOMER,
            source="fair",
            owner_id="rep-1",
        )
    )
    # When rep-1 creates with on_conflict=update, same phone, a new title
    data = _data(email="other@example.com", phone="+44 20 7946 0018", title="Countess")
    result = create_contact(data, repo, on_conflict_update=True, visible=lambda c: c.owner_id == "rep-1")
    # Then the holder is updated, not created; untouched fields (stage, source) stay
    assert not result.created and result.contact.id == "held" and result.contact.version == 2
    assert result.contact.title == "Countess"
    assert result.contact.lifecycle_stage is LifecycleStage.CUSTOMER and result.contact.source == "fair"
    # ... and one ContactUpdated names only what changed (no LeadCreated for an upsert)
    assert _kinds(repo) == ["ContactUpdated"]
    assert repo.events[0].detail["data"]["changed"] == ["title"]
    # ... and carries no profile value it did not change (the email stays null in it)
    assert repo.events[0].detail["data"]["email"] is None


def test_upsert_into_a_contact_outside_reach_meets_the_duplicate_and_changes_nothing() -> None:
    # Given a contact owned by rep-2
    repo = seeded(a_contact(id="theirs", owner_id="rep-2", title="Countess"))
    # When rep-1 upserts with the same email
    with pytest.raises(DuplicateContact):
        create_contact(_data(title="Lady"), repo, on_conflict_update=True, visible=lambda c: c.owner_id == "rep-1")
    # Then rep-2's contact is untouched
    assert repo.profiles["theirs"].title == "Countess" and repo.profiles["theirs"].version == 1
    assert repo.events == []


def test_a_duplicate_outside_reach_does_not_name_the_holder() -> None:
    # Given a contact owned by rep-2
    repo = seeded(a_contact(id="theirs", owner_id="rep-2"))
    # When rep-1 creates a contact with the same email
    with pytest.raises(DuplicateContact) as raised:
        create_contact(_data(), repo, visible=lambda c: c.owner_id == "rep-1")
    # Then the 409 does not tell rep-1 the id of a contact they cannot see
    assert "existing_id" not in raised.value.extensions


# --- update -----------------------------------------------------------------------------


def test_an_update_naming_an_old_version_is_stale_and_tells_the_current_one() -> None:
    # Given a contact at version 1
    repo = seeded(a_contact())
    # When a patch names version 0
    with pytest.raises(StaleVersion) as raised:
        update_contact("c1", ContactPatch(title="Countess"), 0, repo)
    # Then the caller learns version 1 is current, and nothing changed
    assert raised.value.extensions["current_version"] == 1
    assert repo.profiles["c1"].title is None and repo.events == []


def test_an_update_outside_reach_is_answered_like_a_missing_contact() -> None:
    # Given rep-2's contact
    repo = seeded(a_contact(owner_id="rep-2"))
    # When rep-1 patches it, and a contact that does not exist
    for contact_id in ("c1", "nope"):
        with pytest.raises(NotFound) as raised:
            update_contact(contact_id, ContactPatch(title="x"), 1, repo, visible=lambda c: c.owner_id == "rep-1")
        # Then both answers are the same "not found"
        assert str(raised.value) == f"contact {contact_id} not found"
    assert repo.profiles["c1"].title is None


def test_a_patch_that_changes_nothing_writes_nothing() -> None:
    # Given a contact titled Countess
    repo = seeded(a_contact(title="Countess"))
    # When the same title is patched in
    after = update_contact("c1", ContactPatch(title="Countess"), 1, repo)
    # Then the version stays and no event goes out
    assert after.version == 1 and repo.events == []


def test_patched_custom_fields_merge_into_the_contacts_and_null_removes_one() -> None:
    # Given two optional custom fields, both set
    defs = [
        FieldDef(name="score", type=FieldType.NUMBER, max=10, created_at=T0),
        FieldDef(name="since", type=FieldType.DATE, created_at=T0),
    ]
    repo = seeded(a_contact(custom_fields={"score": 3, "since": "2024-01-01"}), defs=defs)
    # When a patch changes score and removes since
    after = update_contact("c1", ContactPatch(custom_fields={"score": 7, "since": None}), 1, repo)
    # Then the merged set is kept, and the change is announced as custom_fields only
    assert after.custom_fields == {"score": 7} and after.version == 2
    assert repo.events[0].detail["data"]["changed"] == ["custom_fields"]


def test_an_invalid_patched_custom_field_is_refused() -> None:
    # Given a number field with a maximum
    defs = [FieldDef(name="score", type=FieldType.NUMBER, max=10, created_at=T0)]
    repo = seeded(a_contact(), defs=defs)
    # When the patch goes over it
    with pytest.raises(Unprocessable) as raised:
        update_contact("c1", ContactPatch(custom_fields={"score": 11}), 1, repo)
    # Then the field is named and nothing changed
    assert raised.value.extensions["errors"][0]["field"] == "custom_fields.score"
    assert repo.profiles["c1"].custom_fields == {} and repo.events == []


def test_a_patched_national_phone_is_read_in_the_stored_address_country() -> None:
    # Given a contact in GB
    repo = seeded(a_contact(address=Address(country="GB")))
    # When only the phone is patched, in national form
    after = update_contact("c1", ContactPatch(phone="020 7946 0018"), 1, repo)
    # Then it is read as a GB number, and only the phone changed
    assert after.phone == "+442079460018"
    assert repo.events[0].detail["data"]["changed"] == ["phone"]


def test_patching_in_an_email_another_contact_holds_is_a_duplicate() -> None:
    # Given two contacts
    repo = seeded(a_contact(), a_contact(id="c2", email="grace@example.com"))
    # When c1 takes c2's email
    with pytest.raises(DuplicateContact) as raised:
        update_contact("c1", ContactPatch(email="grace@example.com"), 1, repo)
    # Then c2 is named and c1 keeps its email
    assert raised.value.extensions["existing_id"] == "c2"
    assert repo.profiles["c1"].email == "ada@example.com"


# --- delete -----------------------------------------------------------------------------


def test_deleting_announces_contact_deleted_and_a_missing_one_is_not_found() -> None:
    # Given a contact
    repo = seeded(a_contact())
    # When it is deleted
    deletion = delete_contact("c1", repo, correlation_id="c-7")
    # Then it is gone, with one ContactDeleted
    assert repo.get("c1") is None
    # ... and the answer says what is kept until an erasure, and where that is
    assert (deletion.id, deletion.deleted, deletion.erase) == ("c1", True, "/contacts/c1/erase")
    assert deletion.kept == ["orders", "refunds", "interactions", "timeline", "metrics", "consents"]
    assert repo.deleted == {"c1": deletion.deleted_at}
    assert _kinds(repo) == ["ContactDeleted"]
    assert repo.events[0].detail["data"] == {"contact_id": "c1"}
    assert repo.events[0].detail["metadata"]["correlation_id"] == "c-7"
    # ... and deleting it again is not found
    with pytest.raises(NotFound):
        delete_contact("c1", repo)


# --- owner (pipeline's LeadAssigned) -----------------------------------------------------


def test_an_assignment_records_the_owner_as_a_follow_up_of_its_cause() -> None:
    # Given an unowned lead
    repo = seeded(a_contact())
    # When LeadAssigned names rep-1
    assert record_owner("c1", "rep-1", _cause(5), repo) is True
    # Then the owner is set, and ContactUpdated follows the cause (correlation + causation)
    assert repo.profiles["c1"].owner_id == "rep-1"
    [event] = repo.events
    assert event.detail["data"]["changed"] == ["owner_id"] and event.detail["data"]["owner_id"] == "rep-1"
    assert event.detail["metadata"]["correlation_id"] == "corr-9"
    assert event.detail["metadata"]["causation_id"] == "ev-1"


def test_a_redelivered_or_older_assignment_changes_nothing_and_a_newer_one_wins() -> None:
    # Given a lead assigned to rep-1 at minute 5
    repo = seeded(a_contact())
    record_owner("c1", "rep-1", _cause(5), repo)
    # When the same event is delivered again, and an assignment from minute 3 arrives late
    assert record_owner("c1", "rep-1", _cause(5), repo) is False
    assert record_owner("c1", "rep-0", _cause(3, "ev-0"), repo) is False
    # Then rep-1 stays, with a single event
    assert repo.profiles["c1"].owner_id == "rep-1" and len(repo.events) == 1
    # When an assignment from minute 9 arrives
    assert record_owner("c1", "rep-2", _cause(9, "ev-2"), repo) is True
    # Then it wins
    assert repo.profiles["c1"].owner_id == "rep-2"


def test_an_edit_between_assignments_keeps_the_assignment_time() -> None:
    # Given a lead assigned at minute 5, then edited by a user
    repo = seeded(a_contact())
    record_owner("c1", "rep-1", _cause(5), repo)
    update_contact("c1", ContactPatch(title="Countess"), 2, repo)
    # When an older assignment arrives afterwards
    # Then it is still recognised as older: the owner stays
    assert record_owner("c1", "rep-0", _cause(3, "ev-0"), repo) is False
    assert repo.profiles["c1"].owner_id == "rep-1"


def test_an_assignment_of_an_unknown_contact_is_dropped() -> None:
    assert record_owner("nope", "rep-1", _cause(5), FakeContacts()) is False


def test_an_assignment_reads_again_after_a_concurrent_change_and_gives_up_after_three() -> None:
    # Given a contact that changes once under the assignment
    repo = seeded(a_contact())
    repo.conflicts_to_raise = 1
    # When the assignment is recorded
    # Then the second attempt succeeds
    assert record_owner("c1", "rep-1", _cause(5), repo) is True
    assert repo.profiles["c1"].owner_id == "rep-1"
    # Given a contact that keeps changing
    repo = seeded(a_contact())
    repo.conflicts_to_raise = 3
    # Then the assignment fails (the event is retried later) without a write
    with pytest.raises(StaleVersion):
        record_owner("c1", "rep-1", _cause(5), repo)
    assert repo.profiles["c1"].owner_id is None and repo.events == []


def test_a_changed_name_or_language_travels_with_contact_updated_and_a_cleared_phone_as_null() -> None:
    # Given a contact with a phone
    repo = FakeContacts()
    created = create_contact(_data(phone="+442079460018"), repo).contact
    repo.events.clear()
    # When its first name and language change and its phone is cleared
    patch = ContactPatch.model_validate({"first_name": "Augusta", "language": "en", "phone": None})
    update_contact(created.id, patch, created.version, repo)
    # Then ContactUpdated names them and carries their new values (null for the cleared phone)
    data = repo.events[0].detail["data"]
    assert data["changed"] == ["first_name", "language", "phone"]
    assert (data["first_name"], data["language"], data["phone"], data["last_name"]) == ("Augusta", "en", None, None)
