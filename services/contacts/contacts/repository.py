"""The contacts table (pynamodb). The only module of the service that touches DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.models import Model

from contacts import SERVICE
from contacts.keys import PROFILE, contact_pk, email_claim_pk
from contacts.models import Contact, LifecycleStage
from shared.errors import Conflict
from shared.events import Outgoing
from shared.outbox import outbox_model, outbox_record
from shared.table import is_conditional_failure, table_meta, transaction


class ContactItem(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # CONTACT#<id>
    sk = UnicodeAttribute(range_key=True)  # PROFILE
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    company = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    lifecycle_stage = UnicodeAttribute()
    owner_id = UnicodeAttribute(null=True)
    owner_assigned_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class EmailClaim(Model):
    """One item per normalised email: makes 'one contact per email' a condition, not a scan."""

    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # EMAIL#<normalised email>
    sk = UnicodeAttribute(range_key=True)  # CLAIM
    contact_id = UnicodeAttribute()


OutboxRecord = outbox_model(table_meta(SERVICE))


def _contact_key(contact_id: str) -> str:
    return contact_pk(contact_id)


def _email_key(email: str) -> str:
    return email_claim_pk(email)


def _to_domain(item: ContactItem) -> Contact:
    return Contact(
        id=item.pk.removeprefix("CONTACT#"),
        email=item.email,
        first_name=item.first_name,
        last_name=item.last_name,
        phone=item.phone,
        company=item.company,
        source=item.source,
        lifecycle_stage=LifecycleStage(item.lifecycle_stage),
        owner_id=item.owner_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version or 1,
    )


class ContactRepository:
    def add(self, contact: Contact, events: list[Outgoing]) -> Contact:
        """Store a new contact, claim its email and queue its events, all or nothing."""
        item = ContactItem(
            pk=_contact_key(contact.id),
            sk=PROFILE,
            **contact.model_dump(exclude={"id", "version", "lifecycle_stage"}),
            lifecycle_stage=contact.lifecycle_stage.value,
        )
        claim = EmailClaim(pk=_email_key(contact.email), sk="CLAIM", contact_id=contact.id)
        try:
            with transaction() as tx:
                tx.save(item, condition=ContactItem.pk.does_not_exist())
                tx.save(claim, condition=EmailClaim.pk.does_not_exist())
                for event in events:
                    tx.save(outbox_record(OutboxRecord, event))
        except TransactWriteError as exc:
            if is_conditional_failure(exc):
                existing = self.id_by_email(contact.email)
                raise Conflict("a contact with this email exists", existing_id=existing) from None
            raise
        return contact.model_copy(update={"version": 1})

    def get(self, contact_id: str) -> Contact | None:
        try:
            return _to_domain(ContactItem.get(_contact_key(contact_id), PROFILE, consistent_read=True))
        except DoesNotExist:
            return None

    def set_owner(self, contact_id: str, owner_id: str, assigned_at: datetime) -> bool:
        """Record the owner unless a newer assignment is already recorded (events arrive
        late or out of order). Optimistic on the record's version. False: nothing to do."""
        for _ in range(3):
            try:
                item = ContactItem.get(_contact_key(contact_id), PROFILE, consistent_read=True)
            except DoesNotExist:
                return False
            if item.owner_assigned_at is not None and item.owner_assigned_at >= assigned_at:
                return False
            try:
                item.update(
                    actions=[
                        ContactItem.owner_id.set(owner_id),
                        ContactItem.owner_assigned_at.set(assigned_at),
                        ContactItem.updated_at.set(now()),
                    ]
                )
            except UpdateError as exc:
                if is_conditional_failure(exc):
                    continue  # a concurrent change: read again
                raise
            return True
        raise Conflict(f"contact {contact_id} kept changing; owner not recorded")

    def id_by_email(self, email: str) -> str | None:
        try:
            return EmailClaim.get(_email_key(email), "CLAIM").contact_id
        except DoesNotExist:
            return None


def now() -> datetime:
    return datetime.now(UTC)
