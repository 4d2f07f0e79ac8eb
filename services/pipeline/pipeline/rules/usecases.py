"""What the rules feature does: the ordered assignment rules (tested with fakes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.rules.models import MAX_RULES, Rule, RuleIn, RuleList, RulePatch, in_order, strategy_problem
from pipeline.teams.models import Rep, Team
from shared.errors import Conflict, StaleVersion, Unprocessable
from shared.reach import not_found

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class Rules(Protocol):
    def all_rules(self, fresh: bool = False) -> list[Rule]: ...
    def get_rule(self, rule_id: str) -> Rule | None: ...
    def add_rule(self, rule: Rule) -> None: ...
    def update_rule(self, rule: Rule, read_version: int) -> None: ...
    def delete_rule(self, rule_id: str, read_version: int) -> None: ...


class Directory(Protocol):
    def get_rep(self, rep_id: str) -> Rep | None: ...
    def get_team(self, team_id: str) -> Team | None: ...


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"invalid rule: {field}", errors=[{"field": field, "message": message}])


def _check(rule: Rule, directory: Directory) -> None:
    """A rule names only teams and reps that exist, and its rep fits its strategy."""
    if problem := strategy_problem(rule.strategy, rule.rep_id):
        raise _invalid("rep_id", problem)
    if rule.team_id and directory.get_team(rule.team_id) is None:
        raise _invalid("team_id", "unknown team")
    if rule.rep_id and directory.get_rep(rule.rep_id) is None:
        raise _invalid("rep_id", "unknown rep")


def list_rules(repo: Rules) -> RuleList:
    return RuleList(items=in_order(repo.all_rules(fresh=True)))


def get_rule(rule_id: str, repo: Rules) -> Rule:
    rule = repo.get_rule(rule_id)
    if rule is None:
        raise not_found("assignment rule", rule_id)
    return rule


def add_rule(data: RuleIn, repo: Rules, directory: Directory, clock: Clock = _now) -> Rule:
    if len(repo.all_rules(fresh=True)) >= MAX_RULES:
        raise Conflict(f"at most {MAX_RULES} assignment rules: delete or merge some first")
    now = clock()
    rule = Rule(**data.model_dump(), id=str(uuid.uuid4()), created_at=now, updated_at=now)
    _check(rule, directory)
    repo.add_rule(rule)
    return rule


def update_rule(
    rule_id: str, patch: RulePatch, if_match: int, repo: Rules, directory: Directory, *, clock: Clock = _now
) -> Rule:
    rule = get_rule(rule_id, repo)
    if rule.version != if_match:
        raise StaleVersion(f"rule {rule_id} is at version {rule.version}", current_version=rule.version)
    changes = patch.model_dump(exclude_unset=True)
    for required in ("name", "position", "strategy", "when"):
        if required in changes and changes[required] is None:
            raise _invalid(required, f"{required} cannot be cleared")
    updated = Rule.model_validate({**rule.model_dump(), **changes, "updated_at": clock(), "version": rule.version + 1})
    _check(updated, directory)
    repo.update_rule(updated, if_match)
    return updated


def delete_rule(rule_id: str, if_match: int | None, repo: Rules) -> None:
    """Delete a rule (``If-Match`` optional: a delete without it removes whatever version)."""
    rule = get_rule(rule_id, repo)
    if if_match is not None and rule.version != if_match:
        raise StaleVersion(f"rule {rule_id} is at version {rule.version}", current_version=rule.version)
    repo.delete_rule(rule_id, rule.version)
