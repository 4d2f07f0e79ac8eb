"""SESv2 bulk sending: up to 50 recipients per SendBulkEmail call, each with its own rendered
subject, HTML and text, headers and tags. Never logs an address.

Our own rendering passes through SES untouched: an inline template whose parts are the
recipient's data (``{{{html}}}``: triple braces, so SES does not HTML-escape what we
escaped already), and each entry's ReplacementTemplateData holds that recipient's parts.
List-Unsubscribe and List-Unsubscribe-Post go in each entry's ReplacementHeaders.

What comes back, per recipient (``SendResult``): SENT with SES's message id; RETRY when
nothing was sent and a later try may work (the entry or the whole call was throttled, the
account paused, a transient failure, a 5xx, no connection); FAILED with the status as the
reason when SES refused it for good. A call that may have been accepted and gave no answer
(a read timeout) is none of those: ``SendOutcomeUnknown`` is raised with the recipients,
and the caller settles them at most once (never sends them again).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from campaigns.delivery.models import Outcome, OutgoingEmail, SendResult

MAX_ENTRIES = 50  # SES's limit of destinations per SendBulkEmail
# The inline template that passes our rendering through (triple braces: not escaped).
TEMPLATE_CONTENT = {"Subject": "{{subject}}", "Html": "{{{html}}}", "Text": "{{{text}}}"}
# Entry statuses after which nothing was sent and a later try may succeed.
RETRY_STATUSES = frozenset(
    {
        "ACCOUNT_THROTTLED",
        "ACCOUNT_SENDING_PAUSED",
        "ACCOUNT_DAILY_QUOTA_EXCEEDED",
        "CONFIGURATION_SET_SENDING_PAUSED",
        "TRANSIENT_FAILURE",
    }
)
# Whole-call errors after which nothing was sent (throttled, or SES failed before sending).
RETRY_CODES = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",
        "SendingPausedException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
    }
)


class SendOutcomeUnknown(Exception):
    """SES may or may not have accepted ``contact_ids`` (the call timed out reading the
    answer): settle them at most once, never send them again. ``settled`` holds the results
    of the calls before it (their outcomes are known). Carries contact ids only."""

    def __init__(self, contact_ids: Sequence[str], cause: str, settled: Sequence[SendResult] = ()) -> None:
        super().__init__(f"{len(contact_ids)} recipients: outcome unknown ({cause})")
        self.contact_ids = list(contact_ids)
        self.cause = cause
        self.settled = list(settled)


def chunks(emails: Sequence[OutgoingEmail], size: int = MAX_ENTRIES) -> Iterator[Sequence[OutgoingEmail]]:
    for start in range(0, len(emails), size):
        yield emails[start : start + size]


def _pairs(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in values.items()]


def entry(email: OutgoingEmail) -> dict[str, Any]:
    data = json.dumps({"subject": email.subject, "html": email.html, "text": email.text})
    built: dict[str, Any] = {
        "Destination": {"ToAddresses": [email.to]},
        "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": data}},
    }
    if email.headers:
        built["ReplacementHeaders"] = _pairs(email.headers)
    if email.tags:
        built["ReplacementTags"] = _pairs(email.tags)
    return built


def request(emails: Sequence[OutgoingEmail], sender: str) -> dict[str, Any]:
    """SendBulkEmail's arguments for at most 50 emails."""
    return {
        "FromEmailAddress": sender,
        "DefaultContent": {"Template": {"TemplateContent": TEMPLATE_CONTENT, "TemplateData": "{}"}},
        "BulkEmailEntries": [entry(e) for e in emails],
    }


def result(email: OutgoingEmail, answered: dict[str, Any]) -> SendResult:
    status = str(answered.get("Status", "FAILED"))
    if status == "SUCCESS":
        return SendResult(contact_id=email.contact_id, outcome=Outcome.SENT, provider_id=answered.get("MessageId"))
    outcome = Outcome.RETRY if status in RETRY_STATUSES else Outcome.FAILED
    return SendResult(contact_id=email.contact_id, outcome=outcome, reason=status)


def everyone(emails: Sequence[OutgoingEmail], outcome: Outcome, reason: str) -> list[SendResult]:
    return [SendResult(contact_id=e.contact_id, outcome=outcome, reason=reason) for e in emails]


class BulkMailer:
    def __init__(self, client: Any = None, sender: str | None = None) -> None:
        self._client = client
        self._sender = sender

    @property
    def client(self) -> Any:
        if self._client is None:
            from campaigns.delivery.clients import unretried

            self._client = unretried("sesv2")
        return self._client

    @property
    def sender(self) -> str:
        if self._sender is None:
            from shared.settings import get_settings

            self._sender = get_settings().sender_email
        return self._sender

    def send(self, emails: list[OutgoingEmail]) -> list[SendResult]:
        """One result per email, in order; 50 per SES call. Raises ``SendOutcomeUnknown`` for
        a call that timed out after it was sent, with the earlier calls' results in it; the
        emails after it are not tried (they are in neither list: the caller tries them again)."""
        results: list[SendResult] = []
        for chunk in chunks(emails):
            try:
                results.extend(self._send_chunk(chunk))
            except SendOutcomeUnknown as exc:
                raise SendOutcomeUnknown(exc.contact_ids, exc.cause, results) from None
        return results

    def _send_chunk(self, emails: Sequence[OutgoingEmail]) -> list[SendResult]:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        try:
            answer = self.client.send_bulk_email(**request(emails, self.sender))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in RETRY_CODES or status == 429 or status >= 500:
                return everyone(emails, Outcome.RETRY, code)
            return everyone(emails, Outcome.FAILED, code)
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            # The request never reached SES: nothing was sent.
            return everyone(emails, Outcome.RETRY, type(exc).__name__)
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            # Sent, and no answer: SES may have accepted any of them.
            raise SendOutcomeUnknown([e.contact_id for e in emails], type(exc).__name__) from None
        answered: list[dict[str, Any]] = answer.get("BulkEmailEntryResults", [])
        if len(answered) != len(emails):
            raise SendOutcomeUnknown([e.contact_id for e in emails], "answer does not match the request")
        return [result(e, a) for e, a in zip(emails, answered, strict=True)]
