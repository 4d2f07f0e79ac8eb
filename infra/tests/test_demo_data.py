"""The demo data set (infra/local/demo/data.py), checked without a stack: the same on
every build, the size the README promises, every body one the API accepts, and buying
profiles that land in the RFM groups and value tiers they are meant to show."""

from __future__ import annotations

from collections import Counter
from datetime import date

import phonenumbers
import pytest

from contacts.fields.models import FieldDefIn
from contacts.history.metrics import frequency_score, monetary_score, recency_score, rfm_group, value_tier
from contacts.history.models import InteractionIn, OrderIn
from contacts.records.models import ContactIn
from contacts.segments.rules import validate_rules
from infra.local.demo.data import build
from infra.local.demo.model import CURRENCY, VIP_SPEND, Dataset, moment
from service_desk.models import TicketIn

TODAY = date(2026, 1, 31)


@pytest.fixture(scope="module")
def data() -> Dataset:
    return build()


def test_the_data_set_is_the_same_on_every_build(data: Dataset) -> None:
    assert build() == data
    assert build(seed=1) != data


def test_a_living_company_across_stages_countries_and_companies(data: Dataset) -> None:
    people = data.people
    assert len(data.reps) >= 3 and 5 <= len(data.companies) <= 8 and 40 <= len(people) <= 60
    assert set(Counter(p.stage for p in people)) == {
        "subscriber",
        "lead",
        "qualified",
        "opportunity",
        "customer",
        "churned",
    }
    assert len({p.country for p in people}) >= 5 and "CN" in {p.country for p in people}
    assert any("\u4e00" <= p.last_name[0] <= "\u9fff" for p in people)  # Chinese names, in characters
    assert sum(1 for p in people if p.company) >= len(people) // 2
    assert len({p.email for p in people}) == len({p.phone for p in people}) == len(people)
    assert data.count("orders") >= 100 and data.count("refunds") >= 2
    assert data.count("interactions") >= 40 and data.count("tickets") >= 5


def test_every_body_is_one_the_api_accepts(data: Dataset) -> None:
    FieldDefIn.model_validate(data.custom_field)
    for segment in data.segments:
        validate_rules(segment.rules)
    for person in data.people:
        ContactIn.model_validate(person.body("company-id" if person.company else None))
        assert phonenumbers.is_possible_number(phonenumbers.parse(person.phone, person.country))
        for order in person.orders:
            assert 0 <= order.days_ago <= 365
            OrderIn.model_validate(
                {
                    "order_id": order.order_id,
                    "amount": str(order.amount),
                    "currency": CURRENCY,
                    "items": order.items,
                    "channel": order.channel,
                    "occurred_at": moment(order.days_ago, order.hour, TODAY),
                }
            )
        for talk in person.interactions:
            when = moment(talk.days_ago, talk.hour, TODAY)
            InteractionIn.model_validate(
                {"kind": talk.kind, "direction": talk.direction, "summary": talk.summary, "occurred_at": when}
            )
        for ticket in person.tickets:
            TicketIn.model_validate({"contact_id": "c", **ticket.__dict__})
        assert {r.order_id for r in person.refunds} <= {o.order_id for o in person.orders}


def test_each_buying_profile_lands_in_its_rfm_group(data: Dataset) -> None:
    for person in (p for p in data.people if p.orders):
        recency = recency_score(min(o.days_ago for o in person.orders))
        group = rfm_group(
            recency, frequency_score(len(person.orders)), monetary_score(person.net_spend), len(person.orders)
        )
        expected = {"champion": "champions", "lost": "lost"}.get(person.profile, person.profile)
        assert group.value == expected, person.email
    tiers = Counter(value_tier(p.net_spend).value for p in data.people if p.orders)
    assert set(tiers) == {"bronze", "silver", "gold", "platinum"}
    assert any(p.country == "CN" and p.net_spend >= VIP_SPEND for p in data.people)


def test_the_sample_keeps_the_vips_and_one_of_each_profile_asked(data: Dataset) -> None:
    sample = data.sample()
    assert {"lead", "subscriber", "new", "at_risk"} <= {p.profile for p in sample.people}
    assert any(p.country == "CN" and p.net_spend >= VIP_SPEND for p in sample.people)
    assert len(sample.people) < 10
