"""Keys of the history area's items (the layout table is in contacts/table/keys.py).

| item | pk | sk |
|---|---|---|
| order (claims the order_id: recorded once) | CONTACT#<id> | ORDER#<order id> |
| refund (claims the order_id's refund) | CONTACT#<id> | REFUND#<order id> |
| interaction (claims its id: counted once) | CONTACT#<id> | INTERACTION#<id> |
| timeline entry | CONTACT#<id> | T#<iso time>#<kind>#<id> |
| 360 metrics | CONTACT#<id> | METRICS |
| last-purchase day index (recency re-scoring) | IDX#last_purchase#<yyyy-mm-dd> | <contact id> |
| daily analytics counters | STATS#<yyyy-mm-dd> | ORDERS |
| running totals (customers, active, revenue) | STATS#ALL | TOTALS |
| the recency job's last run | STATS#RESCORE | LAST_RUN |
"""

from __future__ import annotations

from datetime import date

from contacts.table.keys import index_pk

STATS_DAY_SK = "ORDERS"
TOTALS_PK, TOTALS_SK = "STATS#ALL", "TOTALS"
JOB_PK, JOB_SK = "STATS#RESCORE", "LAST_RUN"


def order_sk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def refund_sk(order_id: str) -> str:
    return f"REFUND#{order_id}"


def interaction_sk(ref: str) -> str:
    return f"INTERACTION#{ref}"


def last_purchase_pk(day: date) -> str:
    return index_pk("last_purchase", day.isoformat())


def stats_pk(day: date) -> str:
    return f"STATS#{day.isoformat()}"
