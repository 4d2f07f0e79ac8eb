"""The provisioner builds, from the deploy templates, what they declare (local = deploy)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.local.cfn import Resolver, load_template
from infra.local.provision import REPO_ROOT, provision_all, provision_template
from infra.local.provision_events import ensure_bus
from infra.local.topology import Topology

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
  QueueVisibilityTimeout: {Type: Number, Default: 60}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "crm-${Stage}-demo"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: gsi1pk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: gsi1
          KeySchema: [{AttributeName: gsi1pk, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
      TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}
  DeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "crm-${Stage}-demo-events-dlq"
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "crm-${Stage}-demo-events"
      VisibilityTimeout: !Ref QueueVisibilityTimeout
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt DeadLetterQueue.Arn
        maxReceiveCount: 3
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties: {Queues: [!Ref Queue], PolicyDocument: {}}
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  Subscription:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Sub "crm-${Stage}"
      EventPattern: {source: [crm.contacts], detail-type: [LeadCreated]}
      Targets:
        - {Id: queue, Arn: !GetAtt Queue.Arn}
  Nightly:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: cron(0 2 * * ? *)
      FlexibleTimeWindow: {Mode: "OFF"}
      Target: {Arn: !GetAtt Queue.Arn, RoleArn: !GetAtt Role.Arn, Input: '{"job": "nightly"}'}
  Sender:
    Type: AWS::SES::EmailIdentity
    Properties: {EmailIdentity: hello@crm.example.com}
  OnEvent:
    Properties:
      Events:
        Events:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
        Tick:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(5 minutes)}
"""


def write_repo(root: Path) -> Path:
    (root / "services" / "demo").mkdir(parents=True)
    (root / "services" / "demo" / "resources.yaml").write_text(TEMPLATE)
    return root


def test_contacts_template_gives_the_table_with_its_stream_and_the_relay_wiring(clients):
    # Given the contacts template that deploys
    # When the local stack provisions it
    topology = provision_all("dev", clients, services=["contacts"])
    # Then the table it declares exists, with its stream, and the relay is wired to it
    table = clients("dynamodb").describe_table(TableName="crm-dev-contacts")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ttl = clients("dynamodb").describe_time_to_live(TableName="crm-dev-contacts")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
    [wiring] = [w for w in topology.streams if w.service == "contacts"]
    assert wiring.function == "OutboxRelay"
    assert wiring.stream_arn == table["LatestStreamArn"]
    assert wiring.report_failures
    assert wiring.filters[0]["dynamodb"]["Keys"]["pk"]["S"] == [{"prefix": "OUTBOX#"}]
    # and the bus of the stage exists
    assert clients("events").describe_event_bus(Name="crm-dev")["Name"] == "crm-dev"


def test_contacts_bulk_work_waits_on_its_own_queue_not_before_a_leads_assignment(clients):
    # Given the contacts rules on the stage's bus
    topology = provision_all("dev", clients, services=["contacts"])
    queues = {q.name.removeprefix("crm-dev-contacts-"): q.url for q in topology.queues.values()}
    sqs = clients("sqs")

    def publish(source: str, detail_type: str, **data: str | None) -> None:
        detail = json.dumps({"metadata": {}, "data": data})
        entry = {"Source": source, "DetailType": detail_type, "Detail": detail, "EventBusName": "crm-dev"}
        clients("events").put_events(Entries=[entry])

    def received(queue: str) -> list[tuple[str, str]]:
        messages = sqs.receive_message(QueueUrl=queues[queue], MaxNumberOfMessages=10).get("Messages", [])
        events = [json.loads(m["Body"]) for m in messages]
        return sorted((e["detail-type"], e["detail"]["data"]["contact_id"]) for e in events)

    # When an import publishes its chunk and the updates it made, and a lead is assigned
    publish("crm.contacts", "ContactsImported", contact_id="-", import_id="i1")
    publish("crm.contacts", "ContactUpdated", contact_id="c1", import_id="i1")
    publish("crm.contacts", "ContactUpdated", contact_id="c2", import_id=None)
    publish("crm.pipeline", "LeadAssigned", contact_id="c3")
    # Then the chunk waits on the bulk queue, and the events queue holds only the
    # assignment and the update made by hand: the import's updates are in its chunk event
    assert received("bulk") == [("ContactsImported", "-")]
    assert received("events") == [("ContactUpdated", "c2"), ("LeadAssigned", "c3")]


