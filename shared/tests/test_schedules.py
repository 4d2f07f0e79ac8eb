"""One-time schedules: the event they carry reaches the bus as the outbox would send it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from shared.events import Event, new_event
from shared.schedules import at_expression, cancel_schedule, schedule_event, schedule_name


class Due(Event):
    bus_source = "crm.kernel"
    n: int


WHEN = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def test_names_are_what_scheduler_accepts() -> None:
    assert schedule_name("lead-followup", "a/b c") == "lead-followup-a_b_c"
    with pytest.raises(ValueError, match="too long"):
        schedule_name("x" * 70)
    assert at_expression(WHEN) == "at(2030-01-02T03:04:05)"


def test_create_is_idempotent_and_cancel_tolerates_gone(aws: None) -> None:
    event = new_event(Due(n=1))
    assert schedule_event("due-1", WHEN, event) is True
    assert schedule_event("due-1", WHEN, event) is False
    stored = boto3.client("scheduler").get_schedule(Name="due-1", GroupName="default")
    assert stored["ScheduleExpression"] == "at(2030-01-02T03:04:05)"
    assert stored["ActionAfterCompletion"] == "DELETE"
    assert json.loads(stored["Target"]["Input"]) == event.detail
    assert cancel_schedule("due-1") is True
    assert cancel_schedule("due-1") is False
