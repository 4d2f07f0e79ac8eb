"""Keys of the contacts table: one table, every item addressed by ``pk``/``sk``.

Who owns which items (each area writes only its own; any area may read):

| item | pk | sk | owner |
|---|---|---|---|
| contact profile | CONTACT#<id> | PROFILE | records |
| email / phone claim (dedup) | EMAIL#<normalised> / PHONE#<e164> | CLAIM | records |
| an erased person's email, hashed (imports skip it) | ERASED#<sha256 of the email claim> | SUPPRESS | privacy |
| company | COMPANY#<id> | PROFILE | records |
| custom field definition | FIELDDEF | <name> | records |
| list/search index entry | IDX#<field>#<value> | <sort value>#<contact id> | records |
| timeline entry (interaction, order, other services' events) | CONTACT#<id> | T#<iso time>#<kind>#<id> | history |
| 360 metrics | CONTACT#<id> | METRICS | history |
| analytics counters | STATS#<period> | <measure> | history |
| order / refund (claims the order id) | CONTACT#<id> | ORDER#<order id> / REFUND#<order id> | history |
| interaction (claims its id, so engagement counts it once) | CONTACT#<id> | INTERACTION#<id> | history |
| last-purchase day index (recency job) | IDX#last_purchase#<yyyy-mm-dd> | <contact id> | history |
| consent record (append-only) | CONTACT#<id> | CONSENT#<iso time>#<channel>#<purpose> | privacy |
| current consent | CONTACT#<id> | CONSENT | privacy |
| segment definition (+ member count) | SEGMENT#<id> | DEF | segments |
| segment member | SEGMENT#<id> | MEMBER#<contact id> | segments |
| a contact's segments (+ its due day) | CONTACT#<id> | SEGMENTS | segments |
| contacts whose time-dependent segment rules flip on a day | IDX#seg_due#<yyyy-mm-dd> | <contact id> | segments |
| the segments due job's last run | SEGDUE#JOB | LAST_RUN | segments |
| import job / row results | IMPORT#<id> | JOB / ROW#<n> | imports |
| import jobs, newest last (GET /imports reads it backwards) | IMPORTS | <created_at>#<import id> | imports |
| export job (filter or segment -> CSV in S3) | EXPORT#<id> | JOB | exports |
| export jobs, newest last (GET /exports reads it backwards) | EXPORTS | <created_at>#<export id> | exports |
| outbox, idempotency | OUTBOX#… / IDEMPOTENCY#… | … | shared kernel |

Everything about one contact lives under its own partition, so a merge or an erasure
reads it with one query, never a scan.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

PROFILE = "PROFILE"
METRICS = "METRICS"
CONSENT = "CONSENT"
SEGMENTS = "SEGMENTS"
CLAIM = "CLAIM"
SUPPRESS = "SUPPRESS"
TIMELINE_PREFIX = "T#"


def contact_pk(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def contact_id_of(pk: str) -> str:
    return pk.removeprefix("CONTACT#")


def email_claim_pk(email: str) -> str:
    return f"EMAIL#{email.strip().lower()}"


def phone_claim_pk(e164: str) -> str:
    return f"PHONE#{e164}"


def suppression_pk(email_claim: str) -> str:
    """An erased person's email, kept only as a hash: an import of an older file must not
    bring them back, and the address itself is not kept."""
    return f"ERASED#{hashlib.sha256(email_claim.encode()).hexdigest()}"


def timeline_sk(at: datetime, kind: str, item_id: str) -> str:
    # ISO-8601 UTC sorts as time: newest first is a reverse query on the prefix.
    return f"{TIMELINE_PREFIX}{at.isoformat()}#{kind}#{item_id}"


def consent_record_sk(at: datetime, channel: str, purpose: str) -> str:
    return f"CONSENT#{at.isoformat()}#{channel}#{purpose}"


def segment_pk(segment_id: str) -> str:
    return f"SEGMENT#{segment_id}"


def member_sk(contact_id: str) -> str:
    return f"MEMBER#{contact_id}"


def index_pk(field: str, value: str) -> str:
    return f"IDX#{field}#{value}"
