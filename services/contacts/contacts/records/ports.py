"""What records needs from other features, as ports (bootstrap passes their stores in)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from contacts.fields.models import FieldDef


class FieldDefinitions(Protocol):
    """fields: the custom field definitions a contact write is checked against."""

    def field_defs(self) -> list[FieldDef]: ...


class SegmentMembers(Protocol):
    """segments: a segment's members, for a contact list filtered by segment."""

    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]: ...
    def members_among(self, segment_id: str, ids: list[str]) -> set[str]: ...


class Consent(Protocol):
    """privacy: a contact's current consent, and the writes that keep a merge's opt-outs
    (TransactWriteItems entries, committed in the merge's own transaction)."""

    def current(self, contact_id: str) -> dict[str, Any] | None: ...
    def opt_out_writes(
        self, contact_id: str, opt_outs: dict[str, dict[str, Any]], before: dict[str, Any] | None, at: datetime
    ) -> list[dict[str, Any]]: ...
