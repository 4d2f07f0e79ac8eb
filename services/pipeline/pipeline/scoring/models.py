"""Lead scoring: 0-100 from profile fit (points per country, company size and source) plus
behaviour (points per event: a purchase, an email opened or clicked), capped, with the
reasons shown on the lead. Recomputed from the counts on every event, so a change of the
model applies from the next event on, and a lead's score never drifts from its reasons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from pipeline.leads.models import LeadFacts
from shared.inputs import RequestModel

Points = Annotated[int, Field(ge=-100, le=100, strict=True)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# The behaviour events pipeline reads (EmailOpened/EmailClicked count once campaigns publishes them).
BEHAVIOUR_EVENTS = ("PurchaseRecorded", "EmailOpened", "EmailClicked")


class ScoringIn(RequestModel):
    countries: dict[Key, Points] = Field(default_factory=dict, max_length=250)
    company_sizes: dict[Key, Points] = Field(default_factory=dict, max_length=20)
    sources: dict[Key, Points] = Field(default_factory=dict, max_length=50)
    events: dict[Key, Points] = Field(default_factory=dict, max_length=10)
    behaviour_cap: int = Field(default=60, ge=0, le=100, strict=True)


class Scoring(BaseModel):
    countries: dict[str, int] = Field(default_factory=dict)
    company_sizes: dict[str, int] = Field(default_factory=dict)
    sources: dict[str, int] = Field(default_factory=dict)
    events: dict[str, int] = Field(
        default_factory=lambda: {"PurchaseRecorded": 15, "EmailClicked": 5, "EmailOpened": 2}
    )
    behaviour_cap: int = 60
    updated_at: datetime | None = None
    version: int = 0  # 0: the built-in default, never stored


def normalised(data: ScoringIn) -> dict[str, object]:
    """Keys as facts carry them: countries upper-case, sizes and sources lower-case."""
    return {
        "countries": {k.upper(): v for k, v in data.countries.items()},
        "company_sizes": {k.lower(): v for k, v in data.company_sizes.items()},
        "sources": {k.lower(): v for k, v in data.sources.items()},
        "events": {k: v for k, v in data.events.items() if k in BEHAVIOUR_EVENTS},
        "behaviour_cap": data.behaviour_cap,
    }


def score_of(facts: LeadFacts, behaviour: dict[str, int], model: Scoring) -> tuple[int, list[str]]:
    """The score (0-100) and its reasons, e.g. ``country DE +10``, ``2 x EmailOpened +4``."""
    reasons, fit = [], 0
    for label, table, value in (
        ("country", model.countries, (facts.country or "").upper()),
        ("company size", model.company_sizes, (facts.company_size or "").lower()),
        ("source", model.sources, (facts.source or "").lower()),
    ):
        if value and (points := table.get(value)):
            fit += points
            reasons.append(f"{label} {value} {points:+d}")
    acted = 0
    for event, count in sorted(behaviour.items()):
        if count and (points := model.events.get(event)):
            acted += points * count
            reasons.append(f"{count} x {event} {points * count:+d}")
    if acted > model.behaviour_cap:
        reasons.append(f"behaviour capped at {model.behaviour_cap}")
        acted = model.behaviour_cap
    return max(0, min(100, fit + acted)), reasons


def unknown_events(data: ScoringIn) -> list[str]:
    return sorted(set(data.events) - set(BEHAVIOUR_EVENTS))
