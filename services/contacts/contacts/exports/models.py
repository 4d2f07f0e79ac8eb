"""CSV exports of a filtered contact list or of a segment: the request, the job and the
columns (pure).

The flow: POST /exports (job ``queued`` + one SQS message) -> the ``export_worker``
function pages through the list index or the segment's members (the list's own code,
records.listing.list_contacts), streams the rows to S3 and marks the job ``completed`` with its
row count -> GET /exports/{id} answers with a presigned download URL.

The file is in the import's format (contacts.imports.models): same column names, tags joined
with ';', custom fields as ``custom.<name>``; the default columns are exactly those an
import reads back, so an export re-imports unchanged. A text cell a spreadsheet would run
as a formula (starting with =, +, -, @, tab or CR: a phone's +, too) is written with a
leading quote, which the import takes off again; numbers stay numbers.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator

from contacts.records.filters import ListFilters
from shared.inputs import RequestModel

# Every column an export may have besides custom.<name>, in their default order.
FIXED_COLUMNS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "lifecycle_stage",
    "owner_id",
    "company_id",
    "country",
    "region",
    "city",
    "tags",
    "created_at",
)
# The system's own fields: an import rejects them (a row cannot set its id, owner or
# creation time), so they are in a file only when asked for.
SYSTEM_COLUMNS = frozenset({"id", "owner_id", "created_at"})
IMPORTABLE_COLUMNS = tuple(c for c in FIXED_COLUMNS if c not in SYSTEM_COLUMNS)
CUSTOM_PREFIX = "custom."  # contacts.imports.models.CUSTOM_PREFIX (a test checks the import reads it)
CUSTOM_COLUMN = re.compile(r"custom\.[a-z][a-z0-9_]{0,39}")  # FieldDefIn's name pattern
MAX_CUSTOM_COLUMNS = 50  # a contact has at most 50 custom fields


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # its file was deleted: a contact in it was erased


def _column(name: str) -> str:
    if name in FIXED_COLUMNS or CUSTOM_COLUMN.fullmatch(name):
        return name
    raise ValueError(f"unknown column; one of {', '.join(FIXED_COLUMNS)} or custom.<field name>")


Column = Annotated[str, AfterValidator(_column)]


class ExportFilter(ListFilters):
    """GET /contacts's filters as an object: the list's own model (contacts.records.filters,
    the same names, types and checks) read by the same parser (records.listing.parse_list_query),
    so an export holds exactly what the list shows. The list's ``segment`` filter is the
    request's ``segment_id``."""

    def as_query(self) -> dict[str, str]:
        """The filters as GET /contacts's query parameters."""
        return {k: str(v) for k, v in self.model_dump(mode="json", exclude_none=True).items()}


class ExportIn(RequestModel):
    """POST /exports: a segment's members or a filtered list (one of them), and the columns."""

    segment_id: str | None = Field(default=None, min_length=1, max_length=64)
    filter: ExportFilter | None = None
    columns: list[Column] | None = Field(default=None, min_length=1, max_length=len(FIXED_COLUMNS) + MAX_CUSTOM_COLUMNS)

    @field_validator("columns")
    @classmethod
    def _distinct(cls, columns: list[str] | None) -> list[str] | None:
        if columns is not None and len(set(columns)) != len(columns):
            raise ValueError("a column is named twice")
        return columns


class ExportJob(BaseModel):
    id: str
    status: ExportStatus
    rows: int = 0  # contacts written so far; final once completed
    columns: list[str]
    segment_id: str | None = None
    filter: dict[str, str] | None = None
    created_at: datetime
    finished_at: datetime | None = None
    error: str | None = None  # why it failed (never a contact's data)
    download_url: str | None = None  # once completed: a presigned GET, valid for an hour


class ExportPage(BaseModel):
    items: list[ExportJob]
    next_cursor: str | None = None
