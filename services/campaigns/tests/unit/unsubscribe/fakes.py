"""In-memory stand-ins for the opt-outs and the suppression list."""

from __future__ import annotations

from datetime import datetime

from campaigns.suppression.models import Suppression
from campaigns.table.keys import address_digest
from campaigns.unsubscribe.models import OptOut
from shared.events import Outgoing


class FakeOptOuts:
    def __init__(self) -> None:
        self.recorded: dict[tuple[str, str, str], tuple[str | None, Outgoing]] = {}

    def record(self, opt_out: OptOut, campaign_id: str | None, event: Outgoing) -> bool:
        key = (opt_out.source, opt_out.contact_id, opt_out.channel)
        if key in self.recorded:
            return False
        self.recorded[key] = (campaign_id, event)
        return True


class FakeSuppressions:
    def __init__(self) -> None:
        self.items: dict[str, Suppression] = {}

    def add(self, address: str, reason: str, at: datetime) -> bool:
        key = address_digest(address)
        if key in self.items:
            return False
        self.items[key] = Suppression(address=address, reason=reason, at=at)  # type: ignore[arg-type]
        return True

    def get(self, address: str) -> Suppression | None:
        return self.items.get(address_digest(address))

    def suppressed(self, addresses: list[str]) -> set[str]:
        return {a for a in addresses if address_digest(a) in self.items}

    def remove(self, address: str) -> bool:
        return self.items.pop(address_digest(address), None) is not None


class FakeFeedbackLog:
    def __init__(self) -> None:
        self.seen: dict[str, tuple[str | None, dict[str, int], Outgoing | None]] = {}

    def record(self, feedback_id: str, campaign_id: str | None, counts: dict[str, int], event: Outgoing | None) -> bool:
        if feedback_id in self.seen:
            return False
        self.seen[feedback_id] = (campaign_id, counts, event)
        return True
