"""The providers' clients for the senders: no retries inside the SDK.

botocore retries a throttled or failed call up to 4 times by default, and a read timeout
too. For a send that is wrong twice over: a retry after a read timeout may send the same
messages again (the first request may have been accepted), and retries behind the token
bucket's back spend send rate it never granted. The senders report RETRY instead, and the
caller tries again when the bucket allows.
"""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT = 2.0  # seconds: nothing was sent if the connection never opened
READ_TIMEOUT = 5.0  # a 50-recipient call answers in well under a second


def unretried(service: str) -> Any:
    """A new client (the composition root keeps one per sender)."""
    import botocore.session
    from botocore.config import Config

    from shared.settings import get_settings

    settings = get_settings()
    return botocore.session.get_session().create_client(
        service,
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            max_pool_connections=16,
        ),
    )
