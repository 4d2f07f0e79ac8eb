"""The referrals feature's reactions to bus events (each after the owning feature's own)."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.inbound import LeadCreatedIn, PurchaseRecordedIn, ReferralWindowClosedIn
from loyalty.referrals.usecases import first_purchase, link, window_closed
from shared.events import Envelope


def on_lead_created(envelope: Envelope[LeadCreatedIn]) -> None:
    code = envelope.data.referral_code
    if code:
        link(bootstrap.referrals(), envelope.data.contact_id, code, envelope.metadata.occurred_at)


def on_purchase_recorded(envelope: Envelope[PurchaseRecordedIn]) -> None:
    data = envelope.data
    first_purchase(bootstrap.books(), bootstrap.referrals(), data.contact_id, data.order_id, data.occurred_at)


def on_referral_window_closed(envelope: Envelope[ReferralWindowClosedIn]) -> None:
    data = envelope.data
    window_closed(bootstrap.books(), bootstrap.referrals(), data.referred_id, data.order_id, envelope.metadata)
