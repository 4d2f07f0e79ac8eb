"""Opens and clicks, independent of HTTP and DynamoDB (tested with fakes).

Each fact is recorded once per (source, contact): a marker item written on a condition in
the same transaction as its counter and its event, so a pixel fetched ten times counts one
open and publishes one EmailOpened; later fetches add to the totals only (``opens``,
``clicks``). A person's first open is recorded even after a scanner's (both kinds have
their marker): ``opened`` counts people, ``opened.machine`` the machine fetches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from campaigns.events import EmailClicked, EmailOpened
from campaigns.tracking.models import Visit
from campaigns.tracking.scanners import is_machine_open
from campaigns.tracking.tokens import verify
from shared.events import Outgoing, new_event

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class Tracking(Protocol):
    def first_open(self, visit: Visit, machine: bool, event: Outgoing) -> bool: ...
    def first_click(self, visit: Visit, event: Outgoing) -> bool: ...
    def add_totals(self, visit: Visit, counts: dict[str, int]) -> None: ...
    def remember_click(self, visit: Visit, at: datetime) -> None: ...


def record_open(token: str, user_agent: str | None, repo: Tracking, clock: Clock = _now) -> bool:
    """The pixel was fetched; False when the token is not one of ours (the route's 404)."""
    visit = Visit.of(verify("open", token))
    if visit is None:
        return False
    at = clock()
    machine = is_machine_open(user_agent, visit.sent_at, at)
    event = EmailOpened(
        source=visit.source, campaign_id=visit.campaign_id, contact_id=visit.contact_id, machine=machine, at=at
    )
    if not repo.first_open(visit, machine, new_event(event)) and not machine:
        repo.add_totals(visit, {"opens": 1})
    return True


def record_click(token: str, repo: Tracking, clock: Clock = _now) -> str | None:
    """A link was followed: the URL the token signed (where to redirect), None when the
    token is not one of ours. The last click is kept for attribution, every time."""
    visit = Visit.of(verify("click", token))
    if visit is None or not visit.url:
        return None
    at = clock()
    event = EmailClicked(
        source=visit.source, campaign_id=visit.campaign_id, contact_id=visit.contact_id, url=visit.url, at=at
    )
    if not repo.first_click(visit, new_event(event)):
        repo.add_totals(visit, {"clicks": 1})
    if visit.campaign_id is not None:
        repo.remember_click(visit, at)
    return visit.url
