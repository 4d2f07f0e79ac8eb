"""Assignment rules: the ordered list that decides which team or rep gets a new lead.

The first rule (lowest ``position``, then oldest) whose ``when`` matches the lead decides.
Until an admin stores a rule, the list is one catch-all round robin over every rep
(``DEFAULT_RULE``), so a fresh install assigns leads with no set-up; the first write
stores that default beside the new rule, and deleting it makes unmatched leads wait.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from pipeline.leads.models import LeadFacts
from pipeline.teams.models import LanguageTag, Territory
from shared.errors import field_error
from shared.inputs import RequestModel

MAX_RULES = 200  # one query reads them all; an ordered list longer than this is not a policy
DEFAULT_RULE_ID = "default"


def _lower(value: str) -> str:
    return value.lower()


Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(_lower)]
SegmentId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"  # next rep with room after the last one served, per team
    LEAST_LOADED = "least_loaded"  # fewest open leads among reps with room; ties by round robin
    FIXED = "fixed"  # always ``rep_id`` (waits when that rep has no room)


def speaks(languages: list[str], language: str) -> bool:
    """``zh-hans`` is spoken by a rep (or wanted by a rule) listing ``zh`` or ``zh-hans``."""
    wanted = language.lower()
    return any(wanted == spoken or wanted.startswith(spoken + "-") for spoken in languages)


def in_territory(territories: list[str], country: str | None, region: str | None) -> bool:
    """A country code covers its regions (``CN`` covers ``CN-GD``); a region code only itself."""
    places = {p for p in (country, region) if p}
    if region and "-" in region:
        places.add(region.split("-", 1)[0])
    return any(t in places for t in territories)


class When(RequestModel):
    """Conditions, all of which must hold (an absent one always holds; a list means any of)."""

    countries: list[Territory] | None = Field(default=None, max_length=250)
    regions: list[Territory] | None = Field(default=None, max_length=250)
    sources: list[Word] | None = Field(default=None, max_length=50)
    languages: list[LanguageTag] | None = Field(default=None, max_length=50)
    company_sizes: list[Word] | None = Field(default=None, max_length=20)
    min_score: int | None = Field(default=None, ge=0, le=100, strict=True)
    segment_ids: list[SegmentId] | None = Field(default=None, max_length=50)

    def matches(self, lead: LeadFacts) -> bool:
        checks = (
            self.countries is None or (lead.country or "").upper() in self.countries,
            self.regions is None or (lead.region or "").upper() in self.regions,
            self.sources is None or (lead.source or "").lower() in self.sources,
            self.languages is None or (lead.language is not None and speaks(self.languages, lead.language)),
            self.company_sizes is None or (lead.company_size or "").lower() in self.company_sizes,
            self.min_score is None or lead.score >= self.min_score,
            self.segment_ids is None or bool(set(self.segment_ids) & set(lead.segment_ids)),
        )
        return all(checks)


class _RuleFields(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    position: int = Field(ge=0, le=10_000, strict=True)
    when: When = Field(default_factory=When)
    strategy: Strategy
    team_id: str | None = Field(default=None, min_length=1, max_length=64)
    rep_id: str | None = Field(default=None, min_length=1, max_length=128)
    first_contact_hours: float | None = Field(default=None, gt=0, le=2_000)
    reassign_on_miss: bool = False  # hand the lead to the next rep when the first contact is missed


def strategy_problem(strategy: Strategy, rep_id: str | None) -> str | None:
    """Why ``rep_id`` does not fit the strategy (the field at fault is ``rep_id``), if it does not."""
    if strategy is Strategy.FIXED and rep_id is None:
        return "a fixed rule names its rep"
    if strategy is not Strategy.FIXED and rep_id is not None:
        return "only a fixed rule names a rep; round robin and least loaded pick one"
    return None


class RuleIn(_RuleFields):
    @model_validator(mode="after")
    def _consistent(self) -> RuleIn:
        if problem := strategy_problem(self.strategy, self.rep_id):
            raise field_error("rep_id", problem)
        return self


class RulePatch(RequestModel):
    """PATCH: only the fields present change (null clears team_id, rep_id, first_contact_hours)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    position: int | None = Field(default=None, ge=0, le=10_000, strict=True)
    when: When | None = None
    strategy: Strategy | None = None
    team_id: str | None = Field(default=None, min_length=1, max_length=64)
    rep_id: str | None = Field(default=None, min_length=1, max_length=128)
    first_contact_hours: float | None = Field(default=None, gt=0, le=2_000)
    reassign_on_miss: bool | None = None


class Rule(BaseModel):
    id: str
    name: str
    position: int
    when: When = Field(default_factory=When)
    strategy: Strategy
    team_id: str | None = None
    rep_id: str | None = None
    first_contact_hours: float | None = None
    reassign_on_miss: bool = False
    created_at: datetime
    updated_at: datetime
    version: int = 1


class RuleList(BaseModel):
    """Every rule, in the order they are tried."""

    items: list[Rule]


_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_RULE = Rule(
    id=DEFAULT_RULE_ID,
    name="Everyone else: round robin over all reps",
    position=10_000,
    strategy=Strategy.ROUND_ROBIN,
    created_at=_EPOCH,
    updated_at=_EPOCH,
)


def in_order(rules: list[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda r: (r.position, r.created_at, r.id))


def first_match(rules: list[Rule], lead: LeadFacts) -> Rule | None:
    return next((rule for rule in in_order(rules) if rule.when.matches(lead)), None)
