"""A campaign run's life: started once (by the marketer or a schedule's firing), its
audience frozen into chunks, each chunk sent by a sender, and the run completed when every
chunk is done, that is when every recipient is settled.

Exactly-once at each step: the start is a conditional move of the campaign (two launchers,
or a firing delivered twice, cannot both start it) that spends the daily quotas in the
same transaction; the freeze happens once per run (the run records its audience); a
chunk is sent through the sending core, whose records make a redelivered or re-queued
chunk harmless; a chunk's recipients that are still pending (throttled) go back on the
queue, delayed, never dropped; the run's done-chunk set counts each chunk once.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from campaigns.campaign.models import LAUNCHABLE, Campaign, CampaignStatus, Run
from campaigns.campaign.ports import CampaignPorts
from campaigns.campaign.repository import QuotaExceeded, day_of
from campaigns.campaign.usecases import channels, get_campaign, move, retry_after
from campaigns.events import AbTestDue, CampaignCompleted, CampaignStarted
from campaigns.sending.models import MAX_CONTACTS, SendRequest
from campaigns.sending.usecases import TemplateMissing
from shared.errors import Conflict, StaleVersion, TooManyRequests
from shared.events import new_event
from shared.observability import logger

DEFAULT_LIMITS = {"account": 100_000, "marketer": 50_000}  # recipients launched per UTC day
MAX_DELAY_SECONDS = 900  # SQS's longest message delay
VARIANTS = "ABCD"


def source_of(campaign_id: str, run: int) -> str:
    return f"campaign-{campaign_id}-{run}"


def sending_limits(ports: CampaignPorts) -> dict[str, int]:
    return {**DEFAULT_LIMITS, **(ports.campaigns.limits() or {})}


def start(campaign_id: str, *, by: str, fired_for: str | None, ports: CampaignPorts) -> Campaign:
    """Start a run now (``fired_for`` None: the marketer's ``send``) or for a schedule's firing.
    A firing that is stale (the schedule changed), repeated, or finds the campaign no longer
    scheduled does nothing; a second ``send`` of a campaign already started is a 409."""
    campaign = get_campaign(campaign_id, ports)
    if fired_for is not None and not _due(campaign, fired_for):
        logger.info("campaign firing ignored", extra={"campaign_id": campaign_id, "status": campaign.status.value})
        return campaign
    if fired_for is None and campaign.status not in LAUNCHABLE:
        raise Conflict(
            f"the campaign is {campaign.status.value}: it cannot be sent again", status=campaign.status.value
        )
    estimate = sum(1 for _ in ports.audience.resolve(campaign.segment_ids, campaign.exclude_segment_ids))
    estimate *= len(channels(campaign.channel))
    now = ports.clock()
    number = (campaign.run.number if campaign.run else 0) + 1
    started = campaign.model_copy(
        update={
            "status": CampaignStatus.SENDING,
            "reason": None,
            "run": Run(number=number, fired_for=fired_for, started_at=now),
            "updated_at": now,
            "version": campaign.version + 1,
        }
    )
    event = new_event(CampaignStarted(campaign_id=campaign.id, run=number, estimated_audience=estimate))
    quota = (day_of(now), by, estimate, sending_limits(ports))
    try:
        ports.campaigns.save(started, campaign.version, [event], quota=quota)
    except QuotaExceeded as exc:
        detail = f"the {exc.which}'s daily sending quota would be passed by {estimate} recipients"
        if fired_for is None:
            raise TooManyRequests(detail, retry_after=retry_after(now), quota=exc.which) from None
        return _skip_firing(campaign, detail, ports)
    logger.info("campaign started", extra={"campaign_id": campaign.id, "run": number, "estimate": estimate})
    return started


def _due(campaign: Campaign, fired_for: str) -> bool:
    plan = campaign.schedule
    if campaign.status is not CampaignStatus.SCHEDULED or plan is None:
        return False
    if plan.at is not None and fired_for != plan.at.isoformat():
        return False  # a schedule replaced since
    return campaign.run is None or campaign.run.fired_for != fired_for


def _skip_firing(campaign: Campaign, reason: str, ports: CampaignPorts) -> Campaign:
    recurring = campaign.schedule is not None and campaign.schedule.cron is not None
    status = CampaignStatus.SCHEDULED if recurring else CampaignStatus.FAILED
    moved = campaign.model_copy(
        update={"status": status, "reason": reason, "updated_at": ports.clock(), "version": campaign.version + 1}
    )
    ports.campaigns.save(moved, campaign.version)
    return moved


def _split(ids: list[str]) -> Iterator[list[str]]:
    for start_at in range(0, len(ids), MAX_CONTACTS):
        yield ids[start_at : start_at + MAX_CONTACTS]


def freeze(campaign_id: str, run: int, ports: CampaignPorts) -> None:
    """CampaignStarted: the run's audience, resolved now, becomes its chunks (once), and the
    chunks go on the senders' queue. A redelivery after the freeze only queues again the
    chunks not done (harmless: sends are recorded)."""
    campaign = ports.campaigns.get(campaign_id)
    if campaign is None or campaign.run is None or campaign.run.number != run:
        return
    if campaign.run.audience is not None:
        if campaign.status is CampaignStatus.SENDING:
            enqueue_remaining(campaign, ports)
        return
    if campaign.status not in (CampaignStatus.SENDING, CampaignStatus.PAUSED):
        return
    ids = list(dict.fromkeys(ports.audience.resolve(campaign.segment_ids, campaign.exclude_segment_ids)))
    chunks = _chunks(campaign, run, ids)
    ports.campaigns.write_chunks(campaign.id, run, chunks)
    frozen = _with_run(campaign.id, ports, audience=len(ids), chunks=len(chunks))
    if frozen is None:
        return
    logger.info("audience frozen", extra={"campaign_id": campaign.id, "run": run, "audience": len(ids)})
    if not chunks:
        complete(campaign.id, run, ports)
        return
    if frozen.ab_test is not None:
        when = ports.clock() + timedelta(minutes=frozen.ab_test.wait_minutes)
        ports.schedules.at(
            f"campaign-{campaign.id}-ab-{run}", when, new_event(AbTestDue(campaign_id=campaign.id, run=run))
        )
    if frozen.status is CampaignStatus.SENDING:
        enqueue_remaining(frozen, ports)


def _chunks(campaign: Campaign, run: int, ids: list[str]) -> list[tuple[list[str], str | None, str]]:
    test = campaign.ab_test
    if test is None:
        return [(part, None, "pending") for part in _split(ids)]
    # A/B: a random sample, the same for every redelivery of this run, split among the variants.
    ids = sorted(ids)
    random.Random(f"{campaign.id}-{run}").shuffle(ids)  # noqa: S311 - a fair sample, not a secret
    variants = VARIANTS[: len(test.subjects)]
    size = min(len(ids), max(len(variants), round(len(ids) * test.sample_percent / 100)))
    chunks: list[tuple[list[str], str | None, str]] = []
    for index, letter in enumerate(variants):
        chunks += [(part, letter, "pending") for part in _split(ids[index : size : len(variants)])]
    return chunks + [(part, None, "held") for part in _split(ids[size:])]


def _with_run(campaign_id: str, ports: CampaignPorts, **changes: Any) -> Campaign | None:
    """Change the current run's fields, over whatever else changed meanwhile (a pause)."""
    for _ in range(5):
        campaign = ports.campaigns.get(campaign_id)
        if campaign is None or campaign.run is None:
            return None
        moved = campaign.model_copy(
            update={"run": campaign.run.model_copy(update=changes), "version": campaign.version + 1}
        )
        try:
            ports.campaigns.save(moved, campaign.version)
        except StaleVersion:
            continue
        return moved
    raise StaleVersion(f"campaign {campaign_id} keeps changing: retry")


def resume(campaign_id: str, ports: CampaignPorts) -> Campaign:
    """Back to sending: every chunk not yet done is queued again. A chunk a sender was half
    way through when paused starts over, but its settled recipients are skipped (their send
    records), so the run continues where it stopped and nobody gets two."""
    campaign = get_campaign(campaign_id, ports)
    if campaign.status is CampaignStatus.SENDING:
        return campaign
    if campaign.status is not CampaignStatus.PAUSED or campaign.run is None:
        raise Conflict(f"only a paused campaign can be resumed; this one is {campaign.status.value}")
    resumed = move(campaign, CampaignStatus.SENDING, ports)
    enqueue_remaining(resumed, ports)
    return resumed


def enqueue_remaining(campaign: Campaign, ports: CampaignPorts) -> int:
    """Queue every chunk of the current run that is neither done nor held (an A/B rest)."""
    if campaign.run is None:
        return 0
    run = campaign.run.number
    done = ports.campaigns.done(campaign.id, run)
    messages = [
        {"campaign_id": campaign.id, "run": run, "chunk": c["number"]}
        for c in ports.campaigns.chunks(campaign.id, run)
        if c["state"] == "pending" and c["number"] not in done
    ]
    ports.queue.enqueue(messages)
    return len(messages)


def send_chunk(message: dict[str, Any], ports: CampaignPorts) -> None:
    """One chunk (or what is left of it) to its recipients, on each of the campaign's channels."""
    campaign_id, run, number = str(message["campaign_id"]), int(message["run"]), int(message["chunk"])
    campaign = ports.campaigns.get(campaign_id)
    if campaign is None or campaign.run is None or campaign.run.number != run:
        return
    if campaign.status is not CampaignStatus.SENDING:
        return  # paused: resume queues the chunk again; cancelled or failed: nothing more goes
    chunk = ports.campaigns.chunk(campaign_id, run, number)
    if chunk is None:
        return
    variant = chunk["variant"] or campaign.run.winner
    subject = None
    if campaign.ab_test is not None and variant is not None:
        subject = campaign.ab_test.subjects[VARIANTS.index(variant)]
    pending: set[str] = set()
    for channel in channels(campaign.channel):
        request = SendRequest(
            source=source_of(campaign_id, run),
            channel=channel,
            template_id=campaign.template_id,
            contact_ids=list(message.get("contact_ids") or chunk["contact_ids"]),
            campaign_id=campaign_id,
            campaign_name=campaign.name,
            variant=variant,
            subject=subject,
        )
        try:
            pending |= set(ports.send(request).pending)
        except TemplateMissing:
            fail(campaign_id, "the template was deleted", ports)
            return
    if pending:
        attempt = int(message.get("attempt", 0)) + 1
        later = {**message, "contact_ids": sorted(pending), "attempt": attempt}
        ports.queue.enqueue([later], delay_seconds=min(MAX_DELAY_SECONDS, 2**attempt))
        logger.info("chunk throttled", extra={"campaign_id": campaign_id, "chunk": number, "pending": len(pending)})
        return
    if ports.campaigns.mark_done(campaign_id, run, number) >= campaign.run.chunks:
        complete(campaign_id, run, ports)


def complete(campaign_id: str, run: int, ports: CampaignPorts) -> None:
    """Every chunk is done: the run is complete (``sent``; a recurring campaign is
    ``scheduled`` again for its next firing), with its counts, once."""
    for _ in range(5):
        campaign = ports.campaigns.get(campaign_id)
        if campaign is None or campaign.run is None or campaign.run.number != run or campaign.run.completed_at:
            return
        if campaign.status not in (CampaignStatus.SENDING, CampaignStatus.PAUSED):
            return
        counts = ports.counts(campaign_id, None)
        recurring = campaign.schedule is not None and campaign.schedule.cron is not None
        now = ports.clock()
        moved = campaign.model_copy(
            update={
                "status": CampaignStatus.SCHEDULED if recurring else CampaignStatus.SENT,
                "run": campaign.run.model_copy(update={"completed_at": now}),
                "updated_at": now,
                "version": campaign.version + 1,
            }
        )
        event = CampaignCompleted(
            campaign_id=campaign_id,
            run=run,
            audience=campaign.run.audience or 0,
            sent=_total(counts, "sent."),
            skipped=_total(counts, "skipped."),
            failed=_total(counts, "failed."),
        )
        try:
            ports.campaigns.save(moved, campaign.version, [new_event(event)])
        except StaleVersion:
            continue
        logger.info("campaign run complete", extra={"campaign_id": campaign_id, "run": run})
        return


def _total(counts: dict[str, int], prefix: str) -> int:
    return sum(v for k, v in counts.items() if k.startswith(prefix))


def fail(campaign_id: str, reason: str, ports: CampaignPorts) -> None:
    campaign = ports.campaigns.get(campaign_id)
    if campaign is None or campaign.status in (CampaignStatus.FAILED, CampaignStatus.CANCELLED, CampaignStatus.SENT):
        return
    moved = campaign.model_copy(
        update={
            "status": CampaignStatus.FAILED,
            "reason": reason,
            "updated_at": ports.clock(),
            "version": campaign.version + 1,
        }
    )
    ports.campaigns.save(moved, campaign.version)


def decide(campaign_id: str, run: int, ports: CampaignPorts) -> str | None:
    """AbTestDue: the variant with the best rate (opens or clicks per email sent) wins, and
    the rest of the audience is queued with its subject. Ties go to the first variant."""
    campaign = ports.campaigns.get(campaign_id)
    if campaign is None or campaign.ab_test is None or campaign.run is None or campaign.run.number != run:
        return None
    if campaign.run.winner is not None:
        return campaign.run.winner
    metric = "opened" if campaign.ab_test.metric == "open" else "clicked"
    rates = {}
    for letter in VARIANTS[: len(campaign.ab_test.subjects)]:
        counts = ports.counts(campaign_id, letter)
        rates[letter] = counts.get(metric, 0) / max(1, counts.get("sent.email", 0))
    winner = max(rates, key=lambda v: (rates[v], -VARIANTS.index(v)))
    decided = _with_run(campaign_id, ports, winner=winner)
    for chunk in ports.campaigns.chunks(campaign_id, run):
        if chunk["state"] == "held":
            ports.campaigns.set_chunk(campaign_id, run, chunk["number"], "pending", winner)
    logger.info("A/B winner", extra={"campaign_id": campaign_id, "winner": winner, "rates": rates})
    if decided is not None and decided.status is CampaignStatus.SENDING:
        enqueue_remaining(decided, ports)
    return winner
