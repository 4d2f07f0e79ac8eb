"""merge_contacts and copy_history against the fake store (the pure rules of merged_fields
are in test_records_usecases.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.records.merge import copy_history, merge_contacts
from contacts.records.models import LifecycleStage
from services.contacts.tests.unit.records.fakes import T0, FakeConsent, a_contact, seeded
from shared.errors import Conflict, NotFound, Unprocessable


def _pair() -> tuple:
    winner = a_contact(id="w", email="ada@example.com", tags=["a"])
    loser = a_contact(
        id="l",
        email="ada@work.org",
        phone="+442079460018",
        title="Countess",
        tags=["b"],
        lifecycle_stage=LifecycleStage.CUSTOMER,
        created_at=T0 - timedelta(days=2),
    )
    return winner, loser


def _item(sk: str) -> dict:
    return {"pk": {"S": "CONTACT#l"}, "sk": {"S": sk}}


def test_a_merge_keeps_one_contact_announces_it_and_hands_the_losers_claims_over() -> None:
    # Given two records of Ada
    repo = seeded(*_pair())
    # When l is merged into w
    merged = merge_contacts("w", "l", repo, FakeConsent(), correlation_id="c-3")
    # Then w holds the union and l is a tombstone pointing at w
    assert merged.version == 2 and merged.title == "Countess" and merged.tags == ["a", "b"]
    assert merged.other_emails == ["ada@work.org"] and merged.phone == "+442079460018"
    assert merged.lifecycle_stage is LifecycleStage.CUSTOMER and merged.created_at == T0 - timedelta(days=2)
    assert repo.get("l") is None and repo.merged_into("l") == "w"
    assert repo.id_by_email("ada@work.org") == "w"
    # ... and ContactsMerged then ContactUpdated (naming what the winner gained) go out together
    merged_event, updated = repo.events
    assert merged_event.detail_type == "ContactsMerged"
    assert merged_event.detail["data"] == {"winner_id": "w", "loser_id": "l"}
    assert updated.detail_type == "ContactUpdated"
    assert updated.detail["data"]["changed"] == ["lifecycle_stage", "other_emails", "phone", "tags", "title"]
    assert {e.detail["metadata"]["correlation_id"] for e in repo.events} == {"c-3"}


def test_the_losers_opt_out_survives_unless_the_winner_already_refused() -> None:
    # Given the loser withdrew email marketing and the winner granted it
    consent = FakeConsent(
        {
            "w": {"state": {"email:marketing": {"granted": True, "at": "x", "source": "web"}}},
            "l": {"state": {"email:marketing": {"granted": False, "at": "y", "source": "unsubscribe"}}},
        }
    )
    repo = seeded(*_pair())
    # When they merge
    merge_contacts("w", "l", repo, consent)
    # Then the merge's own transaction carries the winner's consent with the opt-out set
    [write] = repo.merge_writes
    assert write["Put"]["contact_id"] == "w"
    assert write["Put"]["state"]["email:marketing"]["granted"] is False
    assert write["Put"]["state"]["email:marketing"]["source"] == "merge"
    # Given a winner that had refused too
    consent.consent["w"] = consent.consent["l"]
    repo = seeded(*_pair())
    # When they merge
    merge_contacts("w", "l", repo, consent)
    # Then there is nothing to write about consent
    assert repo.merge_writes == []


def test_a_merge_copies_the_losers_history_but_not_what_its_owners_recompute() -> None:
    # Given the loser's partition: profile, metrics, segments, consent and two timeline items
    repo = seeded(*_pair())
    repo.items["l"] = [_item(sk) for sk in ("PROFILE", "METRICS", "SEGMENTS", "CONSENT", "TL#1", "TL#2")]
    # When they merge
    merge_contacts("w", "l", repo, FakeConsent())
    # Then only the timeline items are copied, under the winner
    assert [i["sk"]["S"] for i in repo.items["w"]] == ["TL#1", "TL#2"]


def test_copying_a_long_history_uses_transactions_of_at_most_100_items() -> None:
    # Given 205 items under the loser
    repo = seeded(*_pair())
    repo.items["l"] = [_item(f"TL#{n:03}") for n in range(205)]
    # When the history is copied
    copied = copy_history("l", "w", repo)
    # Then 205 items went in three transactions
    assert copied == 205
    assert [len(batch) for batch, to in repo.copied] == [100, 100, 5]
    assert {to for _, to in repo.copied} == {"w"}


def test_a_retried_merge_only_finishes_the_copy() -> None:
    # Given a merge that was committed, then crashed before the copy
    repo = seeded(*_pair())
    merge_contacts("w", "l", repo, FakeConsent())
    repo.events.clear()
    repo.items["l"] = [_item("TL#1")]
    # When it is retried
    again = merge_contacts("w", "l", repo, FakeConsent())
    # Then the winner is answered as it is, the copy is done, and nothing is announced twice
    assert again.version == 2 and repo.events == []
    assert [i["sk"]["S"] for i in repo.items["w"]] == ["TL#1"]


def test_merges_that_cannot_happen_say_why() -> None:
    # Given w and l, and x merged into y earlier
    repo = seeded(*_pair(), a_contact(id="x", email="x@x.org"), a_contact(id="y", email="y@x.org"))
    merge_contacts("y", "x", repo, FakeConsent())
    # When a contact is merged with itself
    with pytest.raises(Unprocessable):
        merge_contacts("w", "w", repo, FakeConsent())
    # When the other contact does not exist: the error names other_id
    with pytest.raises(NotFound) as missing:
        merge_contacts("w", "nope", repo, FakeConsent())
    assert missing.value.extensions["errors"][0]["field"] == "other_id"
    # When the winner does not exist (or was itself merged away)
    with pytest.raises(NotFound):
        merge_contacts("x", "l", repo, FakeConsent())
    # When the other contact already went into a third one: the conflict names it
    with pytest.raises(Conflict) as elsewhere:
        merge_contacts("w", "x", repo, FakeConsent())
    assert elsewhere.value.extensions["merged_into"] == "y"
    # Then w and l are untouched
    assert repo.get("w").version == 1 and repo.get("l").version == 1  # type: ignore[union-attr]
