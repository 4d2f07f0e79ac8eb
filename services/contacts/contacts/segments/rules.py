"""Segment rules: a small boolean language over a contact's facts, validated once on write
and evaluated on every change of a contact (pure: no I/O, tested without AWS).

A rule is a tree: ``{"all": [rule, ...]}``, ``{"any": [rule, ...]}``, ``{"not": rule}``
or a condition ``{"field": ..., "op": ..., "value": ...}``. Facts are the contact's
PROFILE (records) and METRICS (history) attributes, flattened by ``facts_of``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.errors import Unprocessable

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_IN_VALUES = 100

TEXT, TAGS, NUMBER, MOMENT, BIRTHDAY = "text", "tags", "number", "moment", "birthday"

# field -> its kind. Attributes (records), geography, demographics, behaviour (history).
FIELDS: dict[str, str] = {
    "lifecycle_stage": TEXT,
    "tags": TAGS,
    "source": TEXT,
    "company_id": TEXT,
    "owner_id": TEXT,
    "country": TEXT,
    "region": TEXT,
    "city": TEXT,
    "language": TEXT,
    "birthday": BIRTHDAY,  # within_days: the next birthday falls within N days
    "age": NUMBER,  # whole years, from birthday
    "recency_score": NUMBER,
    "frequency_score": NUMBER,
    "monetary_score": NUMBER,
    "rfm_group": TEXT,
    "value_tier": TEXT,
    "total_spend": NUMBER,
    "order_count": NUMBER,
    "last_purchase_at": MOMENT,  # within_days: a purchase in the last N days
    "last_engaged_at": MOMENT,  # within_days: an inbound interaction or an order in the last N days
    "interaction_count": NUMBER,  # interactions logged, either direction
    "inbound_count": NUMBER,  # interactions the contact started
}
# Asked for, but nothing records them yet: refused by name rather than silently false
# ("engagement" is last_engaged_at / interaction_count / inbound_count).
NOT_TRACKED = {"emails_opened", "emails_clicked", "engagement", "last_opened_at"}

OPS: dict[str, frozenset[str]] = {
    TEXT: frozenset({"eq", "ne", "in"}),
    TAGS: frozenset({"contains", "in"}),  # in: has any of the tags
    NUMBER: frozenset({"eq", "ne", "in", "gt", "gte", "lt", "lte"}),
    MOMENT: frozenset({"gt", "gte", "lt", "lte", "within_days"}),
    BIRTHDAY: frozenset({"within_days"}),
}

Rule = dict[str, Any]


class _Invalid(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def validate_rules(raw: Any, path: str = "rules") -> Rule:
    """The rule tree, normalised; 422 naming the first wrong node (e.g. ``rules.all.1.op``)."""
    counter = [0]
    try:
        return _node(raw, path, 1, counter)
    except _Invalid as bad:
        raise Unprocessable(
            f"invalid segment rule at {bad.path}: {bad.message}",
            errors=[{"field": bad.path, "message": bad.message}],
        ) from None


def _node(raw: Any, path: str, depth: int, counter: list[int]) -> Rule:
    if not isinstance(raw, dict):
        raise _Invalid(path, "a rule is an object: all, any, not, or field/op/value")
    if depth > MAX_DEPTH:
        raise _Invalid(path, f"rules nest at most {MAX_DEPTH} levels")
    keys = set(raw)
    if keys in ({"all"}, {"any"}):
        (kind,) = keys
        children = raw[kind]
        if not isinstance(children, list) or not children:
            raise _Invalid(f"{path}.{kind}", "a non-empty list of rules")
        return {kind: [_node(c, f"{path}.{kind}.{i}", depth + 1, counter) for i, c in enumerate(children)]}
    if keys == {"not"}:
        return {"not": _node(raw["not"], f"{path}.not", depth + 1, counter)}
    if keys == {"field", "op", "value"}:
        counter[0] += 1
        if counter[0] > MAX_CONDITIONS:
            raise _Invalid(path, f"at most {MAX_CONDITIONS} conditions per segment")
        return _condition(raw, path)
    unknown = sorted(keys - {"field", "op", "value", "all", "any", "not"})
    if unknown:
        raise _Invalid(f"{path}.{unknown[0]}", "unknown key")
    missing = sorted({"field", "op", "value"} - keys) if "field" in keys or "op" in keys else []
    if missing:
        raise _Invalid(f"{path}.{missing[0]}", "missing")
    raise _Invalid(path, "exactly one of all, any, not, or field/op/value")


def _condition(raw: dict[str, Any], path: str) -> Rule:
    field, op, value = raw["field"], raw["op"], raw["value"]
    if not isinstance(field, str) or field not in FIELDS:
        if isinstance(field, str) and field in NOT_TRACKED:
            raise _Invalid(f"{path}.field", f"{field} is not tracked yet")
        raise _Invalid(f"{path}.field", f"unknown field; one of {', '.join(sorted(FIELDS))}")
    kind = FIELDS[field]
    if op not in OPS[kind]:
        raise _Invalid(f"{path}.op", f"{field} takes {', '.join(sorted(OPS[kind]))}")
    return {"field": field, "op": op, "value": _value(kind, op, value, f"{path}.value")}


def _value(kind: str, op: str, value: Any, path: str) -> Any:
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
            raise _Invalid(path, f"a list of 1..{MAX_IN_VALUES} values")
        return [_scalar(NUMBER if kind == NUMBER else TEXT, v, f"{path}.{i}") for i, v in enumerate(value)]
    if op == "within_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 36500:
            raise _Invalid(path, "a whole number of days, 1..36500")
        return value
    if kind == MOMENT:
        return _scalar(MOMENT, value, path)
    return _scalar(NUMBER if kind == NUMBER else TEXT, value, path)


def _scalar(kind: str, value: Any, path: str) -> Any:
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(path, "a number")
        return value
    if kind == MOMENT:
        if not isinstance(value, str):
            raise _Invalid(path, "an ISO-8601 date-time")
        try:
            _moment(value)
        except ValueError:
            raise _Invalid(path, "an ISO-8601 date-time") from None
        return value
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _Invalid(path, "a non-empty string (max 200)")
    return value


# --- evaluation ---------------------------------------------------------------------


def evaluate(rule: Rule, facts: Mapping[str, Any], now: datetime) -> bool:  # noqa: PLR0911 - one per kind
    """True when the facts satisfy the (validated) rule. A missing fact matches nothing
    but ``ne`` (a contact without a country is 'not in FR')."""
    if "all" in rule:
        return all(evaluate(r, facts, now) for r in rule["all"])
    if "any" in rule:
        return any(evaluate(r, facts, now) for r in rule["any"])
    if "not" in rule:
        return not evaluate(rule["not"], facts, now)
    field, op, expected = rule["field"], rule["op"], rule["value"]
    actual = facts.get(field)
    if actual is None or actual in ([], ""):
        return op == "ne"
    kind = FIELDS[field]
    try:
        if kind == TAGS:
            tags = {str(t).lower() for t in actual}
            wanted = expected if op == "in" else [expected]
            return any(str(w).lower() in tags for w in wanted)
        if kind == BIRTHDAY:
            return _days_to_birthday(actual, now) <= expected
        if kind == MOMENT:
            moment = _moment(str(actual))
            if op == "within_days":
                return now - timedelta(days=expected) <= moment <= now
            return _compare(op, moment, _moment(expected))
        if kind == NUMBER:
            number = float(actual)
            if op == "in":
                return number in {float(v) for v in expected}
            return _compare(op, number, float(expected))
        text = str(actual).lower()
        if op == "in":
            return text in {str(v).lower() for v in expected}
        return _compare(op, text, str(expected).lower())
    except (TypeError, ValueError):
        return op == "ne"  # an unreadable fact is like a missing one


# --- when time alone changes a rule's truth -------------------------------------------


def next_change(rule: Rule, facts: Mapping[str, Any], now: datetime) -> datetime | None:
    """The earliest moment after ``now`` from which time alone may change the rule's
    truth for these facts; None when only a change of the facts can.

    Conservative: every time-dependent condition's next flip counts, whatever the
    combinators around it, so a moment may turn out to change nothing (a re-evaluation
    finds no difference) but no flip is ever missed. Time-dependent conditions:
    ``within_days`` on a moment (true from the moment for N days), ``within_days`` on
    the birthday (true from N days before it through the day itself) and ``age`` (moves
    on the birthday). Comparisons with a fixed date do not move with time.
    """
    moments = [m for m in _flips(rule, facts, now) if m > now]
    return min(moments, default=None)


def _flips(rule: Rule, facts: Mapping[str, Any], now: datetime) -> list[datetime]:
    children = rule.get("all") or rule.get("any") or ([rule["not"]] if "not" in rule else None)
    if children is not None:
        return [m for child in children for m in _flips(child, facts, now)]
    field, op = rule["field"], rule["op"]
    flips: list[datetime] = []
    try:
        if FIELDS[field] == MOMENT and op == "within_days" and facts.get(field):
            moment = _moment(str(facts[field]))
            # True on [moment, moment + N days]: it starts to hold at the moment (a future
            # one) and stops just after the N days.
            flips = [moment, moment + timedelta(days=rule["value"], microseconds=1)]
        elif field == "birthday" and facts.get("birthday"):
            upcoming = _next_birthday(facts["birthday"], now.date())
            # Day-granular: the window opens N days before the birthday, closes the day after.
            flips = [_midnight(upcoming - timedelta(days=rule["value"])), _midnight(upcoming + timedelta(days=1))]
        elif field == "age" and facts.get("birthday"):
            flips = [_midnight(_next_birthday(facts["birthday"], now.date() + timedelta(days=1)))]
    except (TypeError, ValueError):
        return []  # an unreadable fact never matches: time does not change that
    return flips


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    if op == "lte":
        return bool(actual <= expected)
    raise ValueError(op)


def _moment(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _birthday(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _next_birthday(value: Any, today: date) -> date:
    """The first birthday on or after ``today``."""
    born = _birthday(value)
    for year in (today.year, today.year + 1):
        try:
            upcoming = born.replace(year=year)
        except ValueError:  # 29 February in a common year: celebrated on 1 March
            upcoming = date(year, 3, 1)
        if upcoming >= today:
            return upcoming
    return today + timedelta(days=366)  # unreachable: next year's birthday is always >= today


def _days_to_birthday(value: Any, now: datetime) -> int:
    today = now.date()
    return (_next_birthday(value, today) - today).days


def _age(value: Any, now: datetime) -> int | None:
    try:
        born = _birthday(value)
    except ValueError:
        return None
    today = now.date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- facts --------------------------------------------------------------------------

# METRICS attribute names the history area may use for the same fact.
_METRIC_ALIASES = {
    "recency_score": ("recency_score", "r_score", "recency"),
    "frequency_score": ("frequency_score", "f_score", "frequency"),
    "monetary_score": ("monetary_score", "m_score", "monetary"),
    "rfm_group": ("rfm_group",),
    "value_tier": ("value_tier",),
    "total_spend": ("total_spend",),
    "order_count": ("order_count",),
    "last_purchase_at": ("last_purchase_at",),
    "last_engaged_at": ("last_engaged_at",),
    "interaction_count": ("interaction_count",),
    "inbound_count": ("inbound_count",),
}
_PROFILE_FIELDS = ("lifecycle_stage", "tags", "source", "company_id", "owner_id", "language", "birthday")
_GEOGRAPHY = ("country", "region", "city")


def address_of(profile: Mapping[str, Any]) -> Mapping[str, Any]:
    """The profile's address: records stores it as JSON text (pynamodb JSONAttribute)."""
    raw = profile.get("address")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, Mapping) else {}


