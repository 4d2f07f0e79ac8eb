"""CSV import use-cases: create a job, start it (split into chunks), process one chunk."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contacts.events import ContactsImported
from contacts.fields.models import FieldDef
from contacts.imports.models import (
    ImportJob,
    ImportStatus,
    RowResult,
    RowStatus,
    new_contact,
    read_rows,
    row_contact_id,
    split,
    to_contact_in,
)
from contacts.imports.ports import ImportChunks, ImportJobs
from contacts.records.errors import DuplicateContact
from contacts.records.models import Contact, ContactPatch
from contacts.records.usecases import Contacts, apply_patch
from contacts.table.keys import email_claim_pk, phone_claim_pk
from shared.errors import NotFound, StaleVersion, Unprocessable
from shared.events import new_event
from shared.observability import logger


def create_import(imports: ImportJobs) -> ImportJob:
    job = ImportJob(id=str(uuid.uuid4()), status=ImportStatus.AWAITING_UPLOAD, created_at=datetime.now(UTC))
    imports.add_job(job)
    return job.model_copy(update={"upload_url": imports.upload_url(job.id)})


def get_import(import_id: str, imports: ImportJobs) -> ImportJob:
    job = imports.get_job(import_id)
    if job is None:
        raise NotFound(f"import {import_id} not found")
    return job


def start_import(import_id: str, imports: ImportJobs) -> ImportJob:
    """Read the uploaded CSV once, skip in-file duplicates, queue the chunks.

    Idempotent: the upload's S3 event (import_uploaded) and the client's POST .../start may
    both come; one starts the job, the other gets it as it is."""
    job = get_import(import_id, imports)
    if job.status is not ImportStatus.AWAITING_UPLOAD:
        return job
    data = imports.read_upload(import_id)
    if data is None:
        job = get_import(import_id, imports)
        if job.status is not ImportStatus.AWAITING_UPLOAD:
            return job  # the other starter queued the chunks and deleted the file meanwhile
        raise Unprocessable("upload the CSV to upload_url first", errors=[{"field": "file", "message": "missing"}])
    chunks, skipped, total = split(read_rows(data))
    imports.write_results(import_id, skipped)  # the same items whoever starts it
    if not imports.start_job(import_id, total, len(skipped)):
        return get_import(import_id, imports)  # the other starter won: it queues the chunks
    if total == len(skipped):
        imports.finish_chunk(import_id, 999_999, {"processed": 0}, None)
    # One creation time for every row: a redelivered chunk re-creates identical items.
    imports.send_chunks(import_id, chunks, datetime.now(UTC).isoformat())
    # The rows now travel in the chunks: the file (personal data) is not kept a day longer.
    imports.delete_upload(import_id)
    return get_import(import_id, imports)


ERASED_ROW = {"field": "email", "message": "this person's data was erased on their request: not imported"}

# ImportWorker's timeout (resources.yaml): past it, the holder of a lease is gone.
LEASE_SECONDS = 120


class ChunkBusy(Exception):
    """Another delivery of the same chunk is running: try again later, never give up on it."""


def process_chunk(message: dict[str, Any], imports: ImportChunks, contacts: Contacts) -> dict[str, int]:
    """One chunk: bad rows become error results, never blocking the good ones; new
    contacts are batch-written, existing ones (same email) updated one by one."""
    import_id, chunk = str(message["import_id"]), int(message["chunk"])
    if imports.chunk_done(import_id, chunk):
        return {}
    if not imports.lease_chunk(import_id, chunk, LEASE_SECONDS):
        raise ChunkBusy(f"chunk {chunk} of import {import_id} is being processed by another delivery")
    defs = contacts.field_defs()
    results: list[RowResult] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for number, row in message["rows"]:
        values, errors = to_contact_in(row, defs)
        if values is None:
            results.append(RowResult(row=number, status=RowStatus.ERROR, errors=errors))
        else:
            valid.append((number, values))
    at = datetime.fromisoformat(message["at"]) if "at" in message else datetime.now(UTC)
    placed, fresh, updated = _place_rows(import_id, valid, at, imports=imports, contacts=contacts, defs=defs)
    lost = imports.add_many(fresh)
    raced = {"field": "email", "message": "taken by a contact created meanwhile; import the row again to update it"}
    results = [
        RowResult(row=r.row, status=RowStatus.ERROR, errors=[raced]) if r.contact_id in lost else r
        for r in results + placed
    ]
    created = [r.contact_id for r in results if r.status is RowStatus.CREATED and r.contact_id]
    imports.write_results(import_id, results)
    counts = _counts(results)
    event = (
        new_event(ContactsImported(import_id=import_id, created=created, updated=updated))
        if created or updated
        else None
    )
    imports.finish_chunk(import_id, chunk, counts, event)
    return counts


def _place_rows(
    import_id: str,
    valid: list[tuple[int, dict[str, Any]]],
    at: datetime,
    *,
    imports: ImportChunks,
    contacts: Contacts,
    defs: list[FieldDef],
) -> tuple[list[RowResult], list[Contact], list[str]]:
    """Where each valid row goes: a new contact (to batch-write), an update of the contact
    holding its email (done here), or an error/skip. Returns the rows' results, the new
    contacts and the ids updated."""
    keys = [email_claim_pk(v["email"]) for _, v in valid] + [
        phone_claim_pk(v["phone"]) for _, v in valid if v.get("phone")
    ]
    holders = imports.claim_holders(keys)
    # A person erased on request is not brought back by an older file; one who came back
    # since (their email claimed again) is updated as usual.
    erased = imports.erased([k for _, v in valid if (k := email_claim_pk(v["email"])) not in holders])
    results: list[RowResult] = []
    fresh: list[Contact] = []
    phones_taken: dict[str, int] = {}
    updated: list[str] = []
    for number, values in valid:
        new_id = row_contact_id(import_id, number)
        email = email_claim_pk(values["email"])
        owner = holders.get(email)
        if email in erased:
            results.append(RowResult(row=number, status=RowStatus.SKIPPED, errors=[ERASED_ROW]))
            continue
        phone = values.get("phone")
        phone_owner = holders.get(phone_claim_pk(phone)) if phone else None
        if owner is None or owner == new_id:  # == new_id: this chunk's earlier delivery
            if phone_owner not in (None, new_id) or (phone and phone in phones_taken):
                error = {"field": "phone", "message": "belongs to another contact"}
                results.append(RowResult(row=number, status=RowStatus.ERROR, errors=[error]))
                continue
            if phone:
                phones_taken[phone] = number
            contact = new_contact(values, at, new_id)
            fresh.append(contact)
            results.append(RowResult(row=number, status=RowStatus.CREATED, contact_id=contact.id))
            continue
        results.append(_update_row(import_id, number, owner, values, contacts=contacts, defs=defs))
        if results[-1].status is RowStatus.UPDATED:
            updated.append(owner)
    return results, fresh, updated


def _counts(results: list[RowResult]) -> dict[str, int]:
    """The job's counters a chunk adds to (the job's ``errors`` is RowStatus.ERROR's)."""
    counts = {s.value: sum(r.status is s for r in results) for s in (RowStatus.CREATED, RowStatus.UPDATED)}
    counts["skipped"] = sum(r.status is RowStatus.SKIPPED for r in results)
    counts["errors"] = sum(r.status is RowStatus.ERROR for r in results)
    return {**counts, "processed": len(results)}


