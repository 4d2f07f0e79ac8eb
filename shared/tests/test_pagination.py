from __future__ import annotations

import pytest

from shared.errors import BadRequest
from shared.pagination import decode_cursor, encode_cursor, parse_limit


def test_cursor_round_trips_a_last_evaluated_key() -> None:
    key = {"pk": {"S": "REPS"}, "sk": {"S": "REP#42"}}
    cursor = encode_cursor(key)
    assert cursor is not None and "=" not in cursor
    assert decode_cursor(cursor) == key
    assert encode_cursor(None) is None
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["%%%", "bm90LWpzb24", "WzEsMl0"])  # junk, "not-json", "[1,2]"
def test_a_bad_cursor_is_a_400_naming_the_field(cursor: str) -> None:
    with pytest.raises(BadRequest) as err:
        decode_cursor(cursor)
    assert err.value.extensions["errors"][0]["field"] == "cursor"


def test_limit_is_bounded() -> None:
    assert parse_limit(None) == 25
    assert parse_limit("100") == 100
    for bad in ["0", "101", "-1", "ten"]:
        with pytest.raises(BadRequest):
            parse_limit(bad)


def test_a_cursor_starts_a_page_only_of_its_own_list() -> None:
    from shared.pagination import page_start

    # Given a cursor taken from the list partition CONTACT#1
    key = {"pk": {"S": "CONTACT#1"}, "sk": {"S": "CONSENT#2026"}}
    cursor = encode_cursor(key)
    # When it starts a page of that list, then it is the start key
    assert page_start(cursor, "CONTACT#1") == key
    # And no cursor is no start key
    assert page_start(None, "CONTACT#1") is None
    # But used on another list it is a 400 naming the cursor
    with pytest.raises(BadRequest) as err:
        page_start(cursor, "CONTACT#2")
    assert err.value.extensions["errors"][0]["field"] == "cursor"
