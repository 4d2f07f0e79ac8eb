"""Privacy's use cases against fakes: consent (record, read) and GDPR (export, erase)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contacts.history.metrics import Metrics
from contacts.privacy.models import ConsentIn
from contacts.privacy.usecases import consents, erase_contact, export_contact, record_consent
from services.contacts.tests.unit.privacy.fakes import FakeConsentStore, FakePrivacyStore
from shared.errors import NotFound

ERASED_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)


def _consent(granted: bool, source: str = "web_form", channel: str = "email") -> ConsentIn:
    return ConsentIn.model_validate({"channel": channel, "purpose": "marketing", "granted": granted, "source": source})


# --- consent ------------------------------------------------------------------------------


def test_a_withdrawal_changes_the_state_and_the_grant_stays_on_record() -> None:
    # Given a contact who granted email marketing
    store = FakeConsentStore("c1")
    granted = record_consent("c1", _consent(True), store)
    # When they withdraw it through an unsubscribe link
    withdrawn = record_consent("c1", _consent(False, "unsubscribe_link"), store, correlation_id="c-5")
    # Then the state says withdrawn, from that source
    view = consents("c1", store, 10, None)
    assert view.state == {
        "email:marketing": {"granted": False, "at": withdrawn.at.isoformat(), "source": "unsubscribe_link"}
    }
    # ... and the history holds both, newest first
    assert [(e.granted, e.source) for e in view.history] == [(False, "unsubscribe_link"), (True, "web_form")]
    assert granted.at <= withdrawn.at
    # ... each announced with ConsentChanged
    assert [e.detail_type for e in store.events] == ["ConsentChanged", "ConsentChanged"]
    last = store.events[-1].detail
    assert last["data"]["contact_id"] == "c1" and last["data"]["granted"] is False
    assert last["data"]["channel"] == "email" and last["data"]["purpose"] == "marketing"
    assert last["metadata"]["correlation_id"] == "c-5"


def test_consent_for_an_unknown_contact_is_not_found_and_not_announced() -> None:
    # Given no such contact
    store = FakeConsentStore()
    # When consent is recorded or read for it
    with pytest.raises(NotFound):
        record_consent("nope", _consent(True), store)
    with pytest.raises(NotFound):
        consents("nope", store, 10, None)
    # Then nothing was announced
    assert store.events == []


def test_a_contact_who_never_said_anything_has_an_empty_state() -> None:
    view = consents("c1", FakeConsentStore("c1"), 10, None)
    assert view.state == {} and view.history == [] and view.next_cursor is None


def test_consent_history_pages_through_every_record() -> None:
    # Given three records on two channels
    store = FakeConsentStore("c1")
    for data in (_consent(True), _consent(True, channel="sms"), _consent(False)):
        record_consent("c1", data, store)
    # When read two at a time
    first = consents("c1", store, 2, None)
    second = consents("c1", store, 2, first.next_cursor)
    # Then every record is seen once, and the state has one entry per channel
    assert len(first.history) == 2 and first.next_cursor is not None
    assert len(second.history) == 1 and second.next_cursor is None
    assert {k: v["granted"] for k, v in first.state.items()} == {"email:marketing": False, "sms:marketing": True}


# --- GDPR ----------------------------------------------------------------------------------


def _stored_contact(store: FakePrivacyStore) -> None:
    store.add_contact(
        "c1",
        items=["CONSENT", "TL#1", "SEGMENTS"],
        claims=["EMAIL#ada@example.com", "EMAIL#ada@work.org", "PHONE#+442079460018"],
        index_keys=[("IDX#all#-", "2026#c1"), ("IDX#name#ada", "2026#c1")],
    )


def test_an_export_is_everything_held_under_the_contact() -> None:
    # Given a contact with a profile, consent, a timeline item and segments
    store = FakePrivacyStore()
    _stored_contact(store)
    # When exported
    export = export_contact("c1", store)
    # Then every item is in it
    assert export.contact_id == "c1"
    assert [i["sk"] for i in export.items] == ["PROFILE", "CONSENT", "TL#1", "SEGMENTS"]
    # ... and an unknown contact is not found
    with pytest.raises(NotFound):
        export_contact("nope", store)


def test_erasure_releases_keys_metrics_and_items_then_seals_once_with_contact_erased() -> None:
    # Given a contact, an active customer with metrics
    store = FakePrivacyStore()
    _stored_contact(store)
    store.stored_metrics["c1"] = Metrics(
        contact_id="c1", total_spend=Decimal(40), order_count=2, active=True, version=3
    )
    # When erased
    erasure = erase_contact("c1", store, correlation_id="c-8")
    # Then claims and index entries go first, then the metrics, the items, and the seal last
    assert store.steps == ["release", "metrics", "purge", "seal"]
    assert store.held["c1"] == set()
    # ... the metrics are gone and the active-customer count drops by one
    assert "c1" not in store.stored_metrics
    [commit] = store.commits
    assert Decimal(-1) in [deltas.get("active_customers") for deltas in commit.counters.items.values()]
    # ... only the tombstone and SEGMENTS (left to the ContactErased handler) remain
    assert sorted(i["sk"] for i in store.items["c1"]) == ["ERASED", "SEGMENTS"]
    # ... its emails (not its phone) are suppressed for later imports
    assert store.suppressed == {"EMAIL#ada@example.com", "EMAIL#ada@work.org"}
    # ... and one ContactErased tells the other services, at the time answered
    [event] = store.events
    assert event.detail_type == "ContactErased"
    assert event.detail["data"]["contact_id"] == "c1"
    assert datetime.fromisoformat(event.detail["data"]["erased_at"]) == erasure.erased_at
    assert event.detail["metadata"]["correlation_id"] == "c-8"


def test_erasing_again_purges_late_items_and_answers_the_first_erasure() -> None:
    # Given an erased contact, and an item written for it afterwards
    store = FakePrivacyStore()
    _stored_contact(store)
    first = erase_contact("c1", store)
    store.items["c1"].append({"sk": "TL#late"})
    store.steps.clear()
    # When the erasure is repeated
    again = erase_contact("c1", store)
    # Then the late item goes, the answer is the same, and nothing is announced again
    assert again == first
    assert "TL#late" not in [i["sk"] for i in store.items["c1"]]
    assert "seal" not in store.steps and len(store.events) == 1


def test_erasing_an_unknown_contact_is_not_found_and_touches_nothing() -> None:
    store = FakePrivacyStore()
    with pytest.raises(NotFound):
        erase_contact("nope", store)
    assert store.steps == [] and store.events == []


def test_an_erasure_that_loses_the_race_answers_the_winners_time() -> None:
    # Given a concurrent erasure that seals first
    store = FakePrivacyStore()
    _stored_contact(store)
    store.sealed_by_someone_else = ERASED_BEFORE
    # When this erasure reaches its seal
    erasure = erase_contact("c1", store)
    # Then it answers the time that was recorded, and announces nothing itself
    assert erasure.erased_at == ERASED_BEFORE and store.events == []


# --- a deleted contact ---------------------------------------------------------------------

DELETED_AT = datetime(2026, 2, 1, tzinfo=UTC)


def _deleted_contact(store: FakePrivacyStore) -> None:
    """A contact with history, metrics and consent, then deleted (what DELETE keeps)."""
    _stored_contact(store)
    store.items["c1"] += [{"sk": "METRICS"}, {"sk": "INTERACTION#i1"}, {"sk": "ORDER#o1"}]
    store.stored_metrics["c1"] = Metrics(contact_id="c1", total_spend=Decimal(9), order_count=1, active=True, version=1)
    store.delete_contact("c1", DELETED_AT, suppress=["ERASED#hash-of-ada"])


def test_a_deleted_contacts_export_is_not_found_though_its_history_is_kept() -> None:
    # Given a deleted contact whose history and consent are kept until an erasure
    store = FakePrivacyStore()
    _deleted_contact(store)
    assert "ORDER#o1" in [i["sk"] for i in store.items["c1"]]
    # When exported, then it is not found, like every other route on it
    with pytest.raises(NotFound):
        export_contact("c1", store)


def test_a_deleted_contact_can_be_erased_once_with_contact_erased() -> None:
    # Given a deleted contact
    store = FakePrivacyStore()
    _deleted_contact(store)
    # When erased
    erasure = erase_contact("c1", store, correlation_id="c-9")
    # Then nothing is released (the delete freed its claims), metrics and items go, then the seal
    assert store.steps == ["metrics", "purge", "seal"]
    assert "c1" not in store.stored_metrics
    # ... the marker goes with the seal: only the tombstone and SEGMENTS remain
    assert sorted(i["sk"] for i in store.items["c1"]) == ["ERASED", "SEGMENTS"]
    # ... the emails hashed at the delete are suppressed
    assert store.suppressed == {"ERASED#hash-of-ada"}
    # ... and ContactErased is published as for a live contact
    [event] = store.events
    assert (event.detail_type, event.detail["data"]["contact_id"]) == ("ContactErased", "c1")
    assert event.detail["metadata"]["correlation_id"] == "c-9"
    # ... and its export is now the tombstone
    assert [i["sk"] for i in export_contact("c1", store).items if i["sk"] != "SEGMENTS"] == ["ERASED"]
    # When erased again, then the same answer and no second event
    assert erase_contact("c1", store) == erasure
    assert len(store.events) == 1


def test_an_erasure_of_a_deleted_contact_that_crashed_before_its_seal_is_completed() -> None:
    # Given a deleted contact whose erasure purged its items, then crashed before the seal
    store = FakePrivacyStore()
    _deleted_contact(store)
    store.purge("c1")
    assert "DELETED" in [i["sk"] for i in store.items["c1"]]
    # When the erasure is retried, then it seals and publishes once
    erase_contact("c1", store)
    assert [e.detail_type for e in store.events] == ["ContactErased"]
    assert store.suppressed == {"ERASED#hash-of-ada"}
