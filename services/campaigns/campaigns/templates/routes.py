"""The templates feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.templates.models import (
    Preview,
    PreviewIn,
    SendTestIn,
    SentTest,
    Template,
    TemplateIn,
    TemplatePage,
    TemplatePatch,
)
from shared.auth import Role
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery, etag, parse_if_match
from shared.reach import guard, not_found

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


@router.route("/templates/{template_id}/preview", methods=["POST"], roles=READERS, body=PreviewIn)
def preview_template(ctx: Ctx, template_id: str) -> Preview:
    """The template rendered for a real recipient (their language's variant, a sample unsubscribe link)."""
    from campaigns.templates.usecases import preview

    data: PreviewIn = ctx.body
    # Their name and address are in it: only for a caller who may read the contact.
    guard(ctx.principal, data.contact_id, bootstrap.contact_owners, not_found("recipient", data.contact_id))
    return preview(template_id, data.contact_id, bootstrap.templates(), bootstrap.audience())


@router.route(
    "/templates/{template_id}/test-send",
    methods=["POST"],
    roles=AUTHORS,
    body=SendTestIn,
    status=202,
    response=SentTest,
)
def test_send_template(ctx: Ctx, template_id: str) -> Reply:
    """One email to ``to`` through SES, its subject marked ``[TEST]`` (with sample values, or a contact's)."""
    from campaigns.templates.usecases import send_test

    data: SendTestIn = ctx.body
    if data.contact_id is not None:
        guard(ctx.principal, data.contact_id, bootstrap.contact_owners, not_found("recipient", data.contact_id))
    sent = send_test(template_id, data, bootstrap.templates(), bootstrap.audience(), bootstrap.mailer())
    return Reply(sent, 202)
