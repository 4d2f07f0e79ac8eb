"""Pipeline use-cases against an in-memory repository (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.assignment.models import Assignment, QueuedLead, Rotation
from pipeline.assignment.usecases import drain_unassigned, forget_lead, next_rep, receive_lead
from pipeline.leads.models import AssignmentState, Lead
from pipeline.leads.usecases import get_lead
from pipeline.teams.models import Rep, RepIn, RepStatus
from pipeline.teams.usecases import add_rep, list_reps
from shared.errors import Conflict, NotFound
from shared.events import EventMetadata, Outgoing


def _meta() -> EventMetadata:
    event_id = str(uuid.uuid4())
    return EventMetadata(event_id=event_id, event_version=1, occurred_at=datetime.now(UTC), correlation_id=event_id)


def _rep(rep_id: str, capacity: int = 50, open_leads: int = 0, active: bool = True) -> Rep:
    return Rep(
        id=rep_id,
        name=rep_id,
        email=f"{rep_id}@example.com",
        capacity=capacity,
        open_leads=open_leads,
        status=RepStatus.ACTIVE if active else RepStatus.AWAY,
        created_at=datetime.now(UTC),
    )


class FakePipeline:
    def __init__(self, reps: list[Rep] | None = None) -> None:
        self.reps = {r.id: r for r in reps or []}
        self.leads: dict[str, Lead] = {}
        self.waiting: dict[str, QueuedLead] = {}
        self.cursor = Rotation()
        self.events: list[Outgoing] = []
        self.conflicts_to_raise = 0

    def add_rep(self, rep: Rep, events: list[Outgoing]) -> None:
        self.reps[rep.id] = rep
        self.events += events

    def list_reps(self, limit: int, start: Any) -> tuple[list[Rep], None]:
        return list(self.reps.values())[:limit], None

    def all_reps(self) -> list[Rep]:
        return list(self.reps.values())

    def rotation(self, team_id: str | None = None) -> Rotation:
        return self.cursor

    def get_lead(self, contact_id: str) -> Lead | None:
        return self.leads.get(contact_id)

    def enqueue(self, lead: QueuedLead) -> bool:
        if lead.contact_id in self.leads:
            return False
        self.leads[lead.contact_id] = Lead(contact_id=lead.contact_id, assignment=AssignmentState.UNASSIGNED)
        self.waiting[lead.contact_id] = lead
        return True

    def queued(self, limit: int) -> list[QueuedLead]:
        return sorted(self.waiting.values(), key=lambda q: q.queued_at)[:limit]

    def drop_waiting(self, contact_id: str) -> bool:
        return self.waiting.pop(contact_id, None) is not None

    def assign(self, assignment: Assignment, events: list[Outgoing]) -> None:
        contact_id, rep, rotation, at = assignment.contact_id, assignment.rep, assignment.rotation, assignment.at
        if self.conflicts_to_raise:
            # Another consumer took this turn: the cursor moved on under us.
            self.conflicts_to_raise -= 1
            self.cursor = Rotation(last_rep_id=rep.id, version=self.cursor.version + 1)
            raise Conflict("turn taken")
        stored = self.reps[rep.id]
        if rotation != self.cursor or not stored.has_room:
            raise Conflict("stale")
        if assignment.queued is None and contact_id in self.leads:
            raise Conflict("lead exists")
        if assignment.queued is not None:
            del self.waiting[contact_id]
        self.leads[contact_id] = Lead(
            contact_id=contact_id, owner_id=rep.id, assignment=AssignmentState.ASSIGNED, assigned_at=at
        )
        self.reps[rep.id] = stored.model_copy(update={"open_leads": stored.open_leads + 1})
        self.cursor = Rotation(last_rep_id=rep.id, version=rotation.version + 1)
        self.events += events


def test_leads_go_round_robin_over_reps_with_room() -> None:
    # Given three active reps, one of them full and one inactive
    repo = FakePipeline([_rep("a"), _rep("b", capacity=1, open_leads=1), _rep("c"), _rep("d", active=False)])
    # When four leads arrive
    owners = [receive_lead(f"lead-{i}", _meta(), repo).owner_id for i in range(4)]
    # Then only reps with room get them, in turn
    assert owners == ["a", "c", "a", "c"]
    assert [e.detail_type for e in repo.events] == ["LeadAssigned"] * 4
    assert (
        repo.events[0].detail["data"] | {"contact_id": "lead-0", "owner_id": "a", "rule": "round_robin"}
        == (repo.events[0].detail["data"])
    )


def test_assigned_event_follows_its_cause() -> None:
    repo = FakePipeline([_rep("a")])
    cause = _meta()
    receive_lead("lead-1", cause, repo)
    metadata = repo.events[0].detail["metadata"]
    assert metadata["causation_id"] == cause.event_id
    assert metadata["correlation_id"] == cause.correlation_id


def test_redelivered_lead_keeps_its_owner() -> None:
    # Given a lead already assigned
    repo = FakePipeline([_rep("a"), _rep("b")])
    cause = _meta()
    first = receive_lead("lead-1", cause, repo)
    # When the same event comes twice more
    again = [receive_lead("lead-1", cause, repo) for _ in range(2)]
    # Then nothing changes
    assert {lead.owner_id for lead in again} == {first.owner_id}
    assert len(repo.events) == 1
    assert repo.reps["a"].open_leads + repo.reps["b"].open_leads == 1


def test_a_lost_turn_is_retried_with_the_next_rep() -> None:
    # Given another consumer takes rep a's turn while we assign
    repo = FakePipeline([_rep("a"), _rep("b")])
    repo.conflicts_to_raise = 1
    # When a lead arrives
    lead = receive_lead("lead-1", _meta(), repo)
    # Then it goes to the next rep, once
    assert lead.owner_id == "b"
    assert len(repo.events) == 1


def test_without_reps_leads_wait_then_go_oldest_first() -> None:
    # Given no reps, two leads arrive and wait
    now = datetime.now(UTC)
    ticks = iter(now + timedelta(seconds=i) for i in range(100))
    repo = FakePipeline()
    waiting = [receive_lead(f"lead-{i}", _meta(), repo, clock=lambda: next(ticks)) for i in range(2)]
    assert {lead.assignment for lead in waiting} == {AssignmentState.UNASSIGNED}
    assert repo.events == []
    # When a rep with room for one is added and the queue drained
    rep = add_rep(RepIn(name="Grace", email="grace@example.com", capacity=1), repo)
    assigned = drain_unassigned(_meta(), repo)
    # Then the oldest lead is assigned, the other keeps waiting
    assert assigned == 1
    assert repo.leads["lead-0"].owner_id == rep.id
    assert repo.leads["lead-1"].assignment == AssignmentState.UNASSIGNED
    assert [e.detail_type for e in repo.events] == ["RepAdded", "LeadAssigned"]


def test_a_lead_is_read_back_with_its_owner() -> None:
    # Given a lead assigned to rep a
    repo = FakePipeline([_rep("a")])
    receive_lead("lead-1", _meta(), repo)
    # When it is read, and an unknown lead is read
    lead = get_lead("lead-1", repo)
    # Then the first has its owner, the second is not found
    assert (lead.owner_id, lead.assignment) == ("a", AssignmentState.ASSIGNED)
    with pytest.raises(NotFound):
        get_lead("nobody", repo)


def test_the_last_page_of_reps_has_no_cursor() -> None:
    # Given two reps
    repo = FakePipeline([_rep("a"), _rep("b")])
    # When the reps are listed, more than there are at once
    page = list_reps(repo, 10, None)
    # Then every rep is on the page and there is no next page
    assert [r.id for r in page.items] == ["a", "b"]
    assert page.next_cursor is None


def test_next_rep_wraps_around() -> None:
    reps = [_rep("a"), _rep("b")]
    assert next_rep(reps, None) is not None
    assert next_rep(reps, "b").id == "a"  # type: ignore[union-attr]
    assert next_rep(reps, "a").id == "b"  # type: ignore[union-attr]
    assert next_rep([_rep("a", active=False)], None) is None


def test_rep_email_is_normalised() -> None:
    repo = FakePipeline()
    rep = add_rep(RepIn(name="Grace", email="Grace@Example.com"), repo)
    assert rep.email == "grace@example.com"
    assert rep.capacity == 50
    assert repo.events[0].detail["data"]["rep_id"] == rep.id


@pytest.mark.parametrize("capacity", [0, -1, "5"])
def test_capacity_must_be_a_positive_integer(capacity: object) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        RepIn.model_validate({"name": "x", "email": "x@example.com", "capacity": capacity})


def test_an_erased_lead_waiting_for_a_rep_is_never_assigned() -> None:
    # Given a lead waiting because no rep had room
    repo = FakePipeline()
    receive_lead("lead-1", _meta(), repo)
    # When the person is erased (twice: a redelivery), and then a rep joins
    forget_lead("lead-1", repo)
    forget_lead("lead-1", repo)
    repo.reps["a"] = _rep("a")
    # Then the rep gets nothing: the lead left the queue
    assert drain_unassigned(_meta(), repo) == 0
    assert repo.leads["lead-1"].assignment is AssignmentState.UNASSIGNED and repo.events == []
