"""Records' items in the contacts table (pynamodb models) and their mapping to and from
the domain: the contact profile, the email/phone claims and the list/search index entries
(table/keys.py). Other features never touch these: they ask ContactRepository for what
they need (e.g. ``bulk_items`` for an import)."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.models import Model

from contacts import SERVICE
from contacts.records.models import Contact
from contacts.records.search import index_values, sort_key
from contacts.table.keys import PROFILE, contact_id_of, contact_pk, index_pk
from shared.outbox import outbox_model
from shared.table import table_meta


class ContactItem(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # CONTACT#<id>
    sk = UnicodeAttribute(range_key=True)  # PROFILE
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    other_emails = ListAttribute(of=UnicodeAttribute, null=True)
    other_phones = ListAttribute(of=UnicodeAttribute, null=True)
    title = UnicodeAttribute(null=True)
    company = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    address = JSONAttribute(null=True)
    birthday = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    lifecycle_stage = UnicodeAttribute()
    owner_id = UnicodeAttribute(null=True)
    owner_assigned_at = UTCDateTimeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    custom_fields = JSONAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)  # a merged-away contact's tombstone points here
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class Claim(Model):
    """One item per normalised email / phone: 'one contact per email' is a condition, not a scan."""

    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # EMAIL#<email> / PHONE#<e164>
    sk = UnicodeAttribute(range_key=True)  # CLAIM
    contact_id = UnicodeAttribute()


class DeletedMarker(Model):
    """What a delete leaves of the profile: no personal data, only what a later erasure of
    the contact needs (the contact's history stays under its partition until then): the
    suppression keys of its emails, already hashed (table.keys.suppression_pk)."""

    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # CONTACT#<id>
    sk = UnicodeAttribute(range_key=True)  # DELETED
    contact_id = UnicodeAttribute()
    deleted_at = UTCDateTimeAttribute()
    suppress = ListAttribute(of=UnicodeAttribute, null=True)


class IndexEntry(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # IDX#<field>#<value>
    sk = UnicodeAttribute(range_key=True)  # <created_at iso>#<id>
    contact_id = UnicodeAttribute()


OutboxRecord = outbox_model(table_meta(SERVICE))


def to_item(contact: Contact) -> ContactItem:
    data = contact.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at"})
    item = ContactItem(
        pk=contact_pk(contact.id),
        sk=PROFILE,
        **{k: v for k, v in data.items() if v not in (None, [], {})},
        owner_assigned_at=contact.owner_assigned_at,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )
    if contact.version:
        item.version = contact.version
    return item


def to_contact(item: ContactItem) -> Contact:
    data = {k: v for k, v in item.attribute_values.items() if k not in ("pk", "sk", "merged_into")}
    return Contact.model_validate({**data, "id": contact_id_of(item.pk), "version": item.version or 1})


def index_items(contact: Contact) -> dict[tuple[str, str], str]:
    sk = sort_key(contact)
    return {(index_pk(f, v), sk): contact.id for f, v in index_values(contact)}
