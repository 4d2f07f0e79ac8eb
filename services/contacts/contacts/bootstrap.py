"""The composition root of contacts: the only place its repositories and clients are built.

Routes, consumers and workers ask here (each factory is built once per process, on first
use, with its heavy imports inside: an API cold start pays only for what a route uses).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contacts.exports.repository import ExportRepository
    from contacts.history.repository import HistoryRepository
    from contacts.imports.repository import ImportRepository
    from contacts.privacy.repository import ConsentRepository, PrivacyRepository
    from contacts.records.repository import ContactRepository
    from contacts.segments.repository import SegmentRepository


@cache
def contact_repository() -> ContactRepository:
    from contacts.records.repository import ContactRepository

    return ContactRepository()


@cache
def history_repository() -> HistoryRepository:
    from contacts.history.repository import HistoryRepository

    return HistoryRepository()


@cache
def segment_store() -> SegmentRepository:
    from contacts.segments.repository import SegmentRepository

    return SegmentRepository()


@cache
def consent_repository() -> ConsentRepository:
    from contacts.privacy.repository import ConsentRepository

    return ConsentRepository()


@cache
def privacy_repository() -> PrivacyRepository:
    from contacts.privacy.repository import PrivacyRepository

    return PrivacyRepository()


@cache
def import_repository() -> ImportRepository:
    from contacts.imports.repository import ImportRepository

    return ImportRepository()


@cache
def export_repository() -> ExportRepository:
    from contacts.exports.repository import ExportRepository

    return ExportRepository()
