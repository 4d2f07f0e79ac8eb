"""Events the campaigns service publishes (the contract other services read).

No address travels on the bus: consumers that need one ask contacts by contact_id. A send
names its *source*: a campaign run (``campaign-<id>-<run>``) or a journey step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

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


class EmailOpened(CampaignsEvent):
    """A contact's email was first opened (once per source, contact and kind: a scanner's
    or privacy proxy's fetch is ``machine``, counted apart from a person's)."""

    source: str  # campaign-<id>-<run> | journey-<id>-<step>
    campaign_id: str | None = None
    contact_id: str
    machine: bool
    at: datetime


class EmailClicked(CampaignsEvent):
    """A contact first clicked a link of an email (once per source and contact)."""

    source: str
    campaign_id: str | None = None
    contact_id: str
    url: str  # the email's own link (signed into the click token)
    at: datetime


class EmailBounced(CampaignsEvent):
    """SES reported a bounce. Permanent: the address is suppressed. No address here: the
    contact and source come from the email's tags, when it carried them."""

    contact_id: str | None = None
    source: str | None = None
    campaign_id: str | None = None
    bounce_type: str  # Permanent | Transient | Undetermined
    ses_message_id: str
    at: datetime


class EmailComplained(CampaignsEvent):
    """A recipient marked an email as spam (SES complaint): the address is suppressed."""

    contact_id: str | None = None
    source: str | None = None
    campaign_id: str | None = None
    ses_message_id: str
    at: datetime


class UnsubscribeRequested(CampaignsEvent):
    """A contact opted out through an email's link: contacts stores it as consent withdrawn."""

    contact_id: str
    channel: Literal["email", "sms"]
    purpose: Literal["marketing"]
    source: str
    at: datetime


class CampaignConversion(CampaignsEvent):
    """An order counted to the campaign whose email the contact last clicked (once per order)."""

    campaign_id: str
    contact_id: str
    order_id: str
    amount: Decimal
    currency: str


EVENTS: list[type[Event]] = [
    EmailSent,
    EmailSendFailed,
    EmailSkipped,
    SmsSent,
    EmailOpened,
    EmailClicked,
    EmailBounced,
    EmailComplained,
    UnsubscribeRequested,
    CampaignConversion,
]


class CampaignScheduled(CampaignsEvent):
    """A campaign will start at ``at`` (once) or on ``cron`` (in ``timezone``)."""

    campaign_id: str
    at: str | None = None
    cron: str | None = None
    timezone: str = "UTC"


class CampaignStarted(CampaignsEvent):
    """A run began: its audience is frozen next (campaigns' own launcher reads this)."""

    campaign_id: str
    run: int
    estimated_audience: int


class CampaignCompleted(CampaignsEvent):
    """Every recipient of the run is settled: sent, skipped with a reason, or failed with one."""

    campaign_id: str
    run: int
    audience: int
    sent: int
    skipped: int
    failed: int


class CampaignDue(CampaignsEvent):
    """Scheduler's firing of a campaign's schedule (``fired_for``: the time it was due)."""

    campaign_id: str
    fired_for: str


class AbTestDue(CampaignsEvent):
    """The A/B test's waiting time is over: pick the winner, send it to the rest."""

    campaign_id: str
    run: int


EVENTS += [CampaignScheduled, CampaignStarted, CampaignCompleted, CampaignDue, AbTestDue]


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
