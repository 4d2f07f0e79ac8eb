"""Approvals in the pipeline table (pynamodb): the only module that maps them and the policy.

An approval's ``owner_id`` is its current approver, so an approver's queue is one query
of the by_owner index (sk ``APPROVAL``); a finished chain has none and leaves every queue.
Opening and closing a chain set the deal's pending flag in the same transaction
(opportunities.repository's transaction items).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from pipeline import SERVICE
from pipeline.approvals.models import Approval, ApprovalPolicy
from pipeline.opportunities.repository import approval_closed, approval_opened
from pipeline.table.items import ByOwner, OutboxRecord
from pipeline.table.keys import APPROVAL_PREFIX, APPROVAL_SK, approval_key, approval_policy_key
from shared.errors import Conflict, StaleVersion
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of
from shared.outbox import transaction_with_events
from shared.table import save_versioned, table_meta


class ApprovalItem(KeyedItem):
    """pk ``APPROVAL#<id>``, sk ``APPROVAL``; ``owner_id``: the current approver."""

    Meta = table_meta(SERVICE)
    owner_id = UnicodeAttribute(null=True)
    opportunity_id = UnicodeAttribute()
    deal_owner = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    discount_percent = UnicodeAttribute()
    status = UnicodeAttribute()
    steps = JSONAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute()
    by_owner = ByOwner()


class PolicyItem(KeyedItem):
    """pk ``APPROVALS``, sk ``POLICY``."""

    Meta = table_meta(SERVICE)
    policy = JSONAttribute()
    version = NumberAttribute()


def _approval(item: ApprovalItem) -> Approval:
    values = {**fields_of(item), "owner_id": item.deal_owner, "id": item.pk.removeprefix(APPROVAL_PREFIX)}
    return Approval.model_validate(values)


def _item(approval: Approval) -> ApprovalItem:
    current = approval.current
    return ApprovalItem(
        *approval_key(approval.id),
        owner_id=current.approver_id if current else None,
        opportunity_id=approval.opportunity_id,
        deal_owner=approval.owner_id,
        requested_by=approval.requested_by,
        discount_percent=str(approval.discount_percent),
        status=approval.status.value,
        steps=[s.model_dump(mode="json") for s in approval.steps],
        created_at=approval.created_at,
        updated_at=approval.updated_at,
        version=approval.version,
    )


class ApprovalsRepository:
    def policy(self) -> ApprovalPolicy:
        try:
            item = PolicyItem.get(*approval_policy_key(), consistent_read=True)
        except DoesNotExist:
            return ApprovalPolicy()
        return ApprovalPolicy.model_validate({**item.policy, "version": int(item.version)})

    def put_policy(self, policy: ApprovalPolicy, read_version: int) -> None:
        item = PolicyItem(
            *approval_policy_key(), policy=policy.model_dump(mode="json", exclude={"version"}), version=policy.version
        )
        save_versioned(item, read_version, "the approval policy")

    def get(self, approval_id: str) -> Approval | None:
        try:
            return _approval(ApprovalItem.get(*approval_key(approval_id), consistent_read=True))
        except DoesNotExist:
            return None

    def open(self, approval: Approval, events: list[Outgoing]) -> None:
        """Conflict when the deal is closed or already has a chain pending."""
        conflict = "the opportunity is closed or already waits for an approval"
        with transaction_with_events(OutboxRecord, events, conflict=conflict) as tx:
            tx.save(_item(approval), condition=ApprovalItem.pk.does_not_exist())
            approval_opened(tx, approval.opportunity_id)

    def decide(self, before: Approval, after: Approval, events: list[Outgoing], approved: Decimal | None) -> None:
        """StaleVersion when someone decided meanwhile; a finished chain frees the deal."""
        try:
            with transaction_with_events(OutboxRecord, events, conflict="stale") as tx:
                tx.save(_item(after), condition=ApprovalItem.version == before.version)
                if after.current is None:
                    approval_closed(tx, after.opportunity_id, approved)
        except Conflict as exc:
            raise StaleVersion(f"approval {before.id} was decided meanwhile: read it again") from exc

    def queue(self, approver_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[Approval], Any]:
        results = ApprovalItem.by_owner.query(
            approver_id, ApprovalItem.sk == APPROVAL_SK, limit=limit, last_evaluated_key=start
        )
        return [_approval(i) for i in results], results.last_evaluated_key

    def publish(self, events: list[Outgoing]) -> None:
        """Events with no write of their own (a reminder), through the outbox like any other."""
        with transaction_with_events(OutboxRecord, events, conflict="outbox"):
            pass
