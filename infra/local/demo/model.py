"""The demo data set's records: what the loader sends, kept as "days ago" so that the
data always spans the twelve months before the day of the load (``moment``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

SEED = 20240611
CURRENCY = "EUR"  # the reporting currency: revenue, monetary scores and tiers count it only
PARTNER_SOURCE = "partner.demo-shop"
# Orders of these channels arrive as a partner's OrderPlaced events on the bus.
PARTNER_CHANNELS = frozenset({"marketplace", "partner"})
# The value tier gold starts at this total spend (contacts/history/metrics.py VALUE_TIERS).
VIP_SPEND = Decimal(2500)


@dataclass(frozen=True)
class Rep:
    name: str
    email: str
    territory: str
    capacity: int


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    industry: str
    size: str
    region: str
    country: str


@dataclass(frozen=True)
class Order:
    order_id: str
    days_ago: int
    hour: int
    amount: Decimal
    channel: str
    items: list[dict[str, Any]]

    @property
    def via_partner(self) -> bool:
        return self.channel in PARTNER_CHANNELS


@dataclass(frozen=True)
class Refund:
    order_id: str
    days_ago: int
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class Interaction:
    key: str  # the Idempotency-Key: a second run logs nothing new
    kind: str
    direction: str
    summary: str
    days_ago: int
    hour: int


@dataclass(frozen=True)
class Ticket:
    subject: str
    description: str
    channel: str
    priority: str


@dataclass
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    country: str
    city: str
    language: str
    stage: str
    profile: str  # the buying profile (PROFILES) or the stage for non-customers
    source: str
    tags: list[str]
    preferred_channel: str
    company: Company | None = None
    birthday: date | None = None
    orders: list[Order] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def net_spend(self) -> Decimal:
        return sum((o.amount for o in self.orders), Decimal(0)) - sum((r.amount for r in self.refunds), Decimal(0))

    def body(self, company_id: str | None) -> dict[str, Any]:
        """The POST /contacts body: every contact enters as a lead, so the lead flow
        (owner, loyalty points, welcome email) runs for each; its stage is set after."""
        body: dict[str, Any] = {
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "phone": self.phone,
            "address": {"country": self.country, "city": self.city},
            "language": self.language,
            "source": self.source,
            "tags": self.tags,
            "custom_fields": {"preferred_channel": self.preferred_channel},
        }
        if self.company is not None:
            body["company"] = self.company.name
            body["company_id"] = company_id
        if self.birthday is not None:
            body["birthday"] = self.birthday.isoformat()
        return body


@dataclass(frozen=True)
class Segment:
    name: str
    description: str
    rules: dict[str, Any]


@dataclass
class Dataset:
    reps: list[Rep]
    companies: list[Company]
    people: list[Person]
    segments: list[Segment]
    custom_field: dict[str, Any]

    def count(self, what: str) -> int:
        return sum(len(getattr(p, what)) for p in self.people)

    def sample(self, profiles: tuple[str, ...] = ("lead", "subscriber", "new", "at_risk")) -> Dataset:
        """A small slice for quick checks: the first person of each of ``profiles`` and
        every Chinese gold or platinum customer (the VIP segment's members)."""
        firsts: dict[str, Person] = {}
        for person in self.people:
            if person.profile in profiles:
                firsts.setdefault(person.profile, person)
        chosen = {p.email for p in firsts.values()}
        kept = [p for p in self.people if p.email in chosen or (p.country == "CN" and p.net_spend >= VIP_SPEND)]
        return Dataset(self.reps, self.companies, kept, self.segments, self.custom_field)


def moment(days_ago: int, hour: int, at: date) -> str:
    """``days_ago`` days before ``at``, at ``hour`` UTC (ISO 8601, with its timezone)."""
    return datetime.combine(at - timedelta(days=days_ago), time(hour), tzinfo=UTC).isoformat()
