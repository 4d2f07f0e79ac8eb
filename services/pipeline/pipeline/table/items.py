"""The pipeline table's shared models: its outbox (one per table) and its owner index."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from pipeline import SERVICE
from shared.outbox import outbox_model
from shared.table import table_meta

OutboxRecord = outbox_model(table_meta(SERVICE))


class ByOwner(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]  # pynamodb: untyped __init_subclass__
    """The sparse ``by_owner`` index (table/keys.py): declare it on each owned item's model
    (``by_owner = ByOwner()``) and query it there, so results come back as that model."""

    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ByTeam(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]  # pynamodb: untyped __init_subclass__
    """The sparse ``by_team`` index (table/keys.py): a team's reps in one query, so an
    assignment by a team's rule reads that team's reps, not every rep."""

    class Meta:
        index_name = "by_team"
        projection = AllProjection()

    team_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
