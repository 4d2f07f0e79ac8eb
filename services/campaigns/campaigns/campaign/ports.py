"""What the campaign feature's use cases need from the rest of the service, as protocols
(bootstrap.py gives the real ones, the unit tests fakes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from campaigns.audience.models import AudienceCount, Channel
from campaigns.campaign.models import Campaign
from campaigns.campaign.repository import Chunk
from campaigns.sending.models import SendRequest, SendSummary
from campaigns.templates.models import Template
from shared.events import Outgoing


class CampaignStore(Protocol):
    def get(self, campaign_id: str) -> Campaign | None: ...
    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Campaign], dict[str, Any] | None]: ...
    def save(
        self,
        campaign: Campaign,
        read_version: int | None,
        events: list[Outgoing] = ...,
        *,
        quota: tuple[str, str, int, dict[str, int]] | None = None,
    ) -> None: ...
    def spent(self, day: str, marketer: str) -> dict[str, int]: ...
    def limits(self) -> dict[str, Any] | None: ...
    def put_limits(self, body: dict[str, Any]) -> None: ...
    def write_chunks(self, campaign_id: str, run: int, chunks: list[tuple[list[str], str | None, str]]) -> None: ...
    def chunk(self, campaign_id: str, run: int, number: int) -> Chunk | None: ...
    def chunks(self, campaign_id: str, run: int) -> Iterator[Chunk]: ...
    def set_chunk(self, campaign_id: str, run: int, number: int, state: str, variant: str | None = None) -> None: ...
    def mark_done(self, campaign_id: str, run: int, number: int) -> int: ...
    def done(self, campaign_id: str, run: int) -> set[int]: ...


class Templates(Protocol):
    def get(self, template_id: str) -> Template | None: ...


class Audience(Protocol):
    def resolve(self, segment_ids: list[str], exclude_segment_ids: list[str]) -> Iterator[str]: ...
    def count(self, segment_ids: list[str], exclude_segment_ids: list[str], channel: Channel) -> AudienceCount: ...


class ChunkQueue(Protocol):
    def enqueue(self, messages: list[dict[str, Any]], *, delay_seconds: int = 0) -> None: ...


class Schedules(Protocol):
    def at(self, name: str, when: datetime, event: Outgoing) -> None: ...
    def cron(self, name: str, cron: str, timezone: str, event: Outgoing) -> None: ...
    def cancel(self, name: str) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CampaignPorts:
    campaigns: CampaignStore
    templates: Templates
    audience: Audience
    queue: ChunkQueue
    schedules: Schedules
    send: Callable[[SendRequest], SendSummary]
    counts: Callable[[str, str | None], dict[str, int]]  # table.stats.read_counts
    clock: Callable[[], datetime] = _now
