"""Templates rendered in Jinja2's sandbox, and checked when saved: a syntax error, a name
that no recipient has, or an unsafe expression (attributes starting with ``_``, calls
the sandbox refuses) is refused with the line and the name at fault, not found at send
time by the recipients who get a broken email."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

# What a template may name: the recipient (the service's own view of the contact) and the
# links every email carries.
CONTACT_FIELDS = frozenset({"first_name", "last_name", "email", "language", "company"})
# ...and what a journey's trigger adds (journeys.usecases.step_context fills every one, empty
# when its trigger has none): a coupon issued (CouponIssued), a survey's link
# (SurveyRequested), the ticket opened and its suggested articles (TicketOpened).
JOURNEY_VARIABLES: dict[str, Any] = {
    "coupon": {"code": "x", "value": "x", "expires_at": "x"},
    "survey_url": "https://example.com/s",
    "ticket": {"id": "x", "subject": "x"},
    "articles": [{"title": "x", "url": "https://example.com/a"}],
}
TOP_LEVEL = frozenset({"contact", "unsubscribe_url", "campaign_name", *JOURNEY_VARIABLES})
SAMPLE: dict[str, Any] = {
    "contact": dict.fromkeys(CONTACT_FIELDS, "x"),
    "unsubscribe_url": "https://example.com/u",
    "campaign_name": "x",
    **JOURNEY_VARIABLES,
}


@cache
def _environment(html: bool) -> SandboxedEnvironment:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=html)


def problems(source: str, field: str, *, html: bool = False) -> list[dict[str, str]]:
    """What is wrong with ``source`` as a template, as problem-details errors for ``field``."""
    from jinja2 import TemplateSyntaxError, nodes
    from jinja2.exceptions import SecurityError, UndefinedError

    env = _environment(html)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        return [{"field": field, "message": f"line {exc.lineno}: {exc.message}"}]
    found = []
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in TOP_LEVEL | assigned:
            found.append({"field": field, "message": f"line {name.lineno}: unknown variable {name.name!r}"})
    for attr in tree.find_all(nodes.Getattr):
        if attr.attr.startswith("_"):
            found.append({"field": field, "message": f"line {attr.lineno}: unsafe attribute {attr.attr!r}"})
        elif isinstance(attr.node, nodes.Name) and attr.node.name == "contact" and attr.attr not in CONTACT_FIELDS:
            found.append({"field": field, "message": f"line {attr.lineno}: the contact has no {attr.attr!r}"})
    if found:
        return found
    try:
        env.from_string(source).render(SAMPLE)
    except (SecurityError, UndefinedError, TypeError, ValueError) as exc:
        return [{"field": field, "message": f"cannot render: {exc}"}]
    return []


@lru_cache(maxsize=256)
def _compiled(source: str, html: bool) -> Template:
    # A campaign renders the same few sources for every recipient: compile each once.
    return _environment(html).from_string(source)


def render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    return _compiled(source, html).render(context)
