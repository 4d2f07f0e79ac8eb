"""Coupons, their uses, batches and the segments' members in the loyalty table (pynamodb):
the only module that maps them.

A use is one transaction: the coupon's count moves from the value read (so the
``CouponRedeemed`` event says exactly which use it was, and two checkouts racing for the
last use cannot both win), the order's use is written once (a retried checkout finds it),
and a customer's count is bounded by its limit. Tags name the condition that failed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.update import Action

from loyalty import SERVICE
from loyalty.coupons.models import COUPON_TAG, CUSTOMER_TAG, ORDER_TAG, Batch, Coupon, CouponRefused, CouponUse
from loyalty.table.items import OutboxRecord
from loyalty.table.keys import (
    COUPON_PREFIX,
    batch_key,
    coupon_by_key,
    coupon_key,
    coupon_use_key,
    member_coupon_key,
    member_pk,
    segment_member_key,
)
from shared.events import Outgoing
from shared.items import KeyedItem
from shared.outbox import outbox_record
from shared.table import MixedTransaction, is_conditional_failure, table_meta


class CouponItem(KeyedItem):
    """pk ``COUPON#<code>``, sk ``COUPON``: the counts apart from the body, for conditions."""

    Meta = table_meta(SERVICE)
    uses = NumberAttribute(default=0)
    max_uses = NumberAttribute()
    body = JSONAttribute()


class CouponUseItem(KeyedItem):
    """pk ``COUPON#<code>``, sk ``USE#<order id>``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()


class CouponByItem(KeyedItem):
    """pk ``COUPON#<code>``, sk ``BY#<contact id>``: one customer's uses."""

    Meta = table_meta(SERVICE)
    times = NumberAttribute(default=0)


class MemberCouponItem(KeyedItem):
    """pk ``MEMBER#<contact id>``, sk ``COUPON#<issued at>#<code>``: a member's coupons, newest last."""

    Meta = table_meta(SERVICE)
    code = UnicodeAttribute()


class SegmentMemberItem(KeyedItem):
    """pk ``SEGMENT#<segment id>``, sk ``<contact id>``: in the segment as of ``at``."""

    Meta = table_meta(SERVICE)
    member = BooleanAttribute()
    at = UTCDateTimeAttribute()


class BatchItem(KeyedItem):
    """pk ``BATCH#<id>``, sk ``BATCH``."""

    Meta = table_meta(SERVICE)
    body = JSONAttribute()  # what was asked (segment, terms, who)
    state = UnicodeAttribute()
    issued = NumberAttribute(default=0)
    pages = NumberAttribute(default=0)
    finished_at = UTCDateTimeAttribute(null=True)


def _coupon(item: CouponItem) -> Coupon:
    return Coupon.model_validate({**item.body, "uses": int(item.uses), "max_uses": int(item.max_uses)})


def _coupon_item(coupon: Coupon) -> CouponItem:
    body = coupon.model_dump(mode="json", exclude={"uses", "max_uses", "state"})
    return CouponItem(*coupon_key(coupon.code), uses=coupon.uses, max_uses=coupon.max_uses, body=body)


