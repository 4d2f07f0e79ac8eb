"""Keys of the contacts table, the one catalogue: one table, every item addressed by
``pk``/``sk``, every key built here (repositories import these; none builds its own).

Who owns which items (each feature writes only its own; any may read through the owner):

| item | pk | sk | owner |
|---|---|---|---|
| contact profile | CONTACT#<id> | PROFILE | records |
| email / phone claim (dedup) | EMAIL#<normalised> / PHONE#<e164> | CLAIM | records |
| list/search index entry | IDX#<field>#<value> | <sort value>#<contact id> | records |
| every live contact, newest-created last | IDX#all#- | <created_at>#<contact id> | records |
| company | COMPANY#<id> | PROFILE | companies |
| company domain claim | DOMAIN#<domain> | CLAIM | companies |
| companies, in creation order | IDX#companies#- | <created_at>#<company id> | companies |
| custom field definition | FIELDDEF | <name> | fields |
| timeline entry (interaction, order, other services' events) | CONTACT#<id> | T#<iso time>#<kind>#<id> | history |
| 360 metrics | CONTACT#<id> | METRICS | history |
| order / refund (claims the order id: recorded once) | CONTACT#<id> | ORDER#<order id> / REFUND#<order id> | history |
| interaction (claims its id, so engagement counts it once) | CONTACT#<id> | INTERACTION#<id> | history |
| last-purchase day index (recency job) | IDX#last_purchase#<yyyy-mm-dd> | <contact id> | history |
| daily analytics counters | STATS#<yyyy-mm-dd> | ORDERS | history |
| running totals (customers, active, revenue) | STATS#ALL | TOTALS | history |
| the recency job's last run | STATS#RESCORE | LAST_RUN | history |
| consent record (append-only) | CONTACT#<id> | CONSENT#<iso time>#<channel>#<purpose> | privacy |
| current consent (+ version) | CONTACT#<id> | CONSENT | privacy |
| a deleted contact's marker (id + time + its emails' suppression keys, hashed) | CONTACT#<id> | DELETED | records |
| an erased contact's tombstone (id + time) | CONTACT#<id> | ERASED | privacy |
| an erased person's email, hashed (imports skip it) | ERASED#<sha256 of the email claim> | SUPPRESS | privacy |
| segment definition (+ member count, backfill) | SEGMENT#<id> | DEF | segments |
| segment member | SEGMENT#<id> | MEMBER#<contact id> | segments |
| active definitions (what evaluation reads, one query) | SEGMENTDEFS | <segment id> | segments |
| a contact's segments {id: name} (+ version, its due day) | CONTACT#<id> | SEGMENTS | segments |
| contacts whose time-dependent segment rules flip on a day | IDX#seg_due#<yyyy-mm-dd> | <contact id> | segments |
| the segments due job's last run | SEGDUE#JOB | LAST_RUN | segments |
| import job | IMPORT#<id> | JOB | imports |
| import row result (status first: one prefix query per status) | IMPORT#<id> | ROW#<status>#<n, 9 digits> | imports |
| import chunk done (a redelivery skips it) | IMPORT#<id> | CHUNK#<n, 6 digits> | imports |
| import chunk lease (one worker at a time) | IMPORT#<id> | LEASE#<n, 6 digits> | imports |
| import jobs, newest last (GET /imports reads it backwards) | IMPORTS | <created_at>#<import id> | imports |
| export job (filter or segment -> CSV in S3) | EXPORT#<id> | JOB | exports |
| export jobs, newest last (GET /exports reads it backwards) | EXPORTS | <created_at>#<export id> | exports |
| outbox, idempotency | OUTBOX#… / IDEMPOTENCY#… | … | shared kernel |

Everything about one contact lives under its own partition, so a merge or an erasure
reads it with one query, never a scan.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

# --- a contact's partition -------------------------------------------------------------

PROFILE = "PROFILE"
METRICS = "METRICS"
CONSENT = "CONSENT"
SEGMENTS = "SEGMENTS"
ERASED = "ERASED"
DELETED = "DELETED"
CLAIM = "CLAIM"
SUPPRESS = "SUPPRESS"
TIMELINE_PREFIX = "T#"
CONSENT_RECORD_PREFIX = "CONSENT#"


def contact_pk(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def contact_id_of(pk: str) -> str:
    return pk.removeprefix("CONTACT#")


def timeline_sk(at: datetime, kind: str, item_id: str) -> str:
    # ISO-8601 UTC sorts as time: newest first is a reverse query on the prefix.
    return f"{TIMELINE_PREFIX}{at.isoformat()}#{kind}#{item_id}"


def consent_record_sk(at: datetime, channel: str, purpose: str) -> str:
    return f"{CONSENT_RECORD_PREFIX}{at.isoformat()}#{channel}#{purpose}"


def order_sk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def refund_sk(order_id: str) -> str:
    return f"REFUND#{order_id}"


def interaction_sk(ref: str) -> str:
    return f"INTERACTION#{ref}"


# --- claims and indexes ------------------------------------------------------------------


EMAIL_CLAIM_PREFIX = "EMAIL#"


def email_claim_pk(email: str) -> str:
    return f"{EMAIL_CLAIM_PREFIX}{email.strip().lower()}"


def phone_claim_pk(e164: str) -> str:
    return f"PHONE#{e164}"


def suppression_pk(email_claim: str) -> str:
    """An erased person's email, kept only as a hash: an import of an older file must not
    bring them back, and the address itself is not kept."""
    return f"ERASED#{hashlib.sha256(email_claim.encode()).hexdigest()}"


def index_pk(field: str, value: str) -> str:
    return f"IDX#{field}#{value}"


ALL_INDEX = ("all", "-")  # every live contact (records.search)
ALL_PK = index_pk(*ALL_INDEX)
COMPANIES_INDEX = ("companies", "-")


def last_purchase_pk(day: date) -> str:
    return index_pk("last_purchase", day.isoformat())


def segment_due_pk(day: date) -> str:
    return index_pk("seg_due", day.isoformat())


# --- companies and custom fields ------------------------------------------------------------

FIELDDEF_PK = "FIELDDEF"


def company_pk(company_id: str) -> str:
    return f"COMPANY#{company_id}"


def domain_claim_pk(domain: str) -> str:
    return f"DOMAIN#{domain}"


# --- history's counters and job ----------------------------------------------------------------

STATS_DAY_SK = "ORDERS"
TOTALS_PK, TOTALS_SK = "STATS#ALL", "TOTALS"
RESCORE_JOB_PK, RESCORE_JOB_SK = "STATS#RESCORE", "LAST_RUN"


def stats_pk(day: date) -> str:
    return f"STATS#{day.isoformat()}"


# --- segments ------------------------------------------------------------------------------------

SEGMENT_DEFS_PK = "SEGMENTDEFS"
SEGMENT_DEF_SK = "DEF"
MEMBER_PREFIX = "MEMBER#"
SEGMENTS_DUE_JOB_PK, SEGMENTS_DUE_JOB_SK = "SEGDUE#JOB", "LAST_RUN"


def segment_pk(segment_id: str) -> str:
    return f"SEGMENT#{segment_id}"


def member_sk(contact_id: str) -> str:
    return f"{MEMBER_PREFIX}{contact_id}"


# --- import and export jobs --------------------------------------------------------------------

JOB_SK = "JOB"
IMPORTS_LIST_PK = "IMPORTS"
EXPORTS_LIST_PK = "EXPORTS"
ROW_PREFIX = "ROW#"


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def export_pk(export_id: str) -> str:
    return f"EXPORT#{export_id}"


def job_list_sk(created_at: datetime, job_id: str) -> str:
    """A job's entry in its list partition: creation order, then the id."""
    return f"{created_at.isoformat()}#{job_id}"


def import_row_sk(status: str, row: int) -> str:
    # Status first: GET /imports/{id}/rows?status=error is one prefix query.
    return f"{ROW_PREFIX}{status}#{row:09d}"


def import_rows_prefix(status: str | None) -> str:
    return f"{ROW_PREFIX}{status}#" if status else ROW_PREFIX


def chunk_sk(chunk: int) -> str:
    return f"CHUNK#{chunk:06d}"


def lease_sk(chunk: int) -> str:
    return f"LEASE#{chunk:06d}"
