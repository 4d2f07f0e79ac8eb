"""Reading SES's notifications out of SNS's envelope (Given/When/Then)."""

from __future__ import annotations

import json

import pytest

from campaigns.bounces.models import Kind, UnreadableNotification, read_feedback


def test_a_bounce_in_an_sns_envelope_names_its_tags_and_addresses() -> None:
    message = {
        "notificationType": "Bounce",
        "mail": {"messageId": "m1", "timestamp": "2026-12-01T10:00:00Z", "tags": [{"name": "source", "value": "s1"}]},
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "a@b.c"}], "feedbackId": "f1"},
    }
    feedback = read_feedback({"Type": "Notification", "Message": json.dumps(message)})
    assert feedback is not None and feedback.kind is Kind.BOUNCE and feedback.suppresses
    assert (feedback.feedback_id, feedback.source, feedback.contact_id, feedback.addresses) == (
        "f1",
        "s1",
        None,
        ["a@b.c"],
    )


def test_a_delivery_counts_under_its_message_id_and_suppresses_nothing() -> None:
    message = {"eventType": "Delivery", "mail": {"messageId": "m2"}, "delivery": {"timestamp": "2026-12-01T10:00:00Z"}}
    feedback = read_feedback(message)
    assert feedback is not None and feedback.feedback_id == "Delivery-m2" and not feedback.suppresses


def test_other_messages_are_none_and_broken_ones_unreadable() -> None:
    assert read_feedback({"Type": "SubscriptionConfirmation", "Message": "{}"}) is None
    with pytest.raises(UnreadableNotification):
        read_feedback({"Type": "Notification", "Message": "{not json"})
    with pytest.raises(UnreadableNotification):
        read_feedback({"notificationType": "Complaint", "complaint": {}})


def test_an_identity_notification_names_its_email_by_the_senders_headers() -> None:
    # Given a complaint as the identity's topic gets it: no tags, the original headers included
    headers = [{"name": "X-Crm-Source", "value": "campaign-k-2"}, {"name": "x-crm-contact-id", "value": "c9"}]
    message = {
        "notificationType": "Complaint",
        "mail": {"messageId": "m3", "headers": [{"name": "From", "value": "a@b.c"}, *headers]},
        "complaint": {"complainedRecipients": [{"emailAddress": "x@y.z"}], "feedbackId": "f3"},
    }
    # When it is read: then the source and contact are the headers'
    feedback = read_feedback(message)
    assert feedback is not None and (feedback.source, feedback.contact_id) == ("campaign-k-2", "c9")


def test_what_senders_put_on_an_email_is_what_the_notifications_are_read_by() -> None:
    from campaigns.tracking.links import feedback_headers, feedback_tags

    # Given the tags and headers a sender puts on an email, as each kind of notification returns them
    tags = {k: [v] for k, v in feedback_tags(source="campaign-k-3", contact_id="c3").items()}
    headers = [{"name": k, "value": v} for k, v in feedback_headers(source="campaign-k-3", contact_id="c3").items()]
    for mail in ({"messageId": "m", "tags": tags}, {"messageId": "m", "headers": headers}):
        message = {"notificationType": "Bounce", "mail": mail, "bounce": {"bounceType": "Transient"}}
        # When read: then both name the same source and contact
        feedback = read_feedback(message)
        assert feedback is not None and (feedback.source, feedback.contact_id) == ("campaign-k-3", "c3")
