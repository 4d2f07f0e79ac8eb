"""What the opportunities feature does: deals, their moves and history, the board (tested
with fakes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from pipeline.events import OpportunityCreated, OpportunityLost, OpportunityStageChanged, OpportunityWon
from pipeline.opportunities.models import (
    Board,
    Card,
    Change,
    Column,
    HistoryEntry,
    HistoryPage,
    Opportunity,
    OpportunityIn,
    OpportunityPage,
    OpportunityPatch,
    OpportunityStatus,
    plain,
)
from pipeline.reach import Reach
from pipeline.stages.models import LOST, WON, Stage, Stages
from pipeline.teams.models import Rep
from shared.auth import Principal, Role
from shared.errors import Conflict, Forbidden, StaleVersion, Unprocessable
from shared.events import Outgoing, new_event
from shared.pagination import decode_cursor, encode_cursor, page_across
from shared.reach import not_found

Clock = Callable[[], datetime]
LIST = "pipeline/opportunities"
HISTORY = "pipeline/opportunity-history"
# What a move reports in OpportunityStageChanged (what forecasts and reports count by).
FORECAST_FIELDS = ("stage", "amount", "expected_close_date", "owner_id", "currency")


def _now() -> datetime:
    return datetime.now(UTC)


class Opportunities(Protocol):
    def get(self, opportunity_id: str) -> Opportunity | None: ...
    def create(self, opp: Opportunity, entry: HistoryEntry, events: list[Outgoing]) -> None: ...
    def update(self, before: Opportunity, after: Opportunity, entry: HistoryEntry, events: list[Outgoing]) -> None: ...
    def owned_page(
        self,
        owner_id: str,
        limit: int,
        start: dict[str, Any] | None,
        stage: str | None,
        close: tuple[date | None, date | None],
    ) -> tuple[list[Opportunity], dict[str, Any] | None]: ...
    def history(
        self, opportunity_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[HistoryEntry], Any]: ...
    def board_counts(self, owners: list[str]) -> dict[str, tuple[int, Decimal]]: ...


class Directory(Protocol):
    def get_rep(self, rep_id: str) -> Rep | None: ...
    def all_reps(self) -> list[Rep]: ...


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"invalid opportunity: {field}", errors=[{"field": field, "message": message}])


def owners_in(reach: Reach, directory: Directory) -> list[str]:
    """Whose deals the caller lists: their reach, or every rep for those who reach everyone."""
    return sorted({r.id for r in directory.all_reps()} if reach.everyone else reach.owners)


def _owner(wanted: str | None, principal: Principal, reach: Reach, directory: Directory) -> Rep | None:
    """The deal's owner: the caller, or the rep a manager or admin names (within reach)."""
    owner_id = wanted or principal.subject
    if principal.role is Role.SALES and owner_id != principal.subject:
        raise Forbidden("a sales rep's deals are their own", errors=[{"field": "owner_id", "message": "not yours"}])
    if not reach.covers(owner_id):
        raise _invalid("owner_id", "no such rep within your reach")
    rep = directory.get_rep(owner_id)
    if wanted is not None and rep is None:
        raise _invalid("owner_id", "no such rep within your reach")
    return rep


def _stage(stages: Stages, stage_id: str) -> Stage:
    stage = stages.get(stage_id)
    if stage is None:
        raise _invalid("stage", f"unknown stage; one of {', '.join(s.id for s in stages.stages)}")
    return stage


def _event_fields(opp: Opportunity) -> dict[str, Any]:
    return {
        "opportunity_id": opp.id,
        "contact_id": opp.contact_id,
        "owner_id": opp.owner_id,
        "team_id": opp.team_id,
        "amount": opp.amount,
        "currency": opp.currency,
        "stage": opp.stage,
        "probability": opp.probability,
        "forecast_category": opp.forecast_category,
        "expected_close_date": opp.expected_close_date,
    }


