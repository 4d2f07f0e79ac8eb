"""Opt-outs in the campaigns table: the marker ``TRACK#<source>``/``UNSUB#<contact>#<channel>``
(keys.unsubscribed_key), the campaign's ``unsubscribed`` counter and the event, in one transaction."""

from __future__ import annotations

from campaigns.table.keys import unsubscribed_key
from campaigns.table.writes import once, put_new, stats_entries, table
from campaigns.unsubscribe.models import OptOut
from shared.events import Outgoing
from shared.outbox import outbox_put


class OptOutRepository:
    def record(self, opt_out: OptOut, campaign_id: str | None, event: Outgoing) -> bool:
        marker = put_new(
            unsubscribed_key(opt_out.source, opt_out.contact_id, opt_out.channel), {"at": event.detail["data"]["at"]}
        )
        return once([marker, *stats_entries(campaign_id, {"unsubscribed": 1}), outbox_put(table(), event)])
