"""``make demo`` end to end: the demo loader against the running local stack (a slice of
the data set, one person per stage and buying profile, to stay quick), then again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from infra.local.demo.client import Api
from infra.local.demo.data import build
from infra.local.demo.loader import Loader, Result
from infra.local.demo.model import VIP_SPEND
from tests.e2e import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def loaded(stack: Any) -> tuple[Api, Result]:
    api = Api(stack.url)
    # Other tests share the stack: the loader's wait for it to be idle is kept short,
    # and the checks below wait for what they need themselves.
    return api, Loader(api, build().sample(), settle_seconds=5).run()


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def test_the_demo_loads_its_contacts_linked_to_companies_and_assigned(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    people = result.data.people
    assert set(result.contacts) == {p.email for p in people}
    assert result.created["contacts"] + result.existing["contacts"] == len(people)
    assert all(result.owners.values())
    for domain, company_id in result.companies.items():
        expected = {result.contacts[p.email] for p in people if p.company and p.company.domain == domain}
        assert expected <= ids(list(api.pages(f"/contacts?company={company_id}")))
    champion = next(p for p in people if p.profile == "champion")
    path = f"/contacts/{result.contacts[champion.email]}/metrics"
    metrics = eventually(lambda: (m := api.get(path))["order_count"] == len(champion.orders) and m)
    assert metrics["rfm_group"] == "champions"


def test_a_segment_has_the_members_its_rules_pick(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    vips = {result.contacts[p.email] for p in result.data.people if p.country == "CN" and p.net_spend >= VIP_SPEND}
    segment = result.segments["VIP customers in CN"]
    assert vips
    members = eventually(
        lambda: (
            vips <= (found := {m["contact_id"] for m in api.pages(f"/contacts/segments/{segment}/members")}) and found
        )
    )
    assert len(members) >= len(vips)


def test_the_analytics_show_the_years_revenue(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    start = (result.at - timedelta(days=365)).isoformat()
    report = api.get(f"/contacts/analytics?from={start}&to={result.at.isoformat()}")
    assert report["orders"] >= result.data.count("orders")
    assert Decimal(report["revenue"]) >= sum((p.net_spend for p in result.data.people), Decimal(0))


def test_a_rep_sees_only_the_contacts_they_own(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    for owner in {o for o in result.owners.values() if o}:
        theirs = {result.contacts[email] for email, o in result.owners.items() if o == owner}

        def listed(rep: str = owner, wanted: set[str] = theirs) -> list[dict[str, Any]]:
            found = list(api.pages("/contacts", "sales", subject=rep))
            assert wanted <= ids(found)
            return found

        seen = eventually(listed)
        assert {c["owner_id"] for c in seen} == {owner}
        assert not (set(result.contacts.values()) - theirs) & ids(seen)


def test_the_board_has_deals_in_every_stage_and_their_tasks(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    columns = {c["stage"]: c["count"] for c in api.get("/pipeline/board", "admin")["columns"]}
    stages = ("prospecting", "qualification", "proposal", "negotiation", "won", "lost")
    assert all(columns[stage] >= 1 for stage in stages), sorted(columns.items())
    assert result.created["opportunities"] == 7 and result.created["tasks"] == 5


def test_a_second_run_adds_nothing(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    again = Loader(api, result.data, settle_seconds=5).run()
    assert +again.created == Counter()
    assert again.contacts == result.contacts and again.reps == result.reps


def test_loyalty_has_its_program_tiers_rewards_and_members_in_several_tiers(loaded: tuple[Api, Result]) -> None:
    api, result = loaded
    assert [t["id"] for t in api.get("/loyalty/tiers")["tiers"]][-1] == "platinum"
    assert {r["name"] for r in api.pages("/loyalty/rewards", "marketer")} >= {"10 EUR voucher", "Tote bag"}
    assert sum(result.tiers.values()) == len(result.contacts), result.tiers

    def tiers() -> set[str]:
        return {api.get(f"/loyalty/members/{contact_id}")["tier"] for contact_id in result.contacts.values()}

    assert eventually(lambda: len(tiers()) >= 2, timeout=60)


def test_campaigns_have_a_template_a_scheduled_and_a_sent_campaign_with_its_report(loaded: tuple[Api, Result]) -> None:
    _, result = loaded
    sent, report, scheduled = (result.campaigns[k] for k in ("sent", "report", "scheduled"))
    assert scheduled["status"] == "scheduled" and scheduled["schedule"]["at"].endswith("+08:00")
    assert sent["status"] == "sent" and report["sent"] > 0
    assert report["settled"] == report["audience"] == report["sent"] + sum(report["skipped"].values())
