"""What loyalty reacts to: each detail-type declared once, with its inbound model and reaction."""

from __future__ import annotations

from typing import Any

from loyalty.coupons import consumers as coupons
from loyalty.inbound import (
    ContactErasedIn,
    ContactsMergedIn,
    CouponBatchPageDueIn,
    CouponIssuedIn,
    CouponRedeemedIn,
    LeadAssignedIn,
    LeadCreatedIn,
    LotsExpiryDueIn,
    MemberEnrolledIn,
    PointsAccruedIn,
    PointsAdjustedIn,
    PointsExpiredIn,
    PointsRedeemedIn,
    PointsReversedIn,
    PurchaseRecordedIn,
    PurchaseRefundedIn,
    ReferralWindowClosedIn,
    RewardRedeemedIn,
    SegmentMovedIn,
    SurveyAnsweredIn,
    TierChangedIn,
    TierReviewDueIn,
)
from loyalty.ledger import consumers as ledger
from loyalty.members import consumers as members
from loyalty.referrals import consumers as referrals
from loyalty.reports import consumers as reports
from shared.consumer import Subscription

SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription("LeadCreated", LeadCreatedIn, members.on_lead_created),
    Subscription("LeadAssigned", LeadAssignedIn, members.on_lead_assigned),
    Subscription("ContactsMerged", ContactsMergedIn, members.on_contacts_merged),
    Subscription("ContactErased", ContactErasedIn, members.on_contact_erased),
    Subscription("PurchaseRecorded", PurchaseRecordedIn, ledger.on_purchase_recorded),
    Subscription("PurchaseRefunded", PurchaseRefundedIn, ledger.on_purchase_refunded),
    Subscription("LotsExpiryDue", LotsExpiryDueIn, ledger.on_lots_expiry_due),
    Subscription("TierReviewDue", TierReviewDueIn, ledger.on_tier_review_due),
    Subscription("SurveyAnswered", SurveyAnsweredIn, ledger.on_survey_answered),
    Subscription("SurveyAnswered", SurveyAnsweredIn, coupons.on_survey_answered),
    Subscription("SegmentEntered", SegmentMovedIn, coupons.on_segment_entered),
    Subscription("SegmentExited", SegmentMovedIn, coupons.on_segment_exited),
    Subscription("CouponBatchPageDue", CouponBatchPageDueIn, coupons.on_coupon_batch_page_due),
    # Referrals react after the members' and the ledger's own handlers of the same event.
    Subscription("LeadCreated", LeadCreatedIn, referrals.on_lead_created),
    Subscription("PurchaseRecorded", PurchaseRecordedIn, referrals.on_purchase_recorded),
    Subscription("ReferralWindowClosed", ReferralWindowClosedIn, referrals.on_referral_window_closed),
    # Loyalty's own events, counted into the reports.
    Subscription("MemberEnrolled", MemberEnrolledIn, reports.on_member_enrolled),
    Subscription("PointsAccrued", PointsAccruedIn, reports.on_points_accrued),
    Subscription("PointsRedeemed", PointsRedeemedIn, reports.on_points_redeemed),
    Subscription("PointsExpired", PointsExpiredIn, reports.on_points_expired),
    Subscription("PointsReversed", PointsReversedIn, reports.on_points_reversed),
    Subscription("PointsAdjusted", PointsAdjustedIn, reports.on_points_adjusted),
    Subscription("TierChanged", TierChangedIn, reports.on_tier_changed),
    Subscription("RewardRedeemed", RewardRedeemedIn, reports.on_reward_redeemed),
    Subscription("CouponIssued", CouponIssuedIn, reports.on_coupon_issued),
    Subscription("CouponRedeemed", CouponRedeemedIn, reports.on_coupon_redeemed),
]
