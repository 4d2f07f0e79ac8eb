"""Who fetches a pixel without a person looking: privacy proxies that load every image on
delivery (Apple Mail Privacy Protection), image proxies (Gmail's, Yahoo's) and the link
and attachment scanners of mail security gateways (Microsoft Defender/Safe Links,
Barracuda, Mimecast, Proofpoint, ...). The one list, kept here.

Where it comes from: the user agents these fetchers are publicly documented or widely
reported to send (ESPs' deliverability notes on "machine" or "bot" opens; the providers'
own pages for Gmail's GoogleImageProxy and Apple's MPP, which sends a bare ``Mozilla/5.0``).
It is not exhaustive and user agents change: an open is also a machine open when it comes
within ``MACHINE_OPEN_SECONDS`` of the send (no person reads that fast; scanners do).
"""

from __future__ import annotations

from datetime import datetime

MACHINE_OPEN_SECONDS = 10

# Lower-case fragments of a user agent.
SCANNER_AGENTS = (
    "googleimageproxy",  # Gmail's image proxy (via ggpht.com)
    "yahoomailproxy",  # Yahoo Mail's image proxy
    "barracuda",  # Barracuda Email Security / Sentinel
    "mimecast",  # Mimecast link and attachment protection
    "proofpoint",  # Proofpoint URL Defense
    "safelinks",  # Microsoft Defender for Office 365 Safe Links
    "ms-office",  # Microsoft Office / Outlook link preview fetchers
    "bingpreview",  # Microsoft's preview fetcher
    "microsoft office",
    "symantec",
    "trendmicro",
    "fortiguard",
    "ironport",  # Cisco Secure Email
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "go-http-client",
    "curl/",
    "wget/",
)
# Apple Mail Privacy Protection's proxy sends exactly this, nothing after it.
BARE_AGENTS = frozenset({"mozilla/5.0", ""})


def is_scanner(user_agent: str | None) -> bool:
    agent = (user_agent or "").strip().lower()
    return agent in BARE_AGENTS or any(fragment in agent for fragment in SCANNER_AGENTS)


def is_machine_open(
    user_agent: str | None, sent_at: datetime, at: datetime, seconds: int = MACHINE_OPEN_SECONDS
) -> bool:
    return is_scanner(user_agent) or (at - sent_at).total_seconds() < seconds
