"""Discount approvals: a chain of approvers (the rep's manager, then the next level above a
second threshold), each step's time recorded; a deal is not won while one is pending."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from pipeline.opportunities.models import Percent
from shared.errors import field_error
from shared.inputs import PageQuery, RequestModel


class ApprovalPolicyIn(RequestModel):
    discount_threshold: Percent = Decimal(10)  # above this, a discount needs the manager's approval
    second_level_threshold: Percent = Decimal(25)  # above this, also the next level's
    director_id: str | None = Field(default=None, min_length=1, max_length=128)  # the level above managers
    reminder_hours: float = Field(default=24, gt=0, le=24 * 30)

    @model_validator(mode="after")
    def _ordered(self) -> ApprovalPolicyIn:
        if self.second_level_threshold < self.discount_threshold:
            raise field_error("second_level_threshold", "must be at least discount_threshold")
        return self


class ApprovalPolicy(ApprovalPolicyIn):
    version: int = 0  # 0: the built-in default, never stored


class StepStatus(StrEnum):
    WAITING = "waiting"  # a later level, not asked yet
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Step(BaseModel):
    level: int
    approver_id: str
    status: StepStatus
    requested_at: datetime | None = None
    decided_at: datetime | None = None
    comment: str | None = None


class Approval(BaseModel):
    id: str
    opportunity_id: str
    owner_id: str  # the deal's owner
    requested_by: str
    discount_percent: Decimal
    status: ApprovalStatus
    steps: list[Step]
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.status is StepStatus.PENDING), None)


class ApprovalIn(RequestModel):
    comment: str | None = Field(default=None, max_length=1000)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class DecisionIn(RequestModel):
    decision: Decision
    comment: str | None = Field(default=None, max_length=1000)


class ApprovalPage(BaseModel):
    items: list[Approval]
    next_cursor: str | None = None


class ApprovalQuery(PageQuery):
    mine: int = Field(1, ge=1, le=1, description="1: the approvals waiting for the caller's decision (the only list).")
