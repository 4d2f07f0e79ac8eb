"""What the campaigns service reads from other events (tolerant readers: unknown fields ignored)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from shared.events import IncomingEvent


class LeadCreatedIn(IncomingEvent):
    """crm.contacts LeadCreated: who to welcome, and how to greet them."""

    contact_id: str
    email: str
    first_name: str | None = None


class LeadAssignedIn(IncomingEvent):
    """crm.pipeline LeadAssigned: the contact's owner, kept for reach (shared.reach)."""

    contact_id: str
    owner_id: str


class ContactErasedIn(IncomingEvent):
    """crm.contacts ContactErased: forget the person."""

    contact_id: str


# --- the audience: campaigns' own view of each contact (audience/) ----------------------


class LeadProfileIn(IncomingEvent):
    """crm.contacts LeadCreated: the new recipient's profile."""

    contact_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    language: str | None = None


class ContactUpdatedIn(IncomingEvent):
    """crm.contacts ContactUpdated: the profile fields named in ``changed`` carry their new
    value (null: cleared). Older events carry none of them: a field absent from the payload
    is not a change to apply."""

    contact_id: str
    changed: list[str]
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language: str | None = None
    company: str | None = None
    birthday: date | None = None


class ConsentChangedIn(IncomingEvent):
    """crm.contacts ConsentChanged: one channel and purpose granted or withdrawn at ``at``."""

    contact_id: str
    channel: str
    purpose: str
    granted: bool
    at: datetime


class SegmentMovedIn(IncomingEvent):
    """crm.contacts SegmentEntered / SegmentExited (ordered by the envelope's occurred_at)."""

    segment_id: str
    contact_id: str


class ContactsMergedIn(IncomingEvent):
    """crm.contacts ContactsMerged: the loser's memberships and consent fold into the winner's."""

    winner_id: str
    loser_id: str


class PurchaseRecordedIn(IncomingEvent):
    """crm.contacts PurchaseRecorded (once per order): an order to attribute to a campaign."""

    contact_id: str
    order_id: str
    amount: Decimal
    currency: str
    occurred_at: datetime


class CampaignDueIn(IncomingEvent):
    """crm.campaigns CampaignDue (our own schedule's firing)."""

    campaign_id: str
    fired_for: str


class CampaignStartedIn(IncomingEvent):
    """crm.campaigns CampaignStarted: freeze the run's audience."""

    campaign_id: str
    run: int


class AbTestDueIn(IncomingEvent):
    """crm.campaigns AbTestDue: pick the A/B test's winner."""

    campaign_id: str
    run: int


# --- journeys: what starts a run, and what stops one (only the fields they read) ---------


class OpportunityWonIn(IncomingEvent):
    """crm.pipeline OpportunityWon: onboarding starts."""

    opportunity_id: str
    contact_id: str


class OpportunityLostIn(IncomingEvent):
    """crm.pipeline OpportunityLost: a run that a lost deal ends stops."""

    opportunity_id: str
    contact_id: str


class ArticleIn(IncomingEvent):
    title: str
    url: str


class TicketOpenedIn(IncomingEvent):
    """crm.service_desk TicketOpened: the first answer, with suggested articles when the
    service desk sends them (not yet: then the email says the ticket is received)."""

    ticket_id: str
    contact_id: str
    subject: str = ""
    articles: list[ArticleIn] = Field(default_factory=list)


class SurveyRequestedIn(IncomingEvent):
    """crm.service_desk SurveyRequested (declared here: the service desk does not publish it
    yet): the survey email, with its link."""

    survey_id: str
    ticket_id: str
    contact_id: str
    kind: str  # csat, nps
    survey_url: str | None = None


class SurveyAnsweredIn(IncomingEvent):
    """crm.service_desk SurveyAnswered: the survey's run (its reminder) stops."""

    survey_id: str
    contact_id: str


class CouponIssuedIn(IncomingEvent):
    """crm.loyalty CouponIssued: the coupon delivered to its member (none for a batch's
    unassigned codes: nothing to deliver)."""

    code: str
    contact_id: str | None = None
    value: Decimal | None = None
    expires_at: date | None = None


class UnsubscribeRequestedIn(IncomingEvent):
    """crm.campaigns UnsubscribeRequested (our own): the contact's marketing runs stop."""

    contact_id: str


class JourneyStepDueIn(IncomingEvent):
    """crm.campaigns JourneyStepDue (our own schedule)."""

    journey_id: str
    contact_id: str
    run_id: str
    step: int
    attempt: int = 0


class BirthdayDueIn(IncomingEvent):
    """crm.campaigns BirthdayDue (our own schedule)."""

    contact_id: str
    on: date
