"""The assignment feature's items (pynamodb): the unassigned queue, the round-robin cursors
and the decisions. An assignment commits the lead's owner (leads), the rep's load (teams),
the cursor's turn, the decision and the events in one transaction, each item guarded by
the repository that owns it.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from pipeline import SERVICE
from pipeline.assignment.models import Assignment, AssignmentView, Decision, DecisionKind, QueuedLead, Rotation
from pipeline.leads.models import AssignmentState, Lead, LeadFacts
from pipeline.leads.repository import (
    LeadsRepository,
    Owner,
    assign_new,
    assign_waiting,
    move_owner,
    new_waiting,
    unassign,
)
from pipeline.rules.models import Rule, Strategy
from pipeline.rules.repository import RulesRepository
from pipeline.scoring.repository import ScoringRepository
from pipeline.table.items import OutboxRecord
from pipeline.table.keys import DECISION_PREFIX, UNASSIGNED, decision_key, lead_key, queued_key, rotation_key
from pipeline.teams.models import Rep
from pipeline.teams.repository import TeamsRepository, free_slot, take_slot
from shared.errors import Conflict
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of
from shared.outbox import transaction_with_events
from shared.table import table_meta


class QueuedItem(KeyedItem):
    """pk ``UNASSIGNED``, sk ``<queued_at iso>#<contact_id>``."""

    Meta = table_meta(SERVICE)
    contact_id = UnicodeAttribute()
    queued_at = UTCDateTimeAttribute()
    correlation_id = UnicodeAttribute()
    facts = JSONAttribute(null=True)


class RotationItem(KeyedItem):
    """pk ``ROTATION``, sk the team id (``-``: every rep)."""

    Meta = table_meta(SERVICE)
    last_rep_id = UnicodeAttribute(null=True)
    version = NumberAttribute()


class DecisionItem(KeyedItem):
    """pk ``LEAD#<contact_id>``, sk ``DECISION#<decided_at iso>#<kind>``."""

    Meta = table_meta(SERVICE)
    kind = UnicodeAttribute()
    owner_id = UnicodeAttribute(null=True)
    previous_owner_id = UnicodeAttribute(null=True)
    rule_id = UnicodeAttribute(null=True)
    strategy = UnicodeAttribute(null=True)
    team_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    decided_at = UTCDateTimeAttribute()


def _queued(item: QueuedItem) -> QueuedLead:
    return QueuedLead(
        contact_id=item.contact_id,
        queued_at=item.queued_at,
        correlation_id=item.correlation_id,
        facts=LeadFacts.model_validate(item.facts or {}),
    )


def _queued_item(lead: QueuedLead) -> QueuedItem:
    return QueuedItem(
        *queued_key(lead.queued_at, lead.contact_id),
        contact_id=lead.contact_id,
        queued_at=lead.queued_at,
        correlation_id=lead.correlation_id,
        facts=lead.facts.model_dump(mode="json", exclude_defaults=True),
    )


def _record(tx: TransactWrite, contact_id: str, decision: Decision) -> None:
    key = decision_key(contact_id, decision.decided_at, decision.kind.value)
    values = decision.model_dump(exclude={"kind"})
    tx.save(DecisionItem(*key, kind=decision.kind.value, **values))


def _turn(tx: TransactWrite, rotation: Rotation, rep_id: str) -> None:
    """The pool's cursor moves to ``rep_id`` if nobody moved it since it was read."""
    key = rotation_key(rotation.pool)
    if rotation.version == 0:
        tx.save(RotationItem(*key, last_rep_id=rep_id, version=1), condition=RotationItem.pk.does_not_exist())
    else:
        tx.update(
            RotationItem(*key),
            actions=[RotationItem.last_rep_id.set(rep_id), RotationItem.version.set(rotation.version + 1)],
            condition=RotationItem.version == rotation.version,
        )


