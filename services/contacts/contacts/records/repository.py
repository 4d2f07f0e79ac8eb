"""The contacts table (pynamodb): profiles, claims, index entries, custom field definitions,
companies, and the merge's moves. The only module of the records area that touches DynamoDB.

Every write of a profile also writes, in the same transaction, the claims and index
entries that ``contacts.records.search`` derives from it (and removes the stale ones), plus the
outbox records of its events: a list or a dedup check never sees half a change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model

from contacts import SERVICE
from contacts.records.errors import DuplicateContact, StaleVersion
from contacts.records.models import Company, Contact, FieldDef
from contacts.records.search import CLAIMED_FIELDS, claims, index_values, sort_key
from contacts.table.keys import (
    CLAIM,
    CONSENT,
    PROFILE,
    consent_record_sk,
    contact_pk,
    email_claim_pk,
    index_pk,
    member_sk,
    phone_claim_pk,
    segment_pk,
)
from shared.errors import Conflict, NotFound
from shared.events import Outgoing
from shared.outbox import outbox_model, outbox_record
from shared.table import is_conditional_failure, table_meta, transaction

FIELDDEF_PK = "FIELDDEF"
COMPANIES = ("companies", "-")
BATCH_GET_LIMIT = 100


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


class IndexEntry(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # IDX#<field>#<value>
    sk = UnicodeAttribute(range_key=True)  # <created_at iso>#<id>
    contact_id = UnicodeAttribute()


class FieldDefItem(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # FIELDDEF
    sk = UnicodeAttribute(range_key=True)  # <name>
    definition = JSONAttribute()


class CompanyItem(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # COMPANY#<id>
    sk = UnicodeAttribute(range_key=True)  # PROFILE
    name = UnicodeAttribute()
    domain = UnicodeAttribute(null=True)
    industry = UnicodeAttribute(null=True)
    size = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class DomainClaim(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # DOMAIN#<domain>
    sk = UnicodeAttribute(range_key=True)  # CLAIM
    company_id = UnicodeAttribute()


class ConsentState(Model):
    """The privacy area's current-consent item, as the merge writes opt-outs into it."""

    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # CONTACT#<id>
    sk = UnicodeAttribute(range_key=True)  # CONSENT
    # {"<channel>:<purpose>": {"granted": bool, "at": iso, "source": str}}
    state = MapAttribute(null=True)  # type: ignore[no-untyped-call, var-annotated]
    updated_at = UnicodeAttribute(null=True)


class ConsentRecord(Model):
    """An entry of the privacy area's append-only consent log."""

    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # CONTACT#<id>
    sk = UnicodeAttribute(range_key=True)  # CONSENT#<at>#<channel>#<purpose>
    channel = UnicodeAttribute()
    purpose = UnicodeAttribute()
    granted = BooleanAttribute()
    at = UnicodeAttribute()
    source = UnicodeAttribute()


OutboxRecord = outbox_model(table_meta(SERVICE))


def company_pk(company_id: str) -> str:
    return f"COMPANY#{company_id}"


def domain_claim_pk(domain: str) -> str:
    return f"DOMAIN#{domain}"


def now() -> datetime:
    return datetime.now(UTC)


# --- mapping ------------------------------------------------------------------------


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
    return Contact.model_validate({**data, "id": item.pk.removeprefix("CONTACT#"), "version": item.version or 1})


def _index_items(contact: Contact) -> dict[tuple[str, str], str]:
    sk = sort_key(contact)
    return {(index_pk(f, v), sk): contact.id for f, v in index_values(contact)}


def _index_diff(tx: Any, old: Contact | None, new: Contact | None) -> None:
    """Index entries: add what ``new`` is found by, remove what only ``old`` was."""
    old_index = _index_items(old) if old else {}
    new_index = _index_items(new) if new else {}
    for (pk, sk), cid in new_index.items():
        if (pk, sk) not in old_index:
            tx.save(IndexEntry(pk=pk, sk=sk, contact_id=cid))
    for pk, sk in old_index.keys() - new_index.keys():
        tx.delete(IndexEntry(pk=pk, sk=sk))


