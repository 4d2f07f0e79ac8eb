"""Teams use cases against an in-memory directory (Given/When/Then)."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.teams.models import Rep, RepIn, Team
from pipeline.teams.usecases import add_rep, list_reps
from services.pipeline.tests.unit.assignment.fake import rep
from shared.events import Outgoing


class FakeTeams:
    def __init__(self, reps: list[Rep] | None = None) -> None:
        self.reps = {r.id: r for r in reps or []}
        self.events: list[Outgoing] = []

    def get_team(self, team_id: str) -> Team | None:
        return None

    def add_rep(self, rep: Rep, events: list[Outgoing]) -> None:
        self.reps[rep.id] = rep
        self.events += events

    def list_reps(self, limit: int, start: Any) -> tuple[list[Rep], None]:
        return list(self.reps.values())[:limit], None


def test_the_last_page_of_reps_has_no_cursor() -> None:
    repo = FakeTeams([rep("a"), rep("b")])
    page = list_reps(repo, 10, None)  # type: ignore[arg-type]
    assert [r.id for r in page.items] == ["a", "b"]
    assert page.next_cursor is None


def test_rep_email_is_normalised() -> None:
    repo = FakeTeams()
    added = add_rep(RepIn(name="Grace", email="Grace@Example.com"), repo)  # type: ignore[arg-type]
    assert added.email == "grace@example.com"
    assert added.capacity == 50
    assert repo.events[0].detail["data"]["rep_id"] == added.id


@pytest.mark.parametrize("capacity", [0, -1, "5"])
def test_capacity_must_be_a_positive_integer(capacity: object) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        RepIn.model_validate({"name": "x", "email": "x@example.com", "capacity": capacity})
