"""CSV export use-cases: create a job (validated, queued), read it, run it (the worker)."""

from __future__ import annotations

import contextlib
import csv
import io
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contacts.exports.models import CUSTOM_PREFIX, IMPORTABLE_COLUMNS, ExportIn, ExportJob, ExportStatus
from contacts.imports.models import LIST_SEPARATOR, escape_cell
from contacts.records.listing import list_contacts, parse_list_query
from contacts.records.usecases import Contacts
from shared.errors import BadRequest, NotFound, Unprocessable
from shared.observability import logger

if TYPE_CHECKING:
    from contacts.exports.repository import ExportRepository
    from contacts.fields.models import FieldDef
    from contacts.records.models import Contact
    from contacts.segments.usecases import SegmentStore

PAGE = 100  # contacts per list page: one index query + one BatchGetItem of profiles
FLUSH_CHARS = 256 * 1024  # rows are encoded and handed to the file in blocks of this size


def create_export(
    request: ExportIn, requested_by: str, exports: ExportRepository, contacts: Contacts, segments: SegmentStore
) -> ExportJob:
    """Everything a run would reject is rejected here, before anything is queued."""
    if (request.segment_id is None) == (request.filter is None):
        message = "give either segment_id or filter"
        raise Unprocessable(
            message, errors=[{"field": "segment_id", "message": message}, {"field": "filter", "message": message}]
        )
    query: dict[str, str] | None = None
    if request.filter is not None:
        query = request.filter.as_query()
        try:
            parse_list_query(query)
        except BadRequest as exc:  # a query parameter's 400 is a body field's 422
            errors = [{"field": f"filter.{e['field']}", "message": e["message"]} for e in exc.extensions["errors"]]
            raise Unprocessable(exc.detail, errors=errors) from None
    if request.segment_id is not None:
        _check_segment(request.segment_id, segments)
    defs = contacts.field_defs()
    columns = list(request.columns) if request.columns else default_columns(defs)
    known = {d.name for d in defs}
    unknown = [
        {"field": f"columns.{i}", "message": "no such custom field"}
        for i, c in enumerate(columns)
        if c.startswith(CUSTOM_PREFIX) and c.removeprefix(CUSTOM_PREFIX) not in known
    ]
    if unknown:
        raise Unprocessable("invalid fields: " + ", ".join(e["field"] for e in unknown), errors=unknown)
    job = ExportJob(
        id=str(uuid.uuid4()),
        status=ExportStatus.QUEUED,
        columns=columns,
        segment_id=request.segment_id,
        filter=query,
        created_at=datetime.now(UTC),
    )
    exports.add_job(job, requested_by)
    try:
        exports.enqueue(job.id)
    except Exception:
        # Not left "queued" forever: the client sees the job failed and exports again.
        exports.fail(job.id, "could not be queued; export again")
        raise
    return job


def _check_segment(segment_id: str, segments: SegmentStore) -> None:
    from contacts.segments.usecases import get_segment

    try:
        get_segment(segment_id, segments)
    except NotFound as exc:
        raise NotFound(exc.detail, errors=[{"field": "segment_id", "message": "not found"}]) from None


def default_columns(defs: Sequence[FieldDef]) -> list[str]:
    """What an import reads back: the editable columns and every custom field."""
    return [*IMPORTABLE_COLUMNS, *(f"{CUSTOM_PREFIX}{d.name}" for d in sorted(defs, key=lambda d: d.name))]


def get_export(export_id: str, exports: ExportRepository) -> ExportJob:
    job = exports.get_job(export_id)
    if job is None:
        raise NotFound(f"export {export_id} not found")
    if job.status is ExportStatus.COMPLETED:
        return job.model_copy(update={"download_url": exports.download_url(export_id)})
    return job


# --- the worker ---------------------------------------------------------------------------


def run_export(message: dict[str, Any], exports: ExportRepository, contacts: Contacts) -> int | None:
    """Write the job's CSV and complete it; the row count, or None when there was nothing
    to do (a redelivery of a finished job). Memory stays at one S3 part plus one page."""
    export_id = str(message["export_id"])
    job = exports.get_job(export_id)
    if job is None or not exports.start(export_id):
        logger.info("export already finished or gone", extra={"export_id": export_id})
        return None
    text = io.StringIO()
    writer = csv.writer(text)  # RFC 4180: quotes what needs it, CRLF line ends
    writer.writerow(job.columns)
    rows = 0
    file = exports.open_file(export_id)
    try:
        for contact in _contacts(job, contacts):
            writer.writerow(csv_row(contact, job.columns))
            rows += 1
            if text.tell() >= FLUSH_CHARS:
                file.write(text.getvalue().encode())
                text.seek(0)
                text.truncate()
        file.write(text.getvalue().encode())
        file.close()
    except BaseException:
        # Best effort: the error that stopped the export is the one to report, and the
        # bucket's lifecycle rule removes an upload that could not be aborted here.
        with contextlib.suppress(Exception):
            file.abort()
        raise
    exports.complete(export_id, rows)
    logger.info("export completed", extra={"export_id": export_id, "rows": rows})
    return rows


def give_up_export(message: dict[str, Any], reason: str, exports: ExportRepository) -> None:
    """The export failed on its last delivery: the job says so rather than run forever."""
    exports.fail(str(message["export_id"]), f"could not be exported ({reason}); export again")


WITHDRAWN = "a contact in this export was erased since; export again"


def withdraw_exports(exports: ExportRepository) -> int:
    """After an erasure no export file made before it may still hold the contact. Which
    files hold whom is not recorded (an export is a query's result at one moment), so every
    file written or being written is deleted, and its job says why. Files expire after 7
    days, so there are few; a retried erasure finds none left. Returns how many."""
    withdrawn = 0
    for export_id, upload_id in list(exports.files()):
        exports.withdraw(export_id, WITHDRAWN)  # first: from now on no download URL is given
        exports.delete_file(export_id, upload_id)
        withdrawn += 1
    return withdrawn


def _contacts(job: ExportJob, contacts: Contacts) -> Iterator[Contact]:
    """The list's own pages (GET /contacts's code and semantics: the index, or the
    segment's members, never a scan), followed by cursor to the end."""
    query = dict(job.filter or {})
    if job.segment_id is not None:
        query["segment"] = job.segment_id
    while True:
        page = list_contacts(query, PAGE, contacts)
        yield from page.items
        if page.next_cursor is None:
            return
        query["cursor"] = page.next_cursor


def csv_row(contact: Contact, columns: Sequence[str]) -> list[str]:
    """One contact's cells; every text cell escaped against formula injection (a cell
    starting with =, +, -, @, tab or CR gets a leading quote: imports.models.escape_cell)."""
    return [_cell(contact, column) for column in columns]


def _cell(contact: Contact, column: str) -> str:
    value: Any
    if column.startswith(CUSTOM_PREFIX):
        value = contact.custom_fields.get(column.removeprefix(CUSTOM_PREFIX))
    elif column in ("country", "region", "city"):
        value = getattr(contact.address, column) if contact.address else None
    elif column == "tags":
        value = LIST_SEPARATOR.join(contact.tags)  # the import splits on it
    elif column == "created_at":
        value = contact.created_at.isoformat()
    else:
        value = getattr(contact, column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # what the import reads for a boolean field
    if isinstance(value, int | float | Decimal):
        # A number the system stored as one (a number custom field) stays a number for the
        # spreadsheet (-5, not '-5): its text is digits, a sign, a point or an exponent,
        # never a formula. Text is escaped whatever it holds, digits or not.
        return str(value)
    return escape_cell(str(value))
