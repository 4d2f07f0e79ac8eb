"""What ``make demo`` prints once loaded: counts, what the CRM made of the data (segments,
analytics), the tokens to act as each role (a sales rep's ``sub`` is their rep id) and a
few requests to try."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from infra.local.demo.client import Api
from infra.local.demo.data import ascii_name
from infra.local.demo.loader import Result

KINDS = (
    "reps",
    "companies",
    "custom fields",
    "segments",
    "contacts",
    "stages set",
    "orders",
    "partner orders",
    "refunds",
    "interactions",
    "tickets",
    "loyalty set-up",
    "rewards",
    "redemptions",
    "consents",
    "templates",
    "campaigns",
)


def facts(api: Api, result: Result) -> dict[str, Any]:
    """What the CRM made of the data: segment sizes and the past year's analytics."""
    segments = {s["name"]: s for s in api.pages("/contacts/segments", "marketer")}
    start = (result.at - timedelta(days=365)).isoformat()
    analytics = api.get(f"/contacts/analytics?from={start}&to={result.at.isoformat()}")
    return {"segments": segments, "analytics": analytics, "from": start, "to": result.at.isoformat()}


def render(api: Api, result: Result, seen: dict[str, Any]) -> str:
    lines = [f"Demo data loaded in {result.seconds:.1f} s (new / already there):"]
    counts = [f"{k} {result.created[k]}/{result.existing[k]}" for k in KINDS if result.created[k] or result.existing[k]]
    lines.append("  " + " · ".join(counts))
    if not result.settled:
        lines.append("  (the stack was still processing events when this was printed: counts may grow)")
    unowned = sum(1 for owner in result.owners.values() if owner is None)
    if unowned:
        lines.append(f"  {unowned} contacts had no owner yet: their interactions were logged by the manager")
    segments = seen["segments"]
    ours = [f"{name} {segments[name]['member_count']}" for name in result.segments if name in segments]
    lines.append("  segments: " + " · ".join(ours))
    builtins = [f"{s['name']} {s['member_count']}" for s in segments.values() if s.get("builtin") and s["member_count"]]
    lines.append("  built-in: " + " · ".join(builtins))
    a = seen["analytics"]
    lines.append(
        f"  analytics {seen['from']}..{seen['to']}: {a['orders']} orders, revenue {a['revenue']} {a['currency']},"
        f" {a['refunds']} refunds, {a['new_customers']} new customers, average LTV {a['average_ltv']}"
    )
    lines.append("  loyalty tiers: " + " · ".join(f"{tier} {n}" for tier, n in sorted(result.tiers.items())))
    if result.campaigns:
        sent, report = result.campaigns["sent"], result.campaigns["report"]
        scheduled = result.campaigns["scheduled"]
        lines.append(
            f"  campaigns: '{sent['name']}' {sent['status']}: {report['sent']} sent of {report['audience']},"
            f" skipped {report['skipped'] or 0}; '{scheduled['name']}' {scheduled['status']} for"
            f" {scheduled['schedule']['at']}; the welcome journey runs for every new lead"
        )
    lines += ["", f"export URL={api.url}", "# tokens, valid 12 h (or: make -s token ROLE=<role> [SUB=<rep id>])"]
    for role in ("admin", "manager", "agent", "marketer"):
        lines.append(f"export {role.upper()}={api.token(role)}")
    owned = {rep_id: 0 for rep_id in result.reps.values()}
    for owner in result.owners.values():
        if owner in owned:
            owned[owner] += 1
    first_rep = ""
    for rep in result.data.reps:
        rep_id = result.reps[rep.email]
        variable = f"SALES_{ascii_name(rep.name.split()[0]).upper()}"
        first_rep = first_rep or variable
        lines.append(f"# {rep.name}: SUB={rep_id}, owns {owned[rep_id]} demo contacts")
        lines.append(f"export {variable}={api.token('sales', rep_id)}")
    champion = next(p for p in result.data.people if p.profile == "champion")
    vip = result.segments.get(result.data.segments[0].name, "<segment id>")
    auth = '-H "Authorization: Bearer'
    lines += [
        "",
        "# try:",
        f'curl -s "$URL/contacts?limit=5" {auth} $MANAGER"',
        f'curl -s "$URL/contacts?country=CN&stage=customer" {auth} $MANAGER"',
        f'curl -s "$URL/contacts/{result.contacts[champion.email]}/timeline" {auth} $MANAGER"'
        f"   # {champion.name}, a champion",
        f'curl -s "$URL/contacts/{result.contacts[champion.email]}/metrics" {auth} $MANAGER"',
        f'curl -s "$URL/contacts/analytics?from={seen["from"]}&to={seen["to"]}" {auth} $MANAGER"',
        f'curl -s "$URL/contacts/segments/{vip}/members" {auth} $MARKETER"',
        f'curl -s "$URL/contacts" {auth} ${first_rep}"   # only the contacts this rep owns',
        f'curl -s "$URL/loyalty/members/{result.contacts[champion.email]}/ledger" {auth} $AGENT"',
        f'curl -s "$URL/loyalty/rewards" {auth} $MARKETER"',
    ]
    if result.campaigns:
        lines.append(f'curl -s "$URL/campaigns/campaigns/{result.campaigns["sent"]["id"]}/report" {auth} $MANAGER"')
        lines.append(f'curl -s "$URL/campaigns/journeys" {auth} $MARKETER"')
    return "\n".join(lines)
