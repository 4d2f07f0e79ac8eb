"""A contact's history: interactions, orders, the timeline and the 360 metrics; each
route first applies the caller's reach to the contact (contacts.reach.guard)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from contacts.history_models import InteractionIn, OrderIn
from contacts.http import api
from contacts.reach import guard
from contacts.routes.records import repo
from shared.auth import STAFF, Role
from shared.errors import BadRequest, Conflict, NotFound
from shared.http import Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from contacts.history_repository import HistoryRepository

# Who talks to customers logs interactions (marketers reach them through campaigns).
INTERACTION_WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.AGENT})
# Orders normally come from partners' events; staff record phone and in-store sales.
ORDER_WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES})
TIMELINE_KINDS = frozenset(
    {"interaction", "order", "refund", "lead_assigned", "ticket_opened", "points_accrued", "tier_changed", "email_sent"}
)


@cache
def history_repo() -> HistoryRepository:
    from contacts.history_repository import HistoryRepository

    return HistoryRepository()


def _page(ctx: Ctx, contact_id: str, kind: str | None) -> Reply:
    from contacts.history import timeline

    page = timeline(contact_id, history_repo(), parse_limit(ctx.query.get("limit")), ctx.query.get("cursor"), kind)
    return Reply(page)


@api.route("/{contact_id}/interactions", methods=["POST"], roles=INTERACTION_WRITERS, body=InteractionIn, status=201)
def post_interaction(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.history import log_interaction

    guard(ctx.principal, contact_id, repo)
    entry = log_interaction(
        contact_id,
        ctx.body,
        ctx.principal.subject,
        history_repo(),
        idempotency_key=ctx.header("idempotency-key"),
        correlation_id=ctx.header("x-correlation-id"),
    )
    return Reply(entry, 201)


@api.route("/{contact_id}/interactions", roles=STAFF)
def get_interactions(ctx: Ctx, contact_id: str) -> Reply:
    guard(ctx.principal, contact_id, repo)
    return _page(ctx, contact_id, "interaction")


@api.route("/{contact_id}/timeline", roles=STAFF)
def get_timeline(ctx: Ctx, contact_id: str) -> Reply:
    kind = ctx.query.get("kind")
    if kind is not None and kind not in TIMELINE_KINDS:
        raise BadRequest("unknown kind", errors=[{"field": "kind", "message": f"one of {sorted(TIMELINE_KINDS)}"}])
    guard(ctx.principal, contact_id, repo)
    return _page(ctx, contact_id, kind)


@api.route("/{contact_id}/orders", methods=["POST"], roles=ORDER_WRITERS, body=OrderIn, status=201)
def post_order(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.history import AlreadyRecorded, ContactMissing, metrics_view, record_order
    from contacts.history_models import Order

    guard(ctx.principal, contact_id, repo)
    data: OrderIn = ctx.body
    order = Order(
        contact_id=contact_id,
        source="api",
        items=[i.model_dump(mode="json") for i in data.items],
        **data.model_dump(exclude={"items"}),
    )
    try:
        metrics = record_order(
            order, history_repo(), datetime.now(UTC).date(), correlation_id=ctx.header("x-correlation-id")
        )
    except ContactMissing:
        raise NotFound(f"contact {contact_id} not found") from None
    except AlreadyRecorded:
        raise Conflict(
            f"order {order.order_id} is already recorded", errors=[{"field": "order_id", "message": "already recorded"}]
        ) from None
    return Reply({"order": order, "metrics": metrics_view(metrics)}, 201)


@api.route("/{contact_id}/metrics", roles=STAFF)
def get_metrics(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.history import metrics_of

    guard(ctx.principal, contact_id, repo)
    return Reply(metrics_of(contact_id, history_repo(), datetime.now(UTC).date()))
