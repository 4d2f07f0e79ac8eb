"""The pipeline table's outbox model: one per table, used by every feature's repository."""

from __future__ import annotations

from pipeline import SERVICE
from shared.outbox import outbox_model
from shared.table import table_meta

OutboxRecord = outbox_model(table_meta(SERVICE))
