"""The table's by_owner index, as the template declares it: a rep's leads in one query."""

from __future__ import annotations

from datetime import UTC, datetime


def test_leads_of_reads_the_owner_index(table: str) -> None:
    from pipeline.leads.models import LeadFacts
    from pipeline.leads.repository import LeadsRepository, Owner, assign_new
    from shared.table import transaction

    for contact_id, owner_id in [("c1", "rep-1"), ("c2", "rep-2"), ("c3", "rep-1")]:
        with transaction() as tx:
            assign_new(tx, contact_id, Owner(owner_id, None, "default", datetime.now(UTC)), LeadFacts())
    assert sorted(lead.contact_id for lead in LeadsRepository().leads_of("rep-1")) == ["c1", "c3"]
