"""The senders: SQS job workers taking one chunk of a frozen audience per message."""

from __future__ import annotations

from typing import Any

from shared.jobs import job_worker


def _send(message: dict[str, Any]) -> None:
    from campaigns import bootstrap
    from campaigns.campaign.runs import send_chunk

    send_chunk(message, bootstrap.campaign_ports())


send_worker = job_worker("send_worker", _send)
