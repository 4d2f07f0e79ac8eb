"""SESv2 ``SendBulkEmail`` for moto (which answers it with "not implemented"), the
emulator's SES fault switch and its sent-SMS page.

12. ``SendBulkEmail`` is what the campaign senders call: up to 50 recipients per request,
   each with its own template data, headers (List-Unsubscribe) and tags. One recipient per
   SendRawEmail call is not an option at campaign scale: measured on this machine, moto
   answers ~290 single SendRawEmail/s with 8 threads, and the same emulator takes over
   3,000 recipients/s in 50-recipient bulk calls. Here each entry is checked as moto's v1
   sends are (a verified sender, at most 50 destinations, addresses with a domain), its
   inline template rendered with moto's own SES renderer (``moto.ses.template``; SES's
   unescaped ``{{{name}}}`` is rendered as ``{{name}}``, which moto never escapes either),
   and recorded in the SES v1 backend as one sent ``Message`` per entry, its text, headers
   and tags kept beside it, so ``/_local/emails`` (moto's data.json) lists it like any
   other mail. The backend's SNS feedback hook runs per entry, so the SES simulator's
   bounce and complaint addresses notify their topics as v1 sends do. In-process tests
   get the same operation (the root conftest calls ``patch``).
13. ``PUT /_local/ses/faults {"throttle": n, "fail": n}``: the next n ``SendBulkEmail``
   calls answer ``TooManyRequestsException`` (429) or an ``InternalFailure`` (500), with
   nothing recorded, as SES does when the account's send rate is exceeded: what the
   senders' retry path is tested against. Throttling is answered before a 500 when both
   are armed. ``GET`` answers what is still armed.
14. ``GET /_local/sms``: the SMS that SNS Publish to a phone number recorded (moto keeps
   them in the SNS backend's ``sms_messages``, outside the SES-only model registry).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

MAX_ENTRIES = 50  # SES's limit of destinations per SendBulkEmail
FAULTS_PATH = "/_local/ses/faults"
SMS_PATH = "/_local/sms"
FAULT_KINDS = ("throttle", "fail")
_TRIPLE = re.compile(r"\{\{\{\s*([^}]*?)\s*\}\}\}")

_faults: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
_faults_lock = threading.Lock()


def arm(*, throttle: int = 0, fail: int = 0) -> dict[str, int]:
    """Add to the armed faults; returns what is armed now."""
    with _faults_lock:
        _faults["throttle"] += max(0, throttle)
        _faults["fail"] += max(0, fail)
        return dict(_faults)


def armed() -> dict[str, int]:
    with _faults_lock:
        return dict(_faults)


def disarm() -> None:
    with _faults_lock:
        _faults.update(dict.fromkeys(FAULT_KINDS, 0))


def _take_fault() -> str | None:
    with _faults_lock:
        for kind in FAULT_KINDS:
            if _faults[kind] > 0:
                _faults[kind] -= 1
                return kind
    return None


def _error(status: int, code: str, message: str) -> tuple[str, dict[str, Any]]:
    return json.dumps({"__type": code, "message": message}), {"status": status, "x-amzn-ErrorType": code}


def render(template: str | None, data: dict[str, Any]) -> str | None:
    from moto.ses.template import parse_template

    if template is None:
        return None
    return parse_template(_TRIPLE.sub(r"{{\1}}", template), data)


def _pairs(items: list[dict[str, str]] | None, key: str, value: str) -> dict[str, str]:
    return {item[key]: item[value] for item in items or []}


def send_bulk_email(backend: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries' results; raises what moto's v1 sends raise for a bad request as a whole."""
    from moto.ses.exceptions import MessageRejectedError
    from moto.ses.models import Message
    from moto.ses.utils import get_random_message_id, is_valid_address

    ses = backend.core_backend
    source = params.get("FromEmailAddress") or ""
    entries: list[dict[str, Any]] = params.get("BulkEmailEntries") or []
    if len(entries) > MAX_ENTRIES:
        raise MessageRejectedError("Too many destinations.")
    if not ses._is_verified_address(source):
        ses.rejected_messages_count += 1
        raise MessageRejectedError(f"Email address not verified {source}")
    template = (params.get("DefaultContent") or {}).get("Template") or {}
    content = template.get("TemplateContent") or {}
    if not content:
        # A stored template (TemplateName) is not what the senders use; refuse it plainly.
        raise MessageRejectedError("only an inline TemplateContent is emulated")
    defaults = json.loads(template.get("TemplateData") or "{}")
    default_headers = _pairs(template.get("Headers"), "Name", "Value")
    default_tags = _pairs(params.get("DefaultEmailTags"), "Name", "Value")
    results: list[dict[str, Any]] = []
    for entry in entries:
        destination: dict[str, list[str]] = entry.get("Destination") or {}
        addresses = [a for kind in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destination.get(kind, [])]
        invalid = not addresses or any(is_valid_address(a) for a in addresses)
        if invalid or len(addresses) > MAX_ENTRIES:
            results.append({"Status": "INVALID_PARAMETER", "Error": "Missing domain" if invalid else "Too many"})
            continue
        replacement = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}).get(
            "ReplacementTemplateData"
        )
        data = {**defaults, **json.loads(replacement or "{}")}
        try:
            subject = render(content.get("Subject"), data) or ""
            html, text = render(content.get("Html"), data), render(content.get("Text"), data)
        except Exception as exc:  # moto's MissingRenderingAttributeException and friends
            results.append({"Status": "FAILED", "Error": type(exc).__name__})
            continue
        ses.__process_sns_feedback__(source, destination)
        message = Message(get_random_message_id(), source, subject, html or text or "", destination)
        message.text = text  # type: ignore[attr-defined]
        message.headers = {**default_headers, **_pairs(entry.get("ReplacementHeaders"), "Name", "Value")}  # type: ignore[attr-defined]
        message.tags = {**default_tags, **_pairs(entry.get("ReplacementTags"), "Name", "Value")}  # type: ignore[attr-defined]
        ses.sent_messages.append(message)
        ses.sent_message_count += len(addresses)
        results.append({"Status": "SUCCESS", "MessageId": message.id})
    return results


