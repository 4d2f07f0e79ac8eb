"""The audience against moto's in-process AWS: contacts' events delivered to ``on_event`` keep
campaigns' recipients and segment memberships, and the senders read them (Given/When/Then)."""

from __future__ import annotations

import uuid
from typing import Any

from shared.sample_events import (
    consent_changed,
    contact_erased,
    contact_updated,
    contacts_merged,
    lead_assigned,
    lead_created,
    segment_entered,
    segment_exited,
)
from shared.testing import call, failed_ids, sqs_event


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(events))) == []


def _lead(client: Any, email: str = "ada@example.com", **profile: str) -> str:
    event = lead_created(email=email, **profile)
    _deliver(client, event)
    return str(event.detail["data"]["contact_id"])


def _recipient(contact_id: str) -> Any:
    from campaigns.bootstrap import audience

    return audience().recipient(contact_id)


def _members(segment_id: str) -> list[str]:
    from campaigns.audience.usecases import resolve
    from campaigns.bootstrap import audience

    return sorted(resolve([segment_id], [], audience()))


def test_a_lead_becomes_a_recipient_and_still_gets_its_welcome_email(client: Any) -> None:
    from shared.testing import ses_sent_count

    # When a lead is created (delivered twice)
    event = lead_created(email="ada@example.com", language="zh", company="Acme")
    _deliver(client, event, event)
    contact_id = event.detail["data"]["contact_id"]
    # Then campaigns holds its recipient, and the welcome email went once
    recipient = _recipient(contact_id)
    assert (recipient.email, recipient.first_name, recipient.last_name) == ("ada@example.com", "Ada", "Lovelace")
    assert (recipient.language, recipient.company, recipient.consent) == ("zh", "Acme", {})
    assert ses_sent_count() == 1


def test_a_contact_updated_changes_only_the_fields_it_carries(client: Any) -> None:
    # Given a recipient
    contact_id = _lead(client)
    # When its email and language change, and an older-format ContactUpdated names a change without a value
    _deliver(client, contact_updated(contact_id, email="new@example.com", language="fr", birthday="1990-12-10"))
    older = contact_updated(contact_id)
    older.detail["data"]["changed"] = ["first_name", "tags"]
    for name in ("email", "phone", "first_name", "last_name", "language", "company", "birthday"):
        older.detail["data"].pop(name)
    _deliver(client, older)
    # Then the new values hold, and the name is untouched
    recipient = _recipient(contact_id)
    assert (recipient.email, recipient.language, recipient.first_name) == ("new@example.com", "fr", "Ada")
    assert str(recipient.birthday) == "1990-12-10"


def test_consent_newest_wins_and_a_late_older_decision_does_not_override(client: Any) -> None:
    # Given a recipient who withdrew at 10:00
    contact_id = _lead(client)
    _deliver(client, consent_changed(contact_id, False, at="2026-03-01T10:00:00+00:00"))
    # When a grant made at 09:00 arrives late, and SMS is granted
    _deliver(client, consent_changed(contact_id, True, at="2026-03-01T09:00:00+00:00"))
    _deliver(client, consent_changed(contact_id, True, channel="sms", at="2026-03-01T09:30:00+00:00"))
    # Then email stays withdrawn
    assert _recipient(contact_id).consent == {"email:marketing": False, "sms:marketing": True}


def test_segment_membership_follows_the_events_occurred_at(client: Any) -> None:
    # Given two recipients entering a segment
    a, b = _lead(client, "a@example.com"), _lead(client, "b@example.com")
    _deliver(client, segment_entered("vip", a, "2026-03-01T09:00:00+00:00"), segment_entered("vip", b))
    # When a exits at 10:00, and its entry of 09:30 arrives late
    _deliver(client, segment_exited("vip", a, "2026-03-01T10:00:00+00:00"))
    _deliver(client, segment_entered("vip", a, "2026-03-01T09:30:00+00:00"))
    # Then only b is a member (the membership items and the recipients' lists agree)
    assert _members("vip") == [b]
    assert (_recipient(a).segments, _recipient(b).segments) == ([], ["vip"])


