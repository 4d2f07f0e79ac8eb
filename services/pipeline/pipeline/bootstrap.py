"""pipeline's composition root: the only place its repository is built.

Routes and consumers ask here; each factory builds once per process, on first use, with
its heavy imports inside (a cold start pays only for what it uses).
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
