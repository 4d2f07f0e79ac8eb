"""The suppression list: addresses never mailed again (a hard bounce, a complaint, an operator)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.inputs import RequestModel

ADDRESS = r"^[^@\s]{1,64}@[^@\s]{1,255}$"


class Reason(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    MANUAL = "manual"


class Suppression(BaseModel):
    address: str
    reason: Reason
    at: datetime


class SuppressionIn(RequestModel):
    address: str = Field(min_length=3, max_length=320, pattern=ADDRESS)
    reason: Reason = Reason.MANUAL