class CouponRepository:
    # --- issuing --------------------------------------------------------------------------

    def issue_items(self, coupon: Coupon) -> list[Any]:
        """The coupon's items as functions of another feature's transaction (a redemption's
        posting): the coupon, written once (tag ``coupon``), and the member's index of it."""

        def add(tx: MixedTransaction) -> None:
            tx.save(_coupon_item(coupon), condition=CouponItem.pk.does_not_exist(), tag=COUPON_TAG)
            if coupon.contact_id is not None:
                index = member_coupon_key(coupon.contact_id, coupon.issued_at.isoformat(), coupon.code)
                tx.save(MemberCouponItem(*index, code=coupon.code))

        return [add]

    def issue(self, coupon: Coupon, events: list[Outgoing]) -> bool:
        """Write the coupon with its events; False when that code exists already (a
        redelivered cause: coupons of one cause have one code)."""
        tx = MixedTransaction()
        for add in self.issue_items(coupon):
            add(tx)
        for event in events:
            tx.save(outbox_record(OutboxRecord, event))
        try:
            tx.commit()
        except TransactWriteError as exc:
            if COUPON_TAG in tx.failed(exc):
                return False
            raise
        return True

    # --- reading --------------------------------------------------------------------------

    def get(self, code: str) -> Coupon | None:
        try:
            return _coupon(CouponItem.get(*coupon_key(code), consistent_read=True))
        except DoesNotExist:
            return None

    def member_coupons(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Coupon], dict[str, Any] | None]:
        """A member's coupons, newest first: one query of its index, one batch get of them."""
        index = MemberCouponItem.query(
            member_pk(contact_id),
            MemberCouponItem.sk.startswith(COUPON_PREFIX),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        )
        codes = [i.code for i in index]
        found = {c.code: c for c in map(_coupon, CouponItem.batch_get([coupon_key(code) for code in codes]))}
        return [found[code] for code in codes if code in found], index.last_evaluated_key

    def use(self, code: str, order_id: str) -> CouponUse | None:
        try:
            return CouponUse.model_validate(
                CouponUseItem.get(*coupon_use_key(code, order_id), consistent_read=True).body
            )
        except DoesNotExist:
            return None

    # --- using ----------------------------------------------------------------------------

    def redeem(self, read: Coupon, use: CouponUse, events: list[Outgoing]) -> None:
        """One use of ``read`` (as it was read): CouponRefused(tags) when the coupon moved or
        ran out (``coupon``), this order used it already (``order``), or the customer
        reached its limit (``customer``)."""
        tx = MixedTransaction()
        coupon = CouponItem(*coupon_key(read.code))
        live = (CouponItem.uses == read.uses) & (CouponItem.max_uses > read.uses)
        tx.update(coupon, actions=[CouponItem.uses.add(1)], condition=live, tag=COUPON_TAG)
        tx.save(
            CouponUseItem(*coupon_use_key(read.code, use.order_id), body=use.model_dump(mode="json")),
            condition=CouponUseItem.sk.does_not_exist(),
            tag=ORDER_TAG,
        )
        if read.per_customer_limit is not None:
            by = CouponByItem(*coupon_by_key(read.code, use.contact_id))
            under = CouponByItem.times.does_not_exist() | (CouponByItem.times < read.per_customer_limit)
            tx.update(by, actions=[CouponByItem.times.add(1)], condition=under, tag=CUSTOMER_TAG)
        for event in events:
            tx.save(outbox_record(OutboxRecord, event))
        try:
            tx.commit()
        except TransactWriteError as exc:
            failed = tx.failed(exc)
            if failed:
                raise CouponRefused(failed) from None
            raise

    # --- segments (as contacts' events last told) ------------------------------------------

    def segment_moved(self, segment_id: str, contact_id: str, member: bool, at: datetime) -> None:
        """Enter or leave, unless a later event said otherwise already (events come in any order)."""
        item = SegmentMemberItem(*segment_member_key(segment_id, contact_id), member=member, at=at)
        try:
            item.save(condition=SegmentMemberItem.at.does_not_exist() | (SegmentMemberItem.at < at))
        except PutError as exc:
            if not is_conditional_failure(exc):
                raise

    def segment_members(
        self, segment_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        page = SegmentMemberItem.query(
            segment_member_key(segment_id, "")[0],
            filter_condition=SegmentMemberItem.member == True,  # noqa: E712  # a pynamodb condition
            limit=limit,
            last_evaluated_key=start,
        )
        return [i.sk for i in page], page.last_evaluated_key

    # --- batches --------------------------------------------------------------------------

    def put_batch(self, batch: Batch, events: list[Outgoing]) -> None:
        tx = MixedTransaction()
        body = batch.model_dump(mode="json", exclude={"state", "issued", "pages", "finished_at"})
        item = BatchItem(*batch_key(batch.batch_id), body=body, state=batch.state.value)
        tx.save(item, condition=BatchItem.pk.does_not_exist())
        for event in events:
            tx.save(outbox_record(OutboxRecord, event))
        tx.commit()

    def batch(self, batch_id: str) -> Batch | None:
        try:
            item = BatchItem.get(*batch_key(batch_id), consistent_read=True)
        except DoesNotExist:
            return None
        counts = {"state": item.state, "issued": int(item.issued), "pages": int(item.pages)}
        return Batch.model_validate({**item.body, **counts, "finished_at": item.finished_at})

    def batch_page_done(
        self, batch_id: str, page: int, issued: int, events: list[Outgoing], finished: datetime | None
    ) -> bool:
        """Count page ``page`` of a batch once (its pages count moves from ``page``), with the
        next page's request (or, when ``finished``, the batch's end); False when counted already."""
        tx = MixedTransaction()
        item = BatchItem(*batch_key(batch_id))
        actions: list[Action] = [BatchItem.pages.add(1), BatchItem.issued.add(issued)]
        if finished is not None:
            actions += [BatchItem.state.set("issued"), BatchItem.finished_at.set(finished)]
        tx.update(item, actions=actions, condition=BatchItem.pages == page, tag="page")
        for event in events:
            tx.save(outbox_record(OutboxRecord, event))
        try:
            tx.commit()
        except TransactWriteError as exc:
            if "page" in tx.failed(exc):
                return False
            raise
        return True
