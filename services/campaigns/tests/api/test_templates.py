"""Email templates against moto's in-process AWS: checked in the sandbox when saved, with
the line and the name at fault (Given/When/Then)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing import call

WELCOME = {
    "name": "Welcome",
    "subject": "Welcome, {{ contact.first_name }}",
    "html": "<p>Hi {{ contact.first_name }}</p>\n<a href='{{ unsubscribe_url }}'>unsubscribe</a>",
    "text": "Hi {{ contact.first_name }}\n{{ unsubscribe_url }}",
    "locales": {"zh": {"subject": "欢迎 {{ contact.first_name }}", "html": "<p>你好</p>", "text": "你好"}},
}


def test_a_template_is_kept_by_marketers_at_its_version(client: Any) -> None:
    assert call(client, "POST", "/templates", role="sales", body=WELCOME).status_code == 403
    created = call(client, "POST", "/templates", role="marketer", body=WELCOME)
    assert created.status_code == 201 and created.json["locales"]["zh"]["text"] == "你好"
    path = f"/templates/{created.json['id']}"
    assert call(client, "GET", path, role="manager").json["name"] == "Welcome"
    assert call(client, "PATCH", path, role="marketer", body={"name": "Hello"}).status_code == 428
    patched = call(client, "PATCH", path, role="marketer", body={"name": "Hello"}, headers={"If-Match": '"1"'})
    assert patched.status_code == 200 and patched.headers["ETag"] == '"2"'
    assert (
        call(client, "PATCH", path, role="marketer", body={"name": "x"}, headers={"If-Match": '"1"'}).status_code == 409
    )
    assert [t["name"] for t in call(client, "GET", "/templates", role="admin").json["items"]] == ["Hello"]


def test_a_broken_template_is_refused_with_the_line_and_name_at_fault(client: Any) -> None:
    # Given templates with a typo, an unsafe expression and a syntax error
    cases = {
        "typo": {**WELCOME, "text": "Hi\n{{ contact.frist_name }}"},
        "unknown": {**WELCOME, "html": "<p>{{ voucher }}</p>"},
        "unsafe": {**WELCOME, "subject": "{{ contact.__class__ }}"},
        "syntax": {**WELCOME, "locales": {"zh": {**WELCOME["locales"]["zh"], "text": "你好 {{ contact.first_name "}}},
    }
    # When each is saved, Then each is a 422 naming the field, the line and the name
    answers = {name: call(client, "POST", "/templates", role="marketer", body=body) for name, body in cases.items()}
    errors = {name: (a.status_code, a.json["errors"][0]) for name, a in answers.items()}
    assert errors["typo"] == (422, {"field": "text", "message": "line 2: the contact has no 'frist_name'"})
    assert errors["unknown"] == (422, {"field": "html", "message": "line 1: unknown variable 'voucher'"})
    assert errors["unsafe"] == (422, {"field": "subject", "message": "line 1: unsafe attribute '__class__'"})
    assert errors["syntax"][0] == 422 and errors["syntax"][1]["field"] == "locales.zh.text"
    assert errors["syntax"][1]["message"].startswith("line 1:")
    # And a patch that breaks a stored template is refused the same way
    created = call(client, "POST", "/templates", role="marketer", body=WELCOME).json
    broken = call(
        client,
        "PATCH",
        f"/templates/{created['id']}",
        role="marketer",
        body={"html": "{% if %}"},
        headers={"If-Match": '"1"'},
    )
    assert broken.status_code == 422 and broken.json["errors"][0]["field"] == "html"


def test_rendering_escapes_html_but_not_text() -> None:
    from campaigns.templates.rendering import render

    context = {"contact": {"first_name": "<Ada>"}}
    assert render("<p>{{ contact.first_name }}</p>", context, html=True) == "<p>&lt;Ada&gt;</p>"
    assert render("Hi {{ contact.first_name }}", context) == "Hi <Ada>"


# --- preview and test-send ----------------------------------------------------------------


def _sent() -> list[Any]:
    from moto.ses.models import ses_backends

    from shared.testing import ACCOUNT, REGION

    return list(ses_backends[ACCOUNT][REGION].sent_messages)


def _recipient(client: Any, language: str | None = None, first_name: str = "Grace") -> str:
    from shared.sample_events import lead_created
    from shared.testing import failed_ids, sqs_event

    event = lead_created(
        email="grace@example.com", first_name=first_name, **({"language": language} if language else {})
    )
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    return str(event.detail["data"]["contact_id"])


def test_a_preview_is_rendered_for_a_real_recipient_in_their_language(client: Any) -> None:
    # Given the template (a zh variant) and two recipients, one speaking zh-CN
    template_id = call(client, "POST", "/templates", role="marketer", body=WELCOME).json["id"]
    chinese, other = _recipient(client, "zh-CN", "Li"), _recipient(client, "fr", "<Grace>")
    path = f"/templates/{template_id}/preview"
    # When each is previewed
    zh = call(client, "POST", path, role="marketer", body={"contact_id": chinese})
    fr = call(client, "POST", path, role="manager", body={"contact_id": other})
    # Then the zh variant for the first, the default (escaped in HTML) with a sample unsubscribe link for the other
    assert zh.status_code == 200 and zh.json == {
        "subject": "欢迎 Li",
        "html": "<p>你好</p>",
        "text": "你好",
        "locale": "zh",
    }
    assert fr.json["locale"] == "default" and fr.json["subject"] == "Welcome, <Grace>"
    assert fr.json["html"].startswith("<p>Hi &lt;Grace&gt;</p>") and "https://" in fr.json["text"]
    # ... and nothing was sent but the welcome emails
    assert [m.subject for m in _sent()] == ["Welcome!", "Welcome!"]


def test_a_preview_of_an_unknown_template_or_recipient_is_a_404(client: Any) -> None:
    template_id = call(client, "POST", "/templates", role="marketer", body=WELCOME).json["id"]
    contact_id = _recipient(client)
    assert call(client, "POST", "/templates/nope/preview", body={"contact_id": contact_id}).status_code == 404
    assert call(client, "POST", f"/templates/{template_id}/preview", body={"contact_id": "nobody"}).status_code == 404
    missing = call(client, "POST", f"/templates/{template_id}/preview", body={})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "contact_id"
    assert call(client, "POST", f"/templates/{template_id}/preview", role="sales", body={}).status_code == 403


def test_a_test_send_goes_through_ses_marked_test_and_the_address_is_never_logged(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    # Given a template and a recipient
    template_id = call(client, "POST", "/templates", role="marketer", body=WELCOME).json["id"]
    contact_id = _recipient(client, first_name="Hopper")
    path = f"/templates/{template_id}/test-send"
    # When a marketer test-sends it with sample values, then for the recipient
    sample = call(client, "POST", path, role="marketer", body={"to": "qa.person@example.com"})
    real = call(client, "POST", path, role="admin", body={"to": "qa.person@example.com", "contact_id": contact_id})
    # Then two emails went to that address through SES, subjects marked [TEST]
    assert (sample.status_code, real.status_code) == (202, 202)
    tests = [m for m in _sent() if m.destinations["ToAddresses"] == ["qa.person@example.com"]]
    assert [m.subject for m in tests] == ["[TEST] Welcome, Ada", "[TEST] Welcome, Hopper"]
    assert [m.id for m in tests] == [sample.json["message_id"], real.json["message_id"]]
    # ... and the address was never logged
    logged = " ".join(str(vars(record)) for record in caplog.records)
    assert "test email sent" in logged and "qa.person" not in logged


def test_a_test_send_is_for_marketers_and_admins_to_a_valid_address(client: Any) -> None:
    template_id = call(client, "POST", "/templates", role="marketer", body=WELCOME).json["id"]
    path = f"/templates/{template_id}/test-send"
    assert call(client, "POST", path, role="manager", body={"to": "a@example.com"}).status_code == 403
    bad = call(client, "POST", path, role="marketer", body={"to": "not-an-address"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "to"
    unknown = call(client, "POST", path, role="marketer", body={"to": "a@example.com", "contact_id": "nobody"})
    assert unknown.status_code == 404
    assert (
        call(client, "POST", "/templates/nope/test-send", role="marketer", body={"to": "a@example.com"}).status_code
        == 404
    )
    assert _sent() == []
