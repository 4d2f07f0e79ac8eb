"""What the approvals feature does: open a discount's approval chain, decide its steps,
remind the waiting approver (tested with fakes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from pipeline.approvals.models import (
    Approval,
    ApprovalIn,
    ApprovalPage,
    ApprovalPolicy,
    ApprovalPolicyIn,
    ApprovalStatus,
    Decision,
    DecisionIn,
    Step,
    StepStatus,
)
from pipeline.events import ApprovalDecided, ApprovalReminderDue, ApprovalRequested
from pipeline.leads.usecases import Deadlines
from pipeline.opportunities.models import Opportunity
from pipeline.reach import Reach
from pipeline.teams.models import Rep, Team
from shared.auth import Principal, Role
from shared.errors import Forbidden, StaleVersion, Unprocessable
from shared.events import EventMetadata, Outgoing, new_event
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found
from shared.schedules import schedule_name

QUEUE = "pipeline/approvals"


class Approvals(Protocol):
    def policy(self) -> ApprovalPolicy: ...
    def put_policy(self, policy: ApprovalPolicy, read_version: int) -> None: ...
    def get(self, approval_id: str) -> Approval | None: ...
    def open(self, approval: Approval, events: list[Outgoing]) -> None: ...
    def decide(self, before: Approval, after: Approval, events: list[Outgoing], approved: Decimal | None) -> None: ...
    def queue(self, approver_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[Approval], Any]: ...
    def publish(self, events: list[Outgoing]) -> None: ...


class Directory(Protocol):
    def get_rep(self, rep_id: str) -> Rep | None: ...
    def get_team(self, team_id: str) -> Team | None: ...


def _now() -> datetime:
    return datetime.now(UTC)


def put_policy(data: ApprovalPolicyIn, if_match: int, repo: Approvals) -> ApprovalPolicy:
    current = repo.policy()
    if current.version != if_match:
        raise StaleVersion(f"the approval policy is at version {current.version}", current_version=current.version)
    policy = ApprovalPolicy(**data.model_dump(), version=current.version + 1)
    repo.put_policy(policy, if_match)
    return policy


def _manager_of(rep_id: str, directory: Directory) -> str | None:
    rep = directory.get_rep(rep_id)
    if rep is None:
        return None
    team = directory.get_team(rep.team_id) if rep.team_id else None
    return rep.manager_id or (team.manager_id if team else None)


def _chain(opp: Opportunity, policy: ApprovalPolicy, directory: Directory) -> list[str]:
    """The approvers: the owner's manager; above the second threshold, that manager's own
    manager (or the policy's director)."""
    first = _manager_of(opp.owner_id, directory)
    if first is None:
        raise Unprocessable("nobody to approve", errors=[{"field": "approver", "message": "the rep has no manager"}])
    chain = [first]
    if opp.discount_percent > policy.second_level_threshold:
        second = _manager_of(first, directory) or policy.director_id
        if second is None or second == first:
            message = "no second level: set the manager's manager or the policy's director_id"
            raise Unprocessable("nobody to approve", errors=[{"field": "approver", "message": message}])
        chain.append(second)
    return chain


def _requested(a: Approval, step: Step, cause: EventMetadata | None = None, reminder: bool = False) -> Outgoing:
    event = ApprovalRequested(
        approval_id=a.id,
        opportunity_id=a.opportunity_id,
        approver_id=step.approver_id,
        level=step.level,
        discount_percent=a.discount_percent,
        requested_by=a.requested_by,
        reminder=reminder,
    )
    if cause is None:
        return new_event(event)
    return new_event(event, correlation_id=cause.correlation_id, causation_id=cause.event_id)


def _remind(a: Approval, step: Step, policy: ApprovalPolicy, deadlines: Deadlines, n: int = 1) -> None:
    at = (step.requested_at or _now()) + timedelta(hours=policy.reminder_hours * n)
    due = new_event(ApprovalReminderDue(approval_id=a.id, level=step.level, n=n))
    deadlines.schedule_event(schedule_name("approval", a.id[:36], str(step.level), str(n)), at, due)


def open_approval(
    opp: Opportunity,
    data: ApprovalIn,
    principal: Principal,
    *,
    repo: Approvals,
    directory: Directory,
    deadlines: Deadlines,
) -> Approval:
    """POST /opportunities/{id}/approvals for the deal's discount (``opp``: read within reach)."""
    policy = repo.policy()
    if opp.discount_percent <= policy.discount_threshold:
        message = f"a discount up to {policy.discount_threshold}% needs no approval"
        raise Unprocessable("no approval needed", errors=[{"field": "discount_percent", "message": message}])
    now = _now()
    approvers = _chain(opp, policy, directory)
    steps = [
        Step(level=n, approver_id=who, status=StepStatus.PENDING if n == 1 else StepStatus.WAITING)
        for n, who in enumerate(approvers, start=1)
    ]
    steps[0].requested_at = now
    steps[0].comment = data.comment
    approval = Approval(
        id=str(uuid.uuid4()),
        opportunity_id=opp.id,
        owner_id=opp.owner_id,
        requested_by=principal.subject,
        discount_percent=opp.discount_percent,
        status=ApprovalStatus.PENDING,
        steps=steps,
        created_at=now,
        updated_at=now,
    )
    repo.open(approval, [_requested(approval, steps[0])])
    _remind(approval, steps[0], policy, deadlines)
    return approval


def visible(approval: Approval, principal: Principal, reach: Reach) -> bool:
    """Its deal's owner's reach, and every approver of the chain."""
    return reach.covers(approval.owner_id) or principal.subject in {s.approver_id for s in approval.steps}


def get_approval(approval_id: str, principal: Principal, repo: Approvals, reach: Reach) -> Approval:
    approval = repo.get(approval_id)
    if approval is None or not visible(approval, principal, reach):
        raise not_found("approval", approval_id)
    return approval


def decide(
    approval_id: str, data: DecisionIn, principal: Principal, *, repo: Approvals, reach: Reach, deadlines: Deadlines
) -> Approval:
    """The current approver (or an admin) approves or rejects their step: approving the
    last step approves the chain, rejecting any step rejects it; either frees the deal."""
    before = get_approval(approval_id, principal, repo, reach)
    step = before.current
    if step is None:
        raise StaleVersion(f"approval {approval_id} is {before.status.value}: nothing waits for a decision")
    if principal.subject != step.approver_id and principal.role is not Role.ADMIN:
        raise Forbidden("this step waits for another approver", errors=[{"field": "decision", "message": "not yours"}])
    now = _now()
    after = before.model_copy(deep=True, update={"updated_at": now, "version": before.version + 1})
    current = after.steps[step.level - 1]
    current.decided_at, current.comment = now, data.comment
    nxt = after.steps[step.level] if step.level < len(after.steps) else None
    if data.decision is Decision.REJECT:
        current.status, after.status = StepStatus.REJECTED, ApprovalStatus.REJECTED
    else:
        current.status = StepStatus.APPROVED
        if nxt is None:
            after.status = ApprovalStatus.APPROVED
        else:
            nxt.status, nxt.requested_at = StepStatus.PENDING, now
    decided = ApprovalDecided(
        approval_id=after.id,
        opportunity_id=after.opportunity_id,
        decision=data.decision.value,
        decided_by=principal.subject,
        level=step.level,
        final=after.current is None,
        status=after.status.value,
    )
    events = [new_event(decided)]
    if after.current is not None:
        events.append(_requested(after, after.current))
    approved = after.discount_percent if after.status is ApprovalStatus.APPROVED else None
    repo.decide(before, after, events, approved)
    if after.current is not None:
        _remind(after, after.current, repo.policy(), deadlines)
    return after


def remind(due: ApprovalReminderDue, cause: EventMetadata, repo: Approvals, deadlines: Deadlines) -> bool:
    """A reminder fired: if that step still waits, ask again (and plan the next reminder)."""
    approval = repo.get(due.approval_id)
    step = approval.current if approval else None
    if approval is None or step is None or step.level != due.level:
        return False
    repo.publish([_requested(approval, step, cause, reminder=True)])
    _remind(approval, step, repo.policy(), deadlines, due.n + 1)
    return True


def queue(principal: Principal, limit: int, cursor: str | None, repo: Approvals) -> ApprovalPage:
    """GET /approvals?mine=1: what waits for the caller's decision."""
    of = f"{QUEUE}/{principal.subject}"
    items, last = repo.queue(principal.subject, limit, decode_cursor(cursor, of=of))
    return ApprovalPage(items=items, next_cursor=encode_cursor(last, of=of))
