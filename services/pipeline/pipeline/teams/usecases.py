"""What the teams feature does: teams and reps (tested with fakes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.events import RepAdded
from pipeline.teams.models import Rep, RepIn, RepPage
from shared.events import Outgoing, new_event
from shared.pagination import decode_cursor, encode_cursor

Clock = Callable[[], datetime]
REPS_LIST = "pipeline/reps"  # what a cursor of the reps list is signed for


def _now() -> datetime:
    return datetime.now(UTC)


class Teams(Protocol):
    def add_rep(self, rep: Rep, events: list[Outgoing]) -> None: ...
    def list_reps(self, limit: int, start: dict[str, object] | None) -> tuple[list[Rep], dict[str, object] | None]: ...


def add_rep(data: RepIn, repo: Teams, correlation_id: str | None = None, clock: Clock = _now) -> Rep:
    territories = data.territories or ([data.territory] if data.territory else [])
    fields = data.model_dump(exclude={"id", "email", "territory", "territories"})
    rep = Rep(
        **fields,
        id=data.id or str(uuid.uuid4()),
        email=str(data.email).lower(),
        territories=territories,
        created_at=clock(),
    )
    event = RepAdded(
        rep_id=rep.id,
        name=rep.name,
        territory=rep.territory,
        capacity=rep.capacity,
        team_id=rep.team_id,
        territories=rep.territories,
        status=rep.status.value,
        manager_id=rep.manager_id,
    )
    repo.add_rep(rep, [new_event(event, correlation_id=correlation_id)])
    return rep


def list_reps(repo: Teams, limit: int, cursor: str | None) -> RepPage:
    reps, last = repo.list_reps(limit, decode_cursor(cursor, of=REPS_LIST))
    return RepPage(items=reps, next_cursor=encode_cursor(last, of=REPS_LIST))
