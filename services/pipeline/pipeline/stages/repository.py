"""The stages list in the pipeline table (pynamodb): the only module that maps it."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from pipeline import SERVICE
from pipeline.stages.models import DEFAULT_STAGES, Stages
from pipeline.table.keys import stages_key
from shared.items import KeyedItem
from shared.table import save_versioned, table_meta


class StagesItem(KeyedItem):
    """pk ``STAGES``, sk ``LIST``."""

    Meta = table_meta(SERVICE)
    stages = JSONAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()


class StagesRepository:
    def stages(self) -> Stages:
        try:
            item = StagesItem.get(*stages_key(), consistent_read=True)
        except DoesNotExist:
            return DEFAULT_STAGES
        return Stages.model_validate({"stages": item.stages, "updated_at": item.updated_at, "version": item.version})

    def put_stages(self, stages: Stages, read_version: int) -> None:
        values = [s.model_dump(mode="json") for s in stages.stages]
        item = StagesItem(*stages_key(), stages=values, updated_at=stages.updated_at, version=stages.version)
        save_versioned(item, read_version, "the stages")
