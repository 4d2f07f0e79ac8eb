"""Import use cases (create, start, process a chunk, give up, settle a dead chunk) against
in-memory fakes of their ports (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contacts.imports.models import ImportStatus, RowStatus, row_contact_id
from contacts.imports.usecases import (
    LEASE_SECONDS,
    ChunkBusy,
    create_import,
    get_import,
    give_up_chunk,
    process_chunk,
    settle_dead_chunk,
    start_import,
)
from contacts.records.models import Contact, LifecycleStage
from contacts.table.keys import email_claim_pk, suppression_pk
from services.contacts.tests.unit.imports.fakes import FakeContacts, FakeImports
from shared.errors import NotFound, Unprocessable

HEADER = "email,first_name,last_name,phone,tags\n"
AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def given_a_started_import(csv: str) -> tuple[FakeImports, FakeContacts, str]:
    contacts = FakeContacts()
    imports = FakeImports(contacts)
    job = create_import(imports)
    imports.uploads[job.id] = (HEADER + csv).encode()
    start_import(job.id, imports)
    return imports, contacts, job.id


def existing(email: str, **fields: object) -> Contact:
    values = {"first_name": "Old", "last_name": "Name", "lifecycle_stage": LifecycleStage.CUSTOMER, **fields}
    return Contact(id=f"id-{email}", email=email, created_at=AT, updated_at=AT, version=3, **values)


def test_a_new_import_awaits_its_upload_and_has_an_upload_url() -> None:
    # Given an empty store
    imports = FakeImports(FakeContacts())
    # When an import is created
    job = create_import(imports)
    # Then it waits for its file, with a URL to put it to, and can be read back
    assert job.status is ImportStatus.AWAITING_UPLOAD
    assert job.upload_url and job.id in job.upload_url
    assert get_import(job.id, imports).status is ImportStatus.AWAITING_UPLOAD
    with pytest.raises(NotFound):
        get_import("no-such-import", imports)


def test_starting_before_the_upload_is_a_field_error_and_leaves_the_job_waiting() -> None:
    imports = FakeImports(FakeContacts())
    job = create_import(imports)
    with pytest.raises(Unprocessable) as raised:
        start_import(job.id, imports)
    assert raised.value.extensions["errors"] == [{"field": "file", "message": "missing"}]
    assert imports.jobs[job.id].status is ImportStatus.AWAITING_UPLOAD and imports.sent == []


def test_start_skips_a_duplicate_within_the_file_queues_the_rest_and_drops_the_file() -> None:
    # Given a file where row 3 repeats row 1's email (in another case)
    imports, _, import_id = given_a_started_import(
        "ada@example.com,Ada,Lovelace,,\nalan@example.com,Alan,Turing,,\nADA@example.com,Ada,Again,,\n"
    )
    # Then row 3 is skipped as a duplicate of row 1, the others travel in one chunk
    [skipped] = imports.rows(import_id).values()
    assert (skipped.row, skipped.status) == (3, RowStatus.SKIPPED)
    assert skipped.errors == [{"field": "email", "message": "duplicate of row 1 in this file"}]
    [chunk] = imports.sent
    assert [number for number, _ in chunk["rows"]] == [1, 2]
    job = imports.jobs[import_id]
    assert (job.status, job.total, job.skipped, job.processed) == (ImportStatus.RUNNING, 3, 1, 1)
    # And the personal data in the file is not kept
    assert import_id not in imports.uploads


def test_a_second_start_returns_the_job_and_queues_nothing_more() -> None:
    imports, _, import_id = given_a_started_import("ada@example.com,Ada,Lovelace,,\n")
    # When the upload event and the client's POST .../start both start it
    again = start_import(import_id, imports)
    assert again.status is ImportStatus.RUNNING and len(imports.sent) == 1


def test_a_file_with_no_rows_completes_at_once() -> None:
    imports, _, import_id = given_a_started_import("")
    assert imports.jobs[import_id].status is ImportStatus.COMPLETED and imports.sent == []


def test_bad_rows_become_errors_and_never_stop_the_good_ones() -> None:
    # Given a chunk with an invalid email between two good rows
    imports, contacts, import_id = given_a_started_import(
        "ada@example.com,Ada,Lovelace,,vip;newsletter\nnot-an-email,Bad,Row,,\nalan@example.com,Alan,Turing,,\n"
    )
    # When the chunk is processed
    counts = process_chunk(imports.sent[0], imports, contacts)
    # Then the good rows are created (ids derived from the row), the bad one names its field
    assert counts == {"created": 2, "updated": 0, "skipped": 0, "errors": 1, "processed": 3}
    rows = imports.rows(import_id)
    assert rows[2].status is RowStatus.ERROR and rows[2].errors[0]["field"] == "email"
    ada = contacts.rows[row_contact_id(import_id, 1)]
    assert (ada.email, ada.tags, ada.lifecycle_stage) == ("ada@example.com", ["vip", "newsletter"], LifecycleStage.LEAD)
    assert contacts.claims[email_claim_pk("alan@example.com")] == row_contact_id(import_id, 3)
    # And one ContactsImported names the new contacts, and the job is complete
    [event] = imports.events
    assert event.detail_type == "ContactsImported"
    assert event.detail["data"]["created"] == [row_contact_id(import_id, 1), row_contact_id(import_id, 3)]
    assert imports.jobs[import_id].status is ImportStatus.COMPLETED


def test_a_row_for_an_existing_email_updates_that_contact() -> None:
    # Given Ada already exists (a customer, with a title)
    contacts = FakeContacts()
    contacts.store(existing("ada@example.com", title="Countess"))
    imports = FakeImports(contacts)
    job = create_import(imports)
    imports.uploads[job.id] = (HEADER + "ADA@example.com,Ada,Byron,,\n").encode()
    start_import(job.id, imports)
    # When her row is imported
    counts = process_chunk(imports.sent[0], imports, contacts)
    # Then she is updated, not duplicated: her stage and title stay, her name changes
    assert counts["updated"] == 1 and counts["created"] == 0
    ada = contacts.rows["id-ada@example.com"]
    assert (ada.last_name, ada.title, ada.lifecycle_stage, ada.version) == ("Byron", "Countess", "customer", 4)
    assert [e.detail_type for e in contacts.events] == ["ContactUpdated"]
    assert contacts.events[0].detail["data"]["changed"] == ["first_name", "last_name"]
    assert imports.events[0].detail["data"] == {"import_id": job.id, "created": [], "updated": ["id-ada@example.com"]}


def test_a_chunk_delivered_again_after_it_finished_counts_nothing() -> None:
    imports, contacts, import_id = given_a_started_import("ada@example.com,Ada,Lovelace,,\n")
    process_chunk(imports.sent[0], imports, contacts)
    # When SQS delivers the same chunk once more
    assert process_chunk(imports.sent[0], imports, contacts) == {}
    job = imports.jobs[import_id]
    assert (job.created, job.processed) == (1, 1) and len(imports.events) == 1


def test_a_chunk_another_delivery_holds_is_busy_and_writes_nothing() -> None:
    imports, contacts, import_id = given_a_started_import("ada@example.com,Ada,Lovelace,,\n")
    # Given another delivery of the chunk holds its lease
    assert imports.lease_chunk(import_id, 0, LEASE_SECONDS)
    # When this delivery tries it
    with pytest.raises(ChunkBusy):
        process_chunk(imports.sent[0], imports, contacts)
    # Then nothing was written or counted
    assert contacts.rows == {} and imports.events == [] and imports.jobs[import_id].processed == 0


def test_a_phone_held_by_another_contact_or_repeated_in_the_chunk_is_a_row_error() -> None:
    contacts = FakeContacts()
    contacts.store(existing("grace@example.com", phone="+33612345678"))
    imports = FakeImports(contacts)
    job = create_import(imports)
    imports.uploads[job.id] = (
        HEADER + "ada@example.com,Ada,L,+33612345678,\nalan@example.com,Alan,T,+33698765432,\n"
        "kurt@example.com,Kurt,G,+33698765432,\n"
    ).encode()
    start_import(job.id, imports)
    process_chunk(imports.sent[0], imports, contacts)
    rows = imports.rows(job.id)
    phone_error = [{"field": "phone", "message": "belongs to another contact"}]
    assert (rows[1].status, rows[1].errors) == (RowStatus.ERROR, phone_error)
    assert rows[2].status is RowStatus.CREATED
    assert (rows[3].status, rows[3].errors) == (RowStatus.ERROR, phone_error)


def test_an_erased_person_is_not_brought_back_by_an_older_file() -> None:
    imports, contacts, import_id = given_a_started_import("ada@example.com,Ada,Lovelace,,\n")
    imports.suppressed.add(suppression_pk(email_claim_pk("ada@example.com")))
    counts = process_chunk(imports.sent[0], imports, contacts)
    assert counts["skipped"] == 1 and contacts.rows == {}
    assert imports.rows(import_id)[1].status is RowStatus.SKIPPED
    assert imports.events == []  # nothing created or updated: no event


def test_a_contact_created_meanwhile_keeps_its_email_and_the_row_says_so() -> None:
    imports, contacts, import_id = given_a_started_import("ada@example.com,Ada,Lovelace,,\n")
    # Given an API create claims Ada's email between the chunk's read and its write
    imports.taken_meanwhile = {email_claim_pk("ada@example.com"): "created-by-api"}
    counts = process_chunk(imports.sent[0], imports, contacts)
    row = imports.rows(import_id)[1]
    assert row.status is RowStatus.ERROR and "created meanwhile" in row.errors[0]["message"]
    assert counts["created"] == 0 and counts["errors"] == 1 and imports.events == []
    assert contacts.claims[email_claim_pk("ada@example.com")] == "created-by-api"


def test_a_row_whose_contact_changed_meanwhile_is_an_error_to_retry() -> None:
    contacts = FakeContacts()
    ada = contacts.store(existing("ada@example.com"))
    imports = FakeImports(contacts)
    job = create_import(imports)
    imports.uploads[job.id] = (HEADER + "ada@example.com,Ada,Byron,,\n").encode()
    start_import(job.id, imports)

    # Given Ada changes between the chunk reading her and writing her
    original_get = contacts.get

    def stale_get(contact_id: str) -> Contact | None:
        current = original_get(contact_id)
        contacts.rows[ada.id] = ada.model_copy(update={"version": ada.version + 1})
        return current

    contacts.get = stale_get
    counts = process_chunk(imports.sent[0], imports, contacts)
    assert counts["errors"] == 1 and counts["updated"] == 0
    assert imports.rows(job.id)[1].errors == [{"field": "row", "message": "changed meanwhile; retry"}]


def test_giving_up_marks_every_row_failed_and_completes_the_job() -> None:
    imports, contacts, import_id = given_a_started_import("ada@example.com,Ada,L,,\nalan@example.com,Alan,T,,\n")
    # When the chunk failed on its last delivery
    counts = give_up_chunk(imports.sent[0], "TimeoutError", imports)
    # Then both rows say so and the job no longer waits for the chunk
    assert counts == {"errors": 2, "processed": 2}
    rows = imports.rows(import_id)
    assert {r.status for r in rows.values()} == {RowStatus.ERROR}
    assert "TimeoutError" in rows[1].errors[0]["message"]
    assert imports.jobs[import_id].status is ImportStatus.COMPLETED
    # And a late delivery finds it done
    assert process_chunk(imports.sent[0], imports, contacts) == {}
    assert give_up_chunk(imports.sent[0], "again", imports) == {}


def test_a_dead_chunk_is_settled_only_once_its_lease_expired() -> None:
    imports, _, import_id = given_a_started_import("ada@example.com,Ada,L,,\n")
    # Given a worker took the chunk and died
    assert imports.lease_chunk(import_id, 0, LEASE_SECONDS)
    # When the dead-letter function sees it while the lease still runs: busy, try later
    with pytest.raises(ChunkBusy):
        settle_dead_chunk(imports.sent[0], imports)
    assert imports.jobs[import_id].status is ImportStatus.RUNNING
    # When the lease expired
    imports.now += LEASE_SECONDS + 1
    assert settle_dead_chunk(imports.sent[0], imports) == {"errors": 1, "processed": 1}
    # Then its row is an error, the job completes and the lease is released
    assert imports.rows(import_id)[1].status is RowStatus.ERROR
    assert imports.jobs[import_id].status is ImportStatus.COMPLETED
    assert (import_id, 0) not in imports.leases
    assert settle_dead_chunk(imports.sent[0], imports) == {}
