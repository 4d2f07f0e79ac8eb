"""The referrals feature's HTTP routes."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.referrals.models import ReferralCode
from shared.auth import STAFF
from shared.http import Ctx, Router
from shared.reach import guard, not_found

router = Router()


@router.route("/members/{contact_id}/referral-code", roles=STAFF)
def get_referral_code(ctx: Ctx, contact_id: str) -> ReferralCode:
    """The member's referral code, made on the first ask and the same ever after."""
    from loyalty.referrals.usecases import referral_code

    guard(ctx.principal, contact_id, bootstrap.contact_owners, not_found("member", contact_id))
    return referral_code(bootstrap.books(), bootstrap.referrals(), contact_id)
