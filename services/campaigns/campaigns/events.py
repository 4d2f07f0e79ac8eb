"""Events the campaigns service publishes (the contract other services read).

No email address travels on the bus: consumers that need it ask contacts by contact_id.
"""

from __future__ import annotations

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
