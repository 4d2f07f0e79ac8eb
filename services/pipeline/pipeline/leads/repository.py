"""Leads in the pipeline table (pynamodb): the only module that maps the lead item and a
contact's segment memberships.

Assignment gives a lead its owner through ``assign_new``/``assign_waiting``/``move_owner``/
``unassign``, transaction items guarded here: a lead is created once, only a lead still
without an owner is given one, and only the owner a decision read is replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from pipeline import SERVICE
from pipeline.leads.models import AssignmentState, Lead, LeadFacts, LeadStatus
from pipeline.table.items import ByOwner, OutboxRecord
from pipeline.table.keys import LEAD_PREFIX, LEAD_SK, lead_key, segments_key
from pipeline.teams.repository import free_slot
from shared.errors import Conflict, StaleVersion
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of
from shared.outbox import transaction_with_events
from shared.reach import ContactOwner
from shared.table import is_conditional_failure, table_meta


class LeadItem(KeyedItem):
    """pk ``LEAD#<contact_id>``, sk ``LEAD``."""

    Meta = table_meta(SERVICE)
    assignment = UnicodeAttribute(default=AssignmentState.UNASSIGNED.value)
    status = UnicodeAttribute(default=LeadStatus.NEW.value)
    owner_id = UnicodeAttribute(null=True)
    # Stored as ``owner_team``: an item with a ``team_id`` attribute joins the by_team index of reps.
    team_id = UnicodeAttribute(null=True, attr_name="owner_team")
    assigned_at = UTCDateTimeAttribute(null=True)
    rule_id = UnicodeAttribute(null=True)
    first_contact_due = UTCDateTimeAttribute(null=True)
    first_contacted_at = UTCDateTimeAttribute(null=True)
    follow_up_missed_at = UTCDateTimeAttribute(null=True)
    disqualify_reason = UnicodeAttribute(null=True)
    score = NumberAttribute(default=0)
    score_reasons = ListAttribute(of=UnicodeAttribute, default=list)
    facts = JSONAttribute(null=True)
    behaviour = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=1)
    by_owner = ByOwner()


class SegmentsItem(KeyedItem):
    """pk ``LEAD#<contact_id>``, sk ``SEGMENTS``: the segments the contact is in (from
    contacts' SegmentEntered/SegmentExited), for rules on ``segment_ids``."""

    Meta = table_meta(SERVICE)
    segment_ids = UnicodeSetAttribute(null=True)


@dataclass(frozen=True)
class Owner:
    """Who a lead is given to, by which rule, when."""

    owner_id: str
    team_id: str | None
    rule_id: str
    at: datetime


def _lead(contact_id: str, item: LeadItem) -> Lead:
    values = {**fields_of(item), "facts": item.facts or {}, "behaviour": item.behaviour or {}}
    return Lead.model_validate({**values, "contact_id": contact_id})


def _facts(facts: LeadFacts) -> dict[str, Any]:
    return facts.model_dump(mode="json", exclude_defaults=True)


def assign_new(tx: TransactWrite, contact_id: str, to: Owner, facts: LeadFacts) -> None:
    """A lead pipeline has not seen, created with its owner (fails if it exists)."""
    item = LeadItem(
        *lead_key(contact_id),
        assignment=AssignmentState.ASSIGNED.value,
        owner_id=to.owner_id,
        team_id=to.team_id,
        rule_id=to.rule_id,
        assigned_at=to.at,
        facts=_facts(facts),
        score=facts.score,
        score_reasons=facts.score_reasons,
        created_at=to.at,
        updated_at=to.at,
    )
    tx.save(item, condition=LeadItem.pk.does_not_exist())


def new_waiting(tx: TransactWrite, contact_id: str, facts: LeadFacts, at: datetime) -> None:
    """A lead pipeline has not seen, waiting for a rep (fails if it exists)."""
    item = LeadItem(
        *lead_key(contact_id),
        facts=_facts(facts),
        score=facts.score,
        score_reasons=facts.score_reasons,
        created_at=at,
        updated_at=at,
    )
    tx.save(item, condition=LeadItem.pk.does_not_exist())


def _owner_actions(to: Owner) -> list[Any]:
    return [
        LeadItem.assignment.set(AssignmentState.ASSIGNED.value),
        LeadItem.owner_id.set(to.owner_id),
        LeadItem.team_id.set(to.team_id) if to.team_id else LeadItem.team_id.remove(),
        LeadItem.rule_id.set(to.rule_id),
        LeadItem.assigned_at.set(to.at),
        LeadItem.updated_at.set(to.at),
        # A new owner gets a new first-contact deadline (set when LeadAssigned is handled).
        LeadItem.first_contact_due.remove(),
        LeadItem.follow_up_missed_at.remove(),
        LeadItem.version.add(1),
    ]


def assign_waiting(tx: TransactWrite, contact_id: str, to: Owner) -> None:
    """A waiting lead gets its owner: only one still without one can."""
    tx.update(
        LeadItem(*lead_key(contact_id)),
        actions=_owner_actions(to),
        condition=(LeadItem.assignment == AssignmentState.UNASSIGNED.value) & LeadItem.owner_id.does_not_exist(),
    )


