"""In-memory fakes of the imports ports (contacts.imports.ports) and of the records port
the chunk updates go through, honest about what the repositories guarantee:

- a job starts once (awaiting_upload -> running), a chunk is counted once (its marker),
  and the job completes when every row is processed (ImportRepository.finish_chunk);
- a chunk's lease is taken unless another delivery holds it unexpired (lease_chunk);
- claims are shared with records: a new contact's claims are taken conditionally, a
  claim taken meanwhile loses the contact (add_many), and records' replace raises
  DuplicateContact / StaleVersion like ContactRepository."""

from __future__ import annotations

from typing import Any

from contacts.fields.models import FieldDef
from contacts.imports.models import ImportJob, ImportStatus, RowResult
from contacts.records.models import Contact
from contacts.records.search import claims
from contacts.table.keys import suppression_pk
from services.contacts.tests.unit.records.fakes import refuse_held_claims
from shared.errors import StaleVersion
from shared.events import Outgoing


class FakeContacts:
    """records' port as imports uses it: field definitions, get, replace."""

    def __init__(self, defs: list[FieldDef] | None = None) -> None:
        self.rows: dict[str, Contact] = {}
        self.claims: dict[str, str] = {}  # claim key -> contact id (records' and imports' alike)
        self.events: list[Outgoing] = []
        self.defs = defs or []

    def field_defs(self) -> list[FieldDef]:
        return self.defs

    def get(self, contact_id: str) -> Contact | None:
        return self.rows.get(contact_id)

    def store(self, contact: Contact) -> Contact:
        """A contact that exists before the import (as the API would have written it)."""
        self.rows[contact.id] = contact
        for key in claims(contact):
            self.claims[key] = contact.id
        return contact

    def replace(self, old: Contact, new: Contact, events: list[Outgoing]) -> Contact:
        wanted = claims(new) - claims(old)
        refuse_held_claims(self.claims, new.id, wanted)
        current = self.rows.get(old.id)
        if current is None or current.version != old.version:
            raise StaleVersion(f"contact {old.id} changed")
        for key in claims(old) - claims(new):
            self.claims.pop(key, None)
        for key in wanted:
            self.claims[key] = new.id
        stored = new.model_copy(update={"version": old.version + 1})
        self.rows[new.id] = stored
        self.events.extend(events)
        return stored


class FakeImports:
    """ImportChunks in memory; ``now`` is the lease clock (seconds)."""

    def __init__(self, contacts: FakeContacts) -> None:
        self.contacts = contacts
        self.jobs: dict[str, ImportJob] = {}
        self.uploads: dict[str, bytes] = {}
        self.results: dict[tuple[str, str, int], RowResult] = {}  # (import, status, row): the row items' keys
        self.done: set[tuple[str, int]] = set()
        self.leases: dict[tuple[str, int], int] = {}
        self.sent: list[dict[str, Any]] = []  # chunk messages, as the queue would deliver them
        self.events: list[Outgoing] = []
        self.suppressed: set[str] = set()  # suppression keys of erased people
        self.taken_meanwhile: dict[str, str] = {}  # claims another writer takes just before add_many
        self.now = 1_000_000

    # --- job -------------------------------------------------------------------------

    def add_job(self, job: ImportJob) -> None:
        assert job.id not in self.jobs
        self.jobs[job.id] = job

    def get_job(self, import_id: str) -> ImportJob | None:
        return self.jobs.get(import_id)

    def upload_url(self, import_id: str) -> str:
        return f"https://uploads.example.com/imports/{import_id}.csv?signed"

    def read_upload(self, import_id: str) -> bytes | None:
        return self.uploads.get(import_id)

    def delete_upload(self, import_id: str) -> None:
        self.uploads.pop(import_id, None)

    def start_job(self, import_id: str, total: int, skipped: int) -> bool:
        job = self.jobs[import_id]
        if job.status is not ImportStatus.AWAITING_UPLOAD:
            return False
        update = {"status": ImportStatus.RUNNING, "total": total, "skipped": skipped, "processed": skipped}
        self.jobs[import_id] = job.model_copy(update=update)
        return True

    def send_chunks(self, import_id: str, chunks: list[list[Any]], at: str) -> None:
        self.sent += [{"import_id": import_id, "chunk": n, "at": at, "rows": rows} for n, rows in enumerate(chunks)]

    def write_results(self, import_id: str, results: list[RowResult]) -> None:
        for r in results:
            self.results[(import_id, r.status.value, r.row)] = r

    def finish_chunk(self, import_id: str, chunk: int, counts: dict[str, int], event: Outgoing | None) -> bool:
        if (import_id, chunk) in self.done:
            return False
        self.done.add((import_id, chunk))
        job = self.jobs[import_id]
        job = job.model_copy(update={k: getattr(job, k) + v for k, v in counts.items()})
        if event is not None:
            self.events.append(event)
        if job.processed >= job.total and job.status is ImportStatus.RUNNING:
            job = job.model_copy(update={"status": ImportStatus.COMPLETED})
        self.jobs[import_id] = job
        return True

    # --- chunks -------------------------------------------------------------------------

    def chunk_done(self, import_id: str, chunk: int) -> bool:
        return (import_id, chunk) in self.done

    def lease_chunk(self, import_id: str, chunk: int, seconds: int) -> bool:
        until = self.leases.get((import_id, chunk))
        if until is not None and until >= self.now:
            return False
        self.leases[(import_id, chunk)] = self.now + seconds
        return True

    def release_chunk(self, import_id: str, chunk: int) -> None:
        self.leases.pop((import_id, chunk), None)

    # --- contacts in bulk ---------------------------------------------------------------

    def claim_holders(self, keys: list[str]) -> dict[str, str]:
        return {k: self.contacts.claims[k] for k in keys if k in self.contacts.claims}

    def erased(self, email_claims: list[str]) -> set[str]:
        return {c for c in email_claims if suppression_pk(c) in self.suppressed}

    def add_many(self, contacts: list[Contact]) -> set[str]:
        self.contacts.claims.update(self.taken_meanwhile)
        lost: set[str] = set()
        for contact in contacts:
            keys = claims(contact)
            if any(self.contacts.claims.get(k, contact.id) != contact.id for k in keys):
                lost.add(contact.id)
                continue
            for key in keys:
                self.contacts.claims[key] = contact.id
            self.contacts.rows[contact.id] = contact
        return lost

    # --- reading back -----------------------------------------------------------------

    def rows(self, import_id: str) -> dict[int, RowResult]:
        return {row: r for (i, _, row), r in sorted(self.results.items()) if i == import_id}
