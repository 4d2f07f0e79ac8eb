"""An in-memory pipeline for the assignment use cases, with the same guards as the table:
a lead is created once, only its current owner is replaced, a rep takes a lead only when
active with room, and a cursor moves only from the version read."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.assignment.choice import among
from pipeline.assignment.models import Assignment, Decision, QueuedLead, Rotation
from pipeline.leads.models import AssignmentState, Lead
from pipeline.rules.models import DEFAULT_RULE, Rule
from pipeline.scoring.models import Scoring
from pipeline.teams.models import Rep, RepStatus
from shared.errors import Conflict
from shared.events import Outgoing


def rep(rep_id: str, capacity: int = 50, open_leads: int = 0, **fields: object) -> Rep:
    values = {"name": rep_id, "email": f"{rep_id}@example.com", "status": RepStatus.ACTIVE, **fields}
    return Rep.model_validate(
        {"id": rep_id, "capacity": capacity, "open_leads": open_leads, "created_at": datetime.now(UTC), **values}
    )


class FakePipeline:
    def __init__(self, reps: list[Rep] | None = None, rules: list[Rule] | None = None) -> None:
        self.reps = {r.id: r for r in reps or []}
        self.rules = [DEFAULT_RULE] if rules is None else rules
        self.leads: dict[str, Lead] = {}
        self.waiting: dict[str, QueuedLead] = {}
        self.cursors: dict[str | None, Rotation] = {}
        self.segments: dict[str, list[str]] = {}
        self.decided: dict[str, list[Decision]] = {}
        self.events: list[Outgoing] = []
        self.conflicts_to_raise = 0
        self.model = Scoring()

    # --- reads --------------------------------------------------------------------------
    def all_reps(self) -> list[Rep]:
        return list(self.reps.values())

    def reps_for(self, rule: Rule) -> list[Rep]:
        return among(self.reps.values())(rule)

    def all_rules(self, fresh: bool = False) -> list[Rule]:
        return list(self.rules)

    def scoring(self, fresh: bool = False) -> Scoring:
        return self.model

    def rotation(self, team_id: str | None) -> Rotation:
        return self.cursors.get(team_id, Rotation(pool=team_id))

    def get_lead(self, contact_id: str) -> Lead | None:
        return self.leads.get(contact_id)

    def leads_of(self, owner_id: str) -> list[Lead]:
        return [lead for lead in self.leads.values() if lead.owner_id == owner_id]

    def segments_of(self, contact_id: str) -> list[str]:
        return self.segments.get(contact_id, [])

    def queued(self, limit: int, after: str | None) -> tuple[list[QueuedLead], str | None]:
        entries = sorted(self.waiting.values(), key=lambda q: (q.queued_at, q.contact_id))
        if after is not None:
            entries = [q for q in entries if f"{q.queued_at.isoformat()}#{q.contact_id}" > after]
        page = entries[:limit]
        last = page[-1] if len(page) == limit else None
        return page, (None if last is None else f"{last.queued_at.isoformat()}#{last.contact_id}")

    # --- writes -------------------------------------------------------------------------
    def _decide(self, contact_id: str, decision: Decision, events: list[Outgoing]) -> None:
        self.decided.setdefault(contact_id, []).append(decision)
        self.events += events

    def enqueue(self, lead: QueuedLead, decision: Decision, events: list[Outgoing]) -> bool:
        if lead.contact_id in self.leads:
            return False
        self.leads[lead.contact_id] = Lead(
            contact_id=lead.contact_id, assignment=AssignmentState.UNASSIGNED, facts=lead.facts
        )
        self.waiting[lead.contact_id] = lead
        self._decide(lead.contact_id, decision, events)
        return True

    def requeue(self, lead: Lead, queued: QueuedLead, decision: Decision, events: list[Outgoing]) -> None:
        stored = self.leads[lead.contact_id]
        if stored.owner_id != lead.owner_id or lead.owner_id is None:
            raise Conflict("owner changed")
        self._load(lead.owner_id, -1)
        self.leads[lead.contact_id] = stored.model_copy(
            update={"owner_id": None, "assignment": AssignmentState.UNASSIGNED}
        )
        self.waiting[lead.contact_id] = queued
        self._decide(lead.contact_id, decision, events)

    def drop_waiting(self, contact_id: str) -> bool:
        return self.waiting.pop(contact_id, None) is not None

    def _load(self, rep_id: str, delta: int) -> None:
        stored = self.reps[rep_id]
        self.reps[rep_id] = stored.model_copy(update={"open_leads": stored.open_leads + delta})

    def assign(self, assignment: Assignment, events: list[Outgoing]) -> None:
        a = assignment
        if self.conflicts_to_raise:
            # Another consumer took this turn: the cursor moved on under us.
            self.conflicts_to_raise -= 1
            pool = a.rotation.pool if a.rotation else None
            self.cursors[pool] = Rotation(pool=pool, last_rep_id=a.rep.id, version=self.rotation(pool).version + 1)
            raise Conflict("turn taken")
        if not self.reps[a.rep.id].has_room:
            raise Conflict("rep full")
        if a.rotation is not None and a.rotation != self.rotation(a.rotation.pool):
            raise Conflict("stale turn")
        existing = self.leads.get(a.contact_id)
        if a.previous_owner_id is not None:
            if existing is None or existing.owner_id != a.previous_owner_id:
                raise Conflict("owner changed")
            self._load(a.previous_owner_id, -1)
        elif a.queued is not None:
            if a.contact_id not in self.waiting:
                raise Conflict("not waiting")
            del self.waiting[a.contact_id]
        elif existing is not None:
            raise Conflict("lead exists")
        self.leads[a.contact_id] = Lead(
            contact_id=a.contact_id,
            owner_id=a.rep.id,
            team_id=a.rep.team_id,
            rule_id=a.rule.id,
            assignment=AssignmentState.ASSIGNED,
            assigned_at=a.at,
            facts=a.facts,
        )
        self._load(a.rep.id, +1)
        if a.rotation is not None:
            self.cursors[a.rotation.pool] = a.rotation.model_copy(
                update={"last_rep_id": a.rep.id, "version": a.rotation.version + 1}
            )
        self._decide(a.contact_id, a.decision, events)
