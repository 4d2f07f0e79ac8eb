"""Events the pipeline service publishes (the contract other services read)."""

from __future__ import annotations

from shared.events import Event


class PipelineEvent(Event):
    bus_source = "crm.pipeline"


class RepAdded(PipelineEvent):
    """A sales rep joined the team and can receive leads."""

    rep_id: str
    name: str
    territory: str | None = None
    capacity: int


class LeadAssigned(PipelineEvent):
    """A lead got an owner."""

    contact_id: str
    owner_id: str
    rule: str  # how the owner was chosen: "round_robin" (territory and capacity rules come later)


EVENTS: list[type[Event]] = [RepAdded, LeadAssigned]
