"""What the teams feature does: teams and reps (tested with fakes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from pipeline.events import RepAdded, RepUpdated, TeamCreated
from pipeline.reach import Reach
from pipeline.teams.models import SELF_SERVICE, Rep, RepIn, RepPage, RepPatch, Team, TeamIn, TeamPage
from shared.errors import Forbidden, StaleVersion, Unprocessable
from shared.events import Outgoing, new_event
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found

Clock = Callable[[], datetime]
REPS_LIST = "pipeline/reps"  # what a cursor of the reps list is signed for
TEAMS_LIST = "pipeline/teams"


def _now() -> datetime:
    return datetime.now(UTC)


class Teams(Protocol):
    def get_rep(self, rep_id: str) -> Rep | None: ...
    def get_team(self, team_id: str) -> Team | None: ...
    def add_rep(self, rep: Rep, events: list[Outgoing]) -> None: ...
    def update_rep(self, rep: Rep, read_version: int, events: list[Outgoing]) -> None: ...
    def add_team(self, team: Team, events: list[Outgoing]) -> None: ...
    def list_reps(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Rep], dict[str, Any] | None]: ...
    def list_teams(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Team], dict[str, Any] | None]: ...


def _known_team(team_id: str | None, repo: Teams) -> None:
    if team_id and repo.get_team(team_id) is None:
        raise Unprocessable("no such team", errors=[{"field": "team_id", "message": "unknown team"}])


def add_team(data: TeamIn, repo: Teams, correlation_id: str | None = None, clock: Clock = _now) -> Team:
    team = Team(id=data.id or str(uuid.uuid4()), name=data.name, manager_id=data.manager_id, created_at=clock())
    event = TeamCreated(team_id=team.id, name=team.name, manager_id=team.manager_id)
    repo.add_team(team, [new_event(event, correlation_id=correlation_id)])
    return team


def list_teams(repo: Teams, limit: int, cursor: str | None) -> TeamPage:
    teams, last = repo.list_teams(limit, decode_cursor(cursor, of=TEAMS_LIST))
    return TeamPage(items=teams, next_cursor=encode_cursor(last, of=TEAMS_LIST))


def add_rep(data: RepIn, repo: Teams, correlation_id: str | None = None, clock: Clock = _now) -> Rep:
    _known_team(data.team_id, repo)
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


def get_rep(rep_id: str, repo: Teams) -> Rep:
    rep = repo.get_rep(rep_id)
    if rep is None:
        raise not_found("rep", rep_id)
    return rep


def update_rep(
    rep_id: str,
    patch: RepPatch,
    if_match: int,
    repo: Teams,
    reach: Reach,
    *,
    self_service: bool,
    correlation_id: str | None = None,
) -> Rep:
    """Change a rep (optimistic: ``if_match`` is the version read). A sales rep may only set
    their own status; a manager changes the reps within their reach. RepUpdated tells
    assignment: ``off`` hands their open leads on, back to ``active`` or more capacity drains
    the unassigned queue."""
    rep = repo.get_rep(rep_id)
    if rep is None or not reach.covers(rep.id):
        raise not_found("rep", rep_id)
    changes = patch.model_dump(exclude_unset=True)
    if self_service and (extra := sorted(changes.keys() - SELF_SERVICE)):
        raise Forbidden("a rep may change only their own status", errors=[{"field": extra[0], "message": "not yours"}])
    if rep.version != if_match:
        raise StaleVersion(f"rep {rep_id} is at version {rep.version}", current_version=rep.version)
    _known_team(changes.get("team_id"), repo)
    updated = Rep.model_validate({**rep.model_dump(), **changes, "version": rep.version + 1})
    changed = sorted(k for k in changes if getattr(updated, k) != getattr(rep, k))
    if not changed:
        return rep
    event = RepUpdated(
        rep_id=rep.id,
        changed=changed,
        status=updated.status.value,
        previous_status=rep.status.value,
        capacity=updated.capacity,
        team_id=updated.team_id,
        manager_id=updated.manager_id,
    )
    repo.update_rep(updated, if_match, [new_event(event, correlation_id=correlation_id)])
    return updated
