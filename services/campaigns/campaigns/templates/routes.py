"""The templates feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.templates.models import Template, TemplateIn, TemplatePage, TemplatePatch
from shared.auth import Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, etag, parse_if_match

router = Router()

AUTHORS = frozenset({Role.ADMIN, Role.MARKETER})
READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


@router.route("/templates", methods=["POST"], roles=AUTHORS, body=TemplateIn, status=201, response=Template)
def add_template(ctx: Ctx) -> Reply:
    from campaigns.templates.usecases import add_template as add

    template = add(ctx.body, bootstrap.templates())
    return Reply(template, 201, etag(template.version))


@router.route("/templates", roles=READERS, query=PageQuery)
def list_templates(ctx: Ctx) -> TemplatePage:
    from campaigns.templates.usecases import templates_page

    params: PageQuery = ctx.params
    return templates_page(bootstrap.templates(), params.limit, params.cursor)


@router.route("/templates/{template_id}", roles=READERS, response=Template)
def get_template(ctx: Ctx, template_id: str) -> Reply:
    from campaigns.templates.usecases import get_template as get

    template = get(template_id, bootstrap.templates())
    return Reply(template, 200, etag(template.version))


@router.route("/templates/{template_id}", methods=["PATCH"], roles=AUTHORS, body=TemplatePatch, response=Template)
def update_template(ctx: Ctx, template_id: str) -> Reply:
    from campaigns.templates.usecases import update_template as update

    version = parse_if_match(ctx.header("if-match"), f"template {template_id}")
    template = update(template_id, ctx.body, version, bootstrap.templates())
    return Reply(template, 200, etag(template.version))
