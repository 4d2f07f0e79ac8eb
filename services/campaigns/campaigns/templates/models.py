"""Email templates: a subject, an HTML and a text body, and variants per locale (a contact
gets their language's, else the default)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.inputs import RequestModel
from shared.types import Email

Locale = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


class Content(RequestModel):
    subject: str = Field(min_length=1, max_length=200)
    html: str = Field(min_length=1, max_length=200_000)
    text: str = Field(min_length=1, max_length=100_000)


class TemplateFields(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    html: str | None = Field(default=None, min_length=1, max_length=200_000)
    text: str | None = Field(default=None, min_length=1, max_length=100_000)
    locales: dict[Locale, Content] | None = Field(default=None, max_length=20)


class TemplatePatch(TemplateFields):
    """PATCH /templates/{id} (``If-Match``): the fields sent."""


class TemplateIn(TemplateFields):
    """POST /templates (checked as a whole in the sandbox by the use case: rendering.py)."""

    name: str = Field(min_length=1, max_length=120)
    subject: str = Field(min_length=1, max_length=200)
    html: str = Field(min_length=1, max_length=200_000)
    text: str = Field(min_length=1, max_length=100_000)
    locales: dict[Locale, Content] = Field(default_factory=dict, max_length=20)


class Template(TemplateIn):
    id: str
    created_at: datetime
    updated_at: datetime
    version: int = 1


class TemplatePage(BaseModel):
    items: list[Template]
    next_cursor: str | None = None


class PreviewIn(RequestModel):
    """POST /templates/{id}/preview: the contact to render it for."""

    contact_id: str = Field(min_length=1, max_length=64)


class Preview(BaseModel):
    """A template rendered: ``locale`` is the variant used (``default``: the template's own)."""

    subject: str
    html: str
    text: str
    locale: str


class SendTestIn(RequestModel):
    """POST /templates/{id}/test-send: one email to ``to``, rendered for ``contact_id`` if given
    (else with sample values), its subject marked ``[TEST]``."""

    to: Email
    contact_id: str | None = Field(default=None, min_length=1, max_length=64)


class SentTest(BaseModel):
    message_id: str  # SES's
