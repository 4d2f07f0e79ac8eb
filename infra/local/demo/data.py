"""The demo data set, built from a fixed seed and the small built-in lists of
``seeds``, so every run (and every machine) gets the same people, orders and interactions.

Each customer follows a buying profile chosen so that the CRM's RFM groups and value tiers
(contacts/history/metrics.py) all show up: champions buy every month, "can't lose"
customers bought a lot and stopped half a year ago, new ones bought once this month, and
so on. Every order is in the reporting currency (EUR): the CRM has no FX conversion, so
revenue, monetary scores and tiers count EUR only.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date
from decimal import Decimal

from infra.local.demo.model import SEED, Dataset, Interaction, Order, Person, Refund, Ticket
from infra.local.demo.seeds import (
    BUYING,
    CHANNEL_OF,
    CHANNELS,
    COMPANIES,
    COUNTRIES,
    CUSTOM_FIELD,
    PRODUCTS,
    PROFILES,
    REPS,
    SEGMENTS,
    SOURCES,
    STAGES,
    TALKS,
    TICKETS,
    TICKETS_ZH,
)


def ascii_name(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ü", "ue")).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _people(rng: random.Random) -> list[Person]:
    labels = [*(s for s, n in STAGES.items() for _ in range(n)), *(p for p, n in PROFILES.items() for _ in range(n))]
    rng.shuffle(labels)
    people: list[Person] = []
    for country, (count, cities, language, prefix, firsts, lasts) in COUNTRIES.items():
        pairs = rng.sample([(f, last) for f in firsts for last in lasts], count)
        companies = [c for c in COMPANIES if c.country == country]
        for first, last in pairs:
            index = len(people)
            first_name, _, first_latin = first.partition(":")
            last_name, _, last_latin = last.partition(":")
            company = rng.choice(companies) if companies and rng.random() < 0.75 else None
            domain = company.domain if company else f"mail-{country.lower()}.example"
            label = labels[index]
            stage = label if label in STAGES else "churned" if label == "lost" else "customer"
            tags = ["b2b" if company else "b2c", *rng.sample(["newsletter", "webinar", "trade-show", "gifting"], 1)]
            people.append(
                Person(
                    first_name=first_name,
                    last_name=last_name,
                    email=f"{ascii_name(first_latin or first_name)}.{ascii_name(last_latin or last_name)}@{domain}",
                    phone=f"{prefix}{1000 + index * 37:04d}",
                    country=country,
                    city=rng.choice(cities),
                    language=language,
                    stage=stage,
                    profile=label,
                    source=rng.choice(SOURCES),
                    tags=tags,
                    preferred_channel=CHANNEL_OF.get(country, rng.choice(["email", "email", "phone"])),
                    company=company,
                    birthday=date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
                    if rng.random() < 0.5
                    else None,
                )
            )
    return people


def _orders(person: Person, index: int, rng: random.Random) -> None:
    (low, high), (last_min, last_max), (gap_min, gap_max), (amount_min, amount_max) = BUYING[person.profile]
    days = rng.randint(last_min, last_max)
    for n in range(rng.randint(low, high)):
        sku, name, price = rng.choice(PRODUCTS)
        amount = Decimal(rng.randint(amount_min * 100, amount_max * 100)) / 100
        quantity = max(1, int(amount // price))
        line = {
            "sku": sku,
            "name": name,
            "quantity": quantity,
            "unit_price": str((amount / quantity).quantize(Decimal("0.01"))),
        }
        order_id = f"DEMO-{index:03d}-{n + 1:02d}"
        person.orders.append(Order(order_id, days, rng.randint(8, 20), amount, rng.choice(CHANNELS), [line]))
        days += rng.randint(gap_min, gap_max)
    person.orders.reverse()  # oldest first, as they happened


def _interactions(person: Person, rng: random.Random) -> None:
    counts = {"subscriber": (0, 0), "lead": (1, 2), "qualified": (1, 3), "opportunity": (2, 3)}
    low, high = counts.get(person.profile, (0, 2))
    recent = person.profile in counts  # open deals are being worked on now
    for n in range(rng.randint(low, high)):
        kind, direction, english, chinese = rng.choice(TALKS)
        days = rng.randint(0, 25) if recent else rng.randint(0, 360)
        summary = chinese if person.language == "zh-CN" else english
        key = f"demo-{person.email}-{n + 1}"
        person.interactions.append(Interaction(key, kind, direction, summary, days, rng.randint(8, 18)))


def build(seed: int = SEED) -> Dataset:
    """The whole data set; the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    people = _people(rng)
    for index, person in enumerate(people):
        if person.profile in BUYING:
            _orders(person, index, rng)
        _interactions(person, rng)
    buyers = [p for p in people if len(p.orders) >= 3]
    for person in rng.sample(buyers, 3):
        order = person.orders[-2]
        share = rng.choice([Decimal("0.2"), Decimal("0.5"), Decimal(1)])
        amount = (order.amount * share).quantize(Decimal("0.01"))
        reason = "damaged in transit" if share < 1 else "returned unopened"
        person.refunds.append(Refund(order.order_id, max(0, order.days_ago - 5), amount, reason))
    for person in rng.sample([p for p in people if p.orders], 8):
        pool = TICKETS_ZH if person.language == "zh-CN" else TICKETS
        person.tickets.append(Ticket(*rng.choice(pool)))
    return Dataset(list(REPS), list(COMPANIES), people, list(SEGMENTS), dict(CUSTOM_FIELD))
