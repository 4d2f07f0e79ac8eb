"""In-memory stand-ins for the campaign feature's ports, over the sending core's fakes:
a campaign's tests run the real sending core on fake recipients and a fake provider."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from campaigns.audience.models import AudienceCount, Channel, Recipient
from campaigns.campaign.models import Campaign
from campaigns.campaign.ports import CampaignPorts
from campaigns.campaign.repository import Chunk, QuotaExceeded
from campaigns.sending.models import SendRequest, SendSummary
from campaigns.sending.usecases import send
from services.campaigns.tests.unit.sending.fakes import World
from shared.errors import StaleVersion
from shared.events import Outgoing


class FakeCampaigns:
    def __init__(self) -> None:
        self.items: dict[str, Campaign] = {}
        self.events: list[Outgoing] = []
        self.quota: dict[tuple[str, str], int] = {}
        self.saved_limits: dict[str, Any] | None = None
        self.chunk_items: dict[tuple[str, int, int], Chunk] = {}
        self.done_sets: dict[tuple[str, int], set[int]] = {}

    def get(self, campaign_id: str) -> Campaign | None:
        return self.items.get(campaign_id)

    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Campaign], dict[str, Any] | None]:
        return list(self.items.values())[:limit], None

    def save(
        self,
        campaign: Campaign,
        read_version: int | None,
        events: list[Outgoing] = (),  # type: ignore[assignment]
        *,
        quota: tuple[str, str, int, dict[str, int]] | None = None,
    ) -> None:
        current = self.items.get(campaign.id)
        if (current is None) != (read_version is None) or (current and current.version != read_version):
            raise StaleVersion("changed")
        if quota is not None:
            day, marketer, n, limits = quota
            for which, key in (("account", (day, "")), ("marketer", (day, marketer))):
                if self.quota.get(key, 0) + n > limits[which]:
                    raise QuotaExceeded(which)
            for key in ((day, ""), (day, marketer)):
                self.quota[key] = self.quota.get(key, 0) + n
        self.items[campaign.id] = campaign
        self.events += list(events)

    def spent(self, day: str, marketer: str) -> dict[str, int]:
        return {"account": self.quota.get((day, ""), 0), "marketer": self.quota.get((day, marketer), 0)}

    def limits(self) -> dict[str, Any] | None:
        return self.saved_limits

    def put_limits(self, body: dict[str, Any]) -> None:
        self.saved_limits = body

    def write_chunks(self, campaign_id: str, run: int, chunks: list[tuple[list[str], str | None, str]]) -> None:
        for n, (ids, variant, state) in enumerate(chunks):
            self.chunk_items[(campaign_id, run, n)] = Chunk(number=n, contact_ids=ids, state=state, variant=variant)

    def chunk(self, campaign_id: str, run: int, number: int) -> Chunk | None:
        return self.chunk_items.get((campaign_id, run, number))

    def chunks(self, campaign_id: str, run: int) -> Iterator[Chunk]:
        for (c, r, _), chunk in sorted(self.chunk_items.items()):
            if (c, r) == (campaign_id, run):
                yield chunk

    def set_chunk(self, campaign_id: str, run: int, number: int, state: str, variant: str | None = None) -> None:
        chunk = self.chunk_items[(campaign_id, run, number)]
        chunk["state"] = state
        if variant is not None:
            chunk["variant"] = variant

    def mark_done(self, campaign_id: str, run: int, number: int) -> int:
        done = self.done_sets.setdefault((campaign_id, run), set())
        done.add(number)
        return len(done)

    def done(self, campaign_id: str, run: int) -> set[int]:
        return set(self.done_sets.get((campaign_id, run), set()))


class FakeAudience:
    def __init__(self, segments: dict[str, list[str]], recipients: dict[str, Recipient]) -> None:
        self.segments, self.recipients = segments, recipients

    def resolve(self, segment_ids: list[str], exclude_segment_ids: list[str]) -> Iterator[str]:
        excluded = {c for s in exclude_segment_ids for c in self.segments.get(s, [])}
        seen: set[str] = set()
        for s in segment_ids:
            for c in self.segments.get(s, []):
                if c not in excluded and c not in seen:
                    seen.add(c)
                    yield c

    def count(self, segment_ids: list[str], exclude_segment_ids: list[str], channel: Channel) -> AudienceCount:
        ids = list(self.resolve(segment_ids, exclude_segment_ids))
        eligible = sum(1 for c in ids if c in self.recipients and self.recipients[c].consents(channel))
        return AudienceCount(total=len(ids), eligible=eligible, skipped={})


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[tuple[dict[str, Any], int]] = []

    def enqueue(self, messages: list[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        self.messages += [(m, delay_seconds) for m in messages]

    def drain(self, handle: Any) -> int:
        """Deliver every queued message, including those queued meanwhile; how many."""
        n = 0
        while self.messages:
            message, _ = self.messages.pop(0)
            handle(message)
            n += 1
        return n


class FakeSchedules:
    def __init__(self) -> None:
        self.planned: dict[str, tuple[str, Any, Outgoing]] = {}

    def at(self, name: str, when: datetime, event: Outgoing) -> None:
        self.planned[name] = ("at", when, event)

    def cron(self, name: str, cron: str, timezone: str, event: Outgoing) -> None:
        self.planned[name] = ("cron", cron, event)

    def cancel(self, name: str) -> None:
        self.planned.pop(name, None)


class Shop:
    """A campaign world: segments of recipients, the sending core's fakes, a clock."""

    def __init__(self, segments: dict[str, list[Recipient]], *, tokens: float = float("inf")) -> None:
        everyone = {r.contact_id: r for members in segments.values() for r in members}
        self.world = World(*everyone.values(), tokens=tokens)
        self.campaigns, self.queue, self.schedules = FakeCampaigns(), FakeQueue(), FakeSchedules()
        self.audience = FakeAudience({s: [r.contact_id for r in m] for s, m in segments.items()}, everyone)
        self.ports = CampaignPorts(
            campaigns=self.campaigns,
            templates=self.world.ports.templates,
            audience=self.audience,
            queue=self.queue,
            schedules=self.schedules,
            send=self._send,
            counts=lambda campaign_id, variant: dict(self.world.sends.counts.get(variant or "", {})),
            clock=lambda: self.world.now,
        )

    def _send(self, request: SendRequest) -> SendSummary:
        return send(request, self.world.ports)
