"""Assignment use cases against an in-memory pipeline (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pipeline.assignment.choice import among, choose, in_turn
from pipeline.assignment.models import DecisionKind, Rotation
from pipeline.assignment.usecases import drain_unassigned, forget_lead, hand_on, hand_on_all, receive_lead
from pipeline.leads.models import AssignmentState, LeadFacts
from pipeline.rules.models import Rule, Strategy, When
from pipeline.scoring.models import Scoring
from pipeline.teams.models import RepStatus
from services.pipeline.tests.unit.assignment.fake import FakePipeline, rep
from shared.events import EventMetadata

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _meta() -> EventMetadata:
    event_id = str(uuid.uuid4())
    return EventMetadata(event_id=event_id, event_version=1, occurred_at=NOW, correlation_id=event_id)


def _rule(rule_id: str, position: int, strategy: Strategy = Strategy.ROUND_ROBIN, **fields: object) -> Rule:
    values = {"name": rule_id, "position": position, "strategy": strategy, "created_at": NOW, "updated_at": NOW}
    return Rule.model_validate({"id": rule_id, **values, **fields})


def _owners(repo: FakePipeline, n: int, facts: LeadFacts | None = None, prefix: str = "lead") -> list[str | None]:
    return [receive_lead(f"{prefix}-{i}", facts or LeadFacts(), _meta(), repo).owner_id for i in range(n)]


def test_leads_go_round_robin_over_reps_with_room() -> None:
    # Given three active reps, one of them full and one away (the built-in catch-all rule)
    repo = FakePipeline([rep("a"), rep("b", capacity=1, open_leads=1), rep("c"), rep("d", status=RepStatus.AWAY)])
    # When four leads arrive
    owners = _owners(repo, 4)
    # Then only reps with room get them, in turn
    assert owners == ["a", "c", "a", "c"]
    assert [e.detail_type for e in repo.events] == ["LeadAssigned"] * 4
    data = repo.events[0].detail["data"]
    assert (data["owner_id"], data["rule"], data["rule_id"]) == ("a", "round_robin", "default")


def test_the_first_matching_rule_decides_by_territory() -> None:
    # Given a rule for Germany on team de, one for China's Guangdong on team cn, and reps in each
    rules = [
        _rule("de", 1, team_id="de", when=When(countries=["DE"])),
        _rule("gd", 2, team_id="cn", when=When(regions=["CN-GD"])),
    ]
    reps = [rep("anna", team_id="de"), rep("li", team_id="cn"), rep("wei", team_id="cn", territories=["CN-BJ"])]
    repo = FakePipeline(reps, rules)
    # When a German and a Guangdong lead arrive, and one from France
    de = receive_lead("l-de", LeadFacts(country="DE"), _meta(), repo)
    gd = receive_lead("l-gd", LeadFacts(country="CN", region="CN-GD"), _meta(), repo)
    fr = receive_lead("l-fr", LeadFacts(country="FR"), _meta(), repo)
    # Then each goes to its team's rep who covers it (wei covers only Beijing); France waits
    assert (de.owner_id, de.rule_id) == ("anna", "de")
    assert (gd.owner_id, gd.rule_id) == ("li", "gd")
    assert fr.assignment is AssignmentState.UNASSIGNED
    assert repo.decided["l-fr"][0].reason == "no assignment rule matched the lead"
    assert [e.detail_type for e in repo.events][-1] == "LeadQueued"


def test_least_loaded_takes_the_fewest_open_leads_ties_by_turn() -> None:
    # Given three reps of one team with different loads and capacities
    rules = [_rule("ll", 1, Strategy.LEAST_LOADED, team_id="t")]
    reps = [rep("a", 3, 2, team_id="t"), rep("b", 5, 1, team_id="t"), rep("c", 1, 0, team_id="t")]
    repo = FakePipeline(reps, rules)
    # When seven leads arrive (room for six)
    owners = _owners(repo, 7)
    # Then c (0 open), b (1), a (tied with b at 2, next in turn after b), then b alone; the last waits
    assert owners == ["c", "b", "a", "b", "b", "b", None]
    assert {r.id: r.open_leads for r in repo.reps.values()} == {"a": 3, "b": 5, "c": 1}
    assert all(r.open_leads <= r.capacity for r in repo.reps.values())


def test_a_rep_who_joins_takes_a_turn_without_resetting_the_rotation() -> None:
    repo = FakePipeline([rep("a"), rep("c")])
    assert _owners(repo, 1) == ["a"]
    repo.reps["b"] = rep("b")  # joins between a and c in the order
    assert _owners(repo, 3, prefix="more") == ["b", "c", "a"]


def test_a_fixed_rule_waits_when_its_rep_is_away() -> None:
    rules = [_rule("vip", 1, Strategy.FIXED, rep_id="boss", when=When(min_score=80))]
    repo = FakePipeline([rep("boss", status=RepStatus.AWAY), rep("x")], rules)
    repo.model = Scoring(countries={"DE": 90})  # a German lead scores 90 on arrival
    waiting = receive_lead("l1", LeadFacts(country="DE"), _meta(), repo)
    assert waiting.assignment is AssignmentState.UNASSIGNED
    assert "not active" in repo.decided["l1"][0].reason
    # When the boss is back, the queue drains to them (and only to them)
    repo.reps["boss"] = repo.reps["boss"].model_copy(update={"status": RepStatus.ACTIVE})
    assert drain_unassigned(_meta(), repo) == 1
    assert repo.leads["l1"].owner_id == "boss"


def test_language_and_segment_conditions() -> None:
    rules = [_rule("zh", 1, when=When(languages=["zh"], segment_ids=["vip"]))]
    repo = FakePipeline([rep("mei", languages=["zh"]), rep("bob", languages=["en"])], rules)
    repo.segments["l1"] = ["vip"]
    assert receive_lead("l1", LeadFacts(language="zh-hans"), _meta(), repo).owner_id == "mei"
    assert receive_lead("l2", LeadFacts(language="zh"), _meta(), repo).assignment is AssignmentState.UNASSIGNED


def test_redelivered_lead_keeps_its_owner() -> None:
    repo = FakePipeline([rep("a"), rep("b")])
    cause = _meta()
    first = receive_lead("lead-1", LeadFacts(), cause, repo)
    again = [receive_lead("lead-1", LeadFacts(), cause, repo) for _ in range(2)]
    assert {lead.owner_id for lead in again} == {first.owner_id}
    assert len(repo.events) == 1
    assert repo.reps["a"].open_leads + repo.reps["b"].open_leads == 1


def test_a_lost_turn_is_retried_with_the_next_rep() -> None:
    repo = FakePipeline([rep("a"), rep("b")])
    repo.conflicts_to_raise = 1
    lead = receive_lead("lead-1", LeadFacts(), _meta(), repo)
    assert lead.owner_id == "b"
    assert len(repo.events) == 1


def test_the_queue_drains_oldest_first_and_keeps_leads_no_rep_can_take() -> None:
    # Given no reps: a French lead, a German lead and another French lead wait
    ticks = iter(NOW + timedelta(seconds=i) for i in range(100))
    repo = FakePipeline([], [_rule("any", 1, when=When(countries=["FR", "DE"]))])
    for cid, country in (("fr-1", "FR"), ("de-1", "DE"), ("fr-2", "FR")):
        receive_lead(cid, LeadFacts(country=country), _meta(), repo, clock=lambda: next(ticks))
    # When a rep covering Germany only is added
    repo.reps["g"] = rep("g", territories=["DE"])
    # Then only the German lead goes; the French ones keep their place
    assert drain_unassigned(_meta(), repo) == 1
    assert repo.leads["de-1"].owner_id == "g"
    assert sorted(repo.waiting) == ["fr-1", "fr-2"]


def test_a_rep_going_off_hands_their_leads_on_by_the_rules() -> None:
    repo = FakePipeline([rep("a"), rep("b", capacity=1)])
    _owners(repo, 3)  # a, b, a
    repo.reps["a"] = repo.reps["a"].model_copy(update={"status": RepStatus.OFF})
    # When a is off: b has no room, so a's two leads go back to the queue, nobody is left out
    moved = hand_on_all("a", _meta(), repo)
    assert moved == 2
    assert sorted(repo.waiting) == ["lead-0", "lead-2"]
    assert repo.reps["a"].open_leads == 0
    assert {d.kind for d in repo.decided["lead-0"]} == {DecisionKind.ASSIGNED, DecisionKind.REQUEUED}
    # And when c joins, they are drained to c
    repo.reps["c"] = rep("c")
    assert drain_unassigned(_meta(), repo) == 2
    assert {repo.leads[c].owner_id for c in ("lead-0", "lead-2")} == {"c"}


def test_hand_on_moves_a_lead_to_another_rep_never_back() -> None:
    repo = FakePipeline([rep("a"), rep("b")])
    lead = receive_lead("l1", LeadFacts(), _meta(), repo)
    moved = hand_on(lead, "first contact missed", _meta(), repo)
    assert moved is not None and moved.owner_id == "b"
    assert [e.detail_type for e in repo.events] == ["LeadAssigned", "LeadAssigned", "LeadReassigned"]
    assert repo.reps["a"].open_leads == 0 and repo.reps["b"].open_leads == 1
    assert repo.decided["l1"][-1].reason.startswith("first contact missed; ")


def test_an_erased_lead_waiting_for_a_rep_is_never_assigned() -> None:
    repo = FakePipeline()
    receive_lead("lead-1", LeadFacts(), _meta(), repo)
    forget_lead("lead-1", repo)
    forget_lead("lead-1", repo)
    repo.reps["a"] = rep("a")
    assert drain_unassigned(_meta(), repo) == 0
    assert repo.leads["lead-1"].assignment is AssignmentState.UNASSIGNED


def test_a_territory_label_that_is_no_place_limits_nothing() -> None:
    repo = FakePipeline([rep("emea", territories=["EMEA"])])
    assert receive_lead("l1", LeadFacts(country="GB"), _meta(), repo).owner_id == "emea"


def test_in_turn_wraps_around() -> None:
    reps = [rep("a"), rep("b"), rep("c")]
    assert [r.id for r in in_turn(reps, "b")] == ["c", "a", "b"]
    assert [r.id for r in in_turn(reps, "z")] == ["a", "b", "c"]
    choice = choose([_rule("r", 1)], among(reps), lambda pool: Rotation(pool=pool, last_rep_id="c"), LeadFacts())
    assert choice.rep is not None and choice.rep.id == "a"