class ContactRepository:
    # --- contacts -------------------------------------------------------------------

    def add(self, contact: Contact, events: list[Outgoing]) -> Contact:
        """Store a new contact with its claims, index entries and events, all or nothing."""
        return self._write(None, contact, events)

    def replace(self, old: Contact, new: Contact, events: list[Outgoing]) -> Contact:
        """Replace ``old`` (conditional on its version) by ``new``; claims and index follow."""
        return self._write(old, new, events)

    def remove(self, old: Contact, events: list[Outgoing]) -> None:
        self._write(old, None, events)

    def _write(self, old: Contact | None, new: Contact | None, events: list[Outgoing]) -> Contact:
        old_claims = claims(old) if old else set()
        new_claims = claims(new) if new else set()
        try:
            with transaction() as tx:
                if new is not None:
                    item = to_item(new.model_copy(update={"version": old.version if old else 0}))
                    if old is None:
                        tx.save(item, condition=ContactItem.pk.does_not_exist())
                    else:
                        tx.save(item)  # VersionAttribute: only if still at old.version
                elif old is not None:
                    tx.delete(ContactItem(pk=contact_pk(old.id), sk=PROFILE, version=old.version))
                owner = new.id if new else ""
                for key in new_claims - old_claims:
                    tx.save(
                        Claim(pk=key, sk=CLAIM, contact_id=owner),
                        condition=Claim.pk.does_not_exist() | (Claim.contact_id == owner),
                    )
                for key in old_claims - new_claims:
                    assert old is not None
                    tx.delete(Claim(pk=key, sk=CLAIM), condition=Claim.contact_id == old.id)
                _index_diff(tx, old, new)
                for event in events:
                    tx.save(outbox_record(OutboxRecord, event))
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            self._explain_conflict(old, new, new_claims - old_claims)
        if new is None:
            assert old is not None
            return old
        return new.model_copy(update={"version": (old.version if old else 0) + 1})

    def _explain_conflict(self, old: Contact | None, new: Contact | None, wanted: set[str]) -> None:
        me = new.id if new else None
        for key in sorted(wanted):
            holder = self.claim_holder(key)
            if holder is not None and holder != me:
                what = "email" if key.startswith("EMAIL#") else "phone"
                raise DuplicateContact(
                    f"a contact with this {what} exists",
                    existing_id=holder,
                    errors=[{"field": what, "message": "belongs to another contact"}],
                )
        if old is not None:
            current = self.get(old.id)
            if current is None:
                raise NotFound(f"contact {old.id} not found")
            raise StaleVersion(
                f"contact {old.id} changed: version {current.version} is current, not {old.version}",
                current_version=current.version,
            )
        raise Conflict("the contact exists")

    def get(self, contact_id: str) -> Contact | None:
        item = self._item(contact_id)
        return to_contact(item) if item is not None and item.merged_into is None else None

    def merged_into(self, contact_id: str) -> str | None:
        item = self._item(contact_id)
        return item.merged_into if item is not None else None

    def _item(self, contact_id: str) -> ContactItem | None:
        try:
            return ContactItem.get(contact_pk(contact_id), PROFILE, consistent_read=True)
        except DoesNotExist:
            return None

    def get_many(self, ids: list[str]) -> dict[str, Contact]:
        found: dict[str, Contact] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            keys = [(contact_pk(i), PROFILE) for i in unique[start : start + BATCH_GET_LIMIT]]
            for item in ContactItem.batch_get(keys):
                if item.merged_into is None:
                    contact = to_contact(item)
                    found[contact.id] = contact
        return found

    def claim_holder(self, key: str) -> str | None:
        try:
            return Claim.get(key, CLAIM, consistent_read=True).contact_id
        except DoesNotExist:
            return None

    def id_by_email(self, email: str) -> str | None:
        return self.claim_holder(email_claim_pk(email))

    def id_by_phone(self, e164: str) -> str | None:
        return self.claim_holder(phone_claim_pk(e164))

    # --- index queries ----------------------------------------------------------------

    def index_page(
        self,
        field: str,
        value: str,
        *,
        after: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[str, str]], bool]:
        """Up to ``limit`` (sk, contact id) of one index entry partition, in sk order; and
        whether more may follow. ``created_*`` bound the sk (it starts with created_at).
        An exact email or phone (digits) is its claim's holder, if any."""
        if field in CLAIMED_FIELDS:
            holder = self.id_by_email(value) if field == "email" else self.id_by_phone(f"+{value}")
            return ([(holder, holder)] if holder and after is None else []), False
        condition: Any = None
        if created_from and created_to:
            condition = IndexEntry.sk.between(created_from, created_to + "\uffff")
        elif created_from:
            condition = IndexEntry.sk >= created_from
        elif created_to:
            condition = IndexEntry.sk <= created_to + "\uffff"
        pk = index_pk(field, value)
        start = {"pk": {"S": pk}, "sk": {"S": after}} if after else None
        result = IndexEntry.query(pk, condition, limit=limit, last_evaluated_key=start, page_size=limit)
        rows = [(e.sk, e.contact_id) for e in result]
        return rows, result.last_evaluated_key is not None

    def index_ids(self, field: str, value: str, limit: int = 50) -> list[str]:
        rows, _ = self.index_page(field, value, limit=limit)
        return [cid for _, cid in rows]

    def segment_page(self, segment_id: str, *, after: str | None, limit: int) -> tuple[list[tuple[str, str]], bool]:
        """Members of a segment (the segments area's items; read only here), by member sk."""
        from shared.aws import client

        kwargs: dict[str, Any] = {
            "TableName": ContactItem.Meta.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :m)",
            "ExpressionAttributeValues": {":pk": {"S": segment_pk(segment_id)}, ":m": {"S": member_sk("")}},
            "ProjectionExpression": "pk, sk",
            "Limit": limit,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": {"S": segment_pk(segment_id)}, "sk": {"S": after}}
        page = client("dynamodb").query(**kwargs)
        rows = [(i["sk"]["S"], i["sk"]["S"].removeprefix(member_sk(""))) for i in page.get("Items", [])]
        return rows, "LastEvaluatedKey" in page

    def members_among(self, segment_id: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` are members of a segment: key lookups (a batch per 100), so a
        rep's list filtered by a segment costs their contacts, not the segment's size."""
        from shared.aws import client

        table = ContactItem.Meta.table_name
        pk = segment_pk(segment_id)
        unique = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            keys = [{"pk": {"S": pk}, "sk": {"S": member_sk(cid)}} for cid in unique[start : start + BATCH_GET_LIMIT]]
            request: dict[str, Any] = {table: {"Keys": keys, "ProjectionExpression": "sk"}}
            while request:
                page = client("dynamodb").batch_get_item(RequestItems=request)
                found.update(i["sk"]["S"].removeprefix(member_sk("")) for i in page["Responses"].get(table, []))
                request = page.get("UnprocessedKeys") or {}  # throttled keys come back: ask again
        return found

    # --- custom field definitions ------------------------------------------------------

    def field_defs(self) -> list[FieldDef]:
        return [FieldDef.model_validate(i.definition) for i in FieldDefItem.query(FIELDDEF_PK, consistent_read=True)]

    def add_field_def(self, definition: FieldDef) -> FieldDef:
        item = FieldDefItem(pk=FIELDDEF_PK, sk=definition.name, definition=definition.model_dump(mode="json"))
        try:
            item.save(condition=FieldDefItem.sk.does_not_exist())
        except Exception as exc:
            if is_conditional_failure(exc):
                raise Conflict(
                    f"custom field {definition.name} exists",
                    errors=[{"field": "name", "message": "already defined"}],
                ) from None
            raise
        return definition

    # --- companies ----------------------------------------------------------------------

    def add_company(self, company: Company) -> Company:
        return self._write_company(None, company)

    def replace_company(self, old: Company, new: Company) -> Company:
        return self._write_company(old, new)

    def _write_company(self, old: Company | None, new: Company) -> Company:
        item = CompanyItem(
            pk=company_pk(new.id),
            sk=PROFILE,
            **new.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at"}, exclude_none=True),
            created_at=new.created_at,
            updated_at=new.updated_at,
        )
        if old is not None:
            item.version = old.version
        try:
            with transaction() as tx:
                tx.save(item) if old else tx.save(item, condition=CompanyItem.pk.does_not_exist())
                old_domain = old.domain if old else None
                if new.domain and new.domain != old_domain:
                    tx.save(
                        DomainClaim(pk=domain_claim_pk(new.domain), sk=CLAIM, company_id=new.id),
                        condition=DomainClaim.pk.does_not_exist(),
                    )
                if old_domain and old_domain != new.domain:
                    tx.delete(DomainClaim(pk=domain_claim_pk(old_domain), sk=CLAIM))
                if old is None:
                    pk = index_pk(*COMPANIES)
                    tx.save(IndexEntry(pk=pk, sk=f"{new.created_at.isoformat()}#{new.id}", contact_id=new.id))
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            if new.domain and new.domain != (old.domain if old else None):
                try:
                    holder = DomainClaim.get(domain_claim_pk(new.domain), CLAIM, consistent_read=True).company_id
                except DoesNotExist:
                    holder = None
                if holder and holder != new.id:
                    raise Conflict(
                        "a company with this domain exists",
                        existing_id=holder,
                        errors=[{"field": "domain", "message": "belongs to another company"}],
                    ) from None
            if old is not None:
                raise StaleVersion(f"company {new.id} changed since version {old.version}") from None
            raise
        return new.model_copy(update={"version": (old.version if old else 0) + 1})

    def get_company(self, company_id: str) -> Company | None:
        try:
            item = CompanyItem.get(company_pk(company_id), PROFILE, consistent_read=True)
        except DoesNotExist:
            return None
        data = {k: v for k, v in item.attribute_values.items() if k not in ("pk", "sk")}
        return Company.model_validate({**data, "id": company_id, "version": item.version or 1})

    def companies_page(self, after: str | None, limit: int) -> tuple[list[Company], str | None]:
        rows, more = self.index_page(*COMPANIES, after=after, limit=limit)
        companies = [c for _, cid in rows if (c := self.get_company(cid)) is not None]
        return companies, rows[-1][0] if more and rows else None

    # --- merge --------------------------------------------------------------------------

    def partition(self, contact_id: str) -> Iterator[dict[str, Any]]:
        """Every item under a contact's partition, raw (one query, paginated)."""
        from shared.aws import client

        ddb = client("dynamodb")
        kwargs: dict[str, Any] = {
            "TableName": ContactItem.Meta.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": contact_pk(contact_id)}},
            "ConsistentRead": True,
        }
        while True:
            page = ddb.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def raw_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        from shared.aws import client

        found: dict[str, Any] | None = (
            client("dynamodb")
            .get_item(
                TableName=ContactItem.Meta.table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
            )
            .get("Item")
        )
        return found

    def copy_items(self, items: list[dict[str, Any]], to_contact: str) -> None:
        """One transaction (at most 100 items): each item put under ``to_contact``'s
        partition with the same sk. Re-running it writes the same values (idempotent)."""
        from shared.aws import client

        table = ContactItem.Meta.table_name
        writes = [{"Put": {"TableName": table, "Item": {**i, "pk": {"S": contact_pk(to_contact)}}}} for i in items]
        if writes:
            client("dynamodb").transact_write_items(TransactItems=writes)

    def merge_profiles(
        self,
        winner_before: Contact,
        winner_after: Contact,
        loser: Contact,
        *,
        events: list[Outgoing],
        opt_outs: dict[str, dict[str, Any]],
        consent_before: dict[str, Any] | None,
    ) -> Contact:
        """The merge's decisive transaction: the winner's profile, the loser's tombstone,
        claims moved, index entries re-derived, opt-outs kept, events queued."""
        moved = claims(loser)
        winner_claims = claims(winner_after)
        try:
            with transaction() as tx:
                # Loser: a tombstone pointing at the winner (a retried merge, or a late
                # request, finds where it went); its index entries go.
                tx.update(
                    ContactItem(pk=contact_pk(loser.id), sk=PROFILE, version=loser.version),
                    actions=[ContactItem.merged_into.set(winner_after.id), ContactItem.updated_at.set(now())],
                )
                _index_diff(tx, loser, None)
                # Claims: the loser's pass to the winner (in place: one item, one action).
                for key in moved:
                    if key in winner_claims:
                        tx.save(
                            Claim(pk=key, sk=CLAIM, contact_id=winner_after.id),
                            condition=(Claim.contact_id == loser.id) | (Claim.contact_id == winner_after.id),
                        )
                    else:
                        tx.delete(Claim(pk=key, sk=CLAIM), condition=Claim.contact_id == loser.id)
                for key in winner_claims - moved - claims(winner_before):
                    tx.save(
                        Claim(pk=key, sk=CLAIM, contact_id=winner_after.id),
                        condition=Claim.pk.does_not_exist() | (Claim.contact_id == winner_after.id),
                    )
                # Winner: the merged profile, only if still at the version read.
                tx.save(to_item(winner_after.model_copy(update={"version": winner_before.version})))
                _index_diff(tx, winner_before, winner_after)
                # Opt-outs always survive a merge: the winner's current consent says so,
                # and the append-only consent log records why (source "merge").
                if opt_outs:
                    state = {**((consent_before or {}).get("state") or {}), **opt_outs}
                    current = ConsentState(pk=contact_pk(winner_after.id), sk=CONSENT)
                    if consent_before is None:
                        tx.save(current.__class__(pk=current.pk, sk=CONSENT, state=state, updated_at=now().isoformat()))
                    else:
                        tx.update(
                            current,
                            actions=[ConsentState.state.set(state), ConsentState.updated_at.set(now().isoformat())],
                        )
                    for key, value in opt_outs.items():
                        channel, _, purpose = key.partition(":")
                        at = datetime.fromisoformat(value["at"])
                        tx.save(
                            ConsentRecord(
                                pk=contact_pk(winner_after.id),
                                sk=consent_record_sk(at, channel, purpose),
                                channel=channel,
                                purpose=purpose,
                                granted=False,
                                at=value["at"],
                                source="merge",
                            )
                        )
                for event in events:
                    tx.save(outbox_record(OutboxRecord, event))
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            raise StaleVersion("one of the contacts changed during the merge; retry it") from None
        return winner_after.model_copy(update={"version": winner_before.version + 1})


def plain(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """A low-level item as plain values (strings, bools, numbers, maps, lists)."""
    if item is None:
        return None
    return {k: _plain(v) for k, v in item.items()}


def _plain(av: dict[str, Any]) -> Any:
    (kind, value), *_ = av.items()
    if kind == "M":
        return {k: _plain(v) for k, v in value.items()}
    if kind == "L":
        return [_plain(v) for v in value]
    if kind == "N":
        return float(value) if "." in value else int(value)
    if kind == "NULL":
        return None
    return value
