"""Email templates (code for now; stored, editable templates come with campaigns proper)."""

from __future__ import annotations

from html import escape

from campaigns.models import Email

WELCOME = "welcome"


def welcome(first_name: str | None) -> Email:
    name = (first_name or "").strip() or "there"
    return Email(
        subject="Welcome!",
        text=f"Hi {name},\n\nThanks for getting in touch. We will be in contact soon.\n",
        html=f"<p>Hi {escape(name)},</p><p>Thanks for getting in touch. We will be in contact soon.</p>",
    )
