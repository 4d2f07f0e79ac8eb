"""The ledger bench runs small and reports what it measured: each posting's requests, and
eight threads' spends landing exactly once."""

from __future__ import annotations

import pytest

from infra.bench_ledger import CONTENTION_HEADER, HEADER, contention, cost, spread


@pytest.mark.usefixtures("restored_moto")  # the bench applies the fixes itself
def test_each_posting_is_one_transaction_and_concurrent_spends_land_once() -> None:
    rows = cost(samples=2)
    assert [r[0] for r in rows] == [
        "one accrual (PurchaseRecorded)",
        "one redemption (spend)",
        "one expiry (1 lot)",
    ]
    assert all(len(r) == len(HEADER) and "TransactWriteItems 1" in r[5] for r in rows)
    measured = contention(spends=16)
    assert all(len(r) == len(CONTENTION_HEADER) for r in measured)
    # 200 sign-up + 160 adjusted, 16 x 10 spent, each exactly once
    assert dict(measured)["final balance"] == "200 (exact: 360 - 160)"
    spread_rows = dict(spread(per_writer=3, writers=4))
    assert spread_rows["balances"] == "exact (200 + 3 each)"