def move_owner(tx: TransactWrite, contact_id: str, previous_owner_id: str, to: Owner) -> None:
    """An open lead goes from ``previous_owner_id`` (still its owner) to ``to``."""
    tx.update(
        LeadItem(*lead_key(contact_id)),
        actions=_owner_actions(to),
        condition=(LeadItem.owner_id == previous_owner_id) & LeadItem.status.is_in(*_OPEN),
    )


def unassign(tx: TransactWrite, contact_id: str, previous_owner_id: str, at: datetime) -> None:
    """An open lead leaves ``previous_owner_id`` (still its owner) for the queue."""
    tx.update(
        LeadItem(*lead_key(contact_id)),
        actions=[
            LeadItem.assignment.set(AssignmentState.UNASSIGNED.value),
            LeadItem.owner_id.remove(),
            LeadItem.first_contact_due.remove(),
            LeadItem.updated_at.set(at),
            LeadItem.version.add(1),
        ],
        condition=(LeadItem.owner_id == previous_owner_id) & LeadItem.status.is_in(*_OPEN),
    )


def rescore(tx: TransactWrite, lead: Lead, changed: Lead) -> None:
    """The lead's score, reasons and behaviour counts, if it is still at the version read."""
    tx.update(
        LeadItem(*lead_key(lead.contact_id)),
        actions=[
            LeadItem.score.set(changed.score),
            LeadItem.score_reasons.set(cast(Any, changed.score_reasons)),
            LeadItem.behaviour.set(changed.behaviour),
            LeadItem.version.set(changed.version),
        ],
        condition=LeadItem.version == lead.version,
    )


_OPEN = [s.value for s in (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)]


class LeadsRepository:
    def change_status(self, lead: Lead, changed: Lead, events: list[Outgoing]) -> None:
        """The lead's new status if it is still at the version read (StaleVersion otherwise);
        closing an owned lead frees its owner's slot in the same transaction."""
        actions: list[Action] = [
            LeadItem.status.set(changed.status.value),
            LeadItem.updated_at.set(changed.updated_at or datetime.now(UTC)),
            LeadItem.version.set(changed.version),
        ]
        if changed.first_contacted_at is not None:
            actions.append(LeadItem.first_contacted_at.set(changed.first_contacted_at))
        if changed.disqualify_reason is not None:
            actions.append(LeadItem.disqualify_reason.set(changed.disqualify_reason))
        try:
            with transaction_with_events(OutboxRecord, events, conflict="stale") as tx:
                tx.update(
                    LeadItem(*lead_key(lead.contact_id)), actions=actions, condition=LeadItem.version == lead.version
                )
                if lead.open and not changed.open and lead.owner_id is not None:
                    free_slot(tx, lead.owner_id)
        except Conflict as exc:
            raise StaleVersion(f"lead {lead.contact_id} changed meanwhile: read it again") from exc

    def set_due(self, contact_id: str, owner_id: str, due: datetime) -> bool:
        """The first-contact deadline, on a lead still with ``owner_id`` and uncontacted."""
        try:
            LeadItem(*lead_key(contact_id)).update(
                actions=[LeadItem.first_contact_due.set(due)],
                condition=(LeadItem.owner_id == owner_id) & LeadItem.first_contacted_at.does_not_exist(),
            )
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def mark_missed(self, lead: Lead, at: datetime, events: list[Outgoing]) -> bool:
        """Mark the deadline missed with its events, once: False when someone got there first
        (marked, contacted, or handed on meanwhile)."""
        condition = (
            (LeadItem.owner_id == lead.owner_id)
            & LeadItem.first_contacted_at.does_not_exist()
            & LeadItem.follow_up_missed_at.does_not_exist()
        )
        try:
            with transaction_with_events(OutboxRecord, events, conflict="missed already") as tx:
                tx.update(
                    LeadItem(*lead_key(lead.contact_id)),
                    actions=[LeadItem.follow_up_missed_at.set(at), LeadItem.updated_at.set(at)],
                    condition=condition,
                )
        except Conflict:
            return False
        return True

    def get_lead(self, contact_id: str) -> Lead | None:
        try:
            return _lead(contact_id, LeadItem.get(*lead_key(contact_id), consistent_read=True))
        except DoesNotExist:
            return None

    def leads_of(self, owner_id: str) -> list[Lead]:
        """A rep's leads (the by_owner index: one query, eventually consistent)."""
        return [
            _lead(item.pk.removeprefix(LEAD_PREFIX), item)
            for item in LeadItem.by_owner.query(owner_id, LeadItem.sk == LEAD_SK)
        ]

    def owner_of(self, contact_id: str) -> ContactOwner | None:
        """shared.reach.Owners: pipeline keeps each contact's owner on its lead."""
        lead = self.get_lead(contact_id)
        return None if lead is None else ContactOwner(owner_id=lead.owner_id, assigned_at=lead.assigned_at)

    def segments_of(self, contact_id: str) -> list[str]:
        try:
            item = SegmentsItem.get(*segments_key(contact_id), consistent_read=True)
        except DoesNotExist:
            return []
        return sorted(item.segment_ids or ())

    def enter_segment(self, contact_id: str, segment_id: str) -> None:
        """Idempotent (a set): a redelivered SegmentEntered changes nothing."""
        SegmentsItem(*segments_key(contact_id)).update(actions=[SegmentsItem.segment_ids.add({segment_id})])

    def exit_segment(self, contact_id: str, segment_id: str) -> None:
        SegmentsItem(*segments_key(contact_id)).update(actions=[SegmentsItem.segment_ids.delete({segment_id})])
