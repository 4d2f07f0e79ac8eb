"""Records' read use cases: list/filter parsing and paging, and likely duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.records.listing import find_duplicates, list_contacts
from contacts.records.models import Address, LifecycleStage
from services.contacts.tests.unit.records.fakes import T0, a_contact, seeded
from shared.errors import BadRequest, NotFound


def _people() -> list:
    """Five contacts created a minute apart."""
    return [
        a_contact(
            id="a", email="a@x.com", tags=["vip"], address=Address(country="FR", city="Besançon"), owner_id="rep-1"
        ),
        a_contact(id="b", email="b@x.com", tags=["vip"], owner_id="rep-2", created_at=T0 + timedelta(minutes=1)),
        a_contact(
            id="c",
            email="c@x.com",
            tags=["vip"],
            address=Address(country="FR", city="Besancon"),
            lifecycle_stage=LifecycleStage.CUSTOMER,
            created_at=T0 + timedelta(minutes=2),
        ),
        a_contact(id="d", email="d@x.com", owner_id="rep-1", created_at=T0 + timedelta(minutes=3)),
        a_contact(
            id="e",
            email="e@x.com",
            tags=["vip"],
            address=Address(country="FR", city="BESANÇON"),
            created_at=T0 + timedelta(minutes=4),
        ),
    ]


def _ids(page: object) -> list[str]:
    return [c.id for c in page.items]  # type: ignore[attr-defined]


def test_filters_combine_and_compare_places_without_case_or_accents() -> None:
    # Given contacts in Besançon written three ways, some tagged vip, one a customer
    repo = seeded(*_people())
    # When listing vip leads in "besancon"
    page = list_contacts({"tag": "VIP", "city": "besancon", "stage": "lead"}, 10, repo)
    # Then every filter applies, in creation order, and there is no further page
    assert _ids(page) == ["a", "e"] and page.next_cursor is None


def test_a_page_cursor_continues_where_the_last_page_stopped() -> None:
    # Given four vip contacts
    repo = seeded(*_people())
    # When listed two at a time
    first = list_contacts({"tag": "vip"}, 2, repo)
    second = list_contacts({"tag": "vip", "cursor": first.next_cursor or ""}, 2, repo)
    # Then the pages are disjoint and complete, and the last has no cursor
    assert _ids(first) == ["a", "b"] and first.next_cursor is not None
    assert _ids(second) == ["c", "e"] and second.next_cursor is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"created_from": "last tuesday"}, "created_from"),
        ({"created_to": "2026-13-01"}, "created_to"),
        ({"q": "--- !!"}, "q"),
        ({"cursor": "not*a*cursor"}, "cursor"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(query: dict[str, str], field: str) -> None:
    # Given/When a list with one malformed parameter
    with pytest.raises(BadRequest) as raised:
        list_contacts(query, 10, seeded(*_people()))
    # Then the error names that parameter
    assert raised.value.extensions["errors"][0]["field"] == field


def test_created_bounds_keep_the_whole_last_day() -> None:
    # Given contacts created on Jan 1 and one on Jan 2
    repo = seeded(*_people(), a_contact(id="f", email="f@x.com", created_at=T0 + timedelta(days=1)))
    # When listing up to 2026-01-01, and from minute 3 on
    upto = list_contacts({"created_to": "2026-01-01"}, 10, repo)
    since = list_contacts({"created_from": (T0 + timedelta(minutes=3)).isoformat()}, 10, repo)
    # Then the day is inclusive, the start too
    assert _ids(upto) == ["a", "b", "c", "d", "e"]
    assert _ids(since) == ["d", "e", "f"]


def test_a_created_bound_with_an_offset_means_the_same_instant() -> None:
    # Given contacts created at 09:00Z .. 09:04Z
    repo = seeded(*_people())
    # When listing from 11:03+02:00 (= 09:03Z)
    page = list_contacts({"created_from": "2026-01-01T11:03:00+02:00"}, 10, repo)
    # Then the contacts from 09:03Z on are listed
    assert _ids(page) == ["d", "e"]


def test_a_reps_list_is_confined_to_their_own_contacts() -> None:
    # Given contacts of rep-1, rep-2 and nobody
    repo = seeded(*_people())
    # When rep-1 lists everything, and then asks for rep-2's
    mine = list_contacts({}, 10, repo, owner_scope="rep-1")
    theirs = list_contacts({"owner": "rep-2"}, 10, repo, owner_scope="rep-1")
    # Then only rep-1's come back, and none of rep-2's
    assert _ids(mine) == ["a", "d"]
    assert _ids(theirs) == [] and theirs.next_cursor is None


def test_a_segment_filter_for_a_rep_keeps_the_members_among_their_own() -> None:
    # Given a segment holding b (rep-2), d (rep-1) and e (nobody's)
    repo = seeded(*_people())
    repo.segments["seg-1"] = ["b", "d", "e"]
    # When rep-1 and a manager list it
    assert _ids(list_contacts({"segment": "seg-1"}, 10, repo, owner_scope="rep-1")) == ["d"]
    assert _ids(list_contacts({"segment": "seg-1"}, 10, repo)) == ["b", "d", "e"]


def test_an_exact_email_search_finds_its_holder_only() -> None:
    # Given the people
    repo = seeded(*_people())
    # When searching an exact email, upper-cased
    # Then only its holder comes back
    assert _ids(list_contacts({"q": "C@X.COM"}, 10, repo)) == ["c"]


# --- duplicates -------------------------------------------------------------------------


def test_likely_duplicates_are_scored_by_their_evidence_and_exclude_the_contact_itself() -> None:
    # Given Ada at Acme, and: same name at Acme, same name elsewhere, same email name at
    # another domain, a similar name, and a stranger
    me = a_contact(id="me", email="ada.l@acme.com", company="Acme")
    repo = seeded(
        me,
        a_contact(id="twin", email="al@acme.com", company="ACME"),
        a_contact(id="namesake", email="ada@other.org"),
        a_contact(id="alias", email="ada.l@gmail.com", first_name="Augusta", last_name="Byron"),
        a_contact(id="similar", email="al@x.org", first_name="Adaline", last_name="Lovegood"),
        a_contact(id="stranger", email="bob@x.org", first_name="Bob", last_name="Stone"),
    )
    # When its duplicates are looked for
    found = find_duplicates("me", repo)
    # Then each comes with its reasons, strongest first; the stranger and itself do not
    assert [(d.contact.id, d.score) for d in found] == [
        ("twin", 0.8),
        ("alias", 0.6),
        ("namesake", 0.5),
        ("similar", 0.3),
    ]
    assert found[0].reasons == ["same name and company"]
    assert found[1].reasons == ["same email name at another domain than acme.com"]


def test_duplicates_outside_reach_are_left_out_and_a_contact_outside_reach_is_not_found() -> None:
    # Given rep-1's Ada and rep-2's namesake
    repo = seeded(a_contact(id="mine", owner_id="rep-1"), a_contact(id="theirs", email="a2@x.org", owner_id="rep-2"))

    def visible(c: object) -> bool:
        return c.owner_id == "rep-1"  # type: ignore[attr-defined]

    # When rep-1 looks for duplicates of their contact, and of rep-2's
    # Then the namesake is not shown, and rep-2's contact is not found
    assert find_duplicates("mine", repo, visible) == []
    assert [d.contact.id for d in find_duplicates("mine", repo)] == ["theirs"]
    with pytest.raises(NotFound):
        find_duplicates("theirs", repo, visible)
