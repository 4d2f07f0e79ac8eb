"""The committed event contract matches the code, and consumers match their producers."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from infra import contracts, schemas
from infra.contracts import Binding, bindings, compatibility
from infra.services import Rule
from shared.events import IncomingEvent


def _lead_created() -> schemas.Published:
    return next(e for e in schemas.published() if e.key == "contacts.LeadCreated.v1")


# --- drift ---------------------------------------------------------------------------


def test_committed_schemas_match_the_code():
    # Given the event models, when the files are regenerated in memory, then nothing differs.
    assert schemas.drift() == [], "run `make schemas` and commit the result"


def test_a_changed_model_is_reported_as_drift(monkeypatch):
    # Given a producer that added a field without regenerating the schema
    original = schemas.Published.schema

    def with_new_field(self: schemas.Published) -> dict[str, Any]:
        schema = original(self)
        if self.key == "contacts.LeadCreated.v1":
            schema["$defs"]["LeadCreated"]["properties"]["score"] = {"type": "integer"}
        return schema

    monkeypatch.setattr(schemas.Published, "schema", with_new_field)
    # Then check names that event's file (and only that one, the AsyncAPI doc refers to it)
    drifted = schemas.drift()
    assert drifted == ["changed  services/contacts/schemas/LeadCreated.v1.json"]
    assert schemas.main(["check"]) == 1


def test_a_schema_without_an_event_is_stale(monkeypatch):
    # Given a schema file left behind by a removed event class
    stale = schemas.ROOT / "services" / "contacts" / "schemas" / "LeadVanished.v1.json"
    on_disk = schemas.committed_schema_files()
    monkeypatch.setattr(schemas, "committed_schema_files", lambda: [*on_disk, stale])
    assert any(p.startswith("stale") and "LeadVanished.v1.json" in p for p in schemas.drift())


def test_every_schema_file_is_the_full_detail_envelope():
    for event in schemas.published():
        schema = event.schema()
        assert set(schema["required"]) == {"metadata", "data"}
        assert schema["x-source"] == f"crm.{event.service}"
        assert event.path.name == f"{event.detail_type}.v{event.version}.json"


def test_asyncapi_lists_every_event_with_its_schema_and_consumers():
    document = yaml.safe_load(schemas.ASYNCAPI.read_text())
    assert document["asyncapi"] == "3.0.0"
    channel = document["channels"]["bus"]
    assert channel["address"] == "crm-{stage}"
    messages = document["components"]["messages"]
    events = schemas.published()
    assert {e.key for e in events} == set(messages) == set(channel["messages"])
    for event in events:
        message = messages[event.key]
        assert (message["x-source"], message["x-detail-type"]) == (event.source, event.detail_type)
        assert (schemas.ASYNCAPI.parent / message["payload"]["$ref"]).resolve() == event.path.resolve()
        assert message["x-consumers"] == [s.service for s in schemas.subscribers(event)]
    senders = {op["channel"]["$ref"] for op in document["operations"].values()}
    assert senders <= {"#/channels/bus"}


# --- contracts -----------------------------------------------------------------------


def test_every_consumer_model_matches_its_producer_and_rule():
    # Given every service's SUBSCRIPTIONS and rules, then each binds to a producer it can read.
    assert contracts.problems() == []


def test_the_lead_flow_is_bound():
    found, _ = bindings()
    consumers = {b.consumer for b in found if b.producer.key == "contacts.LeadCreated.v1"}
    assert consumers, "the canonical flow: somebody must consume LeadCreated"


def _binding(model: type[BaseModel]) -> Binding:
    rule = Rule("test", "TestRule", ("crm.contacts",), ("LeadCreated",), contracts.BUS)
    return Binding("test", "LeadCreated", model, rule, _lead_created())


def test_a_tolerant_reader_of_a_subset_is_compatible():
    class Reader(IncomingEvent):
        contact_id: str
        email: str
        phone: str | None = None
        nickname: str | None = None  # optional and unknown to the producer: fine

    assert compatibility(_binding(Reader)) == []


def test_a_field_the_producer_does_not_send_breaks_the_contract():
    class Reader(IncomingEvent):
        contact_id: str
        lifetime_value: float

    assert compatibility(_binding(Reader)) == [
        "test reads contacts.LeadCreated.v1: data.lifetime_value is required by the consumer"
        " but the producer has no such field"
    ]


def test_a_retyped_or_nullable_field_breaks_the_contract():
    class Reader(IncomingEvent):
        contact_id: int  # the producer sends a string
        phone: str  # the producer may send null

    issues = compatibility(_binding(Reader))
    assert any("data.contact_id is string but is read as integer" in i for i in issues)
    assert any("data.phone is null|string but is read as string" in i for i in issues)


def test_a_rule_must_match_the_producers_source_and_detail_type():
    rule = Rule("test", "R", ("crm.contacts",), ("LeadCreated",), contracts.BUS)
    assert rule.matches("crm.contacts", "LeadCreated")
    assert not rule.matches("crm.pipeline", "LeadCreated")
    assert not rule.matches("crm.contacts", "LeadAssigned")
    assert Rule("t", "P", ({"prefix": "crm."},), (), None).matches("crm.loyalty", "Anything")


def test_a_rule_routing_an_unhandled_event_or_off_the_bus_is_reported():
    rule = Rule("test", "R", ("crm.contacts",), ("LeadCreated", "LeadMerged"), {"Fn::Sub": "default"})
    issues = contracts._rule_problems("test", rule, {"LeadCreated": object})
    assert len(issues) == 2
    assert any("LeadMerged, which no subscription handles" in i for i in issues)
