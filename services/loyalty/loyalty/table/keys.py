"""Keys of the loyalty table, the one catalogue: every pk/sk is built here (repositories
import these; none builds its own).

Who owns which items (each feature writes only its own; a ledger posting carries the items
another feature adds to its transaction, e.g. a reward's stock with a redemption):

| item | pk | sk | owner |
|---|---|---|---|
| program | PROGRAM | CURRENT | program |
| tiers | TIERS | LIST | tiers |
| earning rule | EARNING_RULES | RULE#<id> | earning |
| "the rules were stored" marker | EARNING_RULES | STORED | earning |
| member (balance, tier, rolling record, version) | MEMBER#<contact id> | PROFILE | members, ledger |
| contact's owner (reach) | MEMBER#<contact id> | OWNER | shared.owners |
| ledger entry, in order | MEMBER#<contact id> | LEDGER#<seq, 10 digits> | ledger |
| an entry's cause, once (a purchase's: its lot, what was reversed) | MEMBER#<contact id> | CAUSE#<cause id> | ledger |
| open lot, soonest expiry first (gone when used up) | MEMBER#<contact id> | LOT#<yyyy-mm-dd>#<lot id> | ledger |
| reward (stock) | REWARDS | REWARD#<id> | rewards |
| a member's count of one reward | MEMBER#<contact id> | REDEEMED#<reward id> | rewards |
| coupon (uses left) | COUPON#<code> | COUPON | coupons |
| one use of a coupon, per order | COUPON#<code> | USE#<order id> | coupons |
| one customer's uses of a coupon | COUPON#<code> | BY#<contact id> | coupons |
| a member's coupons, newest first | MEMBER#<contact id> | COUPON#<issued iso>#<code> | coupons |
| a segment's members (from contacts' events) | SEGMENT#<segment id> | <contact id> | coupons |
| a coupon batch | BATCH#<id> | BATCH | coupons |
| referral code → its member | REFERRAL#<code> | CODE | referrals |
| who referred a member, and its state | MEMBER#<contact id> | REFERRED | referrals |
| a member's own referral code | MEMBER#<contact id> | REFERRAL_CODE | referrals |
| day's report counters | REPORT#<yyyy-mm> | DAY#<yyyy-mm-dd> | reports |
| a day's count of one reward | REPORT#<yyyy-mm> | DAY#<yyyy-mm-dd>#REWARD#<reward id> | reports |
| a member active in the month, once | REPORT#<yyyy-mm> | ACTIVE#<contact id> | reports |
| members in a tier (running) | REPORT | TIER#<tier> | reports |
| running totals (outstanding points, tiers) | REPORT | TOTALS | reports |
| an event counted into the reports (TTL 30 days) | REPORT#COUNTED | <event id> | reports |
| outbox, idempotency | OUTBOX#… / IDEMPOTENCY#… | … | shared kernel |

All of a member's points live in its partition, and every change of them is one
transaction guarded by the member's version: entries, lots and causes change together, so
``balance == sum(entries) == sum(open lots)`` holds after every write.
"""

from __future__ import annotations

from datetime import date

# --- configuration -----------------------------------------------------------------------

PROGRAM = "PROGRAM"
TIERS = "TIERS"
EARNING_RULES = "EARNING_RULES"
RULE_PREFIX = "RULE#"
RULES_STORED = "STORED"


def program_key() -> tuple[str, str]:
    return PROGRAM, "CURRENT"


def tiers_key() -> tuple[str, str]:
    return TIERS, "LIST"


def rule_key(rule_id: str) -> tuple[str, str]:
    return EARNING_RULES, RULE_PREFIX + rule_id


# --- members and their ledgers -----------------------------------------------------------

MEMBER_PREFIX = "MEMBER#"
PROFILE = "PROFILE"
LEDGER_PREFIX = "LEDGER#"
CAUSE_PREFIX = "CAUSE#"
LOT_PREFIX = "LOT#"


