"""What the coupons feature does (tested with fakes): issue, look up, redeem at a checkout,
batches for a segment, goodwill after a poor survey.

Codes of one cause are one code (``code_for``: an HMAC of the cause under the service's
key), so a redelivered event or a retried request issues nothing twice, and a code cannot
be guessed from its cause. Codes made for no cause are random.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from loyalty.coupons.models import (
    CUSTOMER_TAG,
    ORDER_TAG,
    Batch,
    BatchIn,
    Coupon,
    CouponIn,
    CouponPage,
    CouponRefused,
    CouponSource,
    CouponTerms,
    CouponUse,
)
from loyalty.events import CouponBatchPageDue, CouponIssued, CouponRedeemed
from shared.errors import Conflict
from shared.events import EventMetadata, Outgoing, follow_up, new_event
from shared.pagination import decode_cursor, encode_cursor
from shared.reach import not_found

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread
CODE_LENGTH = 12  # 60 bits
BATCH_PAGE = 50  # members a batch issues per page (one event each: a Lambda's few seconds)
REDEEM_ATTEMPTS = 8


class CouponStore(Protocol):
    def issue_items(self, coupon: Coupon) -> list[Any]: ...
    def issue(self, coupon: Coupon, events: list[Outgoing]) -> bool: ...
    def get(self, code: str) -> Coupon | None: ...
    def member_coupons(
        self, contact_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[Coupon], dict[str, Any] | None]: ...
    def use(self, code: str, order_id: str) -> CouponUse | None: ...
    def redeem(self, read: Coupon, use: CouponUse, events: list[Outgoing]) -> None: ...
    def segment_moved(self, segment_id: str, contact_id: str, member: bool, at: datetime) -> None: ...
    def segment_members(
        self, segment_id: str, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]: ...
    def put_batch(self, batch: Batch, events: list[Outgoing]) -> None: ...
    def batch(self, batch_id: str) -> Batch | None: ...
    def batch_page_done(
        self, batch_id: str, page: int, issued: int, events: list[Outgoing], finished: datetime | None
    ) -> bool: ...


Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_for(cause: str, key: bytes | None = None) -> str:
    """The one code of a cause (a redemption, a batch's member, a ticket's goodwill)."""
    if key is None:
        from shared.settings import get_settings

        key = get_settings().cursor_key
    digest = hmac.new(key, b"coupon:" + cause.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def coupon_of(
    terms: CouponTerms,
    *,
    code: str,
    source: CouponSource,
    source_id: str,
    issued_at: datetime,
    contact_id: str | None = None,
    **extra: Any,
) -> Coupon:
    return Coupon(
        **terms.model_dump(),
        code=code,
        contact_id=contact_id,
        source=source,
        source_id=source_id,
        issued_at=issued_at,
        **extra,
    )


def issued_event(coupon: Coupon, cause: EventMetadata | None = None) -> Outgoing:
    issued = CouponIssued(
        code=coupon.code,
        contact_id=coupon.contact_id,
        kind=coupon.kind.value,
        value=coupon.value,
        source=coupon.source.value,
        expires_at=coupon.expires_at,
    )
    return follow_up(issued, cause) if cause is not None else new_event(issued)


def get_coupon(code: str, repo: CouponStore, today: date) -> Coupon:
    coupon = repo.get(code)
    if coupon is None:
        raise not_found("coupon", code)
    return coupon.model_copy(update={"state": coupon.state_on(today)})


def member_coupons(contact_id: str, repo: CouponStore, limit: int, cursor: str | None, today: date) -> CouponPage:
    of = f"loyalty/coupons/{contact_id}"
    coupons, last = repo.member_coupons(contact_id, limit, decode_cursor(cursor, of=of))
    items = [c.model_copy(update={"state": c.state_on(today)}) for c in coupons]
    return CouponPage(items=items, next_cursor=encode_cursor(last, of=of))


def create_coupon(data: CouponIn, by: str, repo: CouponStore, clock: Clock = _now) -> Coupon:
    """An admin's code, shared by many customers (``per_customer_limit`` each)."""
    code = data.code or random_code()
    terms = CouponTerms.model_validate(data.model_dump(include=set(CouponTerms.model_fields)))
    coupon = coupon_of(terms, code=code, source=CouponSource.RULE, source_id=f"admin:{by}", issued_at=clock())
    if not repo.issue(coupon, [issued_event(coupon)]):
        raise Conflict(f"coupon {code} exists already: choose another code")
    return coupon


# --- a checkout uses a coupon -----------------------------------------------------------


Home = Callable[[str], str]  # a contact's member as merges left it (the ledger's resolve)


def _refusal(coupon: Coupon, contact_id: str, today: date, home: Home | None) -> Conflict | None:
    if (
        coupon.contact_id is not None
        and coupon.contact_id != contact_id
        and not _merged(coupon.contact_id, contact_id, home)
    ):
        return Conflict("this coupon was issued to another customer", reason="not_yours")
    if coupon.expires_at is not None and today > coupon.expires_at:
        return Conflict(f"this coupon expired on {coupon.expires_at.isoformat()}", reason="expired")
    if coupon.uses >= coupon.max_uses:
        return Conflict(f"this coupon is used up ({coupon.max_uses} uses)", reason="used_up")
    return None


