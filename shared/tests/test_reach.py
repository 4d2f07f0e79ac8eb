"""shared.reach (who reaches which contact) and shared.owners (each service's copy of the owners)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.reach import ContactOwner, Owners, guard, not_found, within_reach

REP = Principal(subject="rep-a", role=Role.SALES)
T0 = datetime(2026, 1, 1, 10, tzinfo=UTC)


class Book:
    def __init__(self, **owners: ContactOwner) -> None:
        self.owners = owners
        self.reads = 0

    def owner_of(self, contact_id: str) -> ContactOwner | None:
        self.reads += 1
        return self.owners.get(contact_id)


@pytest.mark.parametrize(
    ("contact", "reached"),
    [
        (ContactOwner(owner_id="rep-a"), True),
        (ContactOwner(owner_id="rep-b"), False),
        (ContactOwner(owner_id="rep-b", created_by="rep-a"), False),  # assigned: the owner alone decides
        (ContactOwner(owner_id=None, created_by="rep-a"), True),  # the creator, until assigned
        (ContactOwner(owner_id=None), False),  # no known owner: outside a rep's reach
        (None, False),
    ],
)
def test_a_sales_user_reaches_what_they_own(contact: ContactOwner | None, reached: bool) -> None:
    assert within_reach(REP, contact) is reached


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.MARKETER, Role.AGENT])
def test_full_reach_roles_pass_the_guard_without_a_read(role: Role) -> None:
    def never() -> Owners:
        raise AssertionError("a full-reach caller builds no repository")

    guard(Principal(subject="x", role=role), "c1", never)


def test_outside_reach_is_the_missing_records_very_not_found() -> None:
    book = Book(c1=ContactOwner(owner_id="rep-b"))
    with pytest.raises(NotFound) as theirs:
        guard(REP, "c1", lambda: book, not_found("lead", "c1"))
    assert theirs.value.to_dict() == not_found("lead", "c1").to_dict()
    with pytest.raises(NotFound) as default:
        guard(REP, "c2", lambda: book)
    assert str(default.value) == "contact c2 not found" and book.reads == 2
    guard(Principal(subject="rep-b", role=Role.SALES), "c1", lambda: book)


def test_the_newest_assignment_wins_and_erasure_forgets(table: str) -> None:
    from shared.owners import OwnerStore, owner_model
    from shared.table import table_meta

    owners = OwnerStore(owner_model(table_meta("kernel")), lambda contact_id: f"CONTACT#{contact_id}")
    # An assignment, a stale one, its redelivery, and a newer one
    assert owners.record("c1", "rep-b", T0.replace(hour=11))
    assert not owners.record("c1", "rep-a", T0)
    assert not owners.record("c1", "rep-b", T0.replace(hour=11))
    assert owners.owner_of("c1") == ContactOwner(owner_id="rep-b", assigned_at=T0.replace(hour=11))
    assert owners.record("c1", "rep-a", T0.replace(hour=12))
    owner = owners.owner_of("c1")
    assert owner is not None and owner.owner_id == "rep-a"
    # Erasure, twice
    owners.forget("c1")
    owners.forget("c1")
    assert owners.owner_of("c1") is None and owners.owner_of("nobody") is None
