"""The demo's loyalty side, through loyalty's API: the program and a four-tier ladder (the
built-in three and platinum, set before the orders arrive, so the demo's buyers climb it
as their points accrue), a rewards
catalogue, and a few redemptions by the best customers (champions).

Idempotent like the rest of the demo: the program and tiers are put only over the built-in
defaults (version 0), rewards are found by name, and each redemption carries an
Idempotency-Key, so a second run adds nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.demo.client import Api
    from infra.local.demo.loader import Result

PROGRAM = {"name": "Demo Rewards", "currency": "EUR", "points_per_unit": "1", "validity_months": 12}
TIERS = {
    "basis": "points",
    "tiers": [
        {"id": "bronze", "name": "Bronze", "threshold": "0"},
        {"id": "silver", "name": "Silver", "threshold": "1000", "multiplier": "1.25", "perks": ["free shipping"]},
        {
            "id": "gold",
            "name": "Gold",
            "threshold": "5000",
            "multiplier": "1.5",
            "perks": ["free shipping", "gift wrap"],
        },
        {
            "id": "platinum",
            "name": "Platinum",
            "threshold": "10000",
            "multiplier": "2",
            "perks": ["a personal adviser"],
        },
    ],
}
REWARDS = (
    {"name": "10 EUR voucher", "kind": "discount", "value": "10.00", "points_cost": 500, "stock": 1000},
    {"name": "Free shipping", "kind": "free_shipping", "points_cost": 150, "stock": 5000, "per_member_limit": 12},
    {"name": "Tote bag", "kind": "gift", "points_cost": 800, "stock": 200, "per_member_limit": 1},
)
REDEEMERS = 3  # champions who each redeem the voucher once


def set_up_loyalty(api: Api, result: Result) -> None:
    for path, body in (("/loyalty/program", PROGRAM), ("/loyalty/tiers", TIERS)):
        current = api.get(path, "admin")
        fresh = current["version"] == 0
        if fresh:
            kept = {k: v for k, v in current.items() if k not in ("version", "updated_at")}
            api.call("PUT", path, "admin", {**kept, **body}, headers={"If-Match": '"0"'})
        result.tally("loyalty set-up", fresh)
    names = {r["name"] for r in api.pages("/loyalty/rewards", "marketer")}
    for reward in REWARDS:
        if reward["name"] not in names:
            api.call("POST", "/loyalty/rewards", "marketer", reward)
        result.tally("rewards", reward["name"] not in names)


def redeem_and_count(api: Api, result: Result) -> Counter[str]:
    """The voucher for the first champions, once each (a gift of its points first, so the
    demo does not depend on how far their orders' points have accrued); the members'
    tiers as they stand."""
    voucher = next(r for r in api.pages("/loyalty/rewards", "marketer") if r["name"] == REWARDS[0]["name"])
    champions = sorted(p.email for p in result.data.people if p.profile == "champion")[:REDEEMERS]
    for email in champions:
        contact_id = result.contacts[email]
        coupons = api.pages(f"/loyalty/members/{contact_id}/coupons", "agent")
        done = any(c.get("reward_id") == voucher["id"] for c in coupons)
        if not done:
            gift = {"points": voucher["points_cost"], "reason": "demo: a gift to redeem"}
            key = {"Idempotency-Key": f"demo-gift-{contact_id}"}
            api.call("POST", f"/loyalty/members/{contact_id}/adjustments", "admin", gift, headers=key)
            key = {"Idempotency-Key": f"demo-voucher-{contact_id}"}
            body = {"reward_id": voucher["id"]}
            api.call("POST", f"/loyalty/members/{contact_id}/redemptions", "agent", body, headers=key)
        result.tally("redemptions", not done)
    members = [_member(api, contact_id) for contact_id in result.contacts.values()]
    return Counter(m["tier"] for m in members if m)


def _member(api: Api, contact_id: str) -> dict[str, Any] | None:
    answer = api.call("GET", f"/loyalty/members/{contact_id}", "agent", accept=(404,))
    return None if answer.status_code == 404 else dict(answer.json())