def _merged(owner: str, contact_id: str, home: Home | None) -> bool:
    """Whether the coupon's member was merged into the customer at the checkout."""
    return home is not None and home(owner) == home(contact_id)


def redeem(
    code: str, order_id: str, contact_id: str, repo: CouponStore, *, clock: Clock = _now, home: Home | None = None
) -> tuple[CouponUse, bool]:
    """One use of the coupon on an order: True when used now; False for a retry of an
    order that used it already (the use made then). 409 with the reason when used up,
    expired, over the customer's limit or another customer's (a coupon of a contact merged
    into this one is theirs: ``home``)."""
    for _ in range(REDEEM_ATTEMPTS):
        coupon = repo.get(code)
        if coupon is None:
            raise not_found("coupon", code)
        earlier = repo.use(code, order_id)
        if earlier is not None:
            return _same_order(earlier, contact_id), False
        now = clock()
        refusal = _refusal(coupon, contact_id, now.date(), home)
        if refusal is not None:
            raise refusal
        use = CouponUse(
            code=code,
            order_id=order_id,
            contact_id=contact_id,
            kind=coupon.kind,
            value=coupon.value,
            uses=coupon.uses + 1,
            max_uses=coupon.max_uses,
            redeemed_at=now,
        )
        redeemed = CouponRedeemed(
            code=code, contact_id=contact_id, order_id=order_id, uses=use.uses, max_uses=coupon.max_uses
        )
        try:
            repo.redeem(coupon, use, [new_event(redeemed)])
        except CouponRefused as refused:
            if CUSTOMER_TAG in refused.tags:
                raise Conflict(
                    f"this customer used this coupon {coupon.per_customer_limit} times already", reason="limit_reached"
                ) from None
            if ORDER_TAG in refused.tags:
                continue  # a twin request of this order won: answer its use
            continue  # another checkout used it meanwhile: read it again
        return use, True
    raise Conflict("the coupon is in heavy use right now: try again", reason="contended")


def _same_order(use: CouponUse, contact_id: str) -> CouponUse:
    if use.contact_id != contact_id:
        raise Conflict("this order used this coupon for another customer", reason="not_yours")
    return use


# --- batches for a segment, goodwill -------------------------------------------------------


def segment_moved(segment_id: str, contact_id: str, entered: bool, at: datetime, repo: CouponStore) -> None:
    repo.segment_moved(segment_id, contact_id, entered, at)


def request_batch(data: BatchIn, by: str, repo: CouponStore, clock: Clock = _now) -> Batch:
    """Record the batch and ask for its first page (an event through the outbox): a segment
    of any size is issued page by page, each page its own delivery, each coupon once."""
    import uuid

    now = clock()
    fields = data.model_dump(include=set(CouponTerms.model_fields))
    if data.valid_days is not None:
        fields["expires_at"] = (now + timedelta(days=data.valid_days)).date()
    batch = Batch(
        batch_id=uuid.uuid4().hex[:16],
        segment_id=data.segment_id,
        name=data.name,
        terms=CouponTerms.model_validate(fields),
        requested_by=by,
        requested_at=now,
    )
    repo.put_batch(batch, [new_event(CouponBatchPageDue(batch_id=batch.batch_id, page=0))])
    return batch


def get_batch(batch_id: str, repo: CouponStore) -> Batch:
    batch = repo.batch(batch_id)
    if batch is None:
        raise not_found("coupon batch", batch_id)
    return batch


def issue_batch_page(
    batch_id: str,
    page: int,
    start: dict[str, Any] | None,
    repo: CouponStore,
    cause: EventMetadata,
    *,
    clock: Clock = _now,
) -> int:
    """CouponBatchPageDue: a coupon for each member of the page (once: each member's code
    is the batch's), then the page counted with the next page's request. Returns how many
    members the page held (0 when the page was counted already)."""
    batch = repo.batch(batch_id)
    if batch is None or batch.pages != page:
        return 0
    members, last = repo.segment_members(batch.segment_id, BATCH_PAGE, start)
    now = clock()
    for contact_id in members:
        coupon = coupon_of(
            batch.terms,
            code=code_for(f"batch:{batch_id}:{contact_id}"),
            source=CouponSource.BATCH,
            source_id=batch_id,
            issued_at=now,
            contact_id=contact_id,
        )
        repo.issue(coupon, [issued_event(coupon, cause)])
    following = CouponBatchPageDue(batch_id=batch_id, page=page + 1, start=last) if last else None
    events = [follow_up(following, cause)] if following is not None else []
    repo.batch_page_done(batch_id, page, len(members), events, None if last else now)
    return len(members)


def goodwill(
    ticket_id: str,
    contact_id: str,
    terms: CouponTerms,
    repo: CouponStore,
    cause: EventMetadata,
    *,
    clock: Clock = _now,
) -> Coupon | None:
    """A goodwill coupon for a poorly rated ticket, once per ticket (its code is the
    ticket's); None when it was issued already."""
    now = clock()
    coupon = coupon_of(
        terms,
        code=code_for(f"goodwill:{ticket_id}"),
        source=CouponSource.GOODWILL,
        source_id=ticket_id,
        issued_at=now,
        contact_id=contact_id,
    )
    return coupon if repo.issue(coupon, [issued_event(coupon, cause)]) else None