def facts_of(profile: Mapping[str, Any] | None, metrics: Mapping[str, Any] | None, now: datetime) -> dict[str, Any]:
    """What rules can see of one contact, from its PROFILE and METRICS items (plain values)."""
    profile, metrics = profile or {}, metrics or {}
    facts: dict[str, Any] = {name: profile.get(name) for name in _PROFILE_FIELDS}
    address = address_of(profile)
    for name in _GEOGRAPHY:
        facts[name] = profile.get(name) if profile.get(name) is not None else address.get(name)
    if isinstance(facts["tags"], set | tuple):
        facts["tags"] = sorted(facts["tags"])
    facts["age"] = _age(profile["birthday"], now) if profile.get("birthday") else None
    for name, aliases in _METRIC_ALIASES.items():
        value = next((metrics[a] for a in aliases if metrics.get(a) is not None), None)
        facts[name] = float(value) if isinstance(value, Decimal) else value
    facts["last_engaged_at"] = _engaged(facts["last_engaged_at"], facts["last_purchase_at"])
    return facts


def _engaged(engaged: Any, purchased: Any) -> Any:
    """An order is engagement: METRICS written before engagement was kept hold only the
    last purchase, which is then the latest engagement (the later of the two counts)."""
    if engaged is None or purchased is None:
        return engaged if engaged is not None else purchased
    try:
        return engaged if _moment(str(engaged)) >= _moment(str(purchased)) else purchased
    except ValueError:
        return engaged  # unreadable: evaluation treats it as missing, as for any fact
