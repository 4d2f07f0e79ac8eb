"""The audience's reactions to contacts' events: each reads its event and calls one use case."""

from __future__ import annotations

from campaigns import bootstrap
from campaigns.audience.usecases import PROFILE_FIELDS, erase, merge, record_consent, record_membership, record_profile
from campaigns.inbound import (
    ConsentChangedIn,
    ContactErasedIn,
    ContactsMergedIn,
    ContactUpdatedIn,
    LeadProfileIn,
    SegmentMovedIn,
)
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadProfileIn]) -> None:
    lead = envelope.data
    values = lead.model_dump(include=set(PROFILE_FIELDS))
    record_profile(bootstrap.audience(), lead.contact_id, values, envelope.metadata.occurred_at)


def on_contact_updated(envelope: Envelope[ContactUpdatedIn]) -> None:
    update = envelope.data
    # Only what changed and was sent: an older event names changes without their values.
    sent = update.model_fields_set & set(update.changed) & set(PROFILE_FIELDS)
    if sent:
        values = update.model_dump(include=sent)
        record_profile(bootstrap.audience(), update.contact_id, values, envelope.metadata.occurred_at)


def on_consent_changed(envelope: Envelope[ConsentChangedIn]) -> None:
    c = envelope.data
    record_consent(bootstrap.audience(), c.contact_id, channel=c.channel, purpose=c.purpose, granted=c.granted, at=c.at)


def on_segment_entered(envelope: Envelope[SegmentMovedIn]) -> None:
    moved = envelope.data
    at = envelope.metadata.occurred_at
    record_membership(bootstrap.audience(), moved.segment_id, moved.contact_id, member=True, at=at)


def on_segment_exited(envelope: Envelope[SegmentMovedIn]) -> None:
    moved = envelope.data
    at = envelope.metadata.occurred_at
    record_membership(bootstrap.audience(), moved.segment_id, moved.contact_id, member=False, at=at)


def on_contacts_merged(envelope: Envelope[ContactsMergedIn]) -> None:
    merge(bootstrap.audience(), envelope.data.winner_id, envelope.data.loser_id, envelope.metadata.occurred_at)


def on_contact_erased(envelope: Envelope[ContactErasedIn]) -> None:
    erase(bootstrap.audience(), envelope.data.contact_id)