def create(
    data: OpportunityIn,
    principal: Principal,
    *,
    repo: Opportunities,
    stages: Stages,
    reach: Reach,
    directory: Directory,
) -> Opportunity:
    rep = _owner(data.owner_id, principal, reach, directory)
    stage = _stage(stages, data.stage) if data.stage else stages.first_open
    if stage.closed:
        raise _invalid("stage", "a deal opens in an open stage; move it to won or lost afterwards")
    now = _now()
    opp = Opportunity(
        **data.model_dump(exclude={"owner_id", "stage"}),
        id=str(uuid.uuid4()),
        owner_id=data.owner_id or principal.subject,
        team_id=rep.team_id if rep else None,
        stage=stage.id,
        probability=stage.probability,
        forecast_category=stage.forecast_category.value,
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    entry = HistoryEntry(at=now, by=principal.subject, kind="created", changes=[])
    event = OpportunityCreated(**_event_fields(opp), name=opp.name)
    repo.create(opp, entry, [new_event(event)])
    return opp


def get(opportunity_id: str, repo: Opportunities, reach: Reach) -> Opportunity:
    opp = repo.get(opportunity_id)
    if opp is None or not reach.covers(opp.owner_id):
        raise not_found("opportunity", opportunity_id)
    return opp


def _changes(before: Opportunity, after: Opportunity) -> list[Change]:
    fields = ("name", "amount", "currency", "products", "expected_close_date", "stage", "owner_id", "discount_percent")
    out = []
    for name in (*fields, "status", "lost_reason"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            out.append(Change.model_validate({"field": name, "old": _plain(old), "new": _plain(new)}))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def update(
    opportunity_id: str,
    patch: OpportunityPatch,
    if_match: int,
    principal: Principal,
    *,
    repo: Opportunities,
    stages: Stages,
    reach: Reach,
    directory: Directory,
    discount_threshold: Decimal = Decimal(100),
) -> Opportunity:
    """Change a deal (optimistic: ``if_match`` is the version read); a stage move to
    ``won``/``lost`` closes it, and a closed deal changes no more."""
    before = get(opportunity_id, repo, reach)
    if before.version != if_match:
        raise StaleVersion(
            f"opportunity {opportunity_id} is at version {before.version}", current_version=before.version
        )
    if before.status is not OpportunityStatus.OPEN:
        raise Conflict(f"opportunity {opportunity_id} is {before.status.value}: it changes no more")
    changes, now = patch.model_dump(exclude_unset=True), _now()
    values = {**before.model_dump(), "updated_at": now, "version": before.version + 1}
    for name in ("name", "amount", "currency", "products", "expected_close_date", "discount_percent"):
        if changes.get(name) is not None:
            values[name] = changes[name]
    if changes.get("owner_id") not in (None, before.owner_id):
        values |= _new_owner(changes["owner_id"], principal, reach, directory)
    if changes.get("stage") not in (None, before.stage):
        values |= _move(before, _stage(stages, changes["stage"]), changes.get("lost_reason"), now, discount_threshold)
    elif changes.get("lost_reason") is not None:
        raise _invalid("lost_reason", "a reason goes with the move to lost")
    after = Opportunity.model_validate(values)
    found = _changes(before, after)
    if not found:
        return before
    kind = after.status.value if after.status is not OpportunityStatus.OPEN else "changed"
    entry = HistoryEntry(at=now, by=principal.subject, kind=kind, changes=found)
    repo.update(before, after, entry, _events(before, after, [c.field for c in found]))
    return after


def _new_owner(owner_id: str, principal: Principal, reach: Reach, directory: Directory) -> dict[str, Any]:
    if principal.role is Role.SALES:
        raise Forbidden(
            "only a manager hands a deal to another rep", errors=[{"field": "owner_id", "message": "not yours"}]
        )
    rep = _owner(owner_id, principal, reach, directory)
    return {"owner_id": owner_id, "team_id": rep.team_id if rep else None}


def _move(
    before: Opportunity, stage: Stage, lost_reason: str | None, now: datetime, threshold: Decimal
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "stage": stage.id,
        "probability": stage.probability,
        "forecast_category": stage.forecast_category.value,
    }
    if stage.id == WON:
        if before.approval_pending:
            raise Conflict("an approval is pending on this opportunity: it cannot be won yet")
        if before.discount_percent > threshold and (before.approved_discount or -1) < before.discount_percent:
            raise Conflict(f"a {before.discount_percent}% discount needs approval before the deal is won")
        values |= {"status": OpportunityStatus.WON, "won_at": now}
    elif stage.id == LOST:
        if not lost_reason:
            raise _invalid("lost_reason", "losing a deal needs a reason")
        values |= {"status": OpportunityStatus.LOST, "lost_at": now, "lost_reason": lost_reason}
    return values


def _events(before: Opportunity, after: Opportunity, changed: list[str]) -> list[Outgoing]:
    fields = _event_fields(after)
    if after.status is OpportunityStatus.WON:
        assert after.won_at is not None
        event: Any = OpportunityWon(**fields, won_at=after.won_at, products=after.products, created_at=after.created_at)
    elif after.status is OpportunityStatus.LOST:
        assert after.lost_at is not None and after.lost_reason is not None
        event = OpportunityLost(**fields, reason=after.lost_reason, lost_at=after.lost_at)
    elif moved := [f for f in changed if f in FORECAST_FIELDS]:
        event = OpportunityStageChanged(
            **fields,
            previous_stage=before.stage,
            previous_amount=before.amount,
            previous_expected_close_date=before.expected_close_date,
            previous_owner_id=before.owner_id,
            changed=moved,
        )
    else:
        return []  # a new name or product list: history only, nothing others count by
    return [new_event(event)]


def list_opportunities(owners: list[str], params: Any, repo: Opportunities) -> OpportunityPage:
    """GET /opportunities: filters owner, stage, close date range; ``owners``: those in reach."""
    wanted = [o for o in owners if params.owner_id in (None, o)]
    close = (params.close_from, params.close_to)

    def read(owner: str, limit: int, start: Any) -> tuple[list[Any], Any]:
        return repo.owned_page(owner, limit, start, params.stage, close)

    of = f"{LIST}/{params.stage}/{params.owner_id}/{params.close_from}/{params.close_to}"
    items, cursor = page_across(wanted, params.cursor, of=of, limit=params.limit, read=read)
    return OpportunityPage(items=items, next_cursor=cursor)


def history(opportunity_id: str, limit: int, cursor: str | None, repo: Opportunities, reach: Reach) -> HistoryPage:
    get(opportunity_id, repo, reach)
    entries, last = repo.history(opportunity_id, limit, decode_cursor(cursor, of=f"{HISTORY}/{opportunity_id}"))
    return HistoryPage(items=entries, next_cursor=encode_cursor(last, of=f"{HISTORY}/{opportunity_id}"))


def _card(opp: Opportunity) -> Card:
    return Card.model_validate(opp.model_dump(include=set(Card.model_fields)))


def board(owners: list[str], params: Any, stages: Stages, repo: Opportunities) -> Board:
    """The kanban: each stage (in order) with its count, amount and weighted amount (from the
    counters) and its first cards; ``stage`` (+ ``cursor``) pages one column's cards."""
    wanted = [o for o in owners if params.owner_id in (None, o)]
    counts = repo.board_counts(wanted)
    columns = []
    for stage in stages.ordered:
        if params.stage not in (None, stage.id):
            continue
        count, amount = counts.get(stage.id, (0, Decimal(0)))

        def read(owner: str, limit: int, start: Any, stage_id: str = stage.id) -> tuple[list[Any], Any]:
            return repo.owned_page(owner, limit, start, stage_id, (None, None))

        cursor = params.cursor if params.stage == stage.id else None
        of = f"{LIST}/board/{stage.id}/{params.owner_id}"
        cards, next_cursor = page_across(wanted, cursor, of=of, limit=params.limit, read=read) if count else ([], None)
        columns.append(
            Column(
                stage=stage.id,
                name=stage.name,
                probability=stage.probability,
                forecast_category=stage.forecast_category.value,
                count=count,
                amount=amount,
                weighted_amount=plain(amount * stage.probability / 100),
                cards=[_card(o) for o in cards],
                next_cursor=next_cursor,
            )
        )
    return Board(columns=columns)
