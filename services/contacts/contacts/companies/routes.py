"""Companies: create, read, list, partial update (domain unique)."""

from __future__ import annotations

from contacts.bootstrap import company_repository
from contacts.companies.models import Company, CompanyIn, CompanyPage, CompanyPatch
from contacts.reach import WRITERS
from shared.auth import STAFF
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, parse_if_match

router = Router()


@router.route("/companies", methods=["POST"], roles=WRITERS, body=CompanyIn, status=201, response=Company)
def create_company(ctx: Ctx) -> Reply:
    from contacts.companies.usecases import create_company as create

    company = create(ctx.body, company_repository())
    return Reply(company, 201, {"Location": f"/contacts/companies/{company.id}", "ETag": f'"{company.version}"'})


@router.route("/companies", roles=STAFF, query=PageQuery, response=CompanyPage)
def list_companies(ctx: Ctx) -> Reply:
    from contacts.companies.usecases import list_companies as page

    params: PageQuery = ctx.params
    return Reply(page(params.cursor, params.limit, company_repository()))


@router.route("/companies/{company_id}", roles=STAFF, response=Company)
def get_company(ctx: Ctx, company_id: str) -> Reply:
    from contacts.companies.usecases import get_company as get

    company = get(company_id, company_repository())
    return Reply(company, 200, {"ETag": f'"{company.version}"'})


@router.route("/companies/{company_id}", methods=["PATCH"], roles=WRITERS, body=CompanyPatch, response=Company)
def update_company(ctx: Ctx, company_id: str) -> Reply:
    from contacts.companies.usecases import update_company as update

    header = ctx.header("if-match")
    version = parse_if_match(header, "the company") if header else None
    company = update(company_id, ctx.body, version, company_repository())
    return Reply(company, 200, {"ETag": f'"{company.version}"'})
