"""The demo's sales side, through pipeline's API: teams, an assignment rule, deals across
every stage (one won, one lost), a discount waiting for approval, and follow-up tasks.

Idempotent like the rest of the demo: teams by id, the rule and deals by name, tasks by
title, so a second run finds them and adds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.demo.client import Api
    from infra.local.demo.loader import Result

TEAMS = (("emea", "EMEA"), ("apac", "APAC"))
RULE = {
    "name": "Demo: large companies, least loaded",
    "position": 100,
    "strategy": "least_loaded",
    "when": {"company_sizes": ["large"]},
    "first_contact_hours": 24,
}
# (stage, amount, discount %, months to close): a board with something in every column
DEALS = (
    ("prospecting", "1200", "0", 3),
    ("qualification", "4800", "0", 2),
    ("proposal", "9500", "5", 2),
    ("negotiation", "18000", "20", 1),
    ("negotiation", "7000", "0", 1),
    ("won", "3600", "0", 0),
    ("lost", "2500", "0", 0),
)


def load_sales(api: Api, result: Result) -> None:
    for team_id, name in TEAMS:
        known = {t["id"] for t in api.pages("/pipeline/teams")}
        if team_id not in known:
            api.call("POST", "/pipeline/teams", "admin", {"id": team_id, "name": name})
        result.tally("teams", team_id not in known)
    rules = {r["name"] for r in api.get("/pipeline/assignment-rules", "admin")["items"]}
    if RULE["name"] not in rules:
        api.call("POST", "/pipeline/assignment-rules", "admin", RULE)
    result.tally("assignment rules", RULE["name"] not in rules)
    existing = {o["name"]: o for o in api.pages("/pipeline/opportunities", "admin")}
    owned = [(email, owner) for email, owner in sorted(result.owners.items()) if owner]
    for n, (stage, amount, discount, months) in enumerate(DEALS if owned else ()):
        email, owner = owned[n % len(owned)]
        name = f"Demo deal {n + 1}: {email.split('@')[0]}"
        created = name not in existing
        if created:
            existing[name] = _deal(api, result.contacts[email], owner, name, (stage, amount, discount, months))
        result.tally("opportunities", created)
        _task(api, existing[name], result)


def _deal(api: Api, contact_id: str, owner: str, name: str, spec: tuple[str, str, str, int]) -> dict[str, Any]:
    stage, amount, discount, months = spec
    close = (datetime.now(UTC) + timedelta(days=30 * months)).date().isoformat()
    body: dict[str, Any] = {
        "contact_id": contact_id,
        "name": name,
        "amount": amount,
        "currency": "EUR",
        "expected_close_date": close,
    }
    body |= {"owner_id": owner, "discount_percent": discount, "products": ["crm-suite"]}
    if stage not in ("won", "lost"):
        body["stage"] = stage
    opp: dict[str, Any] = api.call("POST", "/pipeline/opportunities", "admin", body).json()
    if stage in ("won", "lost"):
        move = {"stage": stage, **({"lost_reason": "chose a cheaper tool"} if stage == "lost" else {})}
        opp = api.call(
            "PATCH", f"/pipeline/opportunities/{opp['id']}", "admin", move, headers={"If-Match": '"1"'}
        ).json()
    elif float(discount) > 10:
        # Above the default threshold: the rep's manager is asked (when the rep has one).
        api.call("POST", f"/pipeline/opportunities/{opp['id']}/approvals", "admin", {}, accept=(422,))
    return opp


def _task(api: Api, opp: dict[str, Any], result: Result) -> None:
    title = f"Call about {opp['name']}"
    mine = {t["title"] for t in api.pages(f"/pipeline/tasks?opportunity_id={opp['id']}", "admin")}
    created = title not in mine and opp["status"] == "open"
    if created:
        due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
        body = {"kind": "call", "title": title, "due_at": due, "assignee_id": opp["owner_id"]}
        api.call(
            "POST", "/pipeline/tasks", "admin", {**body, "contact_id": opp["contact_id"], "opportunity_id": opp["id"]}
        )
    result.tally("tasks", created)
