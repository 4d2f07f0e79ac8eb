"""The delivery bench's measures, small and in-process (Given/When/Then)."""

from __future__ import annotations

import pytest

from infra.bench_delivery import LIMITER_HEADER, limiter_hold, send_rate
from services.campaigns.tests.unit.delivery.fakes import FakeSes, FakeStore


def test_the_send_rate_counts_every_recipient_and_call() -> None:
    # Given 4 senders on fake SES clients
    clients: list[FakeSes] = []

    def mailer() -> object:
        from campaigns.delivery.mailer import BulkMailer

        clients.append(FakeSes())
        return BulkMailer(clients[-1], "hello@crm.example.com")

    # When 1,000 recipients are sent in batches of 100
    run = send_rate(mailer, 1_000, threads=4)
    # Then 20 calls of 50 went out, across the senders
    assert (run.recipients, run.calls) == (1_000, 20)
    assert sum(len(c.calls) for c in clients) == 20
    assert run.rate > 0


def test_a_failed_recipient_fails_the_measure() -> None:
    from campaigns.delivery.mailer import BulkMailer

    with pytest.raises(RuntimeError, match="MESSAGE_REJECTED"):
        send_rate(lambda: BulkMailer(FakeSes({"bench-3@example.com": "MESSAGE_REJECTED"}), "x@y.z"), 200, threads=2)


def test_the_limiter_measure_never_gets_more_than_accrues() -> None:
    # Given a drained bucket of 200/s shared by 4 takers for half a second
    run = limiter_hold(FakeStore(), rate=200, seconds=0.5, at_least=10)
    # Then what they got is what accrued (never more than rate x time), and the row is complete
    assert 0 < run.got <= 200 * run.seconds + 1
    assert len(run.row()) == len(LIMITER_HEADER)
