"""Which rep a lead goes to under the rules: pure functions, no I/O (tested directly).

The first matching rule decides (rules.models.first_match). A rep is eligible when active
with room, in the rule's team (if it names one), covering the lead's country or region
(if the rep has territories) and speaking its language (if the rep lists languages). A
fixed rule ignores territory and language: it names its rep on purpose.

Round robin walks the eligible reps in id order from the one after the pool's last rep:
a rep who joins takes their place in the order, one who leaves or goes away is skipped,
and nobody's turn is lost or repeated (the cursor is a rep id, not a position). Least
loaded takes the fewest open leads among the same eligible reps, ties broken in that
round-robin order, so reps with no leads at all are the first served.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

from pipeline.assignment.models import Choice, Rotation
from pipeline.leads.models import LeadFacts
from pipeline.rules.models import Rule, Strategy, first_match, in_territory, speaks
from pipeline.teams.models import Rep

Rotations = Callable[[str | None], Rotation]
RepsFor = Callable[[Rule], Iterable[Rep]]  # the reps a rule may choose from (its team's, its rep, or all)


_PLACE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def places(rep: Rep) -> list[str]:
    """The rep's territories that are places (ISO country or region codes): a label from the
    older single ``territory`` field ("EMEA") names no place, so it limits nothing."""
    return [t for t in rep.territories if _PLACE.match(t)]


def eligible(rep: Rep, rule: Rule, facts: LeadFacts) -> bool:
    if not rep.has_room or (rule.team_id is not None and rep.team_id != rule.team_id):
        return False
    if (codes := places(rep)) and not in_territory(codes, facts.country, facts.region):
        return False
    return not (rep.languages and facts.language and not speaks(rep.languages, facts.language))


def in_turn(reps: Iterable[Rep], last_rep_id: str | None) -> list[Rep]:
    """Reps in id order, starting after ``last_rep_id`` and wrapping around."""
    ordered = sorted(reps, key=lambda r: r.id)
    if last_rep_id is None:
        return ordered
    split = next((i for i, rep in enumerate(ordered) if rep.id > last_rep_id), len(ordered))
    return ordered[split:] + ordered[:split]


def needs_segments(rules: list[Rule]) -> bool:
    """Whether any rule reads segment memberships (only then are they looked up)."""
    return any(rule.when.segment_ids for rule in rules)


def choose(
    rules: list[Rule], reps: RepsFor, rotations: Rotations, facts: LeadFacts, exclude: Collection[str] = ()
) -> Choice:
    """The rule and rep for a lead with ``facts`` (``exclude``: reps it is being taken from).
    Only the matching rule's reps are read, and its pool's cursor."""
    rule = first_match(rules, facts)
    if rule is None:
        return Choice(reason="no assignment rule matched the lead")
    candidates = [rep for rep in reps(rule) if rep.id not in exclude]
    if rule.strategy is Strategy.FIXED:
        rep = next((r for r in candidates if r.id == rule.rep_id), None)
        if rep is None or not rep.has_room:
            return Choice(rule=rule, reason=f"rule {rule.name!r}: its rep is not active or has no room")
        return Choice(rule=rule, rep=rep, reason=f"rule {rule.name!r}: fixed rep")
    pool = f"team {rule.team_id}" if rule.team_id else "all reps"
    rotation = rotations(rule.team_id)
    turn = in_turn((rep for rep in candidates if eligible(rep, rule, facts)), rotation.last_rep_id)
    if not turn:
        return Choice(rule=rule, rotation=rotation, reason=f"rule {rule.name!r}: no eligible rep with room ({pool})")
    if rule.strategy is Strategy.LEAST_LOADED:
        rep = min(turn, key=lambda r: r.open_leads)  # min keeps the first of equals: the next in turn
        why = f"least loaded: {rep.open_leads} open of {rep.capacity} among {len(turn)} eligible ({pool})"
    else:
        rep = turn[0]
        why = f"round robin: next of {len(turn)} eligible ({pool})"
    return Choice(rule=rule, rep=rep, rotation=rotation, reason=f"rule {rule.name!r}: {why}")


def among(reps: Iterable[Rep]) -> RepsFor:
    """A rule's reps out of ``reps`` already read (a drain reads every rep once)."""
    listed = list(reps)

    def of(rule: Rule) -> list[Rep]:
        if rule.strategy is Strategy.FIXED:
            return [rep for rep in listed if rep.id == rule.rep_id]
        return [rep for rep in listed if rule.team_id is None or rep.team_id == rule.team_id]

    return of
