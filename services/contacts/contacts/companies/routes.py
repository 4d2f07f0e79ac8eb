"""Companies: create, read, list, partial update (domain unique)."""

from __future__ import annotations

from contacts.bootstrap import contact_repository
from contacts.reach import WRITERS
from contacts.records.models import CompanyIn, CompanyPatch
from shared.auth import STAFF
from shared.http import Ctx, Reply, Router
from shared.pagination import parse_limit

router = Router()


@router.route("/companies", methods=["POST"], roles=WRITERS, body=CompanyIn, status=201)
def create_company(ctx: Ctx) -> Reply:
    from contacts.records.usecases import create_company as create

    company = create(ctx.body, contact_repository())
    return Reply(company, 201, {"Location": f"/contacts/companies/{company.id}", "ETag": f'"{company.version}"'})


@router.route("/companies", roles=STAFF)
def list_companies(ctx: Ctx) -> Reply:
    from contacts.records.usecases import list_companies as page

    return Reply(page(ctx.query.get("cursor"), parse_limit(ctx.query.get("limit")), contact_repository()))


@router.route("/companies/{company_id}", roles=STAFF)
def get_company(ctx: Ctx, company_id: str) -> Reply:
    from contacts.records.usecases import get_company as get

    company = get(company_id, contact_repository())
    return Reply(company, 200, {"ETag": f'"{company.version}"'})


@router.route("/companies/{company_id}", methods=["PATCH"], roles=WRITERS, body=CompanyPatch)
def update_company(ctx: Ctx, company_id: str) -> Reply:
    from contacts.records.usecases import parse_if_match
    from contacts.records.usecases import update_company as update

    header = ctx.header("if-match")
    version = parse_if_match(header) if header else None
    company = update(company_id, ctx.body, version, contact_repository())
    return Reply(company, 200, {"ETag": f'"{company.version}"'})
