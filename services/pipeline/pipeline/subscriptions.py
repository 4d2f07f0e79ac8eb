"""What pipeline reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from pipeline.approvals.consumers import on_reminder_due
from pipeline.assignment.consumers import (
    on_contact_erased,
    on_lead_created,
    on_lead_status_changed,
    on_rep_added,
    on_rep_updated,
)
from pipeline.inbound import (
    ApprovalReminderDueIn,
    BehaviourIn,
    ContactErasedIn,
    DealClosedIn,
    LeadAssignedIn,
    LeadCreatedIn,
    LeadFirstContactDueIn,
    LeadStatusChangedIn,
    RepAddedIn,
    RepUpdatedIn,
    SegmentMembershipIn,
    TaskCompletedIn,
    TaskReminderFiredIn,
)
from pipeline.leads.consumers import (
    on_first_contact_due,
    on_lead_assigned,
    on_segment_entered,
    on_segment_exited,
    on_task_completed,
)
from pipeline.performance import consumers as performance
from pipeline.scoring.consumers import on_purchase_recorded
from pipeline.tasks.consumers import on_task_reminder_fired
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription("LeadCreated", LeadCreatedIn, on_lead_created),
    Subscription("RepAdded", RepAddedIn, on_rep_added),
    Subscription("RepUpdated", RepUpdatedIn, on_rep_updated),
    Subscription("LeadStatusChanged", LeadStatusChangedIn, on_lead_status_changed),
    Subscription("ContactErased", ContactErasedIn, on_contact_erased),
    Subscription("SegmentEntered", SegmentMembershipIn, on_segment_entered),
    Subscription("SegmentExited", SegmentMembershipIn, on_segment_exited),
    Subscription("LeadAssigned", LeadAssignedIn, on_lead_assigned),
    Subscription("LeadFirstContactDue", LeadFirstContactDueIn, on_first_contact_due),
    Subscription("TaskCompleted", TaskCompletedIn, on_task_completed),
    Subscription("PurchaseRecorded", BehaviourIn, on_purchase_recorded),
    Subscription("ApprovalReminderDue", ApprovalReminderDueIn, on_reminder_due),
    Subscription("TaskReminderFired", TaskReminderFiredIn, on_task_reminder_fired),
    # performance counters, after the reactions above
    Subscription("LeadAssigned", LeadAssignedIn, performance.on_lead_assigned),
    Subscription("LeadStatusChanged", LeadStatusChangedIn, performance.on_lead_status_changed),
    Subscription("OpportunityWon", DealClosedIn, performance.on_opportunity_won),
    Subscription("OpportunityLost", DealClosedIn, performance.on_opportunity_lost),
]