def test_a_merge_folds_memberships_and_consent_into_the_winner(client: Any) -> None:
    # Given a winner and a loser, each in a segment, with consent decided at different times
    winner, loser = _lead(client, "w@example.com"), _lead(client, "l@example.com")
    _deliver(
        client,
        segment_entered("s1", winner),
        segment_entered("s2", loser),
        consent_changed(winner, False, at="2026-03-01T09:00:00+00:00"),
        consent_changed(loser, True, at="2026-03-01T10:00:00+00:00"),
    )
    # When they are merged (delivered twice)
    merged = contacts_merged(winner, loser)
    _deliver(client, merged)
    _deliver(client, merged)
    # Then the winner is in both segments with the newer decision; the loser is nobody
    assert _recipient(winner).segments == ["s1", "s2"] and _recipient(winner).consent == {"email:marketing": True}
    assert _recipient(loser) is None
    assert (_members("s1"), _members("s2")) == ([winner], [winner])


def test_an_erased_contact_leaves_no_recipient_nor_membership(client: Any, table: str) -> None:
    import boto3

    # Given a recipient at a distinctive address, in a segment
    email = f"erase-{uuid.uuid4().hex[:8]}@example.com"
    contact_id = _lead(client, email)
    _deliver(client, segment_entered("s1", contact_id), consent_changed(contact_id, True))
    # When the contact is erased, then a late entry and consent arrive
    _deliver(client, contact_erased(contact_id))
    _deliver(client, segment_entered("s2", contact_id), consent_changed(contact_id, True))
    # Then nothing of the recipient is held, and the messages feature's mark stays
    assert _recipient(contact_id) is None and _members("s1") == [] and _members("s2") == []
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]
    kept = [(i["pk"]["S"], i["sk"]["S"]) for i in items if contact_id in i["pk"]["S"] + i["sk"]["S"]]
    assert sorted(kept) == [(f"CONTACT#{contact_id}", "ERASED"), (f"CONTACT#{contact_id}", "MESSAGE#welcome")]
    assert email not in str([i for i in items if not i["pk"]["S"].startswith("OUTBOX#")])


def test_the_senders_read_pages_and_batches(client: Any) -> None:
    from campaigns.audience.models import Recipient, RecipientState
    from campaigns.audience.repository import MembershipItem, RecipientItem, _item
    from campaigns.bootstrap import audience
    from campaigns.table.keys import member_key

    # Given 120 recipients in a segment (their items written at once: this is about reading them)
    ids = [str(uuid.uuid4()) for _ in range(120)]
    with RecipientItem.batch_write() as recipients, MembershipItem.batch_write() as members:
        for n, cid in enumerate(ids):
            recipients.save(
                _item(RecipientState(recipient=Recipient(contact_id=cid, email=f"{n}@example.com"), version=1))
            )
            members.save(MembershipItem(*member_key("big", cid), contact_id=cid))
    repo = audience()
    # When its members are read 50 a page
    first, start = repo.members("big", 50, None)
    second, start = repo.members("big", 50, start)
    third, start = repo.members("big", 50, start)
    # Then every member comes once
    assert len(first) == len(second) == 50 and sorted(first + second + third) == sorted(ids)
    # ... and recipients() reads more than 100 at once, missing ones absent
    found = repo.recipients([*ids, "nobody"])
    assert set(found) == set(ids) and found[ids[0]].email == "0@example.com"


def test_a_recipient_is_read_by_staff_within_reach(client: Any) -> None:
    # Given rep B's contact
    contact_id = _lead(client, "reach@example.com")
    _deliver(client, lead_assigned(contact_id, "rep-b"))
    path = f"/audience/recipients/{contact_id}"
    # Then a marketer and rep B read it, rep A gets the same 404 as for an unknown contact
    assert call(client, "GET", path, role="marketer").json["email"] == "reach@example.com"
    assert call(client, "GET", path, role="sales", subject="rep-b").status_code == 200
    theirs = call(client, "GET", path, role="sales", subject="rep-a")
    assert theirs.status_code == 404 and "reach@example.com" not in theirs.body.decode()
    assert call(client, "GET", "/audience/recipients/nobody", role="marketer").status_code == 404
    assert call(client, "GET", path, role="partner").status_code == 403