def _response_send_bulk_email(self: Any) -> Any:
    fault = _take_fault()
    if fault == "throttle":
        return _error(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
    if fault == "fail":
        return _error(500, "InternalFailure", "The request processing has failed (injected).")
    results = send_bulk_email(self.sesv2_backend, json.loads(self.body or "{}"))
    return json.dumps({"BulkEmailEntryResults": results})


BULK_PATH = "{0}/v2/email/outbound-bulk-emails$"


def patch() -> None:
    """Give moto's SESv2 responses the operation: in-process moto routes ``/v2/.*`` by action
    name; moto's server turns its URL patterns into Flask rules, where that catch-all
    matches nothing, so the operation's own path is added (read when the server's SESv2
    app is built, on its first request). Idempotent: an addition, nothing replaced."""
    from moto.sesv2 import urls
    from moto.sesv2.responses import SESV2Response

    SESV2Response.send_bulk_email = _response_send_bulk_email  # type: ignore[attr-defined]
    urls.url_paths.setdefault(BULK_PATH, SESV2Response.dispatch)


def faults_route(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ.get("REQUEST_METHOD") == "PUT":
        try:
            payload = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
            counts = {kind: int(payload.get(kind, 0)) for kind in FAULT_KINDS}
            if set(payload) - set(FAULT_KINDS) or any(n < 0 for n in counts.values()):
                raise ValueError(payload)
        except (ValueError, TypeError, AttributeError):
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"message": "expected {\\"throttle\\": <n>, \\"fail\\": <n>}"}']
        now = arm(**counts)
    elif environ.get("REQUEST_METHOD") == "DELETE":
        disarm()
        now = armed()
    else:
        now = armed()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"armed": now}).encode()]


def sms_route(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """``{"items": [{"message_id", "phone_number", "message"}]}`` of every region's backend."""
    from moto.core.models import DEFAULT_ACCOUNT_ID as ACCOUNT_ID  # the stack's "testing" credentials
    from moto.sns.models import sns_backends

    items = [
        {"message_id": message_id, "phone_number": phone, "message": text, "region": region}
        for region, backend in list(sns_backends[ACCOUNT_ID].items())
        for message_id, (phone, text) in list(backend.sms_messages.items())
    ]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"items": items}).encode()]
