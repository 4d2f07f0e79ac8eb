"""The composition root of contacts: the only place its repositories and clients are built.

Routes, consumers and workers ask here (each factory is built once per process, on first
use, with its heavy imports inside: an API cold start pays only for what a route uses).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contacts.companies.repository import CompanyRepository
    from contacts.exports.repository import ExportRepository
    from contacts.fields.repository import FieldRepository
    from contacts.history.repository import HistoryRepository
    from contacts.imports.repository import ImportRepository
    from contacts.privacy.repository import ConsentRepository, PrivacyRepository
    from contacts.records.repository import ContactRepository
    from contacts.segments.repository import SegmentRepository


@cache
def contact_repository() -> ContactRepository:
    from contacts.records.repository import ContactRepository

    return ContactRepository(fields=field_repository(), segments=segment_store())


@cache
def field_repository() -> FieldRepository:
    from contacts.fields.repository import FieldRepository

    return FieldRepository()


@cache
def company_repository() -> CompanyRepository:
    from contacts.companies.repository import CompanyRepository

    return CompanyRepository()


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

    return PrivacyRepository(records=contact_repository(), history=history_repository())


@cache
def import_repository() -> ImportRepository:
    from contacts.imports.repository import ImportRepository

    return ImportRepository(records=contact_repository(), bucket=bucket_name())


@cache
def export_repository() -> ExportRepository:
    from contacts.exports.repository import ExportRepository

    return ExportRepository(bucket=bucket_name())


def bucket_name() -> str:
    """The service's bucket: imports' uploads (imports/) and exports' files (exports/),
    named by the template (``CRM_IMPORTS_BUCKET``)."""
    from shared.settings import get_settings

    return get_settings().bucket("imports")
