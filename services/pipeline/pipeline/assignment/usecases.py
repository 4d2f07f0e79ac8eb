"""How a lead gets its owner, independent of HTTP and DynamoDB (tested with fakes).

Assignment is round robin over active reps with free capacity, in the order of their ids.
Each assignment commits the lead's owner, the rep's load, the rotation cursor (guarded by
its version) and the LeadAssigned event in one transaction: two consumers that read the
same cursor cannot both take the same turn; the loser re-reads and tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.assignment.models import Assignment, QueuedLead, Rotation
from pipeline.events import LeadAssigned
from pipeline.leads.models import AssignmentState, Lead
from pipeline.teams.models import Rep
from shared.errors import Conflict
from shared.events import EventMetadata, Outgoing, new_event
from shared.observability import logger

ROUND_ROBIN = "round_robin"
MAX_ATTEMPTS = 8  # per lead: enough for real contention, bounded so a stuck record fails into SQS's retry
DRAIN_BATCH = 25


class Contended(Exception):
    """Other writers kept winning: the event is retried later (SQS redelivery)."""


class Pipeline(Protocol):
    """What assignment reads and writes: reps (teams), leads, and its own queue and cursor."""

    def all_reps(self) -> list[Rep]: ...
    def rotation(self, team_id: str | None = None) -> Rotation: ...
    def get_lead(self, contact_id: str) -> Lead | None: ...
    def enqueue(self, lead: QueuedLead) -> bool: ...
    def queued(self, limit: int) -> list[QueuedLead]: ...
    def assign(self, assignment: Assignment, events: list[Outgoing]) -> None: ...
    def drop_waiting(self, contact_id: str) -> bool: ...


Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def forget_lead(contact_id: str, repo: Pipeline) -> None:
    """ContactErased: pipeline holds no personal data (a lead is the contact's id, its owner
    and status), but an erased person must not be handed to a rep: a waiting lead leaves the
    queue. An assigned lead stays, as the rep's load it counted for. Idempotent."""
    if repo.drop_waiting(contact_id):
        logger.info("erased lead left the queue", extra={"contact_id": contact_id})


def next_rep(reps: list[Rep], last_rep_id: str | None) -> Rep | None:
    """The first rep with room after the last one served, wrapping around."""
    eligible = sorted((r for r in reps if r.has_room), key=lambda r: r.id)
    if not eligible:
        return None
    if last_rep_id is not None:
        for rep in eligible:
            if rep.id > last_rep_id:
                return rep
    return eligible[0]


def _assigned_event(contact_id: str, rep: Rep, correlation_id: str, causation_id: str) -> Outgoing:
    event = LeadAssigned(contact_id=contact_id, owner_id=rep.id, rule=ROUND_ROBIN)
    return new_event(event, correlation_id=correlation_id, causation_id=causation_id)


def receive_lead(contact_id: str, cause: EventMetadata, repo: Pipeline, clock: Clock = _now) -> Lead:
    """LeadCreated: give the lead an owner, or queue it until a rep has room.

    Idempotent on the lead itself: the lead record is created only if absent, so a
    redelivered LeadCreated finds it and changes nothing.
    """
    for _ in range(MAX_ATTEMPTS):
        existing = repo.get_lead(contact_id)
        if existing is not None:
            return existing
        rotation = repo.rotation()
        rep = next_rep(repo.all_reps(), rotation.last_rep_id)
        now = clock()
        if rep is None:
            queued = QueuedLead(contact_id=contact_id, queued_at=now, correlation_id=cause.correlation_id)
            if repo.enqueue(queued):
                logger.info("lead queued: no rep has room", extra={"contact_id": contact_id})
                # A rep added while we looked would have drained an empty queue: look again.
                drain_unassigned(cause, repo, clock)
            continue
        try:
            events = [_assigned_event(contact_id, rep, cause.correlation_id, cause.event_id)]
            repo.assign(Assignment(contact_id=contact_id, rep=rep, rotation=rotation, at=now), events)
        except Conflict:
            continue  # lost a race (rotation turn, rep's last slot, or the lead itself): re-read
        return Lead(contact_id=contact_id, owner_id=rep.id, assignment=AssignmentState.ASSIGNED, assigned_at=now)
    raise Contended(f"could not assign lead {contact_id} after {MAX_ATTEMPTS} attempts")


def drain_unassigned(cause: EventMetadata, repo: Pipeline, clock: Clock = _now) -> int:
    """Assign waiting leads, oldest first, while some rep has room. Returns how many were assigned."""
    assigned = conflicts = 0
    while batch := repo.queued(DRAIN_BATCH):
        reps, rotation = repo.all_reps(), repo.rotation()
        for lead in batch:
            rep = next_rep(reps, rotation.last_rep_id)
            if rep is None:
                return assigned
            now = clock()
            # The lead keeps its own correlation id; the cause is what freed a rep.
            events = [_assigned_event(lead.contact_id, rep, lead.correlation_id, cause.event_id)]
            try:
                assignment = Assignment(contact_id=lead.contact_id, rep=rep, rotation=rotation, at=now, queued=lead)
                repo.assign(assignment, events)
            except Conflict:
                conflicts += 1
                if conflicts >= MAX_ATTEMPTS * DRAIN_BATCH:
                    raise Contended("could not drain the unassigned queue") from None
                break  # someone else moved: re-read the queue, the reps and the cursor
            assigned += 1
            reps = [r.model_copy(update={"open_leads": r.open_leads + 1}) if r.id == rep.id else r for r in reps]
            rotation = Rotation(last_rep_id=rep.id, version=rotation.version + 1)
    return assigned
