"""Earning rules in the loyalty table (pynamodb): the only module that maps them.

All rules live under one partition (``EARNING_RULES``): every accrual reads the list with
one query (cached, shared.cached). Until the ``STORED`` marker exists the list is the
built-in default; the first write stores the defaults and the marker with it, so from then
on the list is the admins' own.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from loyalty import SERVICE
from loyalty.earning.models import DEFAULT_RULES, EarningRule
from loyalty.table.keys import EARNING_RULES, RULE_PREFIX, RULES_STORED, rule_key
from shared.cached import Cached
from shared.errors import StaleVersion
from shared.items import KeyedItem
from shared.table import is_conditional_failure, table_meta, transaction, transaction_conflict

RULES_TTL_SECONDS = 10.0


class EarningRuleItem(KeyedItem):
    """pk ``EARNING_RULES``, sk ``RULE#<id>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()
    version = NumberAttribute()


def _item(rule: EarningRule) -> EarningRuleItem:
    return EarningRuleItem(*rule_key(rule.id), body=rule.model_dump(mode="json"), version=rule.version)


def _stored() -> bool:
    try:
        EarningRuleItem.get(EARNING_RULES, RULES_STORED, consistent_read=True)
    except DoesNotExist:
        return False
    return True


def _read() -> list[EarningRule]:
    items = list(EarningRuleItem.query(EARNING_RULES, consistent_read=True))
    if not any(i.sk == RULES_STORED for i in items):
        return list(DEFAULT_RULES)
    return [EarningRule.model_validate(i.body) for i in items if i.sk.startswith(RULE_PREFIX)]


class EarningRulesRepository:
    def __init__(self) -> None:
        self._cache: Cached[list[EarningRule]] = Cached(RULES_TTL_SECONDS)

    def rules(self, fresh: bool = False) -> list[EarningRule]:
        """Every rule, oldest first (one query, the marker in the same partition)."""
        return sorted(self._cache.get(_read, fresh), key=lambda r: (r.created_at, r.id))

    def get_rule(self, rule_id: str) -> EarningRule | None:
        return next((r for r in self.rules(fresh=True) if r.id == rule_id), None)

    def _store_defaults(self) -> None:
        """The first write: the defaults and the marker, once (a racing first write loses
        here and proceeds: the defaults are stored either way)."""
        if _stored():
            return
        try:
            with transaction() as tx:
                tx.save(
                    EarningRuleItem(EARNING_RULES, RULES_STORED, body={}, version=1),
                    condition=EarningRuleItem.sk.does_not_exist(),
                )
                for rule in DEFAULT_RULES:
                    tx.save(_item(rule), condition=EarningRuleItem.sk.does_not_exist())
        except TransactWriteError as exc:
            if not transaction_conflict(exc):
                raise

    def put_rule(self, rule: EarningRule, read_version: int | None) -> None:
        """Store ``rule``: new (``read_version`` None) or over the version read."""
        self._store_defaults()
        condition = (
            EarningRuleItem.sk.does_not_exist() if read_version is None else EarningRuleItem.version == read_version
        )
        try:
            _item(rule).save(condition=condition)
        except PutError as exc:
            if is_conditional_failure(exc):
                raise StaleVersion(f"earning rule {rule.id} changed meanwhile: read it again") from exc
            raise
        finally:
            self._cache.written()

    def delete_rule(self, rule_id: str, read_version: int) -> None:
        from pynamodb.exceptions import DeleteError

        self._store_defaults()
        try:
            EarningRuleItem(*rule_key(rule_id)).delete(condition=EarningRuleItem.version == read_version)
        except DeleteError as exc:
            if is_conditional_failure(exc):
                raise StaleVersion(f"earning rule {rule_id} changed meanwhile: read it again") from exc
            raise
        finally:
            self._cache.written()
