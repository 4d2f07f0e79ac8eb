"""Reach in pipeline: whose leads, opportunities, tasks and approvals a caller may see.

A sales rep reaches their own records; a manager their own and those of the reps they
manage (a rep whose ``manager_id`` is theirs, or a rep of a team they manage); an admin,
and the read-only staff roles of the kernel's FULL_REACH (marketer, agent), everyone.
A record outside reach answers exactly like a missing one (``shared.reach.not_found``).

A manager's reach is read from the reps and teams partitions (two queries by key, no
scan), once per request that needs it, and never for an admin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.reach import FULL_REACH

if TYPE_CHECKING:
    from pipeline.teams.models import Rep, Team


class Directory(Protocol):
    def all_reps(self) -> list[Rep]: ...
    def all_teams(self) -> list[Team]: ...


@dataclass(frozen=True)
class Reach:
    """``everyone``, or the owner (rep) ids whose records the caller reaches."""

    everyone: bool
    owners: frozenset[str] = frozenset()

    def covers(self, owner_id: str | None) -> bool:
        return self.everyone or (owner_id is not None and owner_id in self.owners)


EVERYONE = Reach(everyone=True)


def reach_of(principal: Principal, directory: Callable[[], Directory]) -> Reach:
    """The caller's reach; ``directory`` is a factory, built only for a manager."""
    if principal.role is Role.MANAGER:
        return Reach(everyone=False, owners=managed_by(principal.subject, directory()))
    if principal.role in FULL_REACH:
        return EVERYONE
    return Reach(everyone=False, owners=frozenset({principal.subject}))


def managed_by(manager_id: str, directory: Directory) -> frozenset[str]:
    teams = {t.id for t in directory.all_teams() if t.manager_id == manager_id}
    reps = {r.id for r in directory.all_reps() if r.manager_id == manager_id or (r.team_id in teams)}
    return frozenset({manager_id} | reps)


def ensure_reach(reach: Reach, owner_id: str | None, missing: NotFound) -> None:
    """``missing`` (the record's own 404) unless the record's owner is within reach."""
    if not reach.covers(owner_id):
        raise missing
