"""The composition root of pipeline: the only place its repository is built.

Routes and consumers ask here; each factory builds once per process, on first use, with
its heavy imports inside (an API cold start pays only for what a route uses).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.repository import PipelineRepository


@cache
def pipeline_repository() -> PipelineRepository:
    from pipeline.repository import PipelineRepository

    return PipelineRepository()
