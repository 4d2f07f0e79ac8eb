"""The campaigns table's shared models: its outbox (one per table) and the contacts' owners."""

from __future__ import annotations

from campaigns import SERVICE
from shared.outbox import outbox_model
from shared.owners import owner_model
from shared.table import table_meta

OutboxRecord = outbox_model(table_meta(SERVICE))
OwnerRecord = owner_model(table_meta(SERVICE))
