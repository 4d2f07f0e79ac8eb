"""Tasks: request and response bodies (follow-up calls, emails, meetings and to-dos)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, model_validator

from shared.errors import field_error
from shared.inputs import PageQuery, RequestModel


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# Times come with their offset (a naive time is refused: whose 9 o'clock?), kept in UTC.
When = Annotated[AwareDatetime, AfterValidator(_utc)]
RecordId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@:-]+$")]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Notes = Annotated[str, Field(max_length=4000)]
Outcome = Annotated[str, Field(min_length=1, max_length=1000)]


class TaskKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TODO = "todo"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


def _reminder_before_due(remind_at: datetime | None, due_at: datetime | None) -> None:
    if remind_at is not None and due_at is not None and remind_at > due_at:
        raise field_error("remind_at", "the reminder must come at or before due_at")


class TaskIn(RequestModel):
    kind: TaskKind
    title: Title
    notes: Notes | None = None
    due_at: When
    remind_at: When | None = None
    assignee_id: RecordId | None = None  # the caller by default
    contact_id: RecordId | None = None
    opportunity_id: RecordId | None = None

    @model_validator(mode="after")
    def _reminder(self) -> TaskIn:
        _reminder_before_due(self.remind_at, self.due_at)
        return self


class TaskPatch(RequestModel):
    """What PATCH /tasks/{id} may change. ``status`` only closes a task (done or cancelled);
    ``outcome`` goes with done. ``notes``/``remind_at`` may be cleared with null."""

    title: Title | None = None
    notes: Notes | None = None
    due_at: When | None = None
    remind_at: When | None = None
    assignee_id: RecordId | None = None
    status: Literal["done", "cancelled"] | None = None
    outcome: Outcome | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TaskPatch:
        for name in ("title", "due_at", "assignee_id", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise field_error(name, "may not be null")
        if self.outcome is not None and self.status != TaskStatus.DONE.value:
            raise field_error("outcome", "an outcome goes with status done")
        _reminder_before_due(self.remind_at, self.due_at)
        return self


class Task(BaseModel):
    id: str
    kind: TaskKind
    title: str
    notes: str | None = None
    due_at: datetime
    remind_at: datetime | None = None
    assignee_id: str
    contact_id: str | None = None
    opportunity_id: str | None = None
    status: TaskStatus = TaskStatus.OPEN
    outcome: str | None = None
    created_by: str
    created_at: datetime
    completed_at: datetime | None = None
    version: int = 1
    # The reminder time a TaskDue was published for (kept, not shown): a late or repeated
    # fire of the same reminder publishes nothing more.
    reminded_for: datetime | None = Field(default=None, exclude=True)

    @property
    def reminder(self) -> datetime:
        """When the assignee is reminded: ``remind_at``, or ``due_at`` without one."""
        return self.remind_at or self.due_at

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.OPEN


class TaskPage(BaseModel):
    items: list[Task]
    next_cursor: str | None = None


class TaskQuery(PageQuery):
    assignee_id: RecordId | None = Field(None, description="Only this assignee's tasks (within the caller's reach).")
    status: TaskStatus | None = Field(None, description="Only tasks in this status: open, done or cancelled.")
    due_from: When | None = Field(None, description="Tasks due at or after this time (with its offset).")
    due_to: When | None = Field(None, description="Tasks due at or before this time (with its offset).")
    contact_id: RecordId | None = Field(None, description="Only tasks about this contact.")
    opportunity_id: RecordId | None = Field(None, description="Only tasks about this opportunity.")


class TaskFilter(BaseModel):
    """What a list keeps of the query (besides whose tasks)."""

    status: TaskStatus | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    contact_id: str | None = None
    opportunity_id: str | None = None
