"""Template previews and test sends with fakes: the locale chosen, missing fields, the [TEST] mark."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaigns.audience.models import Recipient
from campaigns.messages.mailer import SendRejected
from campaigns.messages.models import Email
from campaigns.templates.models import Content, SendTestIn, Template
from campaigns.templates.usecases import content_for, preview, send_test
from shared.errors import NotFound, Unprocessable

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TEMPLATE = Template(
    id="t1",
    name="Hello",
    subject="Hi {{ contact.first_name }}",
    html="<p>{{ contact.company }}</p><a href='{{ unsubscribe_url }}'>x</a>",
    text="{{ campaign_name }}: {{ contact.last_name }}",
    locales={"zh": Content(subject="你好 {{ contact.first_name }}", html="<p>你好</p>", text="你好")},
    created_at=NOW,
    updated_at=NOW,
)


class Store:
    def get(self, template_id: str) -> Template | None:
        return TEMPLATE if template_id == "t1" else None

    def page(self, limit: int, start: object) -> tuple[list[Template], None]:
        return [TEMPLATE], None

    def put(self, template: Template, read_version: int | None) -> None:
        raise AssertionError("a preview stores nothing")


class Audience:
    def __init__(self, *recipients: Recipient) -> None:
        self.held = {r.contact_id: r for r in recipients}

    def recipient(self, contact_id: str) -> Recipient | None:
        return self.held.get(contact_id)


class Mailer:
    def __init__(self, refuse: str | None = None) -> None:
        self.sent: list[tuple[str, Email]] = []
        self.refuse = refuse

    def send(self, to: str, email: Email) -> str:
        if self.refuse:
            raise SendRejected(self.refuse)
        self.sent.append((to, email))
        return f"ses-{len(self.sent)}"


@pytest.mark.parametrize(("language", "locale"), [("zh", "zh"), ("zh-TW", "zh"), ("fr", "default"), (None, "default")])
def test_the_recipients_language_picks_the_variant_else_the_default(language: str | None, locale: str) -> None:
    assert content_for(TEMPLATE, language)[0] == locale


def test_a_preview_renders_missing_fields_empty_and_says_preview() -> None:
    audience = Audience(Recipient(contact_id="c1", first_name="Ada", email="ada@example.com"))
    shown = preview("t1", "c1", Store(), audience)
    assert (shown.subject, shown.text, shown.locale) == ("Hi Ada", "Preview: ", "default")
    assert shown.html.startswith("<p></p><a href='https://")
    with pytest.raises(NotFound):
        preview("t1", "nobody", Store(), audience)
    with pytest.raises(NotFound):
        preview("t2", "c1", Store(), audience)


def test_a_test_send_is_marked_and_a_refusal_names_the_address_field() -> None:
    mailer = Mailer()
    sent = send_test("t1", SendTestIn(to="qa@example.com"), Store(), Audience(), mailer)
    assert sent.message_id == "ses-1" and [(to, e.subject) for to, e in mailer.sent] == [
        ("qa@example.com", "[TEST] Hi Ada")
    ]
    with pytest.raises(Unprocessable) as refused:
        send_test("t1", SendTestIn(to="qa@example.com"), Store(), Audience(), Mailer(refuse="MessageRejected"))
    assert refused.value.extensions["errors"] == [{"field": "to", "message": "MessageRejected"}]
