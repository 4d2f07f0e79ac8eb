"""SMS through SNS Publish to a phone number, one call per message (SNS has no bulk SMS
call). Promotional: the cheaper route, for marketing (transactional is for one-time codes).
Never logs a phone number or a text.

Results as the mailer's: SENT with SNS's message id; RETRY when throttled or SNS failed
before sending (nothing was sent); FAILED with the error code when SNS refused the message
for good (an invalid number, an opted-out one...). A read timeout raises the mailer's
``SendOutcomeUnknown`` for that message, with the results before it.
"""

from __future__ import annotations

from typing import Any

from campaigns.delivery.mailer import SendOutcomeUnknown
from campaigns.delivery.models import Outcome, OutgoingSms, SendResult

ATTRIBUTES = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Promotional"}}
RETRY_CODES = frozenset(
    {
        "Throttled",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
    }
)


class SmsSender:
    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from campaigns.delivery.clients import unretried

            self._client = unretried("sns")
        return self._client

    def send(self, messages: list[OutgoingSms]) -> list[SendResult]:
        results: list[SendResult] = []
        for message in messages:
            try:
                results.append(self._send_one(message))
            except SendOutcomeUnknown as exc:
                raise SendOutcomeUnknown(exc.contact_ids, exc.cause, results) from None
        return results

    def _send_one(self, message: OutgoingSms) -> SendResult:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        contact_id = message.contact_id
        try:
            answer = self.client.publish(PhoneNumber=message.to, Message=message.text, MessageAttributes=ATTRIBUTES)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            outcome = Outcome.RETRY if code in RETRY_CODES or status == 429 or status >= 500 else Outcome.FAILED
            return SendResult(contact_id=contact_id, outcome=outcome, reason=code)
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            return SendResult(contact_id=contact_id, outcome=Outcome.RETRY, reason=type(exc).__name__)
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            raise SendOutcomeUnknown([contact_id], type(exc).__name__) from None
        return SendResult(contact_id=contact_id, outcome=Outcome.SENT, provider_id=str(answer["MessageId"]))
