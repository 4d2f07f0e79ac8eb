"""What the stages feature does (tested with fakes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from pipeline.stages.models import Stages, StagesIn
from shared.errors import StaleVersion


class StagesStore(Protocol):
    def stages(self) -> Stages: ...
    def put_stages(self, stages: Stages, read_version: int) -> None: ...


def put_stages(data: StagesIn, if_match: int, repo: StagesStore) -> Stages:
    """Replace the list (``If-Match``: its version, ``"0"`` for the defaults). A stage that
    opportunities are in may be renamed or re-weighted; removing it leaves those deals in
    a stage the board no longer shows, so that is for an admin who moved them first."""
    current = repo.stages()
    if current.version != if_match:
        raise StaleVersion(f"the stages are at version {current.version}", current_version=current.version)
    stages = Stages(stages=data.stages, updated_at=datetime.now(UTC), version=current.version + 1)
    repo.put_stages(stages, if_match)
    return stages
