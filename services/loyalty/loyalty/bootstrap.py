"""loyalty's composition root: the only place its repositories are built."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalty.coupons.repository import CouponRepository
    from loyalty.earning.points import Terms
    from loyalty.earning.repository import EarningRulesRepository
    from loyalty.ledger.ports import Books, Deadlines
    from loyalty.ledger.repository import LedgerRepository
    from loyalty.program.models import Program
    from loyalty.referrals.repository import ReferralRepository
    from loyalty.reports.repository import ReportsRepository
    from loyalty.rewards.repository import RewardRepository
    from loyalty.tiers.models import Tiers
    from shared.documents import DocumentStore
    from shared.owners import OwnerStore


@cache
def ledger_repository() -> LedgerRepository:
    from loyalty.ledger.repository import LedgerRepository

    return LedgerRepository()


@cache
def program() -> DocumentStore[Program]:
    from loyalty.program.models import DEFAULT_PROGRAM
    from loyalty.table.items import DocumentItem
    from loyalty.table.keys import program_key
    from shared.documents import DocumentStore

    return DocumentStore(DocumentItem, program_key(), DEFAULT_PROGRAM, "the program")


@cache
def tiers() -> DocumentStore[Tiers]:
    from loyalty.table.items import DocumentItem
    from loyalty.table.keys import tiers_key
    from loyalty.tiers.models import DEFAULT_TIERS
    from shared.documents import DocumentStore

    return DocumentStore(DocumentItem, tiers_key(), DEFAULT_TIERS, "the tiers")


@cache
def earning_rules() -> EarningRulesRepository:
    from loyalty.earning.repository import EarningRulesRepository

    return EarningRulesRepository()


def terms() -> Terms:
    """The program, tiers and earning rules in force (each cached a few seconds)."""
    from loyalty.earning.points import Terms

    return Terms(program().get(), tiers().get(), earning_rules().rules())


@cache
def deadlines() -> Deadlines:
    """One-time schedules (EventBridge Scheduler): the kernel's module is the adapter."""
    from shared import schedules

    return schedules


def books() -> Books:
    """The ledger's ports, with the terms read for this call."""
    from loyalty.ledger.ports import Books

    return Books(ledger_repository(), terms(), deadlines())


@cache
def contact_owners() -> OwnerStore:
    """Each contact's owner, in the member's partition (``MEMBER#<contact_id>``/``OWNER``)."""
    from loyalty.table.items import OwnerRecord
    from loyalty.table.keys import member_pk
    from shared.owners import OwnerStore

    return OwnerStore(OwnerRecord, member_pk)


@cache
def rewards() -> RewardRepository:
    from loyalty.rewards.repository import RewardRepository

    return RewardRepository()


@cache
def coupons() -> CouponRepository:
    from loyalty.coupons.repository import CouponRepository

    return CouponRepository()


@cache
def referrals() -> ReferralRepository:
    from loyalty.referrals.repository import ReferralRepository

    return ReferralRepository()


@cache
def reports() -> ReportsRepository:
    from loyalty.reports.repository import ReportsRepository

    return ReportsRepository()
