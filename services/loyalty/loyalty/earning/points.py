"""How many points a cause earns, and what tier a member's rolling record reaches: pure
functions of the program's terms (program, tiers, earning rules) and the member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel

from loyalty.earning.models import EarningEvent, EarningRule
from loyalty.members.models import Member
from loyalty.program.models import Program
from loyalty.tiers.models import ROLLING_MONTHS, TierBasis, TierProgress, Tiers

V = TypeVar("V")


@dataclass(frozen=True)
class Terms:
    program: Program
    tiers: Tiers
    rules: list[EarningRule]


class Line(BaseModel):
    """An order line as loyalty reads it: its category decides category bonuses."""

    category: str | None = None
    amount: Decimal


def months_back(now: datetime, count: int = ROLLING_MONTHS) -> list[str]:
    """The ``count`` month keys ending with ``now``'s month, newest first."""
    year, month, keys = now.year, now.month, []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys


def _capped(rule: EarningRule, points: int, member: Member, at: datetime, caps: dict[str, int]) -> int:
    """``points`` cut to what the rule's cap leaves this period; ``caps`` records the grant."""
    if rule.cap is None or points <= 0:
        return points
    key = f"{rule.id}@{rule.cap.period.key(at)}"
    granted = min(points, max(rule.cap.points - caps.get(key, member.caps.get(key, 0)), 0))
    caps[key] = caps.get(key, member.caps.get(key, 0)) + granted
    return granted


def purchase_points(
    terms: Terms, member: Member, amount: Decimal, lines: list[Line], at: datetime
) -> tuple[int, dict[str, int]]:
    """The program's base rate on the amount, plus each purchase rule's bonus on its
    categories' lines (the whole amount for a rule without categories), capped, times the
    member's tier multiplier; and the caps it used."""
    caps: dict[str, int] = {}
    total = Decimal(terms.program.points_for(amount))
    for rule in terms.rules:
        if not rule.applies(EarningEvent.PURCHASE, at) or rule.bonus_per_unit is None:
            continue
        wanted = set(rule.categories)
        base = amount if not wanted else sum((ln.amount for ln in lines if ln.category in wanted), Decimal(0))
        total += _capped(rule, terms.program.points_for(base, rule.bonus_per_unit), member, at, caps)
    tier = terms.tiers.get(member.tier)
    multiplier = tier.multiplier if tier is not None else Decimal(1)
    return terms.program.rounded(total * multiplier), caps


def event_points(
    terms: Terms, member: Member, event: EarningEvent, at: datetime, referred: bool = False
) -> tuple[int, dict[str, int]]:
    """The fixed points of every rule for ``event`` in force at ``at``, capped (a referral
    rule's ``referred_points`` when ``referred``)."""
    caps: dict[str, int] = {}
    total = 0
    for rule in terms.rules:
        if not rule.applies(event, at):
            continue
        points = rule.referred_points if referred else rule.points
        total += _capped(rule, points or 0, member, at, caps)
    return total, caps


def qualifying(member: Member, tiers: Tiers, now: datetime) -> Decimal:
    months = months_back(now)
    if tiers.basis is TierBasis.SPEND:
        return sum((member.spend_by_month.get(m, Decimal(0)) for m in months), Decimal(0))
    return Decimal(sum(member.earned_by_month.get(m, 0) for m in months))


def progress(member: Member, tiers: Tiers, now: datetime) -> TierProgress:
    amount = qualifying(member, tiers, now)
    above = tiers.above(member.tier)
    needed = max(above.threshold - amount, Decimal(0)) if above is not None else None
    return TierProgress(basis=tiers.basis, qualifying=amount, next_tier=above.id if above else None, needed=needed)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    try:
        return day.replace(year=year, month=month + 1)
    except ValueError:  # the 31st of a shorter month
        return (day.replace(day=1, year=year, month=month + 1) + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def retier(member: Member, tiers: Tiers, now: datetime, review: bool = False) -> Member:
    """The member on the tier its rolling record reaches: up at once (held for
    ``review_months``); down only on or after its review day (``review``: the review fired)."""
    target = tiers.qualifying(qualifying(member, tiers, now))
    current = tiers.rank(member.tier)
    today = now.date()
    due = review or (member.tier_review_on is not None and today >= member.tier_review_on)
    if tiers.rank(target.id) > current or (tiers.get(member.tier) is None):
        review_on = _add_months(today, tiers.review_months) if target.id != tiers.lowest.id else None
        return member.model_copy(update={"tier": target.id, "tier_review_on": review_on})
    if tiers.rank(target.id) < current and due:
        review_on = _add_months(today, tiers.review_months) if target.id != tiers.lowest.id else None
        return member.model_copy(update={"tier": target.id, "tier_review_on": review_on})
    if due and tiers.rank(target.id) == current and target.id != tiers.lowest.id:
        return member.model_copy(update={"tier_review_on": _add_months(today, tiers.review_months)})
    return member


def pruned(values: dict[str, V], now: datetime) -> dict[str, V]:
    """Only the months a rolling window can still count (13, for a late event)."""
    keep = set(months_back(now, ROLLING_MONTHS + 1))
    return {k: v for k, v in values.items() if k in keep}
