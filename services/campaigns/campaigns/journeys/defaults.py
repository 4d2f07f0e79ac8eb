"""The built-in journeys, there from a fresh install (version 0, never stored until an admin
changes one, like loyalty's program), and the default templates they send: stored when a
journey is read or a step first sends (``seed_templates``), so marketers edit them like
any other template (``PATCH /templates/{id}``).

The welcome's first email is messages' (sent at once on LeadCreated, recorded at
``/messages``); the welcome journey holds what follows it.
"""

from __future__ import annotations

from campaigns.journeys.models import Journey, Purpose, Step, StepChannel, StopEvent, Trigger, TriggerEvent
from campaigns.templates.models import TemplateIn

# The at-risk segment win-back starts on: contacts' segment id, set by an admin (PUT).
AT_RISK_SEGMENT = "at-risk"

_UNSUBSCRIBE = StopEvent.UNSUBSCRIBE_REQUESTED
BUILTIN: dict[str, Journey] = {
    j.id: j
    for j in [
        Journey(
            id="welcome",
            builtin=True,
            name="Welcome",
            trigger=Trigger(event=TriggerEvent.LEAD_CREATED),
            steps=[Step(delay="P2D", template_id="welcome-followup")],
            stop_when=[_UNSUBSCRIBE, StopEvent.PURCHASE_RECORDED],
            once_per_contact=True,
        ),
        Journey(
            id="birthday",
            builtin=True,
            name="Birthday greeting",
            trigger=Trigger(event=TriggerEvent.BIRTHDAY_DUE),
            steps=[Step(delay=0, template_id="birthday")],
            stop_when=[_UNSUBSCRIBE],
        ),
        Journey(
            id="win-back",
            builtin=True,
            name="Win-back",
            trigger=Trigger(event=TriggerEvent.SEGMENT_ENTERED, segment_id=AT_RISK_SEGMENT),
            steps=[Step(delay=0, template_id="win-back"), Step(delay="P7D", template_id="win-back-reminder")],
            stop_when=[StopEvent.PURCHASE_RECORDED, StopEvent.SEGMENT_EXITED, _UNSUBSCRIBE],
        ),
        Journey(
            id="onboarding",
            builtin=True,
            name="Onboarding",
            trigger=Trigger(event=TriggerEvent.OPPORTUNITY_WON),
            steps=[
                Step(delay=0, template_id="onboarding", purpose=Purpose.TRANSACTIONAL),
                Step(delay="P7D", template_id="onboarding-tips"),
            ],
            stop_when=[_UNSUBSCRIBE],
        ),
        Journey(
            id="survey",
            builtin=True,
            name="Satisfaction survey",
            trigger=Trigger(event=TriggerEvent.SURVEY_REQUESTED),
            steps=[Step(delay=0, template_id="survey", purpose=Purpose.TRANSACTIONAL)],
            stop_when=[StopEvent.SURVEY_ANSWERED],
        ),
        Journey(
            id="ticket-received",
            builtin=True,
            name="First answer to a new ticket",
            trigger=Trigger(event=TriggerEvent.TICKET_OPENED),
            steps=[Step(delay=0, template_id="ticket-received", purpose=Purpose.TRANSACTIONAL)],
        ),
        Journey(
            id="coupon",
            builtin=True,
            name="Coupon delivery",
            trigger=Trigger(event=TriggerEvent.COUPON_ISSUED),
            steps=[Step(delay=0, template_id="coupon", channel=StepChannel.EMAIL, purpose=Purpose.TRANSACTIONAL)],
        ),
    ]
}

_HI = "Hi {{ contact.first_name or 'there' }},"
_BYE = "\n\nUnsubscribe: {{ unsubscribe_url }}\n"
_HTML_BYE = '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'


def _template(name: str, subject: str, lines: list[str]) -> TemplateIn:
    text = _HI + "\n\n" + "\n".join(lines) + _BYE
    html = f"<p>{_HI}</p>" + "".join(f"<p>{line}</p>" for line in lines) + _HTML_BYE
    return TemplateIn(name=name, subject=subject, html=html, text=text)


_ARTICLES_TEXT = "{% for a in articles %}\n- {{ a.title }}: {{ a.url }}{% endfor %}"
TEMPLATES: dict[str, TemplateIn] = {
    "welcome-followup": _template(
        "Welcome follow-up", "How can we help?", ["A couple of days ago you got in touch: is there anything we can do?"]
    ),
    "birthday": _template("Birthday greeting", "Happy birthday!", ["Happy birthday from all of us."]),
    "win-back": _template("Win-back", "We miss you", ["It has been a while: here is what is new."]),
    "win-back-reminder": _template("Win-back reminder", "Still thinking?", ["We would love to see you again."]),
    "onboarding": _template("Onboarding", "Welcome aboard", ["Thank you for your trust: here is how to start."]),
    "onboarding-tips": _template("Onboarding tips", "Tips for your first week", ["A few tips to get the most out."]),
    "survey": _template("Survey", "How did we do?", ["Tell us how we did: {{ survey_url }}"]),
    "ticket-received": _template(
        "Ticket received",
        "We received your request {{ ticket.id }}",
        ["We received your request “{{ ticket.subject }}” and will answer soon." + _ARTICLES_TEXT],
    ),
    "coupon": _template(
        "Coupon",
        "Your coupon {{ coupon.code }}",
        ["Your coupon code: {{ coupon.code }} ({{ coupon.value }}), valid until {{ coupon.expires_at }}."],
    ),
}
