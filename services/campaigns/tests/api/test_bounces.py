"""SES's notifications (SNS's envelope on the feedback queue) against moto: a hard bounce or
a complaint suppresses the address, each is counted and published once, without the
address (Given/When/Then)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared.testing import failed_ids, pending_outbox, sqs_event

CAMPAIGN, SOURCE, CONTACT = "cmp7", "campaign-cmp7-1", "c7"


def notification(kind: str, address: str, *, bounce_type: str = "Permanent", tagged: bool = True) -> dict[str, Any]:
    """What SES publishes to the identity's topic (docs.aws.amazon.com/ses notification contents)."""
    mail: dict[str, Any] = {
        "timestamp": "2026-12-01T10:00:00.000Z",
        "messageId": f"ses-{uuid.uuid4()}",
        "source": "hello@crm.example.com",
        "destination": [address],
    }
    if tagged:
        mail["tags"] = {"source": [SOURCE], "contact_id": [CONTACT]}
    feedback_id = f"fb-{uuid.uuid4()}"
    if kind == "Bounce":
        detail = {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1", "action": "failed"}],
            "timestamp": "2026-12-01T10:00:01.000Z",
            "feedbackId": feedback_id,
        }
    else:
        detail = {
            "complainedRecipients": [{"emailAddress": address}],
            "timestamp": "2026-12-01T10:05:00.000Z",
            "feedbackId": feedback_id,
        }
    return {"notificationType": kind, "mail": mail, kind.lower(): detail}


def envelope(message: dict[str, Any]) -> str:
    """SNS's envelope around it: what the queue holds with raw delivery off."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:crm-dev-campaigns-ses-feedback",
            "Message": json.dumps(message),
            "Timestamp": "2026-12-01T10:00:02.000Z",
        }
    )


def _deliver(client: Any, *bodies: str) -> list[str]:
    return failed_ids(client.lambda_.invoke("ses_feedback", sqs_event(list(bodies))))


def _events(table: str, detail_type: str) -> list[dict[str, Any]]:
    return [e.detail["data"] for e in pending_outbox(table) if e.detail_type == detail_type]


def _suppressed(*addresses: str) -> set[str]:
    from campaigns.suppression.repository import SuppressionRepository

    return SuppressionRepository().suppressed(list(addresses))


def test_a_hard_bounce_suppresses_the_address_once_whatever_the_deliveries(client: Any, table: str) -> None:
    from campaigns.table.stats import read_counts

    # Given SES's notification of a permanent bounce, delivered twice
    address = "gone@example.com"
    body = envelope(notification("Bounce", address))
    # When the worker reads it both times
    assert _deliver(client, body) == [] and _deliver(client, body) == []
    # Then the address is suppressed (as a bounce), counted once, published once, without the address
    assert _suppressed(address, "other@example.com") == {address}
    assert read_counts(CAMPAIGN)["bounced"] == 1
    (bounced,) = _events(table, "EmailBounced")
    assert (bounced["contact_id"], bounced["source"], bounced["campaign_id"], bounced["bounce_type"]) == (
        CONTACT,
        SOURCE,
        CAMPAIGN,
        "Permanent",
    )
    assert address not in json.dumps(bounced)


def test_a_transient_bounce_is_counted_only(client: Any, table: str) -> None:
    from campaigns.table.stats import read_counts

    # Given a mailbox full (a transient bounce)
    body = envelope(notification("Bounce", "full@example.com", bounce_type="Transient"))
    # When it is read
    assert _deliver(client, body) == []
    # Then nothing is suppressed; it is counted apart
    assert _suppressed("full@example.com") == set()
    assert read_counts(CAMPAIGN) == {"bounced.transient": 1}
    assert [e["bounce_type"] for e in _events(table, "EmailBounced")] == ["Transient"]


def test_a_complaint_suppresses_the_address(client: Any, table: str) -> None:
    from campaigns.suppression.repository import SuppressionRepository
    from campaigns.table.stats import read_counts

    # Given a recipient marking the email as spam (an email sent without tags, too)
    untagged = envelope(notification("Complaint", "angry2@example.com", tagged=False))
    # When both are read
    assert _deliver(client, envelope(notification("Complaint", "angry@example.com")), untagged) == []
    # Then both addresses are suppressed as complaints; the tagged one counts to its campaign
    assert _suppressed("angry@example.com", "angry2@example.com") == {"angry@example.com", "angry2@example.com"}
    found = SuppressionRepository().get("angry@example.com")
    assert found is not None and found.reason == "complaint"
    assert read_counts(CAMPAIGN) == {"complained": 1}
    assert sorted(str(e["contact_id"]) for e in _events(table, "EmailComplained")) == ["None", CONTACT]


def test_what_is_no_email_notification_is_dropped_and_what_is_unreadable_is_retried(client: Any, table: str) -> None:
    # Given SNS's own message, an unreadable body and a bounce missing its mail object
    confirmation = json.dumps({"Type": "SubscriptionConfirmation", "Message": json.dumps({"hello": 1})})
    broken = envelope({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}})
    event = sqs_event([confirmation, "not json", broken])
    # When the worker reads them
    failed = failed_ids(client.lambda_.invoke("ses_feedback", event))
    # Then the confirmation is done; the other two go back to the queue (then its DLQ)
    ids = [r["messageId"] for r in event["Records"]]
    assert sorted(failed) == sorted(ids[1:])
    assert _events(table, "EmailBounced") == []
