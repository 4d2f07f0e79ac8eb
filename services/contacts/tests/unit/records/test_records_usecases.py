"""Records rules without AWS: normalisation, index entries, custom fields, merge rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts.fields.models import FieldDef, FieldType
from contacts.fields.usecases import validate_custom_fields
from contacts.records.merge import merged_fields, opt_outs_to_keep
from contacts.records.models import Address, Contact, LifecycleStage
from contacts.records.search import claims, index_values, matches_q, normalise_phone, query_plan
from services.contacts.tests.unit.records.fakes import a_contact
from shared.errors import BadRequest, PreconditionRequired
from shared.inputs import parse_if_match

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _contact(**extra: object) -> Contact:
    """records' fakes' a_contact, as Zoë Saldaña at version 1 created at this module's T0."""
    zoe: dict[str, object] = {"email": "zoe@example.com", "first_name": "Zoë", "last_name": "Saldaña"}
    return a_contact(**{**zoe, "created_at": T0, "updated_at": T0, "version": 1, **extra})


def test_phones_become_e164_reading_national_numbers_in_the_contacts_country() -> None:
    assert normalise_phone("020 7946 0018", "GB") == "+442079460018"
    assert normalise_phone("+1 (415) 555-2671", None) == "+14155552671"
    with pytest.raises(ValueError, match="country"):
        normalise_phone("020 7946 0018", None)


def test_index_entries_cover_every_filter_and_search_and_fold_accents() -> None:
    contact = _contact(
        phone="+14155552671",
        tags=["vip"],
        owner_id="rep-1",
        company_id="co-1",
        address=Address(country="US", region="California", city="San José"),
    )
    values = index_values(contact)
    for expected in [
        ("all", "-"),
        ("stage", "lead"),
        ("owner", "rep-1"),
        ("company", "co-1"),
        ("country", "US"),
        ("region", "california"),
        ("city", "san jose"),
        ("tag", "vip"),
        ("name", "zoe"),
        ("name", "sal"),
        ("local", "zoe"),
        ("fullname", "zoe saldana"),
    ]:
        assert expected in values
    # An exact email or phone is found by its claim, which has no index entry beside it.
    assert not {field for field, _ in values} & {"email", "phone"}
    assert claims(contact) == {"EMAIL#zoe@example.com", "PHONE#+14155552671"}


def test_q_reads_one_index_and_matches_prefixes_of_name_tokens() -> None:
    assert query_plan("Zoe@Example.com") == ("email", "zoe@example.com")
    assert query_plan("+1 415 555 2671") == ("phone", "14155552671")
    assert query_plan("zo sald") == ("name", "sal")
    contact = _contact()
    assert matches_q(contact, "zo sald") and not matches_q(contact, "zo smith")


def test_custom_fields_are_checked_against_their_definitions() -> None:
    defs = [
        FieldDef(name="tier", type=FieldType.ENUM, options=["gold", "silver"], required=True, created_at=T0),
        FieldDef(name="score", type=FieldType.NUMBER, min=0, max=10, created_at=T0),
        FieldDef(name="since", type=FieldType.DATE, created_at=T0),
        FieldDef(name="code", type=FieldType.STRING, pattern=r"[A-Z]{3}", created_at=T0),
    ]
    clean, errors = validate_custom_fields({"tier": "gold", "score": 3, "since": "2024-02-01"}, defs, complete=True)
    assert errors == [] and clean["score"] == 3
    _, errors = validate_custom_fields(
        {"score": 11, "since": "soon", "code": "abc", "nope": 1, "tier": "bronze"}, defs, complete=True
    )
    assert sorted(e["field"] for e in errors) == [
        "custom_fields.code",
        "custom_fields.nope",
        "custom_fields.score",
        "custom_fields.since",
        "custom_fields.tier",
    ]
    _, errors = validate_custom_fields({}, defs, complete=True)
    assert errors == [{"field": "custom_fields.tier", "message": "is required"}]


def test_if_match_is_required_and_must_be_a_version() -> None:
    assert parse_if_match('"3"') == 3 and parse_if_match('W/"4"') == 4 and parse_if_match("5") == 5
    with pytest.raises(PreconditionRequired):
        parse_if_match(None)
    with pytest.raises(BadRequest):
        parse_if_match('"abc"')


def test_merge_rules_winner_values_first_unions_earliest_and_furthest() -> None:
    winner = _contact(title=None, tags=["a"], custom_fields={"x": 1}, phone="+14155552671")
    loser = _contact(
        id="c2",
        email="zoe@other.org",
        title="CTO",
        tags=["b", "a"],
        custom_fields={"x": 2, "y": 3},
        phone="+442079460018",
        lifecycle_stage=LifecycleStage.CUSTOMER,
        created_at=T0 - timedelta(days=3),
        owner_id="rep-9",
    )
    merged = merged_fields(winner, loser)
    assert merged.email == "zoe@example.com" and merged.other_emails == ["zoe@other.org"]
    assert merged.title == "CTO" and merged.tags == ["a", "b"]
    assert merged.custom_fields == {"x": 1, "y": 3}
    assert merged.phone == "+14155552671" and merged.other_phones == ["+442079460018"]
    assert merged.created_at == T0 - timedelta(days=3)
    assert merged.lifecycle_stage is LifecycleStage.CUSTOMER and merged.owner_id == "rep-9"


def test_an_opt_out_on_either_side_survives() -> None:
    winner = {"state": {"email:marketing": {"granted": True, "at": "x", "source": "web"}}}
    loser = {
        "state": {
            "email:marketing": {"granted": False, "at": "y", "source": "unsubscribe"},
            "sms:marketing": {"granted": True, "at": "y", "source": "web"},
        }
    }
    keep = opt_outs_to_keep(winner, loser, T0)
    assert keep == {"email:marketing": {"granted": False, "at": T0.isoformat(), "source": "merge"}}
    assert opt_outs_to_keep(loser, winner, T0) == {}  # the winner's own opt-out is already there