def member_pk(contact_id: str) -> str:
    return MEMBER_PREFIX + contact_id


def profile_key(contact_id: str) -> tuple[str, str]:
    return member_pk(contact_id), PROFILE


def entry_key(contact_id: str, seq: int) -> tuple[str, str]:
    return member_pk(contact_id), f"{LEDGER_PREFIX}{seq:010d}"


def cause_key(contact_id: str, cause_id: str) -> tuple[str, str]:
    return member_pk(contact_id), CAUSE_PREFIX + cause_id


def lot_key(contact_id: str, expires_on: date, lot_id: str) -> tuple[str, str]:
    return member_pk(contact_id), f"{LOT_PREFIX}{expires_on.isoformat()}#{lot_id}"


def lots_until(expires_on: date) -> str:
    """The upper bound of the sks of lots expiring on or before ``expires_on``."""
    return f"{LOT_PREFIX}{expires_on.isoformat()}#\uffff"


# --- rewards and coupons -----------------------------------------------------------------

REWARDS = "REWARDS"
REWARD_PREFIX = "REWARD#"
REDEEMED_PREFIX = "REDEEMED#"
COUPON_PREFIX = "COUPON#"
COUPON_SK = "COUPON"
SEGMENT_PREFIX = "SEGMENT#"


def reward_key(reward_id: str) -> tuple[str, str]:
    return REWARDS, REWARD_PREFIX + reward_id


def redeemed_key(contact_id: str, reward_id: str) -> tuple[str, str]:
    return member_pk(contact_id), REDEEMED_PREFIX + reward_id


def coupon_key(code: str) -> tuple[str, str]:
    return COUPON_PREFIX + code, COUPON_SK


def coupon_use_key(code: str, order_id: str) -> tuple[str, str]:
    return COUPON_PREFIX + code, "USE#" + order_id


def coupon_by_key(code: str, contact_id: str) -> tuple[str, str]:
    return COUPON_PREFIX + code, "BY#" + contact_id


def member_coupon_key(contact_id: str, issued_at: str, code: str) -> tuple[str, str]:
    return member_pk(contact_id), f"{COUPON_PREFIX}{issued_at}#{code}"


def segment_member_key(segment_id: str, contact_id: str) -> tuple[str, str]:
    return SEGMENT_PREFIX + segment_id, contact_id


def batch_key(batch_id: str) -> tuple[str, str]:
    return "BATCH#" + batch_id, "BATCH"


# --- referrals ---------------------------------------------------------------------------


def referral_code_key(code: str) -> tuple[str, str]:
    return "REFERRAL#" + code, "CODE"


def referred_key(contact_id: str) -> tuple[str, str]:
    return member_pk(contact_id), "REFERRED"


def member_referral_key(contact_id: str) -> tuple[str, str]:
    return member_pk(contact_id), "REFERRAL_CODE"


# --- reports -----------------------------------------------------------------------------


def report_day_key(day: date) -> tuple[str, str]:
    return f"REPORT#{day.isoformat()[:7]}", f"DAY#{day.isoformat()}"


def report_totals_key() -> tuple[str, str]:
    return "REPORT", "TOTALS"


def counted_key(event_id: str) -> tuple[str, str]:
    return "REPORT#COUNTED", event_id


def report_reward_key(day: date, reward_id: str) -> tuple[str, str]:
    # Under the day's sk so the range query of the days reads a day's rewards with it.
    pk, sk = report_day_key(day)
    return pk, f"{sk}#REWARD#{reward_id}"


def report_active_key(day: date, contact_id: str) -> tuple[str, str]:
    # "ACTIVE#" sorts before "DAY#": the range query of the days never reads these markers.
    return f"REPORT#{day.isoformat()[:7]}", "ACTIVE#" + contact_id


def report_tier_key(tier: str) -> tuple[str, str]:
    return "REPORT", "TIER#" + tier
