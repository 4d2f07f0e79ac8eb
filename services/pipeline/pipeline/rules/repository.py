"""Assignment rules in the pipeline table (pynamodb): the only module that maps them.

All rules live under one partition (``RULES``): the engine reads the whole ordered list
with one query per decision batch. The ``STORED`` marker says an admin has written the
list once; before that the list is the built-in default rule (rules.models.DEFAULT_RULE).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from pipeline import SERVICE
from pipeline.rules.models import DEFAULT_RULE, DEFAULT_RULE_ID, Rule
from pipeline.table.keys import RULE_PREFIX, RULES, RULES_STORED, rule_key
from shared.errors import Conflict, StaleVersion
from shared.items import KeyedItem, fields_of
from shared.table import table_meta, transaction, transaction_conflict


class RuleItem(KeyedItem):
    """pk ``RULES``, sk ``RULE#<id>``."""

    Meta = table_meta(SERVICE)
    name = UnicodeAttribute()
    position = NumberAttribute()
    when = JSONAttribute(default=dict)
    strategy = UnicodeAttribute()
    team_id = UnicodeAttribute(null=True)
    rep_id = UnicodeAttribute(null=True)
    first_contact_hours = NumberAttribute(null=True)
    reassign_on_miss = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute(default=1)


class StoredMarker(KeyedItem):
    """pk ``RULES``, sk ``STORED``: the list is the admins' own from here on."""

    Meta = table_meta(SERVICE)


def _rule(item: RuleItem) -> Rule:
    return Rule.model_validate({**fields_of(item), "id": item.sk.removeprefix(RULE_PREFIX)})


def _item(rule: Rule) -> RuleItem:
    values: dict[str, Any] = rule.model_dump(mode="json", exclude={"id", "created_at", "updated_at"})
    return RuleItem(*rule_key(rule.id), **values, created_at=rule.created_at, updated_at=rule.updated_at)


# How long a function uses the rules it read before reading them again: the engine reads
# them for every lead, and they change rarely. A change reaches every warm function within
# this time (at once in the function that made it, and locally, where all share a process).
RULES_TTL_SECONDS = 10.0


class RulesRepository:
    def __init__(self) -> None:
        self._read: tuple[float, list[Rule]] | None = None
        self._writes = 0  # a read that began before a write must not be kept after it

    def all_rules(self, fresh: bool = False) -> list[Rule]:
        """Every rule (unordered: rules.models.in_order sorts them), the default until stored.
        One query (the marker is read only when no rule is stored: first writes store both),
        at most every RULES_TTL_SECONDS unless ``fresh``."""
        if not fresh and self._read and time.monotonic() - self._read[0] < RULES_TTL_SECONDS:
            return list(self._read[1])
        writes, started = self._writes, time.monotonic()
        rules = [_rule(i) for i in RuleItem.query(RULES, RuleItem.sk.startswith(RULE_PREFIX), consistent_read=True)]
        if not rules and not _is_stored():
            rules = [DEFAULT_RULE]
        if writes == self._writes:
            self._read = (started, rules)
        return list(rules)

    def get_rule(self, rule_id: str) -> Rule | None:
        try:
            return _rule(RuleItem.get(*rule_key(rule_id), consistent_read=True))
        except DoesNotExist:
            return DEFAULT_RULE if rule_id == DEFAULT_RULE_ID and not _is_stored() else None

    def add_rule(self, rule: Rule) -> None:
        stored = _is_stored()
        new = RuleItem.sk.does_not_exist()
        exists = Conflict(f"rule {rule.id} exists")
        self._write(stored, rule.id, lambda tx: tx.save(_item(rule), condition=new), exists)

    def update_rule(self, rule: Rule, read_version: int) -> None:
        stored = _is_stored()
        guard = _guard(stored, rule.id, read_version)
        self._write(stored, rule.id, lambda tx: tx.save(_item(rule), condition=guard), _stale(rule.id))

    def delete_rule(self, rule_id: str, read_version: int) -> None:
        stored = _is_stored()
        guard = _guard(stored, rule_id, read_version)
        gone = RuleItem(*rule_key(rule_id))
        self._write(stored, rule_id, lambda tx: tx.delete(gone, condition=guard), _stale(rule_id))

    def _write(self, stored: bool, rule_id: str, write: Callable[[TransactWrite], None], conflict: Exception) -> None:
        """One rule write; the first ever also stores the marker and the default rule (unless
        the write is to that rule), so the list an admin edits is the one the engine used."""
        self._read, self._writes = None, self._writes + 1
        try:
            with transaction() as tx:
                if not stored:
                    tx.save(StoredMarker(RULES, RULES_STORED), condition=StoredMarker.sk.does_not_exist())
                    if rule_id != DEFAULT_RULE_ID:
                        tx.save(_item(DEFAULT_RULE), condition=RuleItem.sk.does_not_exist())
                write(tx)
        except TransactWriteError as exc:
            if transaction_conflict(exc):
                raise conflict from exc
            raise
        finally:
            # Again once written: a read that began while it was being written is not kept either.
            self._read, self._writes = None, self._writes + 1


def _guard(stored: bool, rule_id: str, read_version: int) -> Any:
    """The rule is still at the version read; the default, before it was ever stored, is
    read from code (the caller checked its version), so it must still not exist."""
    if not stored and rule_id == DEFAULT_RULE_ID:
        return RuleItem.sk.does_not_exist()
    return RuleItem.version == read_version


def _stale(rule_id: str) -> StaleVersion:
    return StaleVersion(f"rule {rule_id} changed meanwhile: read it again")


def _is_stored() -> bool:
    try:
        StoredMarker.get(RULES, RULES_STORED, consistent_read=True)
    except DoesNotExist:
        return False
    return True
