"""What the templates feature does (tested with fakes): templates are checked in Jinja2's
sandbox before they are stored, so a broken one never reaches a recipient."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from campaigns.audience.models import Recipient
from campaigns.messages.mailer import SendDeferred, SendRejected
from campaigns.messages.models import Email
from campaigns.templates.models import (
    Content,
    Preview,
    SendTestIn,
    SentTest,
    Template,
    TemplateIn,
    TemplatePage,
    TemplatePatch,
)
from campaigns.templates.rendering import CONTACT_FIELDS, problems, render
from shared.errors import StaleVersion, TooManyRequests, Unprocessable
from shared.inputs import patched
from shared.observability import logger
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


# --- preview and test-send ---------------------------------------------------------------

DEFAULT_LOCALE = "default"
PREVIEW_CAMPAIGN = "Preview"
# A link of the right shape that unsubscribes nobody (a real one is signed per campaign and recipient).
SAMPLE_UNSUBSCRIBE_URL = "https://crm.example.com/campaigns/unsubscribe/preview"
SAMPLE_CONTACT: dict[str, str] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "language": "en",
    "company": "Analytical Engines Ltd",
}
TEST_PREFIX = "[TEST] "


class Recipients(Protocol):
    def recipient(self, contact_id: str) -> Recipient | None: ...


class Mailer(Protocol):
    def send(self, to: str, email: Email) -> str: ...


def content_for(template: Template, language: str | None) -> tuple[str, Content]:
    """The variant for ``language`` (``zh-CN``, else ``zh``), else the template's own."""
    for locale in (language, (language or "").split("-")[0]):
        if locale and locale in template.locales:
            return locale, template.locales[locale]
    return DEFAULT_LOCALE, Content(subject=template.subject, html=template.html, text=template.text)


def render_for(
    template: Template, contact: dict[str, str | None], *, unsubscribe_url: str, campaign_name: str
) -> Preview:
    """``template`` in the contact's language, with their fields (a missing one renders empty)."""
    from jinja2.exceptions import SecurityError, UndefinedError

    locale, content = content_for(template, contact.get("language"))
    context = {
        "contact": {name: contact.get(name) or "" for name in CONTACT_FIELDS},
        "unsubscribe_url": unsubscribe_url,
        "campaign_name": campaign_name,
    }
    try:
        return Preview(
            subject=render(content.subject, context),
            html=render(content.html, context, html=True),
            text=render(content.text, context),
            locale=locale,
        )
    except (SecurityError, UndefinedError, TypeError, ValueError) as exc:
        raise Unprocessable(
            "the template does not render", errors=[{"field": "template_id", "message": str(exc)}]
        ) from None


def _contact(contact_id: str | None, audience: Recipients) -> dict[str, str | None]:
    if contact_id is None:
        return dict(SAMPLE_CONTACT)
    recipient = audience.recipient(contact_id)
    if recipient is None:
        raise not_found("recipient", contact_id)
    return recipient.context()


def preview(template_id: str, contact_id: str, templates: TemplateStore, audience: Recipients) -> Preview:
    """The template as that recipient would get it (a sample unsubscribe link)."""
    template = get_template(template_id, templates)
    contact = _contact(contact_id, audience)
    return render_for(template, contact, unsubscribe_url=SAMPLE_UNSUBSCRIBE_URL, campaign_name=PREVIEW_CAMPAIGN)


def send_test(
    template_id: str, data: SendTestIn, templates: TemplateStore, audience: Recipients, mailer: Mailer
) -> SentTest:
    """One email to ``data.to`` (never logged), subject marked ``[TEST]``; SES's message id."""
    template = get_template(template_id, templates)
    contact = _contact(data.contact_id, audience)
    shown = render_for(template, contact, unsubscribe_url=SAMPLE_UNSUBSCRIBE_URL, campaign_name=PREVIEW_CAMPAIGN)
    email = Email(subject=TEST_PREFIX + shown.subject, html=shown.html, text=shown.text)
    try:
        message_id = mailer.send(data.to, email)
    except SendRejected as exc:
        raise Unprocessable("SES refused the email", errors=[{"field": "to", "message": exc.code}]) from None
    except SendDeferred:
        raise TooManyRequests("SES is busy: try again shortly") from None
    logger.info("test email sent", extra={"template_id": template_id, "message_id": message_id})
    return SentTest(message_id=message_id)
