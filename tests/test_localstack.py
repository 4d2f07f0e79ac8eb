"""The LocalStack leg: the end-to-end lead flow and its reliability cases (duplicates,
poison, a crash between write and publish, refused requests) against a stack whose
emulator is LocalStack in host mode (infra.local.localstack) instead of moto. The same
test functions as tests/test_lead_flow.py, run here with this module's stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.launch import LocalStack, running_stack
from tests.e2e import eventually, new_lead, sent_emails
from tests.test_lead_flow import (  # noqa: F401 - collected here, on this module's stack
    test_a_crash_between_the_state_write_and_the_publish_loses_no_event,
    test_a_poison_message_lands_in_the_dlq_while_the_rest_of_its_batch_is_processed,
    test_one_lead_gets_an_owner_a_welcome_email_and_signup_points,
    test_requests_without_a_token_or_with_bad_fields_are_refused_with_problem_details,
    test_the_same_lead_created_delivered_three_times_has_one_effect_each,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """Named like the session's stack, so the lead-flow tests take this one (and a failure
    attaches its output)."""
    with running_stack(tmp_path_factory.mktemp("localstack-stack"), emulator="localstack") as running:
        yield running


def test_sent_mail_reads_as_on_moto(stack: LocalStack) -> None:
    """``/_local/emails`` gives LocalStack's sent mail in moto's shape (tests/e2e.sent_emails)."""
    lead = new_lead(stack)
    [mail] = eventually(lambda: sent_emails(stack, lead["email"]))
    assert (mail["subject"], mail["kind"]) == ("Welcome!", "Message") and "Ada" in mail["body"]
