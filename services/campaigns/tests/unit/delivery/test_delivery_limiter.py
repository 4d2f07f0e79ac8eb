"""The shared token bucket against an in-memory item and a fake clock (Given/When/Then)."""

from __future__ import annotations

import threading

import pytest

from campaigns.delivery.limiter import TokenBucket
from services.campaigns.tests.unit.delivery.fakes import FakeClock, FakeStore


def _bucket(rate: float, burst: float | None = None, store: FakeStore | None = None) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    bucket = TokenBucket("email", rate, burst, clock=clock, sleep=clock.sleep, store=store or FakeStore(), jitter=0)
    return bucket, clock


def test_a_new_bucket_holds_one_second_of_rate_and_refills_at_the_rate() -> None:
    # Given a bucket of 10 tokens/s, never used
    bucket, clock = _bucket(10)
    # When a sender asks for more than it holds, then asks again at once
    assert bucket.take(50) == 10
    assert bucket.take(1) == 0
    # Then half a second later it holds 5, and however long it waits never more than 10
    clock.now += 0.5
    assert bucket.take(50) == 5
    clock.now += 3600
    assert bucket.take(50) == 10


def test_burst_caps_what_accrues_and_tokens_are_whole() -> None:
    # Given a bucket of 10/s that may burst 3
    bucket, clock = _bucket(10, burst=3)
    assert bucket.take(10) == 3
    # When 0.15 s pass (1.5 tokens)
    clock.now += 0.15
    # Then one whole token is got, and the half left over is kept for later
    assert bucket.take(10) == 1
    clock.now += 0.05
    assert bucket.take(10) == 1


def test_each_take_is_one_read_and_one_conditional_write() -> None:
    store = FakeStore()
    bucket, _ = _bucket(100, store=store)
    for _ in range(5):
        assert bucket.take(10) == 10
    assert (store.reads, store.writes) == (5, 5)


def test_a_take_that_loses_the_race_reads_again_and_never_spends_tokens_twice() -> None:
    # Given two senders' buckets on one item, the second slipping in between the first's read and write
    store = FakeStore()
    first, clock = _bucket(10, store=store)
    second = TokenBucket("email", 10, clock=clock, sleep=clock.sleep, store=store)
    assert first.take(4) == 4  # 6 left
    store.before_write = lambda: second.take(5)
    # When the first asks for 5 more
    got = first.take(5)
    # Then its first write is refused (the item changed), and it gets the 1 token the second left
    assert (got, first.conflicts) == (1, 1)
    assert first.take(1) == 0


def test_acquire_sleeps_just_long_enough_for_a_token() -> None:
    # Given an empty bucket of 4 tokens/s
    bucket, clock = _bucket(4, burst=1)
    assert bucket.take(1) == 1
    start = clock.now
    # When a sender waits for 5 with 10 s to spare
    got = bucket.acquire(5, deadline=start + 10)
    # Then it got the one token that accrued, after sleeping a quarter of a second
    assert got == 1
    assert clock.now - start == pytest.approx(0.25)


def test_acquire_at_least_a_batch_waits_for_the_batch_in_one_take() -> None:
    # Given an empty bucket of 100 tokens/s
    store = FakeStore()
    bucket, clock = _bucket(100, store=store)
    assert bucket.take(100) == 100
    start, reads = clock.now, store.reads
    # When a sender waits for a whole call's worth (50)
    got = bucket.acquire(50, deadline=start + 10, at_least=50)
    # Then it slept half a second and got the 50 in one more take, not one at a time
    assert got == 50
    assert clock.now - start == pytest.approx(0.5)
    assert store.reads - reads == 2


def test_jitter_adds_at_most_its_share_of_a_wait_and_never_a_token() -> None:
    # Given an empty bucket of 4/s whose waits may be up to half as long again
    clock = FakeClock()
    bucket = TokenBucket("email", 4, 1, clock=clock, sleep=clock.sleep, store=FakeStore(), jitter=0.5)
    assert bucket.take(1) == 1
    start = clock.now
    # When a sender acquires 20 tokens one at a time
    got = sum(bucket.acquire(1, deadline=clock.now + 10) for _ in range(20))
    # Then no wait was over 1.5 x a token's time, and the 20 took at least the 5 s they accrue in
    assert got == 20
    assert max(clock.slept) <= 0.375
    assert clock.now - start >= 20 / 4 - 1e-9


def test_acquire_gives_up_at_the_deadline() -> None:
    bucket, clock = _bucket(1, burst=1)
    assert bucket.take(1) == 1
    start = clock.now
    assert bucket.acquire(1, deadline=start + 0.4) == 0
    assert clock.now == pytest.approx(start + 0.4)
    assert all(s <= 0.4 + 1e-9 for s in clock.slept)


def test_concurrent_takers_never_get_more_than_the_bucket_holds() -> None:
    # Given 4 threads taking from one bucket of 50/s (burst 50) on a frozen clock
    store = FakeStore()
    clock = FakeClock()
    buckets = [TokenBucket("email", 50, clock=clock, sleep=clock.sleep, store=store) for _ in range(4)]
    got: list[int] = []
    lock = threading.Lock()

    def drain(bucket: TokenBucket) -> None:
        for _ in range(40):
            n = bucket.take(3)
            with lock:
                got.append(n)

    def round_of_takes() -> int:
        got.clear()
        threads = [threading.Thread(target=drain, args=(b,)) for b in buckets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(got)

    # When they race, then one second later race again
    first = round_of_takes()
    clock.now += 1
    second = round_of_takes()
    # Then each round got exactly what the bucket held: the burst, then one second of rate
    assert (first, second) == (50, 50)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket("email", 0, store=FakeStore())
