"""The campaign send pipeline end to end through a local stack: N recipients already in
campaigns' recipient view (written in the audience repository's own items, as its
consumers would have left them), one campaign sent; the time from ``POST .../send`` until
the campaign is ``sent`` (every recipient settled) and the emulator's SES holds every email.

What it crosses: the launch (quotas and CampaignStarted in one transaction), the freeze
(the audience into chunks of 100, one SQS message each), the senders (per chunk: its send
records read and claimed, consent and suppression checked, tokens from the shared bucket,
SendBulkEmail of 45, each slice settled with its events and counters). The local stack
runs every sender in one process (one poller per queue): the rate is a floor for AWS,
where senders run side by side under the bucket. Beside it, what one chunk costs in
calls and items, counted on the clients of a chunk sent from here.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from typing import Any

HEADER = ("measure", "recipients", "seconds", "emails/s", "target")
COST_HEADER = ("one chunk of 100 recipients", "calls", "items read", "items written", "ms alone")


def _seed(segment: str, n: int) -> list[str]:
    """``n`` consenting recipients in ``segment``, in BatchWriteItem calls of 25."""
    from datetime import UTC, datetime

    from campaigns.audience.models import Membership, Recipient, RecipientState
    from campaigns.audience.repository import MembershipItem, RecipientItem, _item
    from campaigns.table.keys import member_key

    now = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with RecipientItem.batch_write() as recipients, MembershipItem.batch_write() as members:
        for contact_id in ids:
            recipient = Recipient(
                contact_id=contact_id,
                email=f"b-{contact_id[:12]}@example.com",
                first_name="Bench",
                consent={"email:marketing": True},
                segments=[segment],
            )
            state = RecipientState(
                recipient=recipient,
                consent_at={"email:marketing": now},
                memberships={segment: Membership(member=True, at=now)},
            )
            recipients.save(_item(state.model_copy(update={"version": 1})))
            members.save(MembershipItem(*member_key(segment, contact_id), contact_id=contact_id))
    return ids


def _api(stack: Any, method: str, path: str, body: Any = None) -> Any:
    answer = stack.session.request(
        method,
        f"{stack.url}/campaigns{path}",
        json=body,
        headers={"Authorization": f"Bearer {stack.token('marketer')}"},
        timeout=60,
    )
    answer.raise_for_status()
    return answer.json()


def send_rate(stack: Any, recipients: int) -> tuple[float, int]:
    segment = f"bench-{uuid.uuid4().hex[:6]}"
    _seed(segment, recipients)
    body = {
        "name": "Bench",
        "subject": "Hi {{ contact.first_name }}",
        "html": "<p>Hi</p><a href='https://e.com/x'>x</a>",
        "text": "Hi",
    }
    template = _api(stack, "POST", "/templates", body)
    campaign = _api(
        stack, "POST", "/campaigns", {"name": "Bench", "template_id": template["id"], "segment_ids": [segment]}
    )
    limits = {"account": 10_000_000, "marketer": 10_000_000}
    stack.session.put(
        f"{stack.url}/campaigns/sending-limits",
        json=limits,
        headers={"Authorization": f"Bearer {stack.token('admin')}"},
        timeout=30,
    ).raise_for_status()
    started = time.perf_counter()
    _api(stack, "POST", f"/campaigns/{campaign['id']}/send")
    while _api(stack, "GET", f"/campaigns/{campaign['id']}")["status"] != "sent":
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    report = _api(stack, "GET", f"/campaigns/{campaign['id']}/report")
    return seconds, int(report["sent"])


def chunk_cost() -> tuple[int, int, int, float]:
    """One chunk sent from this process against the stack's emulator: the calls its clients
    made and the items they read and wrote."""
    from campaigns import bootstrap
    from campaigns.audience.models import Channel
    from campaigns.sending.models import SendRequest
    from campaigns.sending.usecases import send
    from shared.aws import client

    segment = f"cost-{uuid.uuid4().hex[:6]}"
    ids = _seed(segment, 100)
    found, _ = bootstrap.templates().page(1, None)
    calls: Counter[str] = Counter()
    items = {"read": 0, "written": 0}

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls[model.name] += 1
        if model.name == "BatchGetItem":
            items["read"] += sum(len(v["Keys"]) for v in params["RequestItems"].values())
        elif model.name in ("GetItem", "Query"):
            items["read"] += 1
        elif model.name == "TransactWriteItems":
            items["written"] += len(params["TransactItems"])
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            items["written"] += 1

    clients = [client("dynamodb"), client("dynamodb", validate=False), bootstrap.bulk_mailer().client]
    for c in clients:
        c.meta.events.register("provide-client-params.*.*", count)
    request = SendRequest(source=f"bench-{segment}", channel=Channel.EMAIL, template_id=found[0].id, contact_ids=ids)
    began = time.perf_counter()
    summary = send(request, bootstrap.send_ports())
    elapsed = time.perf_counter() - began  # the stack idle meanwhile (its relay excepted)
    for c in clients:
        c.meta.events.unregister("provide-client-params.*.*", count)
    assert summary.sent == 100, summary
    return sum(calls.values()), items["read"], items["written"], elapsed


def run(stack: Any, *, recipients: int = 20_000) -> str:
    from infra.bench import table
    from shared.settings import function_environment

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # the emulator's: any will do
        os.environ.setdefault(name, "testing")
    environment = {
        "AWS_ENDPOINT_URL": stack.emulator_url,
        "CRM_TABLE": f"crm-{stack.stage}-campaigns",
        "CRM_EMAIL_SEND_RATE": "2000",
        "CRM_SMS_SEND_RATE": "200",
        "CRM_PUBLIC_URL": stack.url,
        "CRM_DEV_AUTH": "1",  # the local stack's dev keys: its links verify there
    }
    with function_environment(environment):
        seconds, sent = send_rate(stack, recipients)
        calls, read, written, elapsed = chunk_cost()
    rows = [("a campaign, POST send -> sent", sent, f"{seconds:.1f}", f"{sent / seconds:.0f}", ">= 500")]
    cost = [
        (
            "per chunk (SendBulkEmail of 45, settles with events and counters)",
            calls,
            read,
            written,
            f"{elapsed * 1000:.0f}",
        )
    ]
    return "\n".join(
        [
            table("Campaign send pipeline through the local stack (launch, freeze, senders, SES)", HEADER, rows),
            table("What one chunk costs the emulator (counted on the sender's clients)", COST_HEADER, cost),
        ]
    )


def main() -> int:
    import argparse
    import tempfile
    from pathlib import Path

    from infra.local.launch import running_stack

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
        print(run(stack, recipients=args.recipients))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
