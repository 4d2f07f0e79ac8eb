"""What pipeline does with a lead once it exists (tested with fakes)."""

from __future__ import annotations

from typing import Protocol

from pipeline.leads.models import Lead
from shared.reach import not_found


class Leads(Protocol):
    def get_lead(self, contact_id: str) -> Lead | None: ...


def get_lead(contact_id: str, repo: Leads) -> Lead:
    lead = repo.get_lead(contact_id)
    if lead is None:
        raise not_found("lead", contact_id)
    return lead
