"""What the earning-rules feature does (tested with fakes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol

from loyalty.earning.models import EarningRule, EarningRuleIn, EarningRulePatch
from shared.errors import StaleVersion
from shared.inputs import patched
from shared.reach import not_found


class RulesStore(Protocol):
    def rules(self, fresh: bool = False) -> list[EarningRule]: ...
    def get_rule(self, rule_id: str) -> EarningRule | None: ...
    def put_rule(self, rule: EarningRule, read_version: int | None) -> None: ...
    def delete_rule(self, rule_id: str, read_version: int) -> None: ...


def add_rule(data: EarningRuleIn, repo: RulesStore) -> EarningRule:
    now = datetime.now(UTC)
    rule = EarningRule(**data.model_dump(), id=uuid.uuid4().hex[:12], created_at=now, updated_at=now)
    repo.put_rule(rule, None)
    return rule


def get_rule(rule_id: str, repo: RulesStore) -> EarningRule:
    rule = repo.get_rule(rule_id)
    if rule is None:
        raise not_found("earning rule", rule_id)
    return rule


def _current(rule_id: str, if_match: int, repo: RulesStore) -> EarningRule:
    rule = get_rule(rule_id, repo)
    if rule.version != if_match:
        raise StaleVersion(f"earning rule {rule_id} is at version {rule.version}", current_version=rule.version)
    return rule


def update_rule(rule_id: str, patch: EarningRulePatch, if_match: int, repo: RulesStore) -> EarningRule:
    """PATCH: the rule with the fields sent, checked again as a whole."""
    rule = _current(rule_id, if_match, repo)
    checked = patched(rule, patch, EarningRuleIn)
    updated = EarningRule(
        **checked.model_dump(),
        id=rule.id,
        created_at=rule.created_at,
        updated_at=datetime.now(UTC),
        version=rule.version + 1,
    )
    repo.put_rule(updated, if_match)
    return updated


def delete_rule(rule_id: str, if_match: int, repo: RulesStore) -> None:
    _current(rule_id, if_match, repo)
    repo.delete_rule(rule_id, if_match)
