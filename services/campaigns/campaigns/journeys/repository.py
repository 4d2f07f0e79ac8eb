"""Journeys in the campaigns table (pynamodb): the only module that maps them.

Definitions an admin changed or added: ``JOURNEYS``/``JOURNEY#<id>`` (one partition, read
by one query); the built-ins (defaults.py) are not stored until changed. A contact's run of a
journey: ``CONTACT#<contact id>``/``JOURNEY#<journey id>`` (table/keys.py), one item per
(contact, journey), so "at most once at a time" is a condition on that item, and a
contact's runs are one query of their partition (what a stop event reads).
"""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from campaigns import SERVICE
from campaigns.journeys.models import Journey, Run, RunStatus
from campaigns.table.keys import JOURNEY_PREFIX, JOURNEYS, birthday_key, contact_pk, journey_key, journey_run_key
from shared.items import KeyedItem, fields_of, item_of
from shared.table import is_conditional_failure, save_versioned, table_meta


class JourneyItem(KeyedItem):
    """pk ``JOURNEYS``, sk ``JOURNEY#<id>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()


class RunItem(KeyedItem):
    """pk ``CONTACT#<contact id>``, sk ``JOURNEY#<journey id>``."""

    Meta = table_meta(SERVICE)
    run_id = UnicodeAttribute()
    journey_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    step = NumberAttribute()
    status = UnicodeAttribute()
    started_at = UTCDateTimeAttribute()
    due_at = UTCDateTimeAttribute(null=True)
    ended_at = UTCDateTimeAttribute(null=True)
    trigger_event_id = UnicodeAttribute()
    segment_id = UnicodeAttribute(null=True)
    stopped_by = UnicodeAttribute(null=True)
    context = JSONAttribute(null=True)


class BirthdayItem(KeyedItem):
    """pk ``CONTACT#<contact id>``, sk ``BIRTHDAY``: the birthday the greeting's schedule is
    planned from (what a change cancels)."""

    Meta = table_meta(SERVICE)
    birthday = UnicodeAttribute()


def _journey(item: JourneyItem) -> Journey:
    return Journey.model_validate({**item.body, "updated_at": item.updated_at, "version": int(item.version)})


def _run(item: RunItem) -> Run:
    values = fields_of(item)
    return Run.model_validate({**values, "step": int(values["step"]), "context": values.get("context") or {}})


class JourneyRepository:
    def stored(self) -> list[Journey]:
        query = JourneyItem.sk.startswith(JOURNEY_PREFIX)
        return [_journey(i) for i in JourneyItem.query(JOURNEYS, query, consistent_read=True)]

    def get(self, journey_id: str) -> Journey | None:
        try:
            return _journey(JourneyItem.get(*journey_key(journey_id), consistent_read=True))
        except DoesNotExist:
            return None

    def put(self, journey: Journey, read_version: int) -> None:
        """Store ``journey`` (at its new version) if still at ``read_version`` (0: never stored)."""
        body = journey.model_dump(mode="json", exclude={"updated_at", "version"})
        item = JourneyItem(*journey_key(journey.id), body=body, updated_at=journey.updated_at, version=journey.version)
        save_versioned(item, read_version, f"journey {journey.id}")


class RunRepository:
    def get(self, contact_id: str, journey_id: str) -> Run | None:
        try:
            return _run(RunItem.get(*journey_run_key(contact_id, journey_id), consistent_read=True))
        except DoesNotExist:
            return None

    def of_contact(self, contact_id: str) -> list[Run]:
        query = RunItem.query(contact_pk(contact_id), RunItem.sk.startswith(JOURNEY_PREFIX), consistent_read=True)
        return [_run(i) for i in query]

    def start(self, run: Run, *, once: bool) -> bool:
        """Write the run if the contact has none in this journey, or (``once`` False) only an
        ended one; False otherwise (a trigger while active is ignored)."""
        item = item_of(RunItem, *journey_run_key(run.contact_id, run.journey_id), run)
        condition = RunItem.pk.does_not_exist()
        if not once:
            condition |= RunItem.status != RunStatus.ACTIVE.value
        try:
            item.save(condition=condition)
        except PutError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def _update(self, run: Run, step: int, actions: list[object]) -> bool:
        item = RunItem(*journey_run_key(run.contact_id, run.journey_id))
        condition = (RunItem.run_id == run.run_id) & (RunItem.status == RunStatus.ACTIVE.value) & (RunItem.step == step)
        try:
            item.update(actions=actions, condition=condition)  # type: ignore[arg-type]
        except UpdateError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def advance(self, run: Run, step: int, due_at: datetime) -> bool:
        """``step`` sent: the run moves to the next (due at ``due_at``), if still at ``step``."""
        return self._update(run, step, [RunItem.step.set(step + 1), RunItem.due_at.set(due_at)])

    def end(self, run: Run, step: int, status: RunStatus, at: datetime, stopped_by: str | None = None) -> bool:
        """Completed after ``step`` (step + 1 recorded) or stopped at it; False if it moved meanwhile."""
        actions: list[object] = [RunItem.status.set(status.value), RunItem.ended_at.set(at), RunItem.due_at.remove()]
        if status is RunStatus.COMPLETED:
            actions.append(RunItem.step.set(step + 1))
        if stopped_by is not None:
            actions.append(RunItem.stopped_by.set(stopped_by))
        return self._update(run, step, actions)

    def forget(self, contact_id: str) -> None:
        """ContactErased (after ``stop``): the contact's runs go, with what their triggers left
        (a ticket's subject, a coupon). A late trigger may start a run again: its sends skip
        the erased contact (the sending core finds no recipient)."""
        for item in RunItem.query(contact_pk(contact_id), RunItem.sk.startswith(JOURNEY_PREFIX)):
            item.delete()


class BirthdayRepository:
    def get(self, contact_id: str) -> date | None:
        try:
            return date.fromisoformat(BirthdayItem.get(*birthday_key(contact_id), consistent_read=True).birthday)
        except DoesNotExist:
            return None

    def put(self, contact_id: str, birthday: date | None) -> None:
        item = BirthdayItem(*birthday_key(contact_id))
        if birthday is None:
            item.delete()
        else:
            item.birthday = birthday.isoformat()
            item.save()
