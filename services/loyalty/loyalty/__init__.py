"""loyalty: members, tiers and the points ledger; publishes MemberEnrolled, PointsAccrued, TierChanged."""

SERVICE = "loyalty"
