from __future__ import annotations

import base64
import json

import pytest

from shared.errors import BadRequest
from shared.pagination import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor, page_start, parse_limit

KEY = {"pk": {"S": "REPS"}, "sk": {"S": "REP#42"}}


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_cursor_round_trips_a_last_evaluated_key_for_its_own_list() -> None:
    cursor = encode_cursor(KEY, of="reps")
    assert cursor is not None and "=" not in cursor
    assert all(c.isalnum() or c in "-_." for c in cursor)
    assert decode_cursor(cursor, of="reps") == KEY
    assert encode_cursor(None, of="reps") is None
    assert decode_cursor(None, of="reps") is None


def test_a_cursor_names_no_filter_of_its_list() -> None:
    cursor = encode_cursor(KEY, of="contacts/list/q=ada@example.com")
    assert cursor is not None
    assert b"ada" not in base64.urlsafe_b64decode(cursor.split(".")[0] + "==")


def _forged() -> list[str]:
    real = encode_cursor(KEY, of="reps")
    assert real is not None
    payload, mac = real.split(".")
    altered = _b64({"of": json.loads(base64.urlsafe_b64decode(payload + "=="))["of"], "key": {"pk": {"S": "X"}}})
    return [
        "%%%",  # junk
        "bm90LWpzb24",  # base64 of "not-json"
        _b64(KEY),  # the old shape: a key, unsigned
        _b64({"after": "x"}),  # a key without a signature
        f"{_b64(KEY)}.{mac}",  # another payload under a real signature
        f"{altered}.{mac}",  # an altered key
        real[:-3],  # truncated signature
        real[:10],  # truncated payload
        payload,  # payload without its signature
        real + "A",  # one character more
        real.replace(".", ".."),  # two separators
        encode_cursor(KEY, of="ledger/1") or "",  # a real cursor of another list
        "A" * (MAX_CURSOR_LENGTH + 1),  # huge
        "é" * 20,  # not ASCII
    ]


@pytest.mark.parametrize("cursor", _forged())
def test_a_forged_altered_or_foreign_cursor_is_a_400_naming_the_cursor(cursor: str) -> None:
    with pytest.raises(BadRequest) as err:
        decode_cursor(cursor, of="reps")
    assert err.value.extensions["errors"][0]["field"] == "cursor"


def test_a_cursor_of_another_stage_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import get_settings

    cursor = encode_cursor(KEY, of="reps")
    monkeypatch.setenv("CRM_CURSOR_SECRET", "x" * 32)
    get_settings.cache_clear()
    try:
        with pytest.raises(BadRequest):
            decode_cursor(cursor, of="reps")
        assert decode_cursor(encode_cursor(KEY, of="reps"), of="reps") == KEY
    finally:
        monkeypatch.delenv("CRM_CURSOR_SECRET")
        get_settings.cache_clear()


def test_limit_is_bounded() -> None:
    assert parse_limit(None) == 25
    assert parse_limit("100") == 100
    for bad in ["0", "101", "-1", "ten"]:
        with pytest.raises(BadRequest):
            parse_limit(bad)


def test_a_cursor_starts_a_page_only_of_its_own_list() -> None:
    # Given a cursor taken from the list partition CONTACT#1
    key = {"pk": {"S": "CONTACT#1"}, "sk": {"S": "CONSENT#2026"}}
    cursor = encode_cursor(key, of="CONTACT#1")
    # When it starts a page of that list, then it is the start key
    assert page_start(cursor, "CONTACT#1") == key
    # And no cursor is no start key
    assert page_start(None, "CONTACT#1") is None
    # But used on another list it is a 400 naming the cursor
    with pytest.raises(BadRequest) as err:
        page_start(cursor, "CONTACT#2")
    assert err.value.extensions["errors"][0]["field"] == "cursor"
