"""The pipeline table (pynamodb). The only module of the service that touches DynamoDB.

Items: reps under one partition ``REPS`` (sk ``REP#<id>``) so listing them is a query;
``LEAD#<contact_id>``/``LEAD`` per lead; waiting leads under ``UNASSIGNED`` (sk = queued
time + id, so the oldest comes first); the round-robin cursor ``ROTATION``/``ROUND_ROBIN``.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from pipeline import SERVICE
from pipeline.models import Assignment, Lead, LeadStatus, QueuedLead, Rep, Rotation
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import outbox_model, transaction_with_events
from shared.reach import ContactOwner
from shared.table import table_meta, transaction, transaction_conflict

REPS = "REPS"
REP_PREFIX = "REP#"
LEAD_PREFIX = "LEAD#"
LEAD_SK = "LEAD"
UNASSIGNED = "UNASSIGNED"
ROTATION = "ROTATION"
ROUND_ROBIN = "ROUND_ROBIN"


class RepItem(KeyedItem):
    """pk ``REPS``, sk ``REP#<id>``."""

    Meta = table_meta(SERVICE)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    territory = UnicodeAttribute(null=True)
    capacity = NumberAttribute()
    open_leads = NumberAttribute(default=0)
    active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()


class LeadItem(KeyedItem):
    """pk ``LEAD#<contact_id>``, sk ``LEAD``."""

    Meta = table_meta(SERVICE)
    status = UnicodeAttribute()
    owner_id = UnicodeAttribute(null=True)
    assigned_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class QueuedItem(KeyedItem):
    """pk ``UNASSIGNED``, sk ``<queued_at iso>#<contact_id>``."""

    Meta = table_meta(SERVICE)
    contact_id = UnicodeAttribute()
    queued_at = UTCDateTimeAttribute()
    correlation_id = UnicodeAttribute()


class RotationItem(KeyedItem):
    """pk ``ROTATION``, sk ``ROUND_ROBIN``."""

    Meta = table_meta(SERVICE)
    last_rep_id = UnicodeAttribute(null=True)
    version = NumberAttribute()


OutboxRecord = outbox_model(table_meta(SERVICE))


def _rep(item: RepItem) -> Rep:
    return Rep.model_validate({**fields_of(item), "id": item.sk.removeprefix(REP_PREFIX)})


def _queued_sk(lead: QueuedLead) -> str:
    return f"{lead.queued_at.isoformat()}#{lead.contact_id}"


