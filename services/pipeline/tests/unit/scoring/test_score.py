"""Lead scores from profile fit and behaviour, with their reasons."""

from __future__ import annotations

from pipeline.leads.models import LeadFacts
from pipeline.scoring.models import Scoring, score_of

MODEL = Scoring(
    countries={"DE": 20, "US": 10},
    company_sizes={"large": 30},
    sources={"referral": 15, "cold": -10},
    events={"PurchaseRecorded": 15, "EmailOpened": 2},
    behaviour_cap=20,
)


def test_fit_and_behaviour_add_up_with_reasons() -> None:
    facts = LeadFacts(country="de", company_size="Large", source="referral")
    assert score_of(facts, {"EmailOpened": 3}, MODEL) == (
        71,
        ["country DE +20", "company size large +30", "source referral +15", "3 x EmailOpened +6"],
    )


def test_behaviour_is_capped_and_the_score_stays_within_0_100() -> None:
    score, reasons = score_of(LeadFacts(country="DE", company_size="large"), {"PurchaseRecorded": 4}, MODEL)
    assert score == 70 and reasons[-1] == "behaviour capped at 20"
    assert score_of(LeadFacts(source="cold"), {}, MODEL)[0] == 0
    rich = Scoring(countries={"DE": 100}, company_sizes={"large": 100})
    assert score_of(LeadFacts(country="DE", company_size="large"), {}, rich)[0] == 100
