"""Load the demo data set through the public API of a running stack, in the order a real
company would produce it: reps, a custom field and segments, companies, then contacts
(each entering as a lead, so pipeline assigns an owner, loyalty enrols it and campaigns
sends its welcome email), their stages, orders and refunds, interactions and tickets; then
the sales side (infra/local/demo/sales.py): teams, a rule, deals in every stage, tasks;
and loyalty (infra/local/demo/loyalty.py): the program and tiers first, rewards, redemptions.

Idempotent: what exists already is found and kept (reps by email, segments by name, a
company's or contact's 409 names the existing one, an order_id is recorded once, an
interaction's Idempotency-Key claims it once, tickets by subject), so a second run adds
nothing and says so. Contacts already past ``lead`` keep their stage.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from infra.local.demo.campaigns import set_up_campaigns
from infra.local.demo.client import Api, Partner, wait_idle
from infra.local.demo.loyalty import redeem_and_count, set_up_loyalty
from infra.local.demo.model import CURRENCY, PARTNER_SOURCE, Dataset, Person, moment
from infra.local.demo.sales import load_sales

WORKERS = 4  # more only queue up: the local stack runs every function in one process
OWNER_TIMEOUT_SECONDS = 90.0
SETTLE_TIMEOUT_SECONDS = 40.0

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Result:
    data: Dataset
    at: date  # the day "days ago" counts from: yesterday, so that nothing is dated ahead
    reps: dict[str, str] = field(default_factory=dict)  # rep email -> rep id
    companies: dict[str, str] = field(default_factory=dict)  # domain -> company id
    contacts: dict[str, str] = field(default_factory=dict)  # person email -> contact id
    owners: dict[str, str | None] = field(default_factory=dict)  # person email -> owner rep id
    segments: dict[str, str] = field(default_factory=dict)  # segment name -> id
    tiers: Counter[str] = field(default_factory=Counter)  # loyalty tier -> members
    campaigns: dict[str, Any] = field(default_factory=dict)  # scheduled, sent, and the sent one's report
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    settled: bool = False
    seconds: float = 0.0

    def tally(self, kind: str, created: bool, n: int = 1) -> None:
        (self.created if created else self.existing)[kind] += n


class Loader:
    def __init__(
        self, api: Api, data: Dataset, *, workers: int = WORKERS, settle_seconds: float = SETTLE_TIMEOUT_SECONDS
    ) -> None:
        self.api, self.data = api, data
        # Dated up to yesterday: an order or a talk at a later hour of today would lie ahead.
        self.result = Result(data, datetime.now(UTC).date() - timedelta(days=1))
        self.workers, self.settle_seconds = workers, settle_seconds

    def _each(self, work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(work, items))

    def run(self) -> Result:
        started = time.monotonic()
        health = self.api.health()
        partner = Partner(health["emulator"]["url"], health["stage"], PARTNER_SOURCE)
        self.reps()
        set_up_loyalty(self.api, self.result)
        self.custom_field()
        self.segments()
        self.companies()
        self._each(self.contact, self.data.people)
        # Pipeline assigns owners meanwhile: what needs no owner goes first.
        events = [e for batch in self._each(self.history, self.data.people) for e in batch]
        partner.put(events)
        self.wait_for_owners()
        self._each(self.interactions, self.data.people)
        self.result.settled = wait_idle(self.api, self.settle_seconds)
        self._each(self.owner, [p for p in self.data.people if not self.result.owners.get(p.email)])
        load_sales(self.api, self.result)
        self.result.tiers = redeem_and_count(self.api, self.result)
        self.result.campaigns = set_up_campaigns(self.api, self.result)
        self.result.seconds = time.monotonic() - started
        return self.result

    # --- the company's set-up ------------------------------------------------------------

    def reps(self) -> None:
        known = {rep["email"]: rep["id"] for rep in self.api.pages("/pipeline/reps")}
        for rep in self.data.reps:
            created = rep.email not in known
            if created:
                body = {"name": rep.name, "email": rep.email, "territory": rep.territory, "capacity": rep.capacity}
                known[rep.email] = self.api.call("POST", "/pipeline/reps", "manager", body).json()["id"]
            self.result.tally("reps", created)
            self.result.reps[rep.email] = known[rep.email]

    def custom_field(self) -> None:
        wanted = self.data.custom_field
        defined = {f["name"] for f in self.api.get("/contacts/fields", "admin")["items"]}
        if wanted["name"] in defined:
            self.result.tally("custom fields", created=False)
            return
        answer = self.api.call("POST", "/contacts/fields", "admin", wanted, accept=(409,))
        self.result.tally("custom fields", created=answer.status_code == 201)

    def segments(self) -> None:
        known = {s["name"]: s["id"] for s in self.api.pages("/contacts/segments", "marketer")}
        for segment in self.data.segments:
            if segment.name not in known:
                body = {"name": segment.name, "description": segment.description, "rules": segment.rules}
                known[segment.name] = self.api.call("POST", "/contacts/segments", "marketer", body).json()["id"]
                self.result.tally("segments", created=True)
            else:
                self.result.tally("segments", created=False)
            self.result.segments[segment.name] = known[segment.name]

    def companies(self) -> None:
        for company in self.data.companies:
            body = {
                "name": company.name,
                "domain": company.domain,
                "industry": company.industry,
                "size": company.size,
                "region": company.region,
            }
            answer = self.api.call("POST", "/contacts/companies", "manager", body, accept=(409,))
            created = answer.status_code == 201
            self.result.companies[company.domain] = answer.json()["id" if created else "existing_id"]
            self.result.tally("companies", created)

    # --- contacts --------------------------------------------------------------------------

    def contact(self, person: Person) -> None:
        company_id = self.result.companies[person.company.domain] if person.company else None
        answer = self.api.call("POST", "/contacts", "manager", person.body(company_id), accept=(409,))
        created = answer.status_code == 201
        self.result.contacts[person.email] = answer.json()["id" if created else "existing_id"]
        self.result.tally("contacts", created)

    def wait_for_owners(self) -> None:
        """Pipeline assigns each lead asynchronously: read each contact until it has one."""
        pending = [p for p in self.data.people if not self.result.owners.get(p.email)]
        deadline = time.monotonic() + OWNER_TIMEOUT_SECONDS
        while pending and time.monotonic() < deadline:
            owners = self._each(self.owner, pending)
            pending = [p for p, owner in zip(pending, owners, strict=True) if owner is None]
            if pending:
                time.sleep(0.5)

    def owner(self, person: Person) -> str | None:
        owner: str | None = self.api.get(f"/contacts/{self.result.contacts[person.email]}").get("owner_id")
        self.result.owners[person.email] = owner
        return owner

    def progress(self, person: Person) -> None:
        """From ``lead`` to the person's stage (a contact already moved on keeps its own).
        The owner may be recorded in between: a stale If-Match (409) reads it again."""
        path = f"/contacts/{self.result.contacts[person.email]}"
        for _ in range(5):
            answer = self.api.call("GET", path, "manager")
            contact = answer.json()
            self.result.owners[person.email] = contact.get("owner_id")
            if contact["lifecycle_stage"] != "lead" or person.stage == "lead":
                return
            headers = {"If-Match": answer.headers["ETag"]}
            body = {"lifecycle_stage": person.stage}
            if self.api.call("PATCH", path, "manager", body, headers=headers, accept=(409,)).ok:
                self.result.tally("stages set", created=True)
                return
        raise RuntimeError(f"the stage of {path} kept changing")

    # --- history ---------------------------------------------------------------------------

    def history(self, person: Person) -> list[tuple[str, dict[str, Any]]]:
        """Set the person's stage, open their tickets and record their orders through the
        API; return the partner's events (its orders and the refunds) unless the contact's
        metrics show them counted already."""
        self.progress(person)
        if person.tickets:
            self.tickets(person)
        contact_id, at = self.result.contacts[person.email], self.result.at
        for order in (o for o in person.orders if not o.via_partner):
            body = {
                "order_id": order.order_id,
                "amount": str(order.amount),
                "currency": CURRENCY,
                "items": order.items,
                "channel": order.channel,
                "occurred_at": moment(order.days_ago, order.hour, at),
            }
            answer = self.api.call("POST", f"/contacts/{contact_id}/orders", "manager", body, accept=(409,))
            self.result.tally("orders", answer.status_code == 201)
        partner_orders = [o for o in person.orders if o.via_partner]
        if not partner_orders and not person.refunds:
            return []
        metrics = self.api.get(f"/contacts/{contact_id}/metrics")
        if metrics["order_count"] >= len(person.orders) and Decimal(metrics["total_spend"]) == person.net_spend:
            self.result.tally("partner orders", False, len(partner_orders))
            self.result.tally("refunds", False, len(person.refunds))
            return []
        self.result.tally("partner orders", True, len(partner_orders))
        self.result.tally("refunds", True, len(person.refunds))
        placed = [
            {
                "contact_id": contact_id,
                "order_id": o.order_id,
                "amount": str(o.amount),
                "currency": CURRENCY,
                "channel": o.channel,
                "occurred_at": moment(o.days_ago, o.hour, at),
                "items": o.items,
            }
            for o in partner_orders
        ]
        refunded = [
            {
                "contact_id": contact_id,
                "order_id": r.order_id,
                "amount": str(r.amount),
                "currency": CURRENCY,
                "occurred_at": moment(r.days_ago, 17, at),
                "reason": r.reason,
            }
            for r in person.refunds
        ]
        return [("OrderPlaced", d) for d in placed] + [("OrderRefunded", d) for d in refunded]

    def interactions(self, person: Person) -> None:
        """Logged by the contact's owner (a sales rep reaches their own contacts)."""
        if not person.interactions:
            return
        contact_id, owner = self.result.contacts[person.email], self.result.owners.get(person.email)
        role = "sales" if owner else "manager"
        path = f"/contacts/{contact_id}/interactions"
        logged = self.api.call("GET", f"{path}?limit=100", role, subject=owner).json()["items"]
        if len(logged) >= len(person.interactions):
            self.result.tally("interactions", False, len(person.interactions))
            return
        for talk in person.interactions:
            body = {
                "kind": talk.kind,
                "direction": talk.direction,
                "summary": talk.summary,
                "occurred_at": moment(talk.days_ago, talk.hour, self.result.at),
            }
            # 422: the key was used within 24 h with another body (the same talk, a day on).
            answer = self.api.call(
                "POST", path, role, body, subject=owner, headers={"Idempotency-Key": talk.key}, accept=(422,)
            )
            self.result.tally("interactions", answer.status_code == 201)

    def tickets(self, person: Person) -> None:
        contact_id = self.result.contacts[person.email]
        opened = {
            t["subject"] for t in self.api.get(f"/service-desk/tickets?contact_id={contact_id}", "agent")["items"]
        }
        for n, ticket in enumerate(person.tickets):
            if ticket.subject in opened:
                self.result.tally("tickets", created=False)
                continue
            body = {
                "contact_id": contact_id,
                "subject": ticket.subject,
                "description": ticket.description,
                "channel": ticket.channel,
                "priority": ticket.priority,
            }
            headers = {"Idempotency-Key": f"demo-ticket-{person.email}-{n}"}
            self.api.call("POST", "/service-desk/tickets", "agent", body, headers=headers)
            self.result.tally("tickets", created=True)
