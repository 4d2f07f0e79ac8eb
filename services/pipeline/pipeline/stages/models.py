"""Opportunity stages: the ordered list a deal moves through, each with its win probability
and forecast category. ``won`` and ``lost`` close a deal and are always on the list."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from shared.inputs import RequestModel

WON, LOST = "won", "lost"


class ForecastCategory(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"


class Stage(RequestModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=80)
    probability: int = Field(ge=0, le=100, strict=True)
    forecast_category: ForecastCategory

    @property
    def closed(self) -> bool:
        return self.id in (WON, LOST)


class StagesIn(RequestModel):
    """PUT /stages: the whole ordered list (open stages first, then won and lost)."""

    stages: list[Stage] = Field(min_length=3, max_length=30)

    @field_validator("stages")
    @classmethod
    def _consistent(cls, stages: list[Stage]) -> list[Stage]:
        ids = [s.id for s in stages]
        if len(set(ids)) != len(ids):
            raise ValueError("stage ids must be unique")
        by_id = {s.id: s for s in stages}
        for closed, probability in ((WON, 100), (LOST, 0)):
            stage = by_id.get(closed)
            if stage is None:
                raise ValueError(f"the {closed!r} stage is required")
            if stage.probability != probability or stage.forecast_category is not ForecastCategory.CLOSED:
                raise ValueError(f"{closed!r} has probability {probability} and category closed")
        for stage in stages:
            if not stage.closed and stage.forecast_category is ForecastCategory.CLOSED:
                raise ValueError(f"{stage.id!r}: only won and lost are closed")
        if not any(not s.closed for s in stages):
            raise ValueError("at least one open stage")
        return stages


class Stages(BaseModel):
    stages: list[Stage]
    updated_at: datetime | None = None
    version: int = 0  # 0: the built-in default, never stored

    def get(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    @property
    def first_open(self) -> Stage:
        return next(s for s in self.stages if not s.closed)

    @property
    def ordered(self) -> list[Stage]:
        """Open stages in their order, then won, then lost (the board's columns)."""
        return [s for s in self.stages if not s.closed] + [s for s in self.stages if s.closed]


def _stage(stage_id: str, name: str, probability: int, category: ForecastCategory) -> Stage:
    return Stage(id=stage_id, name=name, probability=probability, forecast_category=category)


DEFAULT_STAGES = Stages(
    stages=[
        _stage("prospecting", "Prospecting", 10, ForecastCategory.PIPELINE),
        _stage("qualification", "Qualification", 25, ForecastCategory.PIPELINE),
        _stage("proposal", "Proposal", 50, ForecastCategory.BEST_CASE),
        _stage("negotiation", "Negotiation", 75, ForecastCategory.COMMIT),
        _stage(WON, "Won", 100, ForecastCategory.CLOSED),
        _stage(LOST, "Lost", 0, ForecastCategory.CLOSED),
    ]
)
