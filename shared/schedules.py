"""One-time EventBridge Scheduler schedules that put one event on the bus at a set time.

Deadlines (a lead's first contact, a task's reminder, an approval's reminder) are a
schedule each, never a poll of the table: at the due time Scheduler puts the event the
schedule carries on the service's bus, where rules route it like any other event, and
the schedule deletes itself (``ActionAfterCompletion: DELETE``). Locally the stack's
scheduler fires them (infra/local/scheduler.py).

Both operations are idempotent, since they run from consumers that may be redelivered:
creating a schedule that exists is a no-op (its name is the deadline's identity), and
cancelling one that is gone (fired, or cancelled before) is a no-op. A handler of the
fired event must still check its record: a cancellation can race the firing.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from shared.aws import client
from shared.events import Outgoing
from shared.settings import get_settings

_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


def schedule_name(*parts: str) -> str:
    """A schedule's name from its parts (``lead-followup``, an id): Scheduler allows 64
    characters of ``[0-9A-Za-z_.-]``; anything else in an id becomes ``_``."""
    name = re.sub(r"[^0-9A-Za-z_.-]", "_", "-".join(parts))
    if not _NAME.match(name):
        raise ValueError(f"schedule name too long ({len(name)} > 64): {name[:80]}")
    return name


def at_expression(when: datetime) -> str:
    """``at(yyyy-mm-ddThh:mm:ss)`` in UTC (Scheduler has no sub-second times)."""
    return f"at({when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec='seconds')})"


def schedule_event(name: str, when: datetime, event: Outgoing) -> bool:
    """Put ``event`` on the bus at ``when`` (once). False when the schedule already existed."""
    settings = get_settings()
    scheduler = client("scheduler")
    try:
        scheduler.create_schedule(
            Name=name,
            GroupName=settings.schedule_group,
            ScheduleExpression=at_expression(when),
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target={
                "Arn": settings.bus_arn,
                "RoleArn": settings.scheduler_role,
                "EventBridgeParameters": {"Source": event.source, "DetailType": event.detail_type},
                "Input": json.dumps(event.detail),
            },
        )
    except scheduler.exceptions.ConflictException:
        return False
    return True


# Scheduler's context attributes, filled in on each invocation (and by the local scheduler).
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
EXECUTION_ID = "<aws.scheduler.execution-id>"


def schedule_recurring(name: str, cron: str, timezone: str, event: Outgoing) -> None:
    """Put ``event`` on the bus at every time ``cron`` (six fields) names in ``timezone``,
    creating or replacing the schedule. The event is put as given except for Scheduler's
    context attributes: give ``EXECUTION_ID`` as its event id (each firing is a new event,
    not a duplicate of the last) and ``SCHEDULED_TIME`` where the firing's time is wanted."""
    settings = get_settings()
    scheduler = client("scheduler")
    request = {
        "Name": name,
        "GroupName": settings.schedule_group,
        "ScheduleExpression": f"cron({cron})",
        "ScheduleExpressionTimezone": timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": settings.bus_arn,
            "RoleArn": settings.scheduler_role,
            "EventBridgeParameters": {"Source": event.source, "DetailType": event.detail_type},
            "Input": json.dumps(event.detail),
        },
    }
    try:
        scheduler.create_schedule(**request)
    except scheduler.exceptions.ConflictException:
        scheduler.update_schedule(**request)


def cancel_schedule(name: str) -> bool:
    """Delete the schedule; False when it was already gone (fired or cancelled)."""
    scheduler = client("scheduler")
    try:
        scheduler.delete_schedule(Name=name, GroupName=get_settings().schedule_group)
    except scheduler.exceptions.ResourceNotFoundException:
        return False
    return True
