"""Lambda event filtering (the subset our templates use): a mapping's FilterCriteria
patterns. Used by the stack's pollers and, for DynamoDB streams, by the emulator itself,
which answers a poller's GetRecords with only the records its filters keep."""

from __future__ import annotations

from typing import Any


def matches(pattern: dict[str, Any], record: Any) -> bool:
    """Does ``record`` match one Lambda filter pattern? Every key must match; a list of
    values matches when any of them does (literal, ``prefix``, ``exists``, ``anything-but``)."""
    if not isinstance(record, dict):
        return False
    for key, expected in pattern.items():
        present = key in record
        value = record.get(key)
        if isinstance(expected, dict):
            if not present or not matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not any(_value_matches(rule, present, value) for rule in expected):
                return False
        else:
            raise ValueError(f"filter values must be lists or objects, got {expected!r} for {key}")
    return True


def _value_matches(rule: Any, present: bool, value: Any) -> bool:
    if isinstance(rule, dict):
        return _rule_matches(rule, present, value)
    if not present:
        return False
    if isinstance(value, list):
        return rule in value
    return bool(value == rule)


def _rule_matches(rule: dict[str, Any], present: bool, value: Any) -> bool:
    if "exists" in rule:
        return present is bool(rule["exists"])
    if "prefix" in rule:
        return present and isinstance(value, str) and value.startswith(rule["prefix"])
    if "anything-but" in rule:
        excluded = rule["anything-but"]
        return present and value not in (excluded if isinstance(excluded, list) else [excluded])
    raise ValueError(f"unsupported filter rule locally: {rule}")


def passes(filters: tuple[dict[str, Any], ...], record: dict[str, Any]) -> bool:
    """No filters: everything passes; otherwise any one pattern must match."""
    return not filters or any(matches(f, record) for f in filters)
