"""Companies in the contacts table: the profile (COMPANY#<id> / PROFILE), the domain claim
(DOMAIN#<domain> / CLAIM: one company per domain) and the list in creation order
(IDX#companies#- / <created_at>#<id>). The only module of the feature that talks to DynamoDB."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model

from contacts import SERVICE
from contacts.companies.models import Company
from contacts.table.keys import CLAIM, COMPANIES_INDEX, PROFILE, company_pk, domain_claim_pk, index_pk, job_list_sk
from shared.errors import Conflict, StaleVersion
from shared.table import is_conditional_failure, table_meta, transaction

LIST_PK = index_pk(*COMPANIES_INDEX)


class CompanyItem(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # COMPANY#<id>
    sk = UnicodeAttribute(range_key=True)  # PROFILE
    name = UnicodeAttribute()
    domain = UnicodeAttribute(null=True)
    industry = UnicodeAttribute(null=True)
    size = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class DomainClaim(Model):
    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # DOMAIN#<domain>
    sk = UnicodeAttribute(range_key=True)  # CLAIM
    company_id = UnicodeAttribute()


class CompanyListEntry(Model):
    """A company's entry in the companies list (an index partition, like records' entries:
    ``contact_id`` holds the company id)."""

    Meta = table_meta(SERVICE)
    pk = UnicodeAttribute(hash_key=True)  # IDX#companies#-
    sk = UnicodeAttribute(range_key=True)  # <created_at iso>#<id>
    contact_id = UnicodeAttribute()


class CompanyRepository:
    def add_company(self, company: Company) -> Company:
        return self._write_company(None, company)

    def replace_company(self, old: Company, new: Company) -> Company:
        return self._write_company(old, new)

    def _write_company(self, old: Company | None, new: Company) -> Company:
        item = CompanyItem(
            pk=company_pk(new.id),
            sk=PROFILE,
            **new.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at"}, exclude_none=True),
            created_at=new.created_at,
            updated_at=new.updated_at,
        )
        if old is not None:
            item.version = old.version
        try:
            with transaction() as tx:
                tx.save(item) if old else tx.save(item, condition=CompanyItem.pk.does_not_exist())
                old_domain = old.domain if old else None
                if new.domain and new.domain != old_domain:
                    tx.save(
                        DomainClaim(pk=domain_claim_pk(new.domain), sk=CLAIM, company_id=new.id),
                        condition=DomainClaim.pk.does_not_exist(),
                    )
                if old_domain and old_domain != new.domain:
                    tx.delete(DomainClaim(pk=domain_claim_pk(old_domain), sk=CLAIM))
                if old is None:
                    tx.save(CompanyListEntry(pk=LIST_PK, sk=job_list_sk(new.created_at, new.id), contact_id=new.id))
        except TransactWriteError as exc:
            if not is_conditional_failure(exc):
                raise
            if new.domain and new.domain != (old.domain if old else None):
                try:
                    holder = DomainClaim.get(domain_claim_pk(new.domain), CLAIM, consistent_read=True).company_id
                except DoesNotExist:
                    holder = None
                if holder and holder != new.id:
                    raise Conflict(
                        "a company with this domain exists",
                        existing_id=holder,
                        errors=[{"field": "domain", "message": "belongs to another company"}],
                    ) from None
            if old is not None:
                raise StaleVersion(f"company {new.id} changed since version {old.version}") from None
            raise
        return new.model_copy(update={"version": (old.version if old else 0) + 1})

    def get_company(self, company_id: str) -> Company | None:
        try:
            item = CompanyItem.get(company_pk(company_id), PROFILE, consistent_read=True)
        except DoesNotExist:
            return None
        data = {k: v for k, v in item.attribute_values.items() if k not in ("pk", "sk")}
        return Company.model_validate({**data, "id": company_id, "version": item.version or 1})

    def companies_page(self, after: str | None, limit: int) -> tuple[list[Company], str | None]:
        start = {"pk": {"S": LIST_PK}, "sk": {"S": after}} if after else None
        result = CompanyListEntry.query(LIST_PK, limit=limit, last_evaluated_key=start, page_size=limit)
        rows = [(e.sk, e.contact_id) for e in result]
        more = result.last_evaluated_key is not None
        companies = [c for _, cid in rows if (c := self.get_company(cid)) is not None]
        return companies, rows[-1][0] if more and rows else None
