"""Leads in the pipeline table (pynamodb): the only module that maps the lead item.

Assignment gives a lead its owner through ``assign_new``/``assign_waiting``, transaction
items guarded here (a lead is created once; only a lead still without an owner is given one).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from pipeline import SERVICE
from pipeline.leads.models import AssignmentState, Lead, LeadStatus
from pipeline.table.items import ByOwner
from pipeline.table.keys import LEAD_PREFIX, LEAD_SK, lead_key
from shared.items import KeyedItem, fields_of
from shared.reach import ContactOwner
from shared.table import table_meta


class LeadItem(KeyedItem):
    """pk ``LEAD#<contact_id>``, sk ``LEAD``."""

    Meta = table_meta(SERVICE)
    assignment = UnicodeAttribute(default=AssignmentState.UNASSIGNED.value)
    status = UnicodeAttribute(default=LeadStatus.NEW.value)
    owner_id = UnicodeAttribute(null=True)
    team_id = UnicodeAttribute(null=True)
    assigned_at = UTCDateTimeAttribute(null=True)
    rule_id = UnicodeAttribute(null=True)
    first_contact_due = UTCDateTimeAttribute(null=True)
    first_contacted_at = UTCDateTimeAttribute(null=True)
    disqualify_reason = UnicodeAttribute(null=True)
    score = NumberAttribute(default=0)
    score_reasons = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UTCDateTimeAttribute()
    version = NumberAttribute(default=1)
    by_owner = ByOwner()


def _lead(contact_id: str, item: LeadItem) -> Lead:
    return Lead.model_validate({**fields_of(item), "contact_id": contact_id})


def assign_new(tx: TransactWrite, contact_id: str, owner_id: str, at: datetime) -> None:
    """A lead pipeline has not seen, created with its owner (fails if it exists)."""
    item = LeadItem(
        *lead_key(contact_id),
        assignment=AssignmentState.ASSIGNED.value,
        owner_id=owner_id,
        assigned_at=at,
        created_at=at,
    )
    tx.save(item, condition=LeadItem.pk.does_not_exist())


def new_waiting(tx: TransactWrite, contact_id: str, at: datetime) -> None:
    """A lead pipeline has not seen, waiting for a rep (fails if it exists)."""
    tx.save(LeadItem(*lead_key(contact_id), created_at=at), condition=LeadItem.pk.does_not_exist())


def assign_waiting(tx: TransactWrite, contact_id: str, owner_id: str, at: datetime) -> None:
    """A waiting lead gets its owner: only one still without one can."""
    tx.update(
        LeadItem(*lead_key(contact_id)),
        actions=[
            LeadItem.assignment.set(AssignmentState.ASSIGNED.value),
            LeadItem.owner_id.set(owner_id),
            LeadItem.assigned_at.set(at),
        ],
        condition=(LeadItem.assignment == AssignmentState.UNASSIGNED.value) & LeadItem.owner_id.does_not_exist(),
    )


class LeadsRepository:
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
