"""shared.jobs: one SQS job worker, partial batch responses, give-up on the last delivery."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.jobs import Retry, job_worker
from shared.settings import function_environment
from shared.testing import failed_ids, sqs_event


def _batch(*messages: Any, receives: int = 1) -> dict[str, Any]:
    """An SQS batch of job messages, each delivered ``receives`` times so far."""
    event = sqs_event([m if isinstance(m, str) else json.dumps(m) for m in messages], queue="crm-dev-jobs")
    for record in event["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = str(receives)
    return event


def _ids(event: dict[str, Any]) -> list[str]:
    return [r["messageId"] for r in event["Records"]]


class Jobs:
    """A handler that fails the jobs it is told to, and remembers what it was given."""

    def __init__(self, failing: set[int] | None = None, busy: set[int] | None = None) -> None:
        self.failing, self.busy = failing or set(), busy or set()
        self.done: list[int] = []
        self.given_up: list[tuple[int, str]] = []

    def handle(self, message: dict[str, Any]) -> None:
        if message["n"] in self.busy:
            raise Retry
        if message["n"] in self.failing:
            raise RuntimeError(f"job {message['n']} broke")
        self.done.append(message["n"])

    def give_up(self, message: dict[str, Any], exc: BaseException) -> None:
        self.given_up.append((message["n"], type(exc).__name__))


def test_a_failing_job_fails_alone() -> None:
    # Given a batch of three jobs, the second of which fails
    jobs = Jobs(failing={2})
    worker = job_worker("jobs", jobs.handle, give_up=jobs.give_up, max_receives=3)
    event = _batch({"n": 1}, {"n": 2}, {"n": 3})
    # When the worker runs on its first delivery
    response = worker(event, None)
    # Then only the second is reported failed (SQS delivers it again), and nothing is given up
    assert failed_ids(response) == [_ids(event)[1]]
    assert jobs.done == [1, 3]
    assert jobs.given_up == []


def test_on_the_last_delivery_the_job_is_given_up_and_reported_done() -> None:
    # Given a job that fails on the delivery the queue's maxReceiveCount makes the last
    jobs = Jobs(failing={1})
    worker = job_worker("jobs", jobs.handle, give_up=jobs.give_up, max_receives=3)
    # When the worker runs
    response = worker(_batch({"n": 1}, receives=3), None)
    # Then give_up has the message and the error, and the record is not failed (no DLQ)
    assert jobs.given_up == [(1, "RuntimeError")]
    assert failed_ids(response) == []


def test_the_max_receives_are_read_from_the_settings() -> None:
    # Given a worker whose queue's max receives are in the function's environment (2 here)
    jobs = Jobs(failing={1})
    worker = job_worker("jobs", jobs.handle, give_up=jobs.give_up, max_receives="jobs")
    with function_environment({"CRM_JOBS_MAX_RECEIVES": "2"}):
        # When the job fails on its first and then its second delivery
        first = worker(_batch({"n": 1}, receives=1), None)
        second = worker(_batch({"n": 1}, receives=2), None)
    # Then it is retried once and given up on the second
    assert len(failed_ids(first)) == 1
    assert failed_ids(second) == []
    assert jobs.given_up == [(1, "RuntimeError")]


def test_retry_fails_the_record_without_giving_up_even_on_the_last_delivery() -> None:
    # Given a job another delivery is running
    jobs = Jobs(busy={1})
    worker = job_worker("jobs", jobs.handle, give_up=jobs.give_up, max_receives=3)
    event = _batch({"n": 1}, receives=3)
    # When the worker runs on the last delivery
    response = worker(event, None)
    # Then the record fails (to come back, or reach the dead-letter worker) and is not given up
    assert failed_ids(response) == _ids(event)
    assert jobs.given_up == []


def test_without_give_up_a_failing_job_is_retried_until_the_queue_dead_letters_it() -> None:
    jobs = Jobs(failing={1})
    worker = job_worker("dead_letters", jobs.handle)
    event = _batch({"n": 1}, receives=50)
    assert failed_ids(worker(event, None)) == _ids(event)


def test_an_unreadable_message_fails_without_reaching_the_handler() -> None:
    # Given a message that is not JSON, beside a good one
    jobs = Jobs()
    worker = job_worker("jobs", jobs.handle, give_up=jobs.give_up, max_receives=1)
    event = _batch("not json{", {"n": 7}, receives=1)
    # When the worker runs, then only that one fails, and nothing is given up for it
    assert failed_ids(worker(event, None)) == [_ids(event)[0]]
    assert jobs.done == [7]
    assert jobs.given_up == []


def test_give_up_that_fails_leaves_the_record_to_the_dead_letter_queue() -> None:
    def give_up(message: Any, exc: BaseException) -> None:
        raise RuntimeError("table down too")

    jobs = Jobs(failing={1})
    worker = job_worker("jobs", jobs.handle, give_up=give_up, max_receives=1)
    event = _batch({"n": 1})
    assert failed_ids(worker(event, None)) == _ids(event)


def test_give_up_needs_to_know_the_last_delivery() -> None:
    with pytest.raises(ValueError, match="max_receives"):
        job_worker("jobs", Jobs().handle, give_up=Jobs().give_up)
