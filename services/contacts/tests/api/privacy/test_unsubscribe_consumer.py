"""campaigns' UnsubscribeRequested against moto: stored as consent withdrawn, through the
consent use case (ConsentChanged published), once per event (Given/When/Then)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chalice.test import Client

from services.contacts.tests.api.privacy.test_consent_api import TABLE, new_contact, read
from shared.events import Event, new_event
from shared.testing import failed_ids, pending_outbox, sqs_event


class UnsubscribeRequested(Event):
    """The shape crm.campaigns publishes (campaigns.events.UnsubscribeRequested)."""

    bus_source = "crm.campaigns"

    contact_id: str
    channel: str
    purpose: str
    source: str
    at: datetime


def _opt_out(contact_id: str) -> object:
    event = UnsubscribeRequested(
        contact_id=contact_id, channel="email", purpose="marketing", source="campaign-c1-1", at=datetime.now(UTC)
    )
    return new_event(event)


def test_an_unsubscribe_link_withdraws_marketing_email_consent(client: Client) -> None:
    # Given a contact, and their opt-out through a campaign's link (delivered twice)
    contact_id = new_contact(client)
    event = _opt_out(contact_id)
    # When contacts reads it
    for _ in range(2):
        assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    # Then the consent is withdrawn, from the unsubscribe link, once; ConsentChanged says so
    status, view = read(client, f"/{contact_id}/consents")
    assert status == 200
    assert view["state"]["email:marketing"]["granted"] is False
    assert view["state"]["email:marketing"]["source"] == "unsubscribe_link"
    assert len(view["history"]) == 1
    changed = [e.detail["data"] for e in pending_outbox(TABLE) if e.detail_type == "ConsentChanged"]
    assert [(c["contact_id"], c["granted"], c["source"]) for c in changed] == [(contact_id, False, "unsubscribe_link")]


def test_an_opt_out_for_an_unknown_contact_is_dropped(client: Client) -> None:
    # Given an opt-out for a contact contacts never had (or erased)
    event = _opt_out(str(uuid.uuid4()))
    # When it is read: then it is done (not retried), and nothing is published
    assert failed_ids(client.lambda_.invoke("on_event", sqs_event([event]))) == []
    assert [e for e in pending_outbox(TABLE) if e.detail_type == "ConsentChanged"] == []
