"""Fires EventBridge Scheduler schedules: the emulator stores them but never fires them.

Every second the scheduler lists the schedules in the emulator (those the templates
declare and those the services create at run time), works out which are due and
delivers each to its target: an SQS queue, a local function, or an event bus.

Local differences (named in the banner): last-fired times live in memory, so a
schedule missed while the stack was down is not caught up (except a one-shot ``at()``
that deletes itself after completion: still there means not fired); flexible time
windows are ignored (fired at the exact time); a failed delivery is logged, not retried
per the target's RetryPolicy nor sent to its DLQ.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from infra.local.aws import Clients, queue_url_from_arn
from infra.local.log import say

TICK_SECONDS = 1.0
SEARCH_YEARS = 5

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
_WEEKDAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}  # AWS: 1 = Sunday


def with_context(schedule: dict[str, Any], due: datetime) -> dict[str, Any]:
    """The schedule's target with Scheduler's context attributes filled in its ``Input``
    (``<aws.scheduler.scheduled-time>``, ``<aws.scheduler.execution-id>``, ...), as AWS fills
    them on each invocation: how a recurring schedule tells one firing from the next."""
    target = dict(schedule["Target"])
    if "Input" in target:
        values = {
            "<aws.scheduler.schedule-arn>": str(schedule.get("Arn", schedule["Name"])),
            "<aws.scheduler.scheduled-time>": due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "<aws.scheduler.execution-id>": str(uuid.uuid4()),
            "<aws.scheduler.attempt-number>": "1",
        }
        for name, value in values.items():
            target["Input"] = target["Input"].replace(name, value)
    return target


class ExpressionError(ValueError):
    """A schedule expression the local scheduler cannot read."""


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """One cron field: ``*``, ``?``, ``a``, ``a-b``, ``a/n``, ``a-b/n``, ``*/n`` and comma lists."""
    values: set[int] = set()
    for part in text.upper().split(","):
        if part in ("*", "?"):
            values.update(range(low, high + 1))
            continue
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(base, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise ExpressionError(f"cron value out of range [{low}-{high}]: {part}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _number(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise ExpressionError(f"unsupported cron value locally: {text} (L, W and # are not supported)")
    return int(text)


@dataclass(frozen=True)
class Rate:
    seconds: int
    anchor: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        if moment < self.anchor:
            return self.anchor + timedelta(seconds=self.seconds)
        periods = int((moment - self.anchor).total_seconds() // self.seconds) + 1
        return self.anchor + timedelta(seconds=periods * self.seconds)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # AWS numbering: 1 = Sunday ... 7 = Saturday
    years: frozenset[int]
    any_day: bool  # day-of-month is "?" or "*": only the weekday field constrains days
    any_weekday: bool
    zone: ZoneInfo

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        weekday = (day.isoweekday() % 7) + 1  # Python: Monday = 1 ... Sunday = 7
        dom_ok = day.day in self.days
        dow_ok = weekday in self.weekdays
        if self.any_day:
            return dow_ok
        if self.any_weekday:
            return dom_ok
        return dom_ok and dow_ok

    def next_after(self, moment: datetime) -> datetime | None:
        local = moment.astimezone(self.zone).replace(second=0, microsecond=0, tzinfo=None)
        day = local.replace(hour=0, minute=0)
        for _ in range(366 * SEARCH_YEARS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute).replace(tzinfo=self.zone)
                        if candidate > moment:
                            return candidate.astimezone(UTC)
            day += timedelta(days=1)
        return None


@dataclass(frozen=True)
class At:
    when: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        return self.when if self.when > moment else None


Expression = Rate | Cron | At

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def parse(expression: str, timezone: str | None = None, anchor: datetime | None = None) -> Expression:
    """rate(N unit), cron(min hour dom month dow year) or at(yyyy-mm-ddThh:mm:ss)."""
    zone = ZoneInfo(timezone or "UTC")
    text = expression.strip()
    if match := _RATE.match(text):
        unit = match.group(2)
        if unit not in _UNITS:
            raise ExpressionError(f"unknown rate unit: {unit}")
        return Rate(int(match.group(1)) * _UNITS[unit], anchor or datetime.now(UTC))
    if match := _AT.match(text):
        return At(datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).astimezone(UTC))
    if match := _CRON.match(text):
        fields = match.group(1).split()
        if len(fields) != 6:
            raise ExpressionError(f"AWS cron needs 6 fields, got {len(fields)}: {expression}")
        minute, hour, dom, month, dow, year = fields
        return Cron(
            minutes=_field(minute, 0, 59),
            hours=_field(hour, 0, 23),
            days=_field(dom, 1, 31),
            months=_field(month, 1, 12, _MONTHS),
            weekdays=_field(dow, 1, 7, _WEEKDAYS),
            years=_field(year, 1970, 2199),
            any_day=dom in ("?", "*"),
            any_weekday=dow in ("?", "*"),
            zone=zone,
        )
    raise ExpressionError(f"unsupported schedule expression: {expression}")


@dataclass
class _Tracked:
    version: str  # changes when the schedule is updated
    expression: Expression
    due: datetime | None


# (target ARN, Input, whole target) -> None; raises on failure.
Deliver = Callable[[dict[str, Any]], None]
FindFunction = Callable[[str], Any]
InvokeFunction = Callable[[Any, dict[str, Any]], Any]


class Scheduler(threading.Thread):
    """Polls the emulator's schedules and fires the due ones. ``tick(now)`` is one pass."""

    def __init__(
        self,
        clients: Clients,
        find_function: FindFunction | None = None,
        invoke_function: InvokeFunction | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.clients = clients
        self.find_function = find_function
        self.invoke_function = invoke_function
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stopping = threading.Event()
        self.tracked: dict[tuple[str, str], _Tracked] = {}
        self.details: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self.fired = 0
        self.last_error: str | None = None

    def run(self) -> None:
        while not self.stopping.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                say("scheduler", self.last_error)

    def stop(self) -> None:
        self.stopping.set()

    def status(self) -> dict[str, Any]:
        return {
            "name": "scheduler",
            "kind": "scheduler",
            "alive": self.is_alive(),
            "schedules": len(self.tracked),
            "fired": self.fired,
            "last_error": self.last_error,
        }

    def schedules(self) -> list[dict[str, Any]]:
        """Every schedule in the emulator, in full (get_schedule only when it changed)."""
        scheduler = self.clients("scheduler")
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = scheduler.list_schedules(**kwargs)
            for summary in page.get("Schedules", []):
                key = (summary.get("GroupName", "default"), summary["Name"])
                version = str(summary.get("LastModificationDate") or summary.get("CreationDate"))
                cached = self.details.get(key)
                if cached is None or cached[0] != version:
                    full = scheduler.get_schedule(Name=summary["Name"], GroupName=key[0])
                    self.details[key] = (version, full)
                found.append(self.details[key][1])
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def tick(self, now: datetime | None = None) -> int:
        """Fire every schedule due at ``now``. Returns how many fired."""
        now = now or self.clock()
        fired = 0
        seen: set[tuple[str, str]] = set()
        for schedule in self.schedules():
            key = (schedule.get("GroupName", "default"), schedule["Name"])
            seen.add(key)
            if schedule.get("State", "ENABLED") != "ENABLED":
                continue
            tracked = self._track(key, schedule, now)
            if tracked is None or tracked.due is None or tracked.due > now:
                continue
            if not self._within_dates(schedule, now):
                continue
            self._fire(schedule, tracked.due)
            fired += 1
            # At most one firing per tick: occurrences missed in between are skipped.
            tracked.due = tracked.expression.next_after(now)
            if isinstance(tracked.expression, At) and schedule.get("ActionAfterCompletion") == "DELETE":
                self.clients("scheduler").delete_schedule(Name=key[1], GroupName=key[0])
        for gone in set(self.tracked) - seen:
            del self.tracked[gone]
            self.details.pop(gone, None)
        self.fired += fired
        return fired

    def _track(self, key: tuple[str, str], schedule: dict[str, Any], now: datetime) -> _Tracked | None:
        version = f"{schedule['ScheduleExpression']}|{schedule.get('ScheduleExpressionTimezone')}"
        tracked = self.tracked.get(key)
        if tracked is not None and tracked.version == version:
            return tracked
        start = schedule.get("StartDate")
        try:
            expression = parse(schedule["ScheduleExpression"], schedule.get("ScheduleExpressionTimezone"), start or now)
        except ExpressionError as exc:
            say("scheduler", f"{key[1]}: {exc}; not fired locally")
            self.tracked[key] = _Tracked(version, At(now), None)
            return None
        if isinstance(expression, At):
            # A past at() still present fires only if it deletes itself after completion
            # (then its presence proves it never fired); otherwise it is assumed done.
            deletes = schedule.get("ActionAfterCompletion") == "DELETE"
            due: datetime | None = expression.when if expression.when > now or deletes else None
        else:
            due = expression.next_after(now)
        tracked = _Tracked(version, expression, due)
        self.tracked[key] = tracked
        return tracked

    @staticmethod
    def _within_dates(schedule: dict[str, Any], now: datetime) -> bool:
        start, end = schedule.get("StartDate"), schedule.get("EndDate")
        return not (start and now < start) and not (end and now > end)

    def _fire(self, schedule: dict[str, Any], due: datetime) -> None:
        target = with_context(schedule, due)
        arn: str = target["Arn"]
        say("scheduler", f"firing {schedule['Name']} -> {arn}")
        try:
            self.deliver(target)
        except Exception as exc:
            self.last_error = f"{schedule['Name']}: {type(exc).__name__}: {exc}"
            say("scheduler", f"delivery failed (not retried locally): {self.last_error}")

    def deliver(self, target: dict[str, Any]) -> None:
        arn: str = target["Arn"]
        payload: str = target.get("Input") or "{}"
        service = arn.split(":")[2] if arn.startswith("arn:") else ""
        if service == "sqs":
            args: dict[str, Any] = {"QueueUrl": queue_url_from_arn(self.clients, arn), "MessageBody": payload}
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if group:
                args["MessageGroupId"] = group
            self.clients("sqs").send_message(**args)
        elif service == "lambda":
            function = self.find_function(arn) if self.find_function else None
            if function is None or self.invoke_function is None:
                raise LookupError(f"no local function for {arn}")
            invoke, event = self.invoke_function, json.loads(payload)
            # Scheduler invokes Lambda asynchronously: do not hold up the other schedules.
            threading.Thread(target=invoke, args=(function, event), daemon=True).start()
        elif service == "events" and ":event-bus/" in arn:
            params = target.get("EventBridgeParameters") or {}
            entry = {
                "EventBusName": arn.rsplit("event-bus/", 1)[1],
                "Source": params.get("Source", "aws.scheduler"),
                "DetailType": params.get("DetailType", "Scheduled Event"),
                "Detail": payload,
            }
            result = self.clients("events").put_events(Entries=[entry])
            if result.get("FailedEntryCount"):
                raise RuntimeError(f"put_events refused: {result['Entries']}")
        else:
            raise LookupError(f"target type not supported locally: {arn}")
