"""Companies' use cases against the fake store."""

from __future__ import annotations

import pytest

from contacts.companies.models import CompanyIn, CompanyPatch
from contacts.companies.usecases import create_company, get_company, list_companies, update_company
from services.contacts.tests.unit.companies.fakes import FakeCompanies
from shared.errors import Conflict, NotFound, StaleVersion, Unprocessable


def test_a_company_is_created_with_its_domain_normalised_and_a_domain_is_taken_once() -> None:
    # Given an empty store
    repo = FakeCompanies()
    # When Acme is created with www. and capitals in its domain
    acme = create_company(CompanyIn(name="Acme", domain="WWW.Acme.com"), repo)
    # Then it is stored at version 1 under acme.com
    assert acme.version == 1 and acme.domain == "acme.com" and get_company(acme.id, repo) == acme
    # When another company claims acme.com
    with pytest.raises(Conflict) as raised:
        create_company(CompanyIn(name="Acme Ltd", domain="acme.com"), repo)
    # Then it is refused, naming Acme
    assert raised.value.extensions["existing_id"] == acme.id and len(repo.rows) == 1


def test_an_update_keeps_untouched_fields_refuses_a_stale_version_and_a_cleared_name() -> None:
    # Given Acme at version 1
    repo = FakeCompanies()
    acme = create_company(CompanyIn(name="Acme", industry="tools"), repo)
    # When its region is patched naming version 1
    updated = update_company(acme.id, CompanyPatch(region="EMEA"), 1, repo)
    # Then the region is set, the industry kept, the version bumped
    assert (updated.region, updated.industry, updated.version) == ("EMEA", "tools", 2)
    # When a patch names version 1 again
    with pytest.raises(StaleVersion):
        update_company(acme.id, CompanyPatch(region="APAC"), 1, repo)
    # When a patch clears the name
    with pytest.raises(Unprocessable) as raised:
        update_company(acme.id, CompanyPatch(name=None), 2, repo)
    assert raised.value.extensions["errors"] == [{"field": "name", "message": "cannot be cleared"}]
    # Then the company is as the first update left it
    assert repo.rows[acme.id] == updated
    # ... and an unknown company is not found
    with pytest.raises(NotFound):
        update_company("nope", CompanyPatch(region="x"), None, repo)


def test_companies_are_listed_in_creation_order_page_by_page() -> None:
    # Given three companies
    repo = FakeCompanies()
    made = [create_company(CompanyIn(name=n), repo).id for n in ("A", "B", "C")]
    # When listed two at a time
    first = list_companies(None, 2, repo)
    second = list_companies(first.next_cursor, 2, repo)
    # Then every company appears once, in order, and the last page has no cursor
    assert [c.id for c in first.items + second.items] == made
    assert first.next_cursor is not None and second.next_cursor is None
