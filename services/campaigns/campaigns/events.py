"""Events the campaigns service publishes (the contract other services read).

No address travels on the bus: consumers that need one ask contacts by contact_id. A send
names its *source*: a campaign run (``campaign-<id>-<run>``) or a journey step.
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
    source: str | None = None
    campaign_id: str | None = None


class EmailSendFailed(CampaignsEvent):
    """SES refused an email for good (not a throttle: those are retried)."""

    message_id: str
    contact_id: str
    template: str
    reason: str  # the SES error code, e.g. MessageRejected
    source: str | None = None
    campaign_id: str | None = None


class EmailSkipped(CampaignsEvent):
    """A recipient of a campaign or journey step got nothing, and why (no consent, suppressed...)."""

    contact_id: str
    source: str
    channel: str
    reason: str
    template: str
    campaign_id: str | None = None


class SmsSent(CampaignsEvent):
    """SNS accepted a text message for a contact."""

    message_id: str
    contact_id: str
    template: str
    provider_message_id: str
    source: str
    campaign_id: str | None = None


EVENTS: list[type[Event]] = [EmailSent, EmailSendFailed, EmailSkipped, SmsSent]


# --- journeys' own, put on the bus by their one-time schedules (routed back by their rules)


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
