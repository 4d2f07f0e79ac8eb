"""SES adapter: the one place that sends email. Never logs addresses (PII)."""

from __future__ import annotations

from campaigns.messages.models import Email

# Worth another try later: SES throttled us or had a hiccup; nothing was sent.
TRANSIENT_CODES = frozenset(
    {"Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure", "RequestTimeout"}
)


class SendDeferred(Exception):
    """Nothing was sent, and trying again later may work."""


class SendRejected(Exception):
    """SES refused the email for good (bad address, unverified sender, paused account...)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SesMailer:
    def send(self, to: str, email: Email) -> str:
        """Send one email; returns SES's message id."""
        from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

        from shared.aws import client
        from shared.settings import get_settings

        try:
            response = client("ses").send_email(
                Source=get_settings().sender_email,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": email.text, "Charset": "UTF-8"},
                        "Html": {"Data": email.html, "Charset": "UTF-8"},
                    },
                },
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code in TRANSIENT_CODES:
                raise SendDeferred(code) from None
            raise SendRejected(code) from None
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            # The request never reached SES. Anything else (a read timeout...) may have sent
            # the email: it propagates, and the message stays claimed rather than sent twice.
            raise SendDeferred(type(exc).__name__) from None
        return str(response["MessageId"])
