"""CSV import: reading rows, deduplicating within the file, and turning a row into a
contact (or into field errors) — pure, so bad rows are explained, never fatal.

The flow: POST /imports (job + presigned upload URL) -> client PUTs the CSV -> POST
/imports/{id}/start splits it into chunks of CHUNK_ROWS rows, each an SQS message ->
the ``import_worker`` function processes chunks (batch writes for new contacts, a
conditional transaction per existing one) and counts results on the job.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from contacts.fields.models import FieldDef, FieldType
from contacts.fields.usecases import validate_custom_fields
from contacts.records.models import Contact, ContactIn
from contacts.records.search import normalise_phone
from shared.errors import field_errors
from shared.inputs import PageQuery

CHUNK_ROWS = 500
CUSTOM_PREFIX = "custom."
ADDRESS_COLUMNS = ("country", "region", "city", "line1", "postal_code")
LIST_SEPARATOR = ";"
# CSV injection (OWASP): a spreadsheet runs a cell starting with one of these as a formula.
# An export prefixes such a cell with ESCAPE (and one already so prefixed with another, so
# that the escape is reversible); the import takes exactly one off again (unescape_cell),
# so an exported file still re-imports unchanged.
FORMULA_TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r"})
ESCAPE = "'"


def escape_cell(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text, never runs."""
    return ESCAPE + value if value.lstrip(ESCAPE)[:1] in FORMULA_TRIGGERS else value


def unescape_cell(value: str) -> str:
    """The value ``escape_cell`` was given (a cell that is not escaped is read as is)."""
    return value[1:] if value[:1] == ESCAPE and value.lstrip(ESCAPE)[:1] in FORMULA_TRIGGERS else value


class ImportStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    ERROR = "error"


class RowResult(BaseModel):
    row: int  # 1 = the first data row (the header is row 0)
    status: RowStatus
    contact_id: str | None = None
    errors: list[dict[str, str]] = []


class ImportJob(BaseModel):
    id: str
    status: ImportStatus
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    created_at: datetime
    upload_url: str | None = None


class RowPage(BaseModel):
    items: list[RowResult]
    next_cursor: str | None = None


class JobPage(BaseModel):
    items: list[ImportJob]
    next_cursor: str | None = None


def read_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for every data row; BOM and blank lines tolerated, an
    exported cell's formula escape taken off."""
    text = io.StringIO(data.decode("utf-8-sig", errors="replace"))
    reader = csv.DictReader(text)
    for number, row in enumerate(reader, start=1):
        yield (
            number,
            {(k or "").strip().lower(): unescape_cell((v or "").strip()) for k, v in row.items() if isinstance(v, str)},
        )


def split(rows: Iterator[tuple[int, dict[str, str]]]) -> tuple[list[list[Any]], list[RowResult], int]:
    """Chunks of distinct-email rows, the rows skipped as duplicates within the file (the
    first occurrence wins), and the total. Dedup happens here, before any chunk runs, so
    chunks never race each other over one email."""
    seen: dict[str, int] = {}
    chunks: list[list[Any]] = [[]]
    skipped: list[RowResult] = []
    total = 0
    for number, row in rows:
        total += 1
        email = row.get("email", "").lower()
        if email and email in seen:
            skipped.append(
                RowResult(
                    row=number,
                    status=RowStatus.SKIPPED,
                    errors=[{"field": "email", "message": f"duplicate of row {seen[email]} in this file"}],
                )
            )
            continue
        if email:
            seen[email] = number
        if len(chunks[-1]) == CHUNK_ROWS:
            chunks.append([])
        chunks[-1].append([number, row])
    return [c for c in chunks if c], skipped, total


def _custom(value: str, definition: FieldDef | None) -> Any:
    """CSV cells are text: numbers and booleans are read by the field's type."""
    if definition is None:
        return value
    if definition.type is FieldType.NUMBER:
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    if definition.type is FieldType.BOOLEAN:
        return {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(value.lower(), value)
    return value


def to_contact_in(row: dict[str, str], defs: list[FieldDef]) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:  # noqa: PLR0912
    """A row as validated, normalised contact values (JSON-ready), or its field errors."""
    by_name = {d.name: d for d in defs}
    body: dict[str, Any] = {}
    address = {}
    custom: dict[str, Any] = {}
    for column, value in row.items():
        if not value:
            continue
        if column.startswith(CUSTOM_PREFIX):
            name = column.removeprefix(CUSTOM_PREFIX)
            custom[name] = _custom(value, by_name.get(name))
        elif column in ADDRESS_COLUMNS:
            address[column] = value
        elif column == "tags":
            body["tags"] = [t.strip() for t in value.split(LIST_SEPARATOR) if t.strip()]
        else:
            body[column] = value
    if address:
        body["address"] = address
    if custom:
        body["custom_fields"] = custom
    try:
        data = ContactIn.model_validate(body)
    except ValidationError as exc:
        return None, [{"field": e["field"], "message": e["message"]} for e in field_errors(exc)]
    values = data.model_dump(mode="json", exclude_unset=True)
    values["email"] = data.email.lower()
    errors: list[dict[str, str]] = []
    if data.phone:
        try:
            values["phone"] = normalise_phone(data.phone, data.address.country if data.address else None)
        except ValueError as exc:
            errors.append({"field": "phone", "message": str(exc)})
    clean, problems = validate_custom_fields(data.custom_fields, defs, complete=True)
    errors.extend({"field": p["field"], "message": p["message"]} for p in problems)
    if errors:
        return None, errors
    if clean:
        values["custom_fields"] = clean
    return values, []


def row_contact_id(import_id: str, row: int) -> str:
    """The id a row's new contact gets: the same on every delivery of its chunk."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crm:contacts:import:{import_id}:{row}"))


def new_contact(values: dict[str, Any], now: datetime | None = None, contact_id: str | None = None) -> Contact:
    stamp = now or datetime.now(UTC)
    return Contact.model_validate(
        {
            "lifecycle_stage": "lead",
            **values,
            "id": contact_id or str(uuid.uuid4()),
            "created_at": stamp,
            "updated_at": stamp,
            "version": 1,
        }
    )


class RowQuery(PageQuery):
    """GET /imports/{id}/rows: a page of the row results, of one status or all."""

    status: RowStatus | None = Field(default=None, description="Only the rows of this status (default: all).")
