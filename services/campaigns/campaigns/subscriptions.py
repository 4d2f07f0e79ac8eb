"""What campaigns reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from campaigns.attribution import consumers as attribution
from campaigns.audience import consumers as audience
from campaigns.campaign import consumers as campaign
from campaigns.inbound import (
    AbTestDueIn,
    CampaignDueIn,
    CampaignStartedIn,
    ConsentChangedIn,
    ContactErasedIn,
    ContactsMergedIn,
    ContactUpdatedIn,
    LeadAssignedIn,
    LeadCreatedIn,
    LeadProfileIn,
    PurchaseRecordedIn,
    SegmentMovedIn,
)
from campaigns.messages import consumers as messages
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
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
]
