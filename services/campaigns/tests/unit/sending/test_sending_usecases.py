"""The sending core with fakes: each (source, channel, contact) at most once, consent and
suppression checked at the last moment, throttling delays but never drops (Given/When/Then)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaigns.audience.models import Channel
from campaigns.delivery.mailer import SendOutcomeUnknown
from campaigns.sending.models import SendRecord, SendRequest, SendStatus
from campaigns.sending.usecases import LEASE, TemplateMissing, send
from services.campaigns.tests.unit.sending.fakes import World, recipient


def _request(*contact_ids: str, **changes: object) -> SendRequest:
    values: dict[str, object] = {
        "source": "campaign-c1-1",
        "channel": Channel.EMAIL,
        "template_id": "tpl",
        "contact_ids": list(contact_ids),
        "campaign_id": "c1",
        "campaign_name": "Spring",
    }
    return SendRequest.model_validate({**values, **changes})


def test_each_eligible_recipient_gets_one_email_and_the_rest_are_skipped_with_the_reason() -> None:
    # Given four contacts: one fine, one without consent, one suppressed, one with no email, and one unknown
    world = World(
        recipient("ada"),
        recipient("bob", consent={"email:marketing": False}),
        recipient("cyd"),
        recipient("dan", email=None),
        suppressed={"cyd@example.com"},
    )
    # When the request is sent twice (a redelivery)
    first = send(_request("ada", "bob", "cyd", "dan", "eve"), world.ports)
    again = send(_request("ada", "bob", "cyd", "dan", "eve"), world.ports)
    # Then ada alone got an email, once, and every other recipient is settled with a reason
    assert [e.to for e in world.mailer.sent] == ["ada@example.com"]
    assert first.sent == 1 and first.skipped == {"no_consent": 1, "suppressed": 1, "no_address": 1, "erased": 1}
    assert again.sent == 0 and again.already == 5 and again.pending == []
    assert world.sends.counts[""] == {
        "settled": 5,
        "sent.email": 1,
        "skipped.no_consent": 1,
        "skipped.suppressed": 1,
        "skipped.no_address": 1,
        "skipped.erased": 1,
    }
    kinds = sorted(e.detail_type for e in world.sends.events)
    assert kinds == ["EmailSent"] + ["EmailSkipped"] * 4


def test_the_email_is_rendered_for_the_recipient_with_one_click_unsubscribe_headers() -> None:
    # Given a contact who reads Chinese and one who reads the default
    world = World(recipient("ada", language="zh"), recipient("bob"))
    # When both are sent to, with a variant's subject for bob's request
    send(_request("ada"), world.ports)
    send(_request("bob", subject="A: {{ contact.first_name }}, hello", variant="A"), world.ports)
    ada, bob = world.mailer.sent
    # Then ada gets the zh variant, bob the variant's subject, both with RFC 8058 headers and tracking
    assert (ada.subject, ada.text) == ("你好 Ada", "你好")
    assert bob.subject == "A: Bob, hello" and "https://crm.example/u/campaign-c1-1/bob" in bob.html
    assert bob.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert bob.html.endswith('<img src="https://crm.example/o/bob">')
    assert bob.tags == {"source": "campaign-c1-1", "contact_id": "bob"}
    assert world.sends.counts["A"]["sent.email"] == 1


def test_a_throttled_send_is_released_and_pending_then_sent_once_when_asked_again() -> None:
    # Given a provider that throttles the first two recipients it sees
    world = World(recipient("ada"), recipient("bob"), recipient("cyd"))
    world.mailer.throttle_next = 2
    # When the request is sent, then sent again as the caller does for pending recipients
    first = send(_request("ada", "bob", "cyd"), world.ports)
    second = send(_request(*first.pending), world.ports)
    # Then nothing was lost and nobody got two emails
    assert sorted(first.pending) == ["ada", "bob"] and first.sent == 1
    assert second.sent == 2 and second.pending == []
    assert sorted(e.to for e in world.mailer.sent) == ["ada@example.com", "bob@example.com", "cyd@example.com"]
    assert world.sends.counts[""]["settled"] == 3


def test_recipients_beyond_the_limiters_tokens_wait_as_pending() -> None:
    # Given a limiter with one token left
    world = World(recipient("ada"), recipient("bob"), tokens=1)
    # When two recipients are sent to
    summary = send(_request("ada", "bob"), world.ports)
    # Then one went and the other is pending, its claim released
    assert summary.sent == 1 and summary.pending == ["bob"]
    assert ("campaign-c1-1", "email", "bob") not in world.sends.records


def test_a_claim_in_flight_is_left_alone_and_one_past_its_lease_is_settled_as_unknown() -> None:
    # Given ada's send claimed by a delivery that died before settling it
    world = World(recipient("ada"))
    world.sends.claim(
        [
            SendRecord(
                source="campaign-c1-1",
                channel=Channel.EMAIL,
                contact_id="ada",
                status=SendStatus.SENDING,
                claimed_at=world.now,
            )
        ]
    )
    # When a redelivery comes at once, and another after the lease
    soon = send(_request("ada"), world.ports)
    world.now += LEASE + timedelta(seconds=1)
    late = send(_request("ada"), world.ports)
    # Then nothing is sent twice: first pending, then failed as an unknown outcome
    assert soon.pending == ["ada"] and world.mailer.sent == []
    assert late.failed == {"outcome_unknown": 1} and world.mailer.sent == []


def test_sms_goes_to_the_phone_with_its_own_consent() -> None:
    # Given a contact who agreed to email but not to SMS, and one who agreed to both
    world = World(recipient("ada", consent={"email:marketing": True}), recipient("bob"))
    # When an SMS request is sent
    summary = send(_request("ada", "bob", channel=Channel.SMS), world.ports)
    # Then bob alone got a text, from the template's text part
    assert [m.contact_id for m in world.sms.sent] == ["bob"] and world.sms.sent[0].text == "Hi Bob"
    assert summary.skipped == {"no_consent": 1}


def test_a_missing_template_sends_nothing() -> None:
    world = World(recipient("ada"))
    with pytest.raises(TemplateMissing):
        send(_request("ada", template_id="gone"), world.ports)
    assert world.sends.records == {}


def test_a_twin_delivery_that_claimed_first_leaves_this_one_pending() -> None:
    # Given a twin delivery claims bob between this delivery's read and its claim
    world = World(recipient("ada"), recipient("bob"))
    real_get = world.sends.get_many

    def read_then_twin_claims(source: str, channel: Channel, contact_ids: list[str]) -> dict[str, SendRecord]:
        found = real_get(source, channel, contact_ids)
        twin = SendRecord(
            source=source, channel=channel, contact_id="bob", status=SendStatus.SENDING, claimed_at=world.now
        )
        world.sends.records[(source, channel.value, "bob")] = twin
        return found

    world.sends.get_many = read_then_twin_claims  # type: ignore[method-assign]
    # When this delivery sends
    summary = send(_request("ada", "bob"), world.ports)
    # Then it sends nothing and asks again later for both
    assert summary.pending == ["ada", "bob"] and world.mailer.sent == []


def test_a_call_whose_answer_was_lost_is_never_sent_again() -> None:
    # Given a provider call that timed out after it may have sent
    world = World(recipient("ada"))

    def lost(emails: object) -> object:
        raise SendOutcomeUnknown(["ada"], "ReadTimeoutError")

    world.mailer.send = lost  # type: ignore[method-assign,assignment]
    # When the request is sent, asked again soon, and again after the lease
    first = send(_request("ada"), world.ports)
    soon = send(_request("ada"), world.ports)
    world.now += LEASE + timedelta(seconds=1)
    late = send(_request("ada"), world.ports)
    # Then ada stays claimed while in doubt, then is settled as an unknown outcome, never resent
    assert first.pending == ["ada"] and soon.pending == ["ada"]
    assert late.failed == {"outcome_unknown": 1} and late.pending == []
