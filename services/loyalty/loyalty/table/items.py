"""The loyalty table's shared models: its outbox (one per table), the contacts' owners, and
the one-item documents (program, tiers: shared.documents)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UTCDateTimeAttribute

from loyalty import SERVICE
from shared.items import KeyedItem
from shared.outbox import outbox_model
from shared.owners import owner_model
from shared.table import table_meta

OutboxRecord = outbox_model(table_meta(SERVICE))
OwnerRecord = owner_model(table_meta(SERVICE))


class DocumentItem(KeyedItem):
    """A one-item document (table/keys.py: the program, the tiers)."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()
