"""Campaigns, their frozen audience chunks and the daily quotas in the campaigns table (the
only module that maps them).

A campaign is one item in the ``CAMPAIGNS`` partition (listed by one query), its body as
JSON beside its ``status`` and ``version``: every change is conditional on the version
read, so two launchers, a pause racing a resume, or a fire racing an edit cannot both
win. A launch commits, in one transaction, the campaign's move to ``sending``, the daily
quotas it spends (conditional on staying under their limits) and its ``CampaignStarted``
event; the audience is then frozen into chunks of at most 100 contacts at
``CAMPAIGN#<id>``/``CHUNK#<run>#<n>``, each ``pending`` until its sender is done with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, NumberSetAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from campaigns import SERVICE
from campaigns.campaign.models import Campaign
from campaigns.table.items import OutboxRecord
from campaigns.table.keys import (
    CAMPAIGN_PREFIX,
    CAMPAIGNS,
    CHUNK_PREFIX,
    campaign_key,
    campaign_pk,
    chunk_key,
    limits_key,
    quota_key,
    run_key,
)
from shared.errors import StaleVersion
from shared.events import Outgoing
from shared.items import KeyedItem
from shared.outbox import outbox_record
from shared.table import MixedTransaction, is_conditional_failure, table_meta


class QuotaExceeded(Exception):
    def __init__(self, which: str) -> None:
        super().__init__(which)
        self.which = which  # "account" or "marketer"


class CampaignItem(KeyedItem):
    """pk ``CAMPAIGNS``, sk ``CAMPAIGN#<id>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()


class ChunkItem(KeyedItem):
    """pk ``CAMPAIGN#<id>``, sk ``CHUNK#<run>#<n>``: up to 100 contacts of a frozen audience."""

    Meta = table_meta(SERVICE)
    contact_ids = ListAttribute(of=UnicodeAttribute)
    state = UnicodeAttribute()  # pending | done | held (an A/B test's rest, until the winner is known)
    variant = UnicodeAttribute(null=True)


class QuotaItem(KeyedItem):
    """pk ``QUOTA#<day>``, sk ``ACCOUNT`` or ``MARKETER#<sub>``: recipients launched that day."""

    Meta = table_meta(SERVICE)
    launched = NumberAttribute(default=0)


class LimitsItem(KeyedItem):
    Meta = table_meta(SERVICE)
    body = JSONAttribute()


def _campaign(item: CampaignItem) -> Campaign:
    return Campaign.model_validate({**item.body, "status": item.status, "version": int(item.version)})


def _item(campaign: Campaign) -> CampaignItem:
    return CampaignItem(
        *campaign_key(campaign.id),
        body=campaign.model_dump(mode="json", exclude={"version", "status"}),
        status=campaign.status.value,
        version=campaign.version,
    )


class Chunk(dict[str, Any]):
    """A chunk as read: ``number``, ``contact_ids``, ``state``, ``variant``."""


class RunItem(KeyedItem):
    """pk ``CAMPAIGN#<id>``, sk ``RUN#<n>``: the numbers of the run's chunks that are done, a
    set, so marking one twice counts it once and one UpdateItem says how many are done."""

    Meta = table_meta(SERVICE)
    done = NumberSetAttribute(null=True)


class RunProgress:
    def mark_done(self, campaign_id: str, run: int, number: int) -> int:
        """Mark chunk ``number`` done; how many of the run's chunks are done now."""
        item = RunItem(*run_key(campaign_id, run))
        item.update(actions=[RunItem.done.add({number})])
        return len(item.done or ())

    def done(self, campaign_id: str, run: int) -> set[int]:
        try:
            return {int(n) for n in RunItem.get(*run_key(campaign_id, run), consistent_read=True).done or ()}
        except DoesNotExist:
            return set()


