"""In-memory fake of companies.usecases.Companies, honest about CompanyRepository: stored at
version 1, each replace conditional on the version read (StaleVersion) and bumping it; one
company per domain (Conflict naming the holder); the list in creation order."""

from __future__ import annotations

from contacts.companies.models import Company
from shared.errors import Conflict, StaleVersion


class FakeCompanies:
    def __init__(self) -> None:
        self.rows: dict[str, Company] = {}
        self.order: list[str] = []

    def _claim(self, company: Company) -> None:
        for other in self.rows.values():
            if company.domain and other.id != company.id and other.domain == company.domain:
                raise Conflict("a company with this domain exists", existing_id=other.id)

    def add_company(self, company: Company) -> Company:
        self._claim(company)
        stored = company.model_copy(update={"version": 1})
        self.rows[company.id] = stored
        self.order.append(company.id)
        return stored

    def replace_company(self, old: Company, new: Company) -> Company:
        if self.rows[old.id].version != old.version:
            raise StaleVersion(f"company {old.id} changed since version {old.version}")
        self._claim(new)
        stored = new.model_copy(update={"version": old.version + 1})
        self.rows[new.id] = stored
        return stored

    def get_company(self, company_id: str) -> Company | None:
        return self.rows.get(company_id)

    def companies_page(self, after: str | None, limit: int) -> tuple[list[Company], str | None]:
        start = self.order.index(after) + 1 if after else 0
        ids = self.order[start : start + limit]
        more = start + limit < len(self.order)
        return [self.rows[i] for i in ids], ids[-1] if more and ids else None
