"""How a lead gets its owner, independent of HTTP and DynamoDB (tested with fakes).

The rules choose (assignment.choice); the repository commits the lead's owner, the rep's
load (guarded: active, under capacity), the rotation's turn (guarded by its version), the
decision and the events in one transaction. Two assigners racing for one lead or one
turn cannot both win: the loser re-reads and decides again, so a lead never has two
owners and a rep never goes over capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.assignment.choice import among, choose, needs_segments
from pipeline.assignment.models import Assignment, AssignmentView, Choice, Decision, DecisionKind, QueuedLead, Rotation
from pipeline.events import LeadAssigned, LeadQueued, LeadReassigned
from pipeline.leads.models import AssignmentState, Lead, LeadFacts
from pipeline.rules.models import Rule
from pipeline.scoring.models import Scoring, score_of
from pipeline.teams.models import Rep
from shared.errors import Conflict
from shared.events import EventMetadata, Outgoing, new_event
from shared.observability import logger
from shared.reach import not_found

MAX_ATTEMPTS = 8  # per lead: enough for real contention, bounded so a stuck record fails into SQS's retry
DRAIN_BATCH = 25


class Contended(Exception):
    """Other writers kept winning: the event is retried later (SQS redelivery)."""


class Pipeline(Protocol):
    """What assignment reads and writes: reps (teams), rules, leads, its queue and cursors."""

    def all_reps(self) -> list[Rep]: ...
    def reps_for(self, rule: Rule) -> list[Rep]: ...
    def all_rules(self, fresh: bool = False) -> list[Rule]: ...
    def scoring(self, fresh: bool = False) -> Scoring: ...
    def rotation(self, team_id: str | None) -> Rotation: ...
    def get_lead(self, contact_id: str) -> Lead | None: ...
    def leads_of(self, owner_id: str) -> list[Lead]: ...
    def segments_of(self, contact_id: str) -> list[str]: ...
    def enqueue(self, lead: QueuedLead, decision: Decision, events: list[Outgoing]) -> bool: ...
    def requeue(self, lead: Lead, queued: QueuedLead, decision: Decision, events: list[Outgoing]) -> None: ...
    def queued(self, limit: int, after: str | None) -> tuple[list[QueuedLead], str | None]: ...
    def assign(self, assignment: Assignment, events: list[Outgoing]) -> None: ...
    def drop_waiting(self, contact_id: str) -> bool: ...


Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class _Cursors:
    """The rotations read during one decision batch, advanced as the batch assigns."""

    def __init__(self, repo: Pipeline) -> None:
        self.repo, self.read = repo, dict[str | None, Rotation]()

    def __call__(self, team_id: str | None) -> Rotation:
        if team_id not in self.read:
            self.read[team_id] = self.repo.rotation(team_id)
        return self.read[team_id]

    def advanced(self, rotation: Rotation | None, rep_id: str) -> None:
        if rotation is not None:
            self.read[rotation.pool] = rotation.model_copy(
                update={"last_rep_id": rep_id, "version": rotation.version + 1}
            )


def _decision(kind: DecisionKind, choice: Choice, at: datetime, previous: str | None = None) -> Decision:
    rule = choice.rule
    return Decision(
        kind=kind,
        owner_id=choice.rep.id if choice.rep else None,
        previous_owner_id=previous,
        rule_id=rule.id if rule else None,
        strategy=rule.strategy.value if rule else None,
        team_id=rule.team_id if rule else None,
        reason=choice.reason,
        decided_at=at,
    )


def _assignment_events(a: Assignment, correlation_id: str, causation_id: str) -> list[Outgoing]:
    rule = a.rule
    assigned = LeadAssigned(
        contact_id=a.contact_id,
        owner_id=a.rep.id,
        rule=rule.strategy.value,
        rule_id=rule.id,
        team_id=a.rep.team_id,
        reason=a.decision.reason,
        first_contact_hours=rule.first_contact_hours,
        reassign_on_miss=rule.reassign_on_miss,
    )
    events: list[LeadAssigned | LeadReassigned] = [assigned]
    if a.previous_owner_id is not None:
        events.append(
            LeadReassigned(
                contact_id=a.contact_id,
                owner_id=a.rep.id,
                previous_owner_id=a.previous_owner_id,
                reason=a.decision.reason,
                rule_id=rule.id,
            )
        )
    return [new_event(e, correlation_id=correlation_id, causation_id=causation_id) for e in events]


def _queued_event(contact_id: str, d: Decision, correlation_id: str, causation_id: str) -> Outgoing:
    event = LeadQueued(
        contact_id=contact_id,
        reason=d.reason,
        rule_id=d.rule_id,
        team_id=d.team_id,
        previous_owner_id=d.previous_owner_id,
    )
    return new_event(event, correlation_id=correlation_id, causation_id=causation_id)


def _assignment(
    contact_id: str,
    choice: Choice,
    facts: LeadFacts,
    at: datetime,
    *,
    queued: QueuedLead | None = None,
    previous_owner_id: str | None = None,
) -> Assignment:
    assert choice.rep is not None and choice.rule is not None
    kind = DecisionKind.ASSIGNED if previous_owner_id is None else DecisionKind.REASSIGNED
    return Assignment(
        contact_id=contact_id,
        rep=choice.rep,
        rule=choice.rule,
        rotation=choice.rotation,
        at=at,
        facts=facts,
        decision=_decision(kind, choice, at, previous_owner_id),
        queued=queued,
        previous_owner_id=previous_owner_id,
    )


def forget_lead(contact_id: str, repo: Pipeline) -> None:
    """ContactErased: pipeline holds no personal data (a lead is the contact's id, its owner,
    status and the coarse facts rules match on), but an erased person must not be handed
    to a rep: a waiting lead leaves the queue. An assigned lead stays, as the load it
    counted for. Idempotent."""
    if repo.drop_waiting(contact_id):
        logger.info("erased lead left the queue", extra={"contact_id": contact_id})


def receive_lead(contact_id: str, facts: LeadFacts, cause: EventMetadata, repo: Pipeline, clock: Clock = _now) -> Lead:
    """LeadCreated: give the lead an owner by the rules, or queue it until a rep has room.

    Idempotent on the lead itself: the lead record is created only if absent, so a
    redelivered LeadCreated finds it and changes nothing.
    """
    rules = repo.all_rules()
    score, reasons = score_of(facts, {}, repo.scoring())
    facts = facts.model_copy(update={"score": score, "score_reasons": reasons})
    if needs_segments(rules):
        facts = facts.model_copy(update={"segment_ids": repo.segments_of(contact_id)})
    for _ in range(MAX_ATTEMPTS):
        # No read of the lead first: a new lead is the common case, and the transaction's
        # guard (the lead must not exist) catches a redelivery, read only then.
        cursors = _Cursors(repo)
        choice, now = choose(rules, repo.reps_for, cursors, facts), clock()
        if choice.rep is None:
            decision = _decision(DecisionKind.QUEUED, choice, now)
            queued = QueuedLead(contact_id=contact_id, queued_at=now, correlation_id=cause.correlation_id, facts=facts)
            event = _queued_event(contact_id, decision, cause.correlation_id, cause.event_id)
            if not repo.enqueue(queued, decision, [event]):
                if (existing := repo.get_lead(contact_id)) is not None:
                    return existing
                continue
            logger.info("lead queued", extra={"contact_id": contact_id, "reason": choice.reason})
            # A rep added while we looked would have drained an empty queue: look again.
            drain_unassigned(cause, repo, clock)
            return repo.get_lead(contact_id) or Lead(
                contact_id=contact_id, assignment=AssignmentState.UNASSIGNED, facts=facts
            )
        assignment = _assignment(contact_id, choice, facts, now)
        try:
            repo.assign(assignment, _assignment_events(assignment, cause.correlation_id, cause.event_id))
        except Conflict:
            # Lost a race (the turn, the rep's last slot) or the lead exists (a redelivery).
            if (existing := repo.get_lead(contact_id)) is not None:
                return existing
            continue
        return Lead(
            contact_id=contact_id,
            owner_id=choice.rep.id,
            team_id=choice.rep.team_id,
            rule_id=assignment.rule.id,
            assignment=AssignmentState.ASSIGNED,
            assigned_at=now,
            facts=facts,
        )
    raise Contended(f"could not assign lead {contact_id} after {MAX_ATTEMPTS} attempts")


def drain_unassigned(cause: EventMetadata, repo: Pipeline, clock: Clock = _now) -> int:
    """Assign waiting leads, oldest first, each by its rules, while some rep has room (a
    lead no rep can take yet keeps its place). Returns how many were assigned."""
    rules = repo.all_rules()
    reps = {rep.id: rep for rep in repo.all_reps()}
    cursors, assigned, conflicts, after = _Cursors(repo), 0, 0, None
    while any(rep.has_room for rep in reps.values()):
        batch, after_next = repo.queued(DRAIN_BATCH, after)
        for lead in batch:
            choice = choose(rules, among(reps.values()), cursors, lead.facts)
            if choice.rep is None:
                continue
            assignment = _assignment(lead.contact_id, choice, lead.facts, clock(), queued=lead)
            try:
                # The lead keeps its own correlation id; the cause is what freed a rep.
                repo.assign(assignment, _assignment_events(assignment, lead.correlation_id, cause.event_id))
            except Conflict:
                conflicts += 1
                if conflicts >= MAX_ATTEMPTS * DRAIN_BATCH:
                    raise Contended("could not drain the unassigned queue") from None
                # Someone else moved (took the lead, the turn or the slot): re-read and go on.
                reps, cursors = {rep.id: rep for rep in repo.all_reps()}, _Cursors(repo)
                continue
            assigned += 1
            reps[choice.rep.id] = choice.rep.model_copy(update={"open_leads": choice.rep.open_leads + 1})
            cursors.advanced(choice.rotation, choice.rep.id)
        if after_next is None:
            break
        after = after_next
    return assigned


def hand_on(lead: Lead, reason: str, cause: EventMetadata, repo: Pipeline, clock: Clock = _now) -> Lead | None:
    """Take an open lead from its owner and give it to the next rep by its rules (never back
    to the same rep), or back to the queue when nobody eligible has room. None when the
    lead changed meanwhile (closed, or handed on by someone else): nothing to do."""
    rules, previous = repo.all_rules(), lead.owner_id
    for _ in range(MAX_ATTEMPTS):
        current = repo.get_lead(lead.contact_id)
        if current is None or not current.open or current.owner_id != previous or previous is None:
            return None
        cursors = _Cursors(repo)
        facts = current.facts.model_copy(update={"score": current.score})  # the score now, not at arrival
        choice, now = choose(rules, repo.reps_for, cursors, facts, exclude={previous}), clock()
        choice = choice.model_copy(update={"reason": f"{reason}; {choice.reason}"})
        try:
            if choice.rep is None:
                decision = _decision(DecisionKind.REQUEUED, choice, now, previous)
                queued = QueuedLead(
                    contact_id=lead.contact_id, queued_at=now, correlation_id=cause.correlation_id, facts=current.facts
                )
                repo.requeue(current, queued, decision, [_queued_event(lead.contact_id, decision, *_ids(cause))])
                return current.model_copy(update={"owner_id": None, "assignment": AssignmentState.UNASSIGNED})
            assignment = _assignment(lead.contact_id, choice, current.facts, now, previous_owner_id=previous)
            repo.assign(assignment, _assignment_events(assignment, *_ids(cause)))
        except Conflict:
            continue
        return current.model_copy(update={"owner_id": choice.rep.id, "team_id": choice.rep.team_id})
    raise Contended(f"could not hand on lead {lead.contact_id}")


def _ids(cause: EventMetadata) -> tuple[str, str]:
    return cause.correlation_id, cause.event_id


def hand_on_all(rep_id: str, cause: EventMetadata, repo: Pipeline, clock: Clock = _now) -> int:
    """A rep went ``off``: each of their open leads goes to the next rep by its rules."""
    moved = 0
    for lead in _open(repo.leads_of(rep_id), rep_id):
        if hand_on(lead, f"rep {rep_id} is off", cause, repo, clock) is not None:
            moved += 1
    return moved


def _open(leads: Iterable[Lead], owner_id: str) -> list[Lead]:
    return [lead for lead in leads if lead.open and lead.owner_id == owner_id]


class Decisions(Protocol):
    def assignment_of(self, contact_id: str) -> AssignmentView | None: ...


def assignment_of(contact_id: str, repo: Decisions) -> AssignmentView:
    view = repo.assignment_of(contact_id)
    if view is None:
        raise not_found("lead", contact_id)
    return view
