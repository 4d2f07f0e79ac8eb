"""The public links an email carries, built by the senders for each recipient: the open
pixel, the click redirect of each of the email's links, the unsubscribe link and its RFC
8058 headers. Each carries a signed token (tokens.py) naming ids only, never an address;
the routes under ``<CRM_PUBLIC_URL>/campaigns`` accept nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from html.parser import HTMLParser

from campaigns import SERVICE
from campaigns.tracking.tokens import sign

TRACKED_SCHEMES = ("http://", "https://")
# tokens.py refuses longer payloads: a link whose token would not fit is left untracked.
MAX_TOKEN = 1500


def _base() -> str:
    from shared.http import base_path
    from shared.settings import get_settings

    return get_settings().public_url.rstrip("/") + base_path(SERVICE)


def _signed(kind: str, token: str) -> str:
    if len(token.partition(".")[0]) > MAX_TOKEN:
        raise ValueError(f"the {kind} link holds too much to sign")
    return token


def unsubscribe_url(*, source: str, contact_id: str, channel: str = "email") -> str:
    token = _signed("unsubscribe", sign("unsubscribe", {"s": source, "c": contact_id, "ch": channel}))
    return f"{_base()}/unsubscribe/{token}"


def open_pixel_url(*, source: str, campaign_id: str | None, contact_id: str, sent_at: datetime) -> str:
    values = {"s": source, "k": campaign_id, "c": contact_id, "t": int(sent_at.timestamp())}
    return f"{_base()}/t/o/{_signed('open', sign('open', values))}"


def click_url(*, source: str, campaign_id: str | None, contact_id: str, url: str, sent_at: datetime) -> str:
    """The redirect to ``url``: the token signs the URL itself, so the route sends people
    only where the email's own links pointed (never an open redirect). ValueError when the
    URL is too long to sign (track_links then leaves the link as it was)."""
    values = {"s": source, "k": campaign_id, "c": contact_id, "u": url, "t": int(sent_at.timestamp())}
    return f"{_base()}/t/c/{_signed('click', sign('click', values))}"


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click: mailbox providers POST ``List-Unsubscribe=One-Click`` to ``url``."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# What names an email in SES's notifications (campaigns/bounces): its tags (event publishing
# carries them) and these headers (an identity's notifications carry them, headers included).
SOURCE_HEADER, CONTACT_HEADER = "X-Crm-Source", "X-Crm-Contact-Id"


def feedback_tags(*, source: str, contact_id: str) -> dict[str, str]:
    """OutgoingEmail.tags: SES message tags (letters, digits, ``_``, ``-``, ``.``)."""
    return {"source": source, "contact_id": contact_id}


def feedback_headers(*, source: str, contact_id: str) -> dict[str, str]:
    """OutgoingEmail.headers to add beside list_unsubscribe_headers (ids only, no address)."""
    return {SOURCE_HEADER: source, CONTACT_HEADER: contact_id}


class _Rewriter(HTMLParser):
    """Re-emits the document as parsed, each http(s) ``<a href>`` through ``rewrite``:
    everything else (text, entities, comments, other tags) exactly as it came."""

    def __init__(self, rewrite: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=False)
        self.rewrite = rewrite
        self.out: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        raw = self.get_starttag_text() or ""
        href = next((v for k, v in attrs if k == "href"), None)
        if tag != "a" or href is None or not href.strip().lower().startswith(TRACKED_SCHEMES):
            self.out.append(raw)
            return
        new = self.rewrite(href.strip())
        parts = []
        for name, value in attrs:
            if name == "href":
                parts.append(f'href="{escape(new, quote=True)}"')
            else:
                parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
        self.out.append(f"<{tag} {' '.join(parts)}{' /' if closed else ''}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def track_links(html: str, *, source: str, campaign_id: str | None, contact_id: str, sent_at: datetime) -> str:
    """``html`` with every http(s) link through the click redirect and the open pixel added
    (before ``</body>`` when there is one). Our own public links (unsubscribe) stay as they are."""
    own = _base()

    def rewrite(url: str) -> str:
        if url.startswith(own):
            return url
        try:
            return click_url(source=source, campaign_id=campaign_id, contact_id=contact_id, url=url, sent_at=sent_at)
        except ValueError:
            return url

    parser = _Rewriter(rewrite)
    parser.feed(html)
    parser.close()
    if parser.rawdata:  # an unfinished tag at the end: kept as it was
        parser.out.append(parser.rawdata)
    body = "".join(parser.out)
    pixel_src = open_pixel_url(source=source, campaign_id=campaign_id, contact_id=contact_id, sent_at=sent_at)
    pixel = (
        f'<img src="{escape(pixel_src, quote=True)}" width="1" height="1" alt="" style="border:0;width:1px;height:1px">'
    )
    at = body.lower().rfind("</body>")
    return body[:at] + pixel + body[at:] if at >= 0 else body + pixel