def give_up_chunk(message: dict[str, Any], reason: str, imports: ImportChunks) -> dict[str, int]:
    """The chunk failed on its last delivery: every row of it becomes an error result, so
    the job still completes and says which rows need another try, instead of waiting
    forever for a chunk that went to the dead-letter queue."""
    import_id, chunk = str(message["import_id"]), int(message["chunk"])
    if imports.chunk_done(import_id, chunk):
        return {}
    error = {"field": "row", "message": f"could not be processed ({reason}); import it again"}
    results = [RowResult(row=number, status=RowStatus.ERROR, errors=[error]) for number, _ in message["rows"]]
    imports.write_results(import_id, results)
    counts = {"errors": len(results), "processed": len(results)}
    imports.finish_chunk(import_id, chunk, counts, None)
    return counts


def settle_dead_chunk(message: dict[str, Any], imports: ImportChunks) -> dict[str, int]:
    """A chunk in the dead-letter queue: every delivery failed without reporting it (the
    worker timed out or crashed), so its rows become error results and the job still
    completes. Raises ChunkBusy while a delivery still holds the chunk's lease."""
    import_id, chunk = str(message["import_id"]), int(message["chunk"])
    if imports.chunk_done(import_id, chunk):
        return {}
    if not imports.lease_chunk(import_id, chunk, LEASE_SECONDS):
        raise ChunkBusy(f"chunk {chunk} of import {import_id} is still held by a delivery")
    try:
        return give_up_chunk(message, "the import worker stopped", imports)
    finally:
        imports.release_chunk(import_id, chunk)


def _update_row(
    import_id: str, number: int, contact_id: str, values: dict[str, Any], *, contacts: Contacts, defs: list[FieldDef]
) -> RowResult:
    current = contacts.get(contact_id)
    if current is None:
        return RowResult(row=number, status=RowStatus.ERROR, errors=[{"field": "email", "message": "contact vanished"}])
    given = {k: v for k, v in values.items() if k != "lifecycle_stage" or v}
    try:
        patch = ContactPatch.model_validate(given)
        apply_patch(current, patch, contacts, None, defs, import_id=import_id)
    except (DuplicateContact, Unprocessable) as exc:
        errors = exc.extensions.get("errors") or [{"field": "row", "message": exc.detail}]
        return RowResult(
            row=number, status=RowStatus.ERROR, errors=[{"field": e["field"], "message": e["message"]} for e in errors]
        )
    except StaleVersion:
        logger.info("import row raced an update", extra={"row": number})
        return RowResult(
            row=number, status=RowStatus.ERROR, errors=[{"field": "row", "message": "changed meanwhile; retry"}]
        )
    return RowResult(row=number, status=RowStatus.UPDATED, contact_id=contact_id)
