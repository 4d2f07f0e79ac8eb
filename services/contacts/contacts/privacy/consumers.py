"""Privacy's reactions to bus events (declared in contacts/subscriptions.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contacts.inbound import UnsubscribeRequestedIn
    from shared.events import Envelope

# What the consent history says of an opt-out made through an email's link.
UNSUBSCRIBE_LINK = "unsubscribe_link"


def on_unsubscribe_requested(envelope: Envelope[UnsubscribeRequestedIn]) -> None:
    """campaigns' UnsubscribeRequested: the consent withdrawn, through the one consent use
    case (which publishes ConsentChanged). A contact gone since is logged and dropped."""
    from contacts.bootstrap import consent_repository
    from contacts.privacy.models import Channel, ConsentIn, Purpose
    from contacts.privacy.usecases import record_consent
    from shared.errors import NotFound
    from shared.observability import logger

    opt_out = envelope.data
    data = ConsentIn(
        channel=Channel(opt_out.channel), purpose=Purpose(opt_out.purpose), granted=False, source=UNSUBSCRIBE_LINK
    )
    try:
        record_consent(opt_out.contact_id, data, consent_repository(), envelope.metadata.correlation_id)
    except NotFound:
        logger.warning("unsubscribe for an unknown contact; dropped", extra={"contact_id": opt_out.contact_id})
