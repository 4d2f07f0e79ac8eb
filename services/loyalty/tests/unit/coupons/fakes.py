"""An in-memory coupon store with the table's guarantees (a use moves the count from the
value read, once per order, within a customer's limit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalty.coupons.models import COUPON_TAG, CUSTOMER_TAG, ORDER_TAG, Batch, Coupon, CouponRefused, CouponUse
from shared.events import Outgoing


class FakeCoupons:
    def __init__(self) -> None:
        self.coupons: dict[str, Coupon] = {}
        self.uses: dict[tuple[str, str], CouponUse] = {}
        self.by: dict[tuple[str, str], int] = {}
        self.segments: dict[str, dict[str, tuple[bool, datetime]]] = {}
        self.batches: dict[str, Batch] = {}
        self.events: list[Outgoing] = []
        self.raced = 0  # another checkout uses the coupon first, this many times

    def issue_items(self, coupon: Coupon) -> list[Any]:
        raise NotImplementedError("a ledger posting's items: covered by the API tests")

    def issue(self, coupon: Coupon, events: list[Outgoing]) -> bool:
        if coupon.code in self.coupons:
            return False
        self.coupons[coupon.code] = coupon
        self.events += events
        return True

    def get(self, code: str) -> Coupon | None:
        found = self.coupons.get(code)
        return found.model_copy() if found else None

    def member_coupons(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Coupon], dict[str, Any] | None]:
        return [c for c in self.coupons.values() if c.contact_id == contact_id][:limit], None

    def use(self, code: str, order_id: str) -> CouponUse | None:
        return self.uses.get((code, order_id))

    def redeem(self, read: Coupon, use: CouponUse, events: list[Outgoing]) -> None:
        coupon = self.coupons[read.code]
        if self.raced:
            self.raced -= 1
            self.coupons[read.code] = coupon.model_copy(update={"uses": coupon.uses + 1})
            raise CouponRefused({COUPON_TAG})
        failed = set()
        if coupon.uses != read.uses or coupon.uses >= coupon.max_uses:
            failed.add(COUPON_TAG)
        if (read.code, use.order_id) in self.uses:
            failed.add(ORDER_TAG)
        taken = self.by.get((read.code, use.contact_id), 0)
        if read.per_customer_limit is not None and taken >= read.per_customer_limit:
            failed.add(CUSTOMER_TAG)
        if failed:
            raise CouponRefused(failed)
        self.coupons[read.code] = coupon.model_copy(update={"uses": coupon.uses + 1})
        self.uses[(read.code, use.order_id)] = use
        self.by[(read.code, use.contact_id)] = taken + 1
        self.events += events

    def segment_moved(self, segment_id: str, contact_id: str, member: bool, at: datetime) -> None:
        known = self.segments.setdefault(segment_id, {})
        if contact_id not in known or known[contact_id][1] < at:
            known[contact_id] = (member, at)

    def segment_members(
        self, segment_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        members = sorted(c for c, (member, _) in self.segments.get(segment_id, {}).items() if member)
        offset = int(start["offset"]) if start else 0
        page = members[offset : offset + limit]
        return page, ({"offset": str(offset + limit)} if offset + limit < len(members) else None)

    def put_batch(self, batch: Batch, events: list[Outgoing]) -> None:
        self.batches[batch.batch_id] = batch
        self.events += events

    def batch(self, batch_id: str) -> Batch | None:
        found = self.batches.get(batch_id)
        return found.model_copy() if found else None

    def batch_page_done(
        self, batch_id: str, page: int, issued: int, events: list[Outgoing], finished: datetime | None
    ) -> bool:
        batch = self.batches[batch_id]
        if batch.pages != page:
            return False
        update: dict[str, Any] = {"pages": page + 1, "issued": batch.issued + issued}
        if finished is not None:
            update |= {"state": "issued", "finished_at": finished}
        self.batches[batch_id] = batch.model_copy(update=update)
        self.events += events
        return True
