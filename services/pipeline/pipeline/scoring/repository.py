"""The scoring model and the events counted into scores (pynamodb): the only module that
maps them. A behaviour event is counted with a marker (``LEAD#<id>``/``SCORED#<event id>``,
kept 30 days) in the same transaction as the new score, so a redelivered event is never
counted twice."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from pynamodb.attributes import JSONAttribute, NumberAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from pipeline import SERVICE
from pipeline.leads.models import Lead
from pipeline.leads.repository import LeadsRepository, rescore
from pipeline.scoring.models import Scoring
from pipeline.table.items import OutboxRecord
from pipeline.table.keys import scored_key, scoring_key
from shared.events import Outgoing
from shared.items import KeyedItem
from shared.outbox import transaction_with_events
from shared.table import save_versioned, table_meta

COUNTED_FOR = timedelta(days=30)  # longer than any redelivery or replay window we run
MODEL_TTL_SECONDS = 10.0  # a model change reaches every warm function within this time


class ScoringItem(KeyedItem):
    """pk ``SCORING``, sk ``MODEL``."""

    Meta = table_meta(SERVICE)
    model = JSONAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()


class CountedItem(KeyedItem):
    """pk ``LEAD#<contact id>``, sk ``SCORED#<event id>``: this event is in the score."""

    Meta = table_meta(SERVICE)
    expires_at = NumberAttribute()


class ScoringRepository:
    """The model and the counted events; leads are read through their repository."""

    def __init__(self, leads: LeadsRepository) -> None:
        self.get_lead = leads.get_lead
        self._read: tuple[float, Scoring] | None = None
        self._writes = 0  # a read that began before a write must not be kept after it

    def scoring(self, fresh: bool = False) -> Scoring:
        """The model, read at most every MODEL_TTL_SECONDS unless ``fresh`` (it is read for
        every new lead and behaviour event, and changes rarely)."""
        if not fresh and self._read and time.monotonic() - self._read[0] < MODEL_TTL_SECONDS:
            return self._read[1]
        writes, started = self._writes, time.monotonic()
        try:
            item = ScoringItem.get(*scoring_key(), consistent_read=True)
            values = {**item.model, "updated_at": item.updated_at, "version": int(item.version)}
            model = Scoring.model_validate(values)
        except DoesNotExist:
            model = Scoring()
        if writes == self._writes:
            self._read = (started, model)
        return model

    def put_scoring(self, model: Scoring, read_version: int) -> None:
        self._read, self._writes = None, self._writes + 1
        values = model.model_dump(mode="json", exclude={"updated_at", "version"})
        item = ScoringItem(*scoring_key(), model=values, updated_at=model.updated_at, version=model.version)
        try:
            save_versioned(item, read_version, "the scoring model")
        finally:
            self._read, self._writes = None, self._writes + 1  # once written, as before

    def count(self, lead: Lead, changed: Lead, event_id: str, at: datetime, events: list[Outgoing]) -> None:
        """Count the event into the lead's score; Conflict when it was counted already or the
        lead changed since it was read."""
        marker = CountedItem(*scored_key(lead.contact_id, event_id), expires_at=int((at + COUNTED_FOR).timestamp()))
        with transaction_with_events(OutboxRecord, events, conflict="counted already, or the lead changed") as tx:
            tx.save(marker, condition=CountedItem.pk.does_not_exist())
            rescore(tx, lead, changed)

    def counted(self, contact_id: str, event_id: str) -> bool:
        try:
            CountedItem.get(*scored_key(contact_id, event_id), consistent_read=True)
        except DoesNotExist:
            return False
        return True