class PipelineRepository:
    def add_rep(self, rep: Rep, events: list[Outgoing]) -> None:
        item = item_of(RepItem, REPS, REP_PREFIX + rep.id, rep)
        with transaction_with_events(OutboxRecord, events) as tx:
            tx.save(item, condition=RepItem.sk.does_not_exist())

    def list_reps(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Rep], dict[str, Any] | None]:
        results = RepItem.query(
            REPS, RepItem.sk.startswith(REP_PREFIX), limit=limit, last_evaluated_key=start, consistent_read=True
        )
        reps = [_rep(i) for i in results]
        return reps, results.last_evaluated_key

    def all_reps(self) -> list[Rep]:
        return [_rep(i) for i in RepItem.query(REPS, RepItem.sk.startswith(REP_PREFIX), consistent_read=True)]

    def rotation(self) -> Rotation:
        try:
            item = RotationItem.get(ROTATION, ROUND_ROBIN, consistent_read=True)
        except DoesNotExist:
            return Rotation()
        return Rotation(last_rep_id=item.last_rep_id, version=int(item.version))

    def get_lead(self, contact_id: str) -> Lead | None:
        try:
            item = LeadItem.get(LEAD_PREFIX + contact_id, LEAD_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return Lead(
            contact_id=contact_id, owner_id=item.owner_id, status=LeadStatus(item.status), assigned_at=item.assigned_at
        )

    def owner_of(self, contact_id: str) -> ContactOwner | None:
        """shared.reach.Owners: pipeline keeps each contact's owner on its lead."""
        lead = self.get_lead(contact_id)
        return None if lead is None else ContactOwner(owner_id=lead.owner_id, assigned_at=lead.assigned_at)

    def drop_waiting(self, contact_id: str) -> bool:
        """The lead leaves the unassigned queue (it is never assigned); False when it was not waiting."""
        try:
            item = LeadItem.get(LEAD_PREFIX + contact_id, LEAD_SK, consistent_read=True)
        except DoesNotExist:
            return False
        if item.status != LeadStatus.UNASSIGNED.value:
            return False
        # The lead's created_at is its queued time (enqueue): the waiting entry's key.
        QueuedItem(pk=UNASSIGNED, sk=f"{item.created_at.isoformat()}#{contact_id}").delete()
        return True

    def enqueue(self, lead: QueuedLead) -> bool:
        """Record the lead as waiting; False when pipeline already knows the lead."""
        record = LeadItem(
            pk=LEAD_PREFIX + lead.contact_id, sk=LEAD_SK, status=LeadStatus.UNASSIGNED.value, created_at=lead.queued_at
        )
        queued = item_of(QueuedItem, UNASSIGNED, _queued_sk(lead), lead)
        try:
            with transaction() as tx:
                tx.save(record, condition=LeadItem.pk.does_not_exist())
                tx.save(queued)
        except TransactWriteError as exc:
            if transaction_conflict(exc):
                return False
            raise
        return True

    def queued(self, limit: int) -> list[QueuedLead]:
        return [
            QueuedLead(contact_id=i.contact_id, queued_at=i.queued_at, correlation_id=i.correlation_id)
            for i in QueuedItem.query(UNASSIGNED, limit=limit, consistent_read=True)
        ]

    def assign(self, assignment: Assignment, events: list[Outgoing]) -> None:
        """Owner, rep load, rotation turn and events, all or nothing. Conflict when any guard fails."""
        contact_id, rep, rotation, at = assignment.contact_id, assignment.rep, assignment.rotation, assignment.at
        with transaction_with_events(
            OutboxRecord, events, conflict="the lead, the rep or the rotation changed meanwhile"
        ) as tx:
            if assignment.queued is None:
                lead = LeadItem(
                    pk=LEAD_PREFIX + contact_id,
                    sk=LEAD_SK,
                    status=LeadStatus.ASSIGNED.value,
                    owner_id=rep.id,
                    assigned_at=at,
                    created_at=at,
                )
                tx.save(lead, condition=LeadItem.pk.does_not_exist())
            else:
                tx.update(
                    LeadItem(pk=LEAD_PREFIX + contact_id, sk=LEAD_SK),
                    actions=[
                        LeadItem.status.set(LeadStatus.ASSIGNED.value),
                        LeadItem.owner_id.set(rep.id),
                        LeadItem.assigned_at.set(at),
                    ],
                    # Only a lead still without an owner can be given one.
                    condition=(LeadItem.status == LeadStatus.UNASSIGNED.value) & LeadItem.owner_id.does_not_exist(),
                )
                tx.delete(QueuedItem(pk=UNASSIGNED, sk=_queued_sk(assignment.queued)), condition=QueuedItem.pk.exists())
            tx.update(
                RepItem(pk=REPS, sk=REP_PREFIX + rep.id),
                actions=[RepItem.open_leads.add(1)],
                condition=(RepItem.active == True) & (RepItem.open_leads < RepItem.capacity),  # noqa: E712
            )
            if rotation.version == 0:
                tx.save(
                    RotationItem(pk=ROTATION, sk=ROUND_ROBIN, last_rep_id=rep.id, version=1),
                    condition=RotationItem.pk.does_not_exist(),
                )
            else:
                tx.update(
                    RotationItem(pk=ROTATION, sk=ROUND_ROBIN),
                    actions=[RotationItem.last_rep_id.set(rep.id), RotationItem.version.set(rotation.version + 1)],
                    condition=RotationItem.version == rotation.version,
                )
