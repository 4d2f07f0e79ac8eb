"""What the scoring feature does: the model, and behaviour events counted into a lead's
score (tested with fakes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.events import LeadScored
from pipeline.leads.models import Lead
from pipeline.scoring.models import Scoring, ScoringIn, normalised, score_of, unknown_events
from shared.errors import Conflict, StaleVersion, Unprocessable
from shared.events import EventMetadata, Outgoing, new_event

Clock = Callable[[], datetime]
MAX_ATTEMPTS = 5


def _now() -> datetime:
    return datetime.now(UTC)


class Scores(Protocol):
    def scoring(self, fresh: bool = False) -> Scoring: ...
    def put_scoring(self, model: Scoring, read_version: int) -> None: ...
    def get_lead(self, contact_id: str) -> Lead | None: ...
    def count(self, lead: Lead, changed: Lead, event_id: str, at: datetime, events: list[Outgoing]) -> None: ...
    def counted(self, contact_id: str, event_id: str) -> bool: ...


def put_scoring(data: ScoringIn, if_match: int, repo: Scores, clock: Clock = _now) -> Scoring:
    """Replace the model (``If-Match``: its version; ``"0"`` for the built-in default)."""
    if unknown := unknown_events(data):
        raise Unprocessable(
            "unknown behaviour event", errors=[{"field": f"events.{unknown[0]}", "message": "not an event scored"}]
        )
    current = repo.scoring(fresh=True)
    if current.version != if_match:
        raise StaleVersion(f"the scoring model is at version {current.version}", current_version=current.version)
    model = Scoring.model_validate({**normalised(data), "updated_at": clock(), "version": current.version + 1})
    repo.put_scoring(model, if_match)
    return model


def record_behaviour(contact_id: str, detail_type: str, cause: EventMetadata, repo: Scores) -> Lead | None:
    """Count one behaviour event into the lead's score (once per event id), recompute the
    score from the counts and publish LeadScored when it changed. None: not a lead."""
    for _ in range(MAX_ATTEMPTS):
        lead = repo.get_lead(contact_id)
        if lead is None:
            return None
        behaviour = {**lead.behaviour, detail_type: lead.behaviour.get(detail_type, 0) + 1}
        score, reasons = score_of(lead.facts, behaviour, repo.scoring())
        changed = lead.model_copy(
            update={"score": score, "score_reasons": reasons, "behaviour": behaviour, "version": lead.version + 1}
        )
        events = []
        if score != lead.score:
            scored = LeadScored(contact_id=contact_id, score=score, previous_score=lead.score, reasons=reasons)
            events.append(new_event(scored, correlation_id=cause.correlation_id, causation_id=cause.event_id))
        try:
            repo.count(lead, changed, cause.event_id, cause.occurred_at, events)
        except Conflict:
            if repo.counted(contact_id, cause.event_id):
                return lead  # a redelivery: counted the first time
            continue  # the lead changed meanwhile: count again on the fresh copy
        return changed
    raise Conflict(f"could not score lead {contact_id}: it kept changing")
