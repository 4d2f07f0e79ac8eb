"""What the templates feature does (tested with fakes): templates are checked in Jinja2's
sandbox before they are stored, so a broken one never reaches a recipient."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from campaigns.templates.models import Content, Template, TemplateIn, TemplatePage, TemplatePatch
from campaigns.templates.rendering import problems
from shared.errors import StaleVersion, Unprocessable
from shared.inputs import patched
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found


class TemplateStore(Protocol):
    def get(self, template_id: str) -> Template | None: ...
    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Template], dict[str, Any] | None]: ...
    def put(self, template: Template, read_version: int | None) -> None: ...


def check(data: TemplateIn) -> None:
    """422 naming each field (``html``, ``locales.zh.subject``...) with the line at fault."""
    parts = [("", Content(subject=data.subject, html=data.html, text=data.text))]
    parts += [(f"locales.{locale}.", content) for locale, content in sorted(data.locales.items())]
    errors = []
    for prefix, content in parts:
        errors += problems(content.subject, prefix + "subject")
        errors += problems(content.html, prefix + "html", html=True)
        errors += problems(content.text, prefix + "text")
    if errors:
        raise Unprocessable("the template does not render", errors=errors)


def add_template(data: TemplateIn, repo: TemplateStore) -> Template:
    check(data)
    now = datetime.now(UTC)
    template = Template(**data.model_dump(), id=uuid.uuid4().hex[:12], created_at=now, updated_at=now)
    repo.put(template, None)
    return template


def get_template(template_id: str, repo: TemplateStore) -> Template:
    template = repo.get(template_id)
    if template is None:
        raise not_found("template", template_id)
    return template


def templates_page(repo: TemplateStore, limit: int, cursor: str | None) -> TemplatePage:
    of = "campaigns/templates"
    templates, last = repo.page(limit, decode_cursor(cursor, of=of))
    return TemplatePage(items=templates, next_cursor=encode_cursor(last, of=of))


def update_template(template_id: str, patch: TemplatePatch, if_match: int, repo: TemplateStore) -> Template:
    template = get_template(template_id, repo)
    if template.version != if_match:
        raise StaleVersion(f"template {template_id} is at version {template.version}", current_version=template.version)
    data = patched(template, patch, TemplateIn)
    check(data)
    updated = Template(
        **data.model_dump(),
        id=template.id,
        created_at=template.created_at,
        updated_at=datetime.now(UTC),
        version=template.version + 1,
    )
    repo.put(updated, if_match)
    return updated
