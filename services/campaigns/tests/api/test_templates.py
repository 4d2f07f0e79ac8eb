"""Email templates against moto's in-process AWS: checked in the sandbox when saved, with
the line and the name at fault (Given/When/Then)."""

from __future__ import annotations

from typing import Any

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
