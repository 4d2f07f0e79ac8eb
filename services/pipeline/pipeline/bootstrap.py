"""pipeline's composition root: the only place its repository is built."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.repository import PipelineRepository


@cache
def pipeline_repository() -> PipelineRepository:
    from pipeline.repository import PipelineRepository

    return PipelineRepository()
