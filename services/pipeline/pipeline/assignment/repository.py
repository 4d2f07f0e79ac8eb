"""The assignment feature's items (pynamodb): the unassigned queue and the round-robin
cursor. An assignment commits the lead's owner (leads), the rep's load (teams), the
cursor's turn and the events in one transaction, each item guarded by its owner.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from pipeline import SERVICE
from pipeline.assignment.models import Assignment, QueuedLead, Rotation
from pipeline.leads.models import AssignmentState
from pipeline.leads.repository import LeadItem, LeadsRepository, assign_new, assign_waiting, new_waiting
from pipeline.table.items import OutboxRecord
from pipeline.table.keys import UNASSIGNED, lead_key, queued_key, rotation_key
from pipeline.teams.repository import TeamsRepository, take_slot
from shared.events import Outgoing
from shared.items import KeyedItem, item_of
from shared.outbox import transaction_with_events
from shared.table import table_meta, transaction, transaction_conflict


class QueuedItem(KeyedItem):
    """pk ``UNASSIGNED``, sk ``<queued_at iso>#<contact_id>``."""

    Meta = table_meta(SERVICE)
    contact_id = UnicodeAttribute()
    queued_at = UTCDateTimeAttribute()
    correlation_id = UnicodeAttribute()


class RotationItem(KeyedItem):
    """pk ``ROTATION``, sk the team id (``-``: every rep)."""

    Meta = table_meta(SERVICE)
    last_rep_id = UnicodeAttribute(null=True)
    version = NumberAttribute()


class AssignmentRepository:
    """Its own queue and cursor; reps and leads are read through their features' repositories."""

    def __init__(self, teams: TeamsRepository, leads: LeadsRepository) -> None:
        self.all_reps = teams.all_reps
        self.get_lead = leads.get_lead

    def rotation(self, team_id: str | None = None) -> Rotation:
        try:
            item = RotationItem.get(*rotation_key(team_id), consistent_read=True)
        except DoesNotExist:
            return Rotation()
        return Rotation(last_rep_id=item.last_rep_id, version=int(item.version))

    def drop_waiting(self, contact_id: str) -> bool:
        """The lead leaves the unassigned queue (it is never assigned); False when it was not waiting."""
        try:
            item = LeadItem.get(*lead_key(contact_id), consistent_read=True)
        except DoesNotExist:
            return False
        if item.assignment != AssignmentState.UNASSIGNED.value:
            return False
        # The lead's created_at is its queued time (enqueue): the waiting entry's key.
        QueuedItem(*queued_key(item.created_at, contact_id)).delete()
        return True

    def enqueue(self, lead: QueuedLead) -> bool:
        """Record the lead as waiting; False when pipeline already knows the lead."""
        queued = item_of(QueuedItem, *queued_key(lead.queued_at, lead.contact_id), lead)
        try:
            with transaction() as tx:
                new_waiting(tx, lead.contact_id, lead.queued_at)
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
                assign_new(tx, contact_id, rep.id, at)
            else:
                assign_waiting(tx, contact_id, rep.id, at)
                queued = assignment.queued
                tx.delete(
                    QueuedItem(*queued_key(queued.queued_at, queued.contact_id)), condition=QueuedItem.pk.exists()
                )
            take_slot(tx, rep.id)
            key = rotation_key(None)
            if rotation.version == 0:
                tx.save(RotationItem(*key, last_rep_id=rep.id, version=1), condition=RotationItem.pk.does_not_exist())
            else:
                tx.update(
                    RotationItem(*key),
                    actions=[RotationItem.last_rep_id.set(rep.id), RotationItem.version.set(rotation.version + 1)],
                    condition=RotationItem.version == rotation.version,
                )