class AssignmentRepository:
    """Its own queue, cursors and decisions; reps, rules and leads are read through their
    features' repositories."""

    def __init__(
        self, teams: TeamsRepository, leads: LeadsRepository, rules: RulesRepository, scoring: ScoringRepository
    ) -> None:
        self.all_reps = teams.all_reps
        self.teams = teams
        self.scoring = scoring.scoring
        self.all_rules = rules.all_rules
        self.get_lead = leads.get_lead
        self.leads_of = leads.leads_of
        self.segments_of = leads.segments_of

    def reps_for(self, rule: Rule) -> list[Rep]:
        """Only the reps a rule may choose: its fixed rep (one read), its team's (one index
        query), or every rep (one query of the reps partition)."""
        if rule.strategy is Strategy.FIXED and rule.rep_id:
            rep = self.teams.get_rep(rule.rep_id)
            return [rep] if rep else []
        if rule.team_id:
            return self.teams.team_reps(rule.team_id)
        return self.all_reps()

    def rotation(self, team_id: str | None) -> Rotation:
        try:
            item = RotationItem.get(*rotation_key(team_id), consistent_read=True)
        except DoesNotExist:
            return Rotation(pool=team_id)
        return Rotation(pool=team_id, last_rep_id=item.last_rep_id, version=int(item.version))

    def drop_waiting(self, contact_id: str) -> bool:
        """The lead leaves the unassigned queue (it is never assigned); False when it was not waiting."""
        lead = self.get_lead(contact_id)
        if lead is None or lead.assignment is not AssignmentState.UNASSIGNED:
            return False
        # The queue entry's key is the time it was queued: its latest (re)queued decision's.
        waits = [d for d in self.decisions(contact_id) if d.kind in (DecisionKind.QUEUED, DecisionKind.REQUEUED)]
        queued_at = waits[-1].decided_at if waits else lead.created_at
        if queued_at is None:
            return False
        QueuedItem(*queued_key(queued_at, contact_id)).delete()
        return True

    def enqueue(self, lead: QueuedLead, decision: Decision, events: list[Outgoing]) -> bool:
        """Record a new lead as waiting; False when pipeline already knows the lead."""
        try:
            with transaction_with_events(OutboxRecord, events, conflict="the lead exists") as tx:
                new_waiting(tx, lead.contact_id, lead.facts, lead.queued_at)
                tx.save(_queued_item(lead))
                _record(tx, lead.contact_id, decision)
        except Conflict:
            return False
        return True

    def requeue(self, lead: Lead, queued: QueuedLead, decision: Decision, events: list[Outgoing]) -> None:
        """Take an open lead from its owner back to the queue. Conflict when the owner changed."""
        assert lead.owner_id is not None
        with transaction_with_events(OutboxRecord, events, conflict="the lead changed meanwhile") as tx:
            unassign(tx, lead.contact_id, lead.owner_id, queued.queued_at)
            free_slot(tx, lead.owner_id)
            tx.save(_queued_item(queued))
            _record(tx, lead.contact_id, decision)

    def queued(self, limit: int, after: str | None) -> tuple[list[QueuedLead], str | None]:
        """Oldest first; ``after``: the key where the previous page ended."""
        condition = None if after is None else QueuedItem.sk > after
        items = list(QueuedItem.query(UNASSIGNED, condition, limit=limit, consistent_read=True))
        return [_queued(i) for i in items], (items[-1].sk if len(items) == limit else None)

    def assign(self, assignment: Assignment, events: list[Outgoing]) -> None:
        """Owner, loads, turn, decision and events, all or nothing. Conflict when any guard fails."""
        a, rep = assignment, assignment.rep
        to = Owner(owner_id=rep.id, team_id=rep.team_id, rule_id=a.rule.id, at=a.at)
        with transaction_with_events(
            OutboxRecord, events, conflict="the lead, the rep or the rotation changed meanwhile"
        ) as tx:
            if a.previous_owner_id is not None:
                move_owner(tx, a.contact_id, a.previous_owner_id, to)
                free_slot(tx, a.previous_owner_id)
            elif a.queued is not None:
                assign_waiting(tx, a.contact_id, to)
                tx.delete(_queued_item(a.queued), condition=QueuedItem.pk.exists())
            else:
                assign_new(tx, a.contact_id, to, a.facts)
            take_slot(tx, rep.id)
            if a.rotation is not None:
                _turn(tx, a.rotation, rep.id)
            _record(tx, a.contact_id, a.decision)

    def decisions(self, contact_id: str) -> list[Decision]:
        pk = lead_key(contact_id)[0]
        items = DecisionItem.query(pk, DecisionItem.sk.startswith(DECISION_PREFIX), consistent_read=True)
        return [Decision.model_validate(fields_of(i)) for i in items]

    def assignment_of(self, contact_id: str) -> AssignmentView | None:
        lead = self.get_lead(contact_id)
        if lead is None:
            return None
        history = self.decisions(contact_id)
        last = history[-1] if history else None
        return AssignmentView(
            owner_id=lead.owner_id,
            rule_id=last.rule_id if last else lead.rule_id,
            strategy=last.strategy if last else None,
            reason=last.reason if last else None,
            decided_at=last.decided_at if last else lead.assigned_at,
            history=history,
        )
