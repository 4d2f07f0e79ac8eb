"""The leads feature's reactions to bus events: each reads its event and calls one use case."""

from __future__ import annotations

from pipeline import bootstrap
from pipeline.events import LeadFirstContactDue
from pipeline.inbound import LeadAssignedIn, LeadFirstContactDueIn, SegmentMembershipIn, TaskCompletedIn
from shared.events import Envelope


def on_segment_entered(envelope: Envelope[SegmentMembershipIn]) -> None:
    bootstrap.leads_repository().enter_segment(envelope.data.contact_id, envelope.data.segment_id)


def on_segment_exited(envelope: Envelope[SegmentMembershipIn]) -> None:
    bootstrap.leads_repository().exit_segment(envelope.data.contact_id, envelope.data.segment_id)


def on_lead_assigned(envelope: Envelope[LeadAssignedIn]) -> None:
    from pipeline.leads.usecases import plan_first_contact

    data = envelope.data
    if data.first_contact_hours is None:
        return
    plan_first_contact(
        data.contact_id,
        data.owner_id,
        data.first_contact_hours,
        envelope.metadata,
        reassign_on_miss=data.reassign_on_miss,
        repo=bootstrap.leads_repository(),
        directory=bootstrap.teams_repository(),
        deadlines=bootstrap.deadlines(),
    )


def on_first_contact_due(envelope: Envelope[LeadFirstContactDueIn]) -> None:
    from pipeline.assignment.usecases import hand_on
    from pipeline.leads.usecases import first_contact_missed

    due = LeadFirstContactDue.model_validate(envelope.data.model_dump())
    missed = first_contact_missed(due, envelope.metadata, bootstrap.leads_repository(), bootstrap.teams_repository())
    if missed is not None and due.reassign_on_miss:
        hand_on(missed, "first contact missed", envelope.metadata, bootstrap.assignment_repository())


def on_task_completed(envelope: Envelope[TaskCompletedIn]) -> None:
    from pipeline.leads.usecases import contacted

    data = envelope.data
    if data.contact_id is not None:
        contacted(data.contact_id, data.kind, envelope.metadata, bootstrap.leads_repository(), bootstrap.deadlines())
