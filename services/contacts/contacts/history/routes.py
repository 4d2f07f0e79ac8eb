"""A contact's history: interactions, orders, the timeline and the 360 metrics; each
route first applies the caller's reach to the contact (contacts.reach.guard). And the
customer analytics over a period (from daily counters: contacts/history/analytics.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from contacts.bootstrap import contact_repository, history_repository
from contacts.history.analytics import PeriodQuery, Report
from contacts.history.models import (
    InteractionIn,
    MetricsOut,
    OrderIn,
    OrderRecorded,
    Page,
    TimelineEntry,
    TimelineKind,
    TimelineQuery,
)
from contacts.reach import guard
from shared.auth import STAFF, Role
from shared.errors import Conflict, NotFound
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery

# Who talks to customers logs interactions (marketers reach them through campaigns).
INTERACTION_WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.AGENT})
# Orders normally come from partners' events; staff record phone and in-store sales.
ORDER_WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES})
ANALYSTS = frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETER})


def _page(ctx: Ctx, contact_id: str, kind: TimelineKind | None) -> Reply:
    from contacts.history.usecases import timeline

    params: PageQuery = ctx.params
    page = timeline(contact_id, history_repository(), params.limit, params.cursor, kind.value if kind else None)
    return Reply(page)


router = Router()


@router.route(
    "/{contact_id}/interactions",
    methods=["POST"],
    roles=INTERACTION_WRITERS,
    body=InteractionIn,
    status=201,
    response=TimelineEntry,
)
def post_interaction(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.history.usecases import log_interaction

    guard(ctx.principal, contact_id, contact_repository)
    entry = log_interaction(
        contact_id,
        ctx.body,
        ctx.principal.subject,
        history_repository(),
        idempotency_key=ctx.header("idempotency-key"),
        correlation_id=ctx.header("x-correlation-id"),
    )
    return Reply(entry, 201)


@router.route("/{contact_id}/interactions", roles=STAFF, query=PageQuery, response=Page)
def get_interactions(ctx: Ctx, contact_id: str) -> Reply:
    guard(ctx.principal, contact_id, contact_repository)
    return _page(ctx, contact_id, TimelineKind.INTERACTION)


@router.route("/{contact_id}/timeline", roles=STAFF, query=TimelineQuery, response=Page)
def get_timeline(ctx: Ctx, contact_id: str) -> Reply:
    guard(ctx.principal, contact_id, contact_repository)
    return _page(ctx, contact_id, ctx.params.kind)


@router.route(
    "/{contact_id}/orders", methods=["POST"], roles=ORDER_WRITERS, body=OrderIn, status=201, response=OrderRecorded
)
def post_order(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.history.models import Order
    from contacts.history.orders import record_order
    from contacts.history.usecases import AlreadyRecorded, ContactMissing, metrics_view

    guard(ctx.principal, contact_id, contact_repository)
    data: OrderIn = ctx.body
    order = Order(
        contact_id=contact_id,
        source="api",
        items=[i.model_dump(mode="json") for i in data.items],
        **data.model_dump(exclude={"items"}),
    )
    try:
        metrics = record_order(
            order, history_repository(), datetime.now(UTC).date(), correlation_id=ctx.header("x-correlation-id")
        )
    except ContactMissing:
        raise NotFound(f"contact {contact_id} not found") from None
    except AlreadyRecorded:
        raise Conflict(
            f"order {order.order_id} is already recorded", errors=[{"field": "order_id", "message": "already recorded"}]
        ) from None
    return Reply(OrderRecorded(order=order, metrics=metrics_view(metrics)), 201)


@router.route("/{contact_id}/metrics", roles=STAFF, response=MetricsOut)
def get_metrics(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.history.usecases import metrics_of

    guard(ctx.principal, contact_id, contact_repository)
    return Reply(metrics_of(contact_id, history_repository(), datetime.now(UTC).date()))


@router.route("/analytics", roles=ANALYSTS, query=PeriodQuery, response=Report)
def get_analytics(ctx: Ctx) -> Reply:
    from contacts.history.analytics import report

    params: PeriodQuery = ctx.params
    start, end = params.period()
    return Reply(report(start, end, history_repository(), datetime.now(UTC).date()))
