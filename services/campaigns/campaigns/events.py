"""Events the campaigns service publishes (the contract other services read).

No email address travels on the bus: consumers that need it ask contacts by contact_id.
"""

from __future__ import annotations

from datetime import date

from shared.events import Event


class CampaignsEvent(Event):
    bus_source = "crm.campaigns"


class EmailSent(CampaignsEvent):
    """SES accepted an email for a contact."""

    message_id: str
    contact_id: str
    template: str
    ses_message_id: str


class EmailSendFailed(CampaignsEvent):
    """SES refused an email for good (not a throttle: those are retried)."""

    message_id: str
    contact_id: str
    template: str
    reason: str  # the SES error code, e.g. MessageRejected


EVENTS: list[type[Event]] = [EmailSent, EmailSendFailed]


# --- journeys' own, put on the bus by their one-time schedules (routed back by JourneysOwnRule)


class JourneyStepDue(CampaignsEvent):
    """Internal: a run's step is due (its schedule fired). ``attempt`` > 0: a retry after the
    sending account throttled it."""

    journey_id: str
    contact_id: str
    run_id: str
    step: int
    attempt: int = 0


class BirthdayDue(CampaignsEvent):
    """Internal: a contact's birthday came (their yearly one-time schedule fired)."""

    contact_id: str
    on: date


EVENTS += [JourneyStepDue, BirthdayDue]