class CampaignRepository(RunProgress):
    def get(self, campaign_id: str) -> Campaign | None:
        try:
            return _campaign(CampaignItem.get(*campaign_key(campaign_id), consistent_read=True))
        except DoesNotExist:
            return None

    def page(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Campaign], dict[str, Any] | None]:
        results = CampaignItem.query(
            CAMPAIGNS, CampaignItem.sk.startswith(CAMPAIGN_PREFIX), limit=limit, last_evaluated_key=start
        )
        return [_campaign(i) for i in results], results.last_evaluated_key

    def save(
        self,
        campaign: Campaign,
        read_version: int | None,
        events: list[Outgoing] = (),  # type: ignore[assignment]
        *,
        quota: tuple[str, str, int, dict[str, int]] | None = None,
    ) -> None:
        """Store ``campaign`` over the version read (None: new) with its ``events``; with
        ``quota`` = (day, marketer, recipients, limits), spend that day's quotas in the same
        transaction or raise ``QuotaExceeded`` naming the one that would be passed."""
        tx = MixedTransaction()
        condition = CampaignItem.pk.does_not_exist() if read_version is None else CampaignItem.version == read_version
        tx.save(_item(campaign), condition=condition, tag="campaign")
        for event in events:
            tx.save(outbox_record(OutboxRecord, event))
        if quota is not None:
            day, marketer, n, limits = quota
            for which, key in (("account", quota_key(day)), ("marketer", quota_key(day, marketer))):
                item = QuotaItem(*key)
                limit = limits[which]
                if n > limit:
                    raise QuotaExceeded(which)
                tx.update(
                    item,
                    actions=[QuotaItem.launched.add(n)],
                    condition=QuotaItem.launched.does_not_exist() | (QuotaItem.launched <= limit - n),
                    tag=which,
                )
        try:
            tx.commit()
        except TransactWriteError as exc:
            failed = tx.failed(exc)
            for which in ("account", "marketer"):
                if which in failed:
                    raise QuotaExceeded(which) from None
            if "campaign" in failed or is_conditional_failure(exc):
                raise StaleVersion(f"campaign {campaign.id} changed meanwhile: read it again") from None
            raise

    def spent(self, day: str, marketer: str) -> dict[str, int]:
        found = {}
        for which, key in (("account", quota_key(day)), ("marketer", quota_key(day, marketer))):
            try:
                found[which] = int(QuotaItem.get(*key, consistent_read=True).launched)
            except DoesNotExist:
                found[which] = 0
        return found

    def limits(self) -> dict[str, Any] | None:
        try:
            return dict(LimitsItem.get(*limits_key(), consistent_read=True).body)
        except DoesNotExist:
            return None

    def put_limits(self, body: dict[str, Any]) -> None:
        LimitsItem(*limits_key(), body=body).save()

    # --- the frozen audience ------------------------------------------------------------

    def write_chunks(self, campaign_id: str, run: int, chunks: list[tuple[list[str], str | None, str]]) -> None:
        """Chunks (contact ids, variant, state) numbered from 0, in batches (BatchWriteItem)."""
        with ChunkItem.batch_write() as batch:
            for number, (ids, variant, state) in enumerate(chunks):
                batch.save(
                    ChunkItem(*chunk_key(campaign_id, run, number), contact_ids=ids, state=state, variant=variant)
                )

    def chunk(self, campaign_id: str, run: int, number: int) -> Chunk | None:
        try:
            item = ChunkItem.get(*chunk_key(campaign_id, run, number), consistent_read=True)
        except DoesNotExist:
            return None
        return Chunk(number=number, contact_ids=list(item.contact_ids), state=item.state, variant=item.variant)

    def chunks(self, campaign_id: str, run: int) -> Iterator[Chunk]:
        prefix = f"{CHUNK_PREFIX}{run}#"
        for item in ChunkItem.query(campaign_pk(campaign_id), ChunkItem.sk.startswith(prefix), consistent_read=True):
            number = int(item.sk[len(prefix) :])
            yield Chunk(number=number, contact_ids=list(item.contact_ids), state=item.state, variant=item.variant)

    def set_chunk(self, campaign_id: str, run: int, number: int, state: str, variant: str | None = None) -> None:
        actions: list[Any] = [ChunkItem.state.set(state)]
        if variant is not None:
            actions.append(ChunkItem.variant.set(variant))
        ChunkItem(*chunk_key(campaign_id, run, number)).update(actions=actions)


def day_of(when: datetime) -> str:
    return when.date().isoformat()


class SendQueue:
    """The senders' queue (``CRM_SENDS_QUEUE_URL``): one small message per chunk, ten a call."""

    def enqueue(self, messages: list[dict[str, Any]], *, delay_seconds: int = 0) -> None:
        import json

        from shared.aws import client
        from shared.settings import get_settings

        url = get_settings().queue_url("sends")
        sqs = client("sqs")
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(i), "MessageBody": json.dumps(m, separators=(",", ":")), "DelaySeconds": delay_seconds}
                for i, m in enumerate(messages[start : start + 10])
            ]
            failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed") or []
            if failed:
                raise RuntimeError(f"{len(failed)} chunk messages not queued: {failed[0].get('Code')}")


class CampaignSchedules:
    """The campaign's schedules in EventBridge Scheduler (shared.schedules)."""

    def at(self, name: str, when: datetime, event: Outgoing) -> None:
        from shared.schedules import schedule_event

        schedule_event(name, when, event)

    def cron(self, name: str, cron: str, timezone: str, event: Outgoing) -> None:
        from shared.schedules import schedule_recurring

        schedule_recurring(name, cron, timezone, event)

    def cancel(self, name: str) -> None:
        from shared.schedules import cancel_schedule

        cancel_schedule(name)
