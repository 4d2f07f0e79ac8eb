"""What a contact is found by: its dedup claims and its list/search index entries.

Pure functions of a ``Contact``: the repository writes exactly these items beside the
profile, in the same transaction, and removes the ones a change makes stale. Lists and
searches then query one ``IDX#<field>#<value>`` partition instead of scanning the table.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from contacts.table.keys import ALL_INDEX, email_claim_pk, phone_claim_pk

if TYPE_CHECKING:
    from contacts.records.models import Contact

NAME_PREFIX = 3  # q=ada matches "Adaline": entries per name token's first letters
ALL = ALL_INDEX
# Looked up through the contact's claim of that email or phone (one live holder at most),
# not an index partition: one item fewer to write per email and per phone.
CLAIMED_FIELDS = ("email", "phone")  # every live contact, newest-created last: the list with no filter

# List filters by how selective they usually are: the first one present is queried and
# the others are applied to the profiles it returns.
FILTER_ORDER = ("owner", "company", "tag", "city", "region", "country", "stage")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Zoë' and 'zoe' index alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", fold(text)) if t]


def name_tokens(first: str, last: str) -> list[str]:
    return tokens(f"{first} {last}")


def full_name(first: str, last: str) -> str:
    return " ".join(name_tokens(first, last))


def digits(e164: str) -> str:
    return e164.lstrip("+")


def claims(contact: Contact) -> set[str]:
    """Claim keys this contact holds: no two live contacts share an email or phone."""
    return {email_claim_pk(e) for e in contact.emails} | {phone_claim_pk(p) for p in contact.phones}


def index_values(contact: Contact) -> set[tuple[str, str]]:
    values = {ALL, ("stage", contact.lifecycle_stage.value)}
    if contact.owner_id:
        values.add(("owner", contact.owner_id))
    if contact.company_id:
        values.add(("company", contact.company_id))
    if contact.address:
        if contact.address.country:
            values.add(("country", contact.address.country))
        if contact.address.region:
            values.add(("region", fold(contact.address.region)))
        if contact.address.city:
            values.add(("city", fold(contact.address.city)))
    values.update(("tag", t) for t in contact.tags)
    values.update(("name", t[:NAME_PREFIX]) for t in name_tokens(contact.first_name, contact.last_name))
    values.add(("fullname", full_name(contact.first_name, contact.last_name)))
    # An exact email or phone is found by its claim (CLAIMED_FIELDS): no entry of its own.
    values.update(("local", email.split("@", 1)[0]) for email in contact.emails)  # same person, another domain
    return values


def sort_key(contact: Contact) -> str:
    # Created time first: a list is in creation order; the id keeps equal times apart.
    return f"{contact.created_at.isoformat()}#{contact.id}"


def normalise_phone(raw: str, country: str | None) -> str:
    """E.164 ('+441632960961'), reading national numbers in the contact's country.

    Raises ValueError with a message fit for a problem detail (never echoing the number).
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        hint = "" if raw.strip().startswith("+") or country else " (use +<country code> or set address.country)"
        raise ValueError(f"not a phone number{hint}") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def query_plan(q: str) -> tuple[str, str] | None:
    """The one index entry a free-text ``q`` reads: email, phone digits or a name prefix."""
    q = q.strip()
    if "@" in q:
        return ("email", q.lower())
    if re.fullmatch(r"\+?[0-9 ()\-.]{6,20}", q):
        return ("phone", re.sub(r"[^0-9]", "", q))
    words = tokens(q)
    if not words:
        return None
    longest = max(words, key=len)
    return ("name", longest[:NAME_PREFIX])


def matches_q(contact: Contact, q: str) -> bool:
    q = q.strip()
    if "@" in q:
        return q.lower() in contact.emails
    if re.fullmatch(r"\+?[0-9 ()\-.]{6,20}", q):
        wanted = re.sub(r"[^0-9]", "", q)
        return any(digits(p) == wanted for p in contact.phones)
    names = name_tokens(contact.first_name, contact.last_name)
    return all(any(n.startswith(w) for n in names) for w in tokens(q))
