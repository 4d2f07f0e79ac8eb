"""Referrals through the routes and the consumer (moto): a code, a link, a credit only after
an unrefunded first purchase's window, once."""

from __future__ import annotations

from typing import Any

from loyalty.events import ReferralWindowClosed
from shared.events import new_event
from shared.sample_events import lead_created, purchase_recorded, purchase_refunded
from shared.testing import call, failed_ids, pending_outbox, sqs_event


def _deliver(client: Any, *events: Any) -> None:
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event(list(events)))) == []


def _lead(client: Any, code: str | None = None) -> str:
    event = lead_created()
    if code is not None:
        event.detail["data"]["referral_code"] = code
    _deliver(client, event)
    return str(event.detail["data"]["contact_id"])


def _code(client: Any, contact_id: str) -> str:
    reply = call(client, "GET", f"/members/{contact_id}/referral-code", role="marketer")
    assert reply.status_code == 200, reply.json
    assert reply.json["contact_id"] == contact_id
    return str(reply.json["code"])


def _balance(client: Any, contact_id: str) -> int:
    return int(call(client, "GET", f"/members/{contact_id}", role="marketer").json["points_balance"])


def _close(client: Any, referred_id: str, order_id: str) -> Any:
    return new_event(ReferralWindowClosed(referred_id=referred_id, order_id=order_id))


def test_a_member_keeps_one_code_and_a_missing_member_has_none(client: Any) -> None:
    referrer = _lead(client)
    assert _code(client, referrer) == _code(client, referrer)
    assert call(client, "GET", "/members/nobody/referral-code", role="marketer").status_code == 404


def test_credit_after_an_unrefunded_window_once_for_both(client: Any, table: str) -> None:
    # Given a referred member (linked by its sign-up) and a second code it tries later
    referrer, other = _lead(client), _lead(client)
    referred = _lead(client, _code(client, referrer))
    assert (
        call(
            client,
            "POST",
            "/members",
            role="marketer",
            body={"contact_id": referred, "referral_code": _code(client, other)},
        ).status_code
        == 200
    )
    # When it buys (its sign-up alone earns the referral nothing) and the window closes twice
    before = _balance(client, referrer), _balance(client, referred)
    _deliver(client, purchase_recorded(referred, "o-1", "10.00"))
    assert _balance(client, referrer) == before[0]
    after_purchase = _balance(client, referred)
    closed = _close(client, referred, "o-1")
    _deliver(client, closed)
    _deliver(client, closed, _close(client, referred, "o-1"))
    # Then the first referrer got 500 and the referred 250, once; the other nothing
    assert _balance(client, referrer) == before[0] + 500
    assert _balance(client, referred) == after_purchase + 250
    assert _balance(client, other) == 200
    done = [e for e in pending_outbox(table) if e.detail_type == "ReferralCompleted"]
    assert [e.detail["data"] for e in done] == [
        {"referrer_id": referrer, "referred_id": referred, "referrer_points": 500, "referred_points": 250}
    ]


def test_a_refunded_first_purchase_voids_the_referral(client: Any) -> None:
    referrer = _lead(client)
    referred = _lead(client, _code(client, referrer))
    _deliver(client, purchase_recorded(referred, "o-1", "10.00"))
    _deliver(client, purchase_refunded(referred, "o-1", "10.00"))
    _deliver(client, _close(client, referred, "o-1"))
    # A later purchase opens no second chance
    _deliver(client, purchase_recorded(referred, "o-2", "10.00"), _close(client, referred, "o-2"))
    assert _balance(client, referrer) == 200


def test_self_referral_and_unknown_codes_are_refused(client: Any) -> None:
    member = _lead(client)
    code = _code(client, member)
    reply = call(client, "POST", "/members", role="marketer", body={"contact_id": member, "referral_code": code})
    assert reply.status_code == 200
    _deliver(client, purchase_recorded(member, "o-1", "10.00"), _close(client, member, "o-1"))
    assert _balance(client, member) == 210
    unknown = call(client, "POST", "/members", role="marketer", body={"contact_id": "c-new", "referral_code": "ZZZZ"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json["errors"]] == ["referral_code"]
    assert call(client, "GET", "/members/c-new", role="marketer").status_code == 404


def test_a_sign_up_through_the_route_is_linked(client: Any) -> None:
    referrer = _lead(client)
    body = {"contact_id": "c-ref", "referral_code": _code(client, referrer).lower()}
    assert call(client, "POST", "/members", role="marketer", body=body).status_code == 201
    _deliver(client, purchase_recorded("c-ref", "o-1", "10.00"), _close(client, "c-ref", "o-1"))
    assert _balance(client, referrer) == 700