def test_every_declared_resource_is_created_and_a_second_run_changes_nothing(clients, tmp_path):
    root = write_repo(tmp_path)
    first = provision_all("dev", clients, root=root)
    second = provision_all("dev", clients, root=root)

    # No infra/bus.yaml in this repo: the bus is created directly, and that is said.
    assert any("bus.yaml not found" in n for n in first.notes)
    assert first.tables.keys() == second.tables.keys() == {"crm-dev-demo"}
    table = clients("dynamodb").describe_table(TableName="crm-dev-demo")["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]

    sqs = clients("sqs")
    queue = first.queues["crm-dev-demo-events"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "2"  # the local override, not the template's 60
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": first.queues["crm-dev-demo-events-dlq"].arn,
        "maxReceiveCount": 3,
    }
    assert "demo: QueueVisibilityTimeout=2 (local override)" in first.notes

    events = clients("events")
    [rule] = events.list_rules(EventBusName="crm-dev")["Rules"]
    assert json.loads(rule["EventPattern"]) == {"source": ["crm.contacts"], "detail-type": ["LeadCreated"]}
    [target] = events.list_targets_by_rule(Rule=rule["Name"], EventBusName="crm-dev")["Targets"]
    assert target["Arn"] == queue.arn

    schedules = {s["Name"] for s in clients("scheduler").list_schedules()["Schedules"]}
    assert schedules == {"crm-dev-demo-Nightly", "crm-dev-demo-OnEvent-Tick"}
    assert "hello@crm.example.com" in clients("ses").list_identities()["Identities"]

    assert second.sqs == first.sqs
    [wiring] = first.sqs
    assert (wiring.function, wiring.batch_size, wiring.report_failures) == ("OnEvent", 5, True)


def test_the_stage_parameter_names_everything(clients, tmp_path):
    root = write_repo(tmp_path)
    topology = provision_all("qa", clients, root=root)
    assert set(topology.tables) == {"crm-qa-demo"}
    assert topology.bus_name == "crm-qa"


def test_short_tags_and_intrinsics_resolve(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        'A: !Sub "x-${Stage}-${AWS::Region}"\n'
        "B: !GetAtt Queue.Arn\n"
        "C: !Join [':', [a, !Ref Stage]]\n"
        'D: !Sub ["${X}-${Stage}", {X: !Ref Stage}]\n'
        "E: !Select [1, !Split [',', 'p,q']]\n"
    )
    lookups: list[tuple[str, str | None]] = []

    def lookup(logical: str, attribute: str | None) -> str:
        lookups.append((logical, attribute))
        return f"{logical}.{attribute}"

    resolved = Resolver({"Stage": "dev"}, "us-east-1", lookup).resolve(load_template(path))
    assert resolved == {"A": "x-dev-us-east-1", "B": "Queue.Arn", "C": "a:dev", "D": "dev-dev", "E": "q"}


@pytest.mark.parametrize("template", sorted(REPO_ROOT.glob("services/*/resources.yaml")), ids=lambda p: p.parent.name)
def test_every_service_template_provisions_locally(clients, template):
    topology = Topology(stage="dev", bus_name="crm-dev")
    ensure_bus(clients, "crm-dev")
    provision_template(clients, topology, template.parent.name, template)
    assert topology.tables, "every service owns a table"


def test_each_function_gets_the_environment_its_template_declares(clients):
    # Given the contacts template, whose Globals name its table, bucket and job queues
    # When the local stack provisions it
    topology = provision_all("dev", clients, services=["contacts"])
    env = topology.environment("contacts", "ImportWorker")
    # Then the variables hold the provisioned names and URLs, not a convention in code
    assert env["CRM_TABLE"] == "crm-dev-contacts"
    assert env["CRM_IMPORTS_BUCKET"] == "crm-dev-contacts-imports"
    imports = clients("sqs").get_queue_url(QueueName="crm-dev-contacts-imports")["QueueUrl"]
    assert env["CRM_IMPORTS_QUEUE_URL"] == imports
    # And the max receives the workers read are the queue's own redrive count
    redrive = clients("sqs").get_queue_attributes(QueueUrl=imports, AttributeNames=["RedrivePolicy"])
    assert int(json.loads(redrive["Attributes"]["RedrivePolicy"])["maxReceiveCount"]) == int(
        env["CRM_IMPORTS_MAX_RECEIVES"]
    )
    # And another service's functions get their own table
    other = provision_all("dev", clients, services=["pipeline"]).environment("pipeline", "OnEvent")
    assert other == {
        "CRM_TABLE": "crm-dev-pipeline",
        "CRM_SCHEDULE_GROUP": "crm-dev-pipeline",
        "CRM_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/crm-dev-pipeline-SchedulerRole",
    }


def test_a_function_s_own_variables_are_laid_over_the_globals(clients, tmp_path):
    # Given a template whose Globals set two variables and one function overrides one
    root = write_repo(tmp_path)
    path = root / "services" / "demo" / "resources.yaml"
    path.write_text(
        TEMPLATE.replace(
            "Resources:\n",
            "Globals:\n  Function:\n    Environment:\n      Variables:\n"
            "        CRM_TABLE: !Ref Table\n        CRM_EVENTS_QUEUE_URL: !Ref Queue\n"
            "Resources:\n  Nightly2:\n    Properties:\n      Environment:\n        Variables:\n"
            "          CRM_EVENTS_QUEUE_URL: !Ref DeadLetterQueue\n",
            1,
        )
    )
    # When it is provisioned
    topology = provision_all("dev", clients, root=root)
    # Then that function sees its own value, the others the Globals'
    dlq = clients("sqs").get_queue_url(QueueName="crm-dev-demo-events-dlq")["QueueUrl"]
    assert topology.environment("demo", "Nightly2")["CRM_EVENTS_QUEUE_URL"] == dlq
    assert topology.environment("demo", "OnEvent")["CRM_EVENTS_QUEUE_URL"].endswith("/crm-dev-demo-events")
    assert topology.environment("demo", "Nightly2")["CRM_TABLE"] == "crm-dev-demo"


def test_a_table_kept_from_an_earlier_run_gets_the_indexes_declared_since(clients, tmp_path):
    # Given the table made before its template declared an index (a kept .local/state)
    root = write_repo(tmp_path)
    ddb = clients("dynamodb")
    ddb.create_table(
        TableName="crm-dev-demo",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # When the stack provisions again
    provision_all("dev", clients, root=root)
    # Then the index is there
    table = ddb.describe_table(TableName="crm-dev-demo")["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
