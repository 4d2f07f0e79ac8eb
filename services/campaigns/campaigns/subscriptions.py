"""What campaigns reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from campaigns.attribution import consumers as attribution
from campaigns.audience import consumers as audience
from campaigns.campaign import consumers as campaign
from campaigns.inbound import (
    AbTestDueIn,
    BirthdayDueIn,
    CampaignDueIn,
    CampaignStartedIn,
    ConsentChangedIn,
    ContactErasedIn,
    ContactsMergedIn,
    ContactUpdatedIn,
    CouponIssuedIn,
    JourneyStepDueIn,
    LeadAssignedIn,
    LeadCreatedIn,
    LeadProfileIn,
    OpportunityLostIn,
    OpportunityWonIn,
    PurchaseRecordedIn,
    SegmentMovedIn,
    SurveyAnsweredIn,
    TicketOpenedIn,
    UnsubscribeRequestedIn,
)
from campaigns.journeys import consumers as journeys
from campaigns.messages import consumers as messages
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    # The welcome email at once (messages), then the welcome journey's later steps.
    Subscription("LeadCreated", LeadCreatedIn, messages.on_lead_created),
    Subscription("LeadAssigned", LeadAssignedIn, messages.on_lead_assigned),
    Subscription("ContactErased", ContactErasedIn, messages.on_contact_erased),
    # The audience (campaigns' own view of each contact). On ContactErased it runs after the
    # messages feature's reaction, which marks the contact erased: no write of it comes after.
    Subscription("LeadCreated", LeadProfileIn, audience.on_lead_created),
    Subscription("ContactUpdated", ContactUpdatedIn, audience.on_contact_updated),
    Subscription("ConsentChanged", ConsentChangedIn, audience.on_consent_changed),
    Subscription("SegmentEntered", SegmentMovedIn, audience.on_segment_entered),
    Subscription("SegmentExited", SegmentMovedIn, audience.on_segment_exited),
    Subscription("ContactsMerged", ContactsMergedIn, audience.on_contacts_merged),
    Subscription("ContactErased", ContactErasedIn, audience.on_contact_erased),
    Subscription("PurchaseRecorded", PurchaseRecordedIn, attribution.on_purchase_recorded),
    Subscription("CampaignDue", CampaignDueIn, campaign.on_campaign_due),
    Subscription("CampaignStarted", CampaignStartedIn, campaign.on_campaign_started),
    Subscription("AbTestDue", AbTestDueIn, campaign.on_ab_test_due),
    # Journeys: what starts a run...
    Subscription("LeadCreated", LeadCreatedIn, journeys.on_lead_created),
    Subscription("SegmentEntered", SegmentMovedIn, journeys.on_segment_entered),
    Subscription("OpportunityWon", OpportunityWonIn, journeys.on_opportunity_won),
    Subscription("TicketOpened", TicketOpenedIn, journeys.on_ticket_opened),
    Subscription("CouponIssued", CouponIssuedIn, journeys.on_coupon_issued),
    Subscription("BirthdayDue", BirthdayDueIn, journeys.on_birthday_due),
    Subscription("ContactUpdated", ContactUpdatedIn, journeys.on_contact_updated),  # plans the next BirthdayDue
    # ...moves it on (its step's one-time schedule fired)...
    Subscription("JourneyStepDue", JourneyStepDueIn, journeys.on_journey_step_due),
    # ...and ends it early.
    Subscription("SegmentExited", SegmentMovedIn, journeys.on_segment_exited),
    Subscription("PurchaseRecorded", PurchaseRecordedIn, journeys.on_purchase_recorded),
    Subscription("OpportunityLost", OpportunityLostIn, journeys.on_opportunity_lost),
    Subscription("SurveyAnswered", SurveyAnsweredIn, journeys.on_survey_answered),
    Subscription("UnsubscribeRequested", UnsubscribeRequestedIn, journeys.on_unsubscribe_requested),
    Subscription("ContactErased", ContactErasedIn, journeys.on_contact_erased),
]
# Declared, with its reader and reaction (journeys/consumers.py), to subscribe (with its rule in
# resources.yaml) once the service desk publishes it, the contract tests checking a producer
# exists: SurveyRequested (SurveyRequestedIn, journeys.on_survey_requested).
