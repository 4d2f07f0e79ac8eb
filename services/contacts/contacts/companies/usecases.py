"""What companies do, independent of HTTP and DynamoDB (tested with fakes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol

from contacts.companies.models import Company, CompanyIn, CompanyPage, CompanyPatch
from shared.errors import NotFound, StaleVersion, Unprocessable
from shared.pagination import decode_cursor, encode_cursor


class Companies(Protocol):
    def add_company(self, company: Company) -> Company: ...
    def replace_company(self, old: Company, new: Company) -> Company: ...
    def get_company(self, company_id: str) -> Company | None: ...
    def companies_page(self, after: str | None, limit: int) -> tuple[list[Company], str | None]: ...


def _now() -> datetime:
    return datetime.now(UTC)


def create_company(data: CompanyIn, repo: Companies) -> Company:
    now = _now()
    company = Company.model_validate(
        {**data.model_dump(), "id": str(uuid.uuid4()), "created_at": now, "updated_at": now, "version": 0}
    )
    return repo.add_company(company)


def get_company(company_id: str, repo: Companies) -> Company:
    company = repo.get_company(company_id)
    if company is None:
        raise NotFound(f"company {company_id} not found")
    return company


def size_of(company_id: str, repo: Companies) -> str | None:
    """The company's size band (None when unknown, or no such company)."""
    company = repo.get_company(company_id)
    return company.size.value if company and company.size else None


def update_company(company_id: str, patch: CompanyPatch, if_match: int | None, repo: Companies) -> Company:
    current = get_company(company_id, repo)
    if if_match is not None and if_match != current.version:
        raise StaleVersion(f"company {company_id} is at version {current.version}, not {if_match}")
    given = {k: v for k, v in patch.model_dump().items() if k in patch.model_fields_set}
    if "name" in given and given["name"] is None:
        raise Unprocessable("invalid fields: name", errors=[{"field": "name", "message": "cannot be cleared"}])
    updated = Company.model_validate({**current.model_dump(), **given, "updated_at": _now()})
    return repo.replace_company(current, updated)


COMPANIES_LIST = "contacts/companies"  # what a cursor of the companies list is signed for


def list_companies(cursor: str | None, limit: int, repo: Companies) -> CompanyPage:
    decoded = decode_cursor(cursor, of=COMPANIES_LIST)
    items, last = repo.companies_page(str(decoded["after"]) if decoded else None, limit)
    return CompanyPage(items=items, next_cursor=encode_cursor({"after": last}, of=COMPANIES_LIST) if last else None)
