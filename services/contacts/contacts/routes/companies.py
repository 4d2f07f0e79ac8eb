"""Companies: create, read, list, partial update (domain unique)."""

from __future__ import annotations

from contacts.http import WRITERS, api
from contacts.models import CompanyIn, CompanyPatch
from contacts.routes.records import repo
from shared.auth import STAFF
from shared.http import Ctx, Reply
from shared.pagination import parse_limit


@api.route("/companies", methods=["POST"], roles=WRITERS, body=CompanyIn, status=201)
def create_company(ctx: Ctx) -> Reply:
    from contacts.usecases import create_company as create

    company = create(ctx.body, repo())
    return Reply(company, 201, {"Location": f"/contacts/companies/{company.id}", "ETag": f'"{company.version}"'})


@api.route("/companies", roles=STAFF)
def list_companies(ctx: Ctx) -> Reply:
    from contacts.usecases import list_companies as page

    return Reply(page(ctx.query.get("cursor"), parse_limit(ctx.query.get("limit")), repo()))


@api.route("/companies/{company_id}", roles=STAFF)
def get_company(ctx: Ctx, company_id: str) -> Reply:
    from contacts.usecases import get_company as get

    company = get(company_id, repo())
    return Reply(company, 200, {"ETag": f'"{company.version}"'})


@api.route("/companies/{company_id}", methods=["PATCH"], roles=WRITERS, body=CompanyPatch)
def update_company(ctx: Ctx, company_id: str) -> Reply:
    from contacts.usecases import parse_if_match
    from contacts.usecases import update_company as update

    header = ctx.header("if-match")
    version = parse_if_match(header) if header else None
    company = update(company_id, ctx.body, version, repo())
    return Reply(company, 200, {"ETag": f'"{company.version}"'})
