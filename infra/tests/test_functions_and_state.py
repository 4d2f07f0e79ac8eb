"""In-process invocation (context, faults) and the saved state of the tables."""

from __future__ import annotations

import pytest
from chalice import Chalice

from infra.local.functions import Faults, InjectedFault, Runtime
from infra.local.state import outbox_records, restore, save
from shared.testing import pk_sk_table


def runtime_with_relay(calls: list) -> Runtime:
    app = Chalice(app_name="crm-demo")

    @app.lambda_function(name="outbox_relay")
    def relay(event, context):
        calls.append((event, context.function_name, context.get_remaining_time_in_millis()))
        return {"batchItemFailures": []}

    runtime = Runtime("dev", Faults())
    runtime.add_service("demo", app, {"lambda_timeout": 10})
    return runtime


def test_functions_are_found_by_name_logical_id_and_arn():
    runtime = runtime_with_relay([])
    function = runtime.function("demo", "OutboxRelay")
    assert function is not None and function.function_name == "crm-dev-demo-outbox_relay"
    assert runtime.find("crm-dev-demo-outbox_relay") is function
    assert runtime.find("arn:aws:lambda:us-east-1:123456789012:function:crm-dev-demo-OutboxRelay") is function


def test_an_armed_fault_crashes_the_next_invocations_before_the_handler():
    calls: list = []
    runtime = runtime_with_relay(calls)
    function = runtime.function("demo", "OutboxRelay")
    runtime.faults.arm("crm-dev-demo-outbox_relay", 2)
    for _ in range(2):
        with pytest.raises(InjectedFault):
            runtime.invoke(function, {"Records": []})
    assert calls == []
    assert runtime.invoke(function, {"Records": []}) == {"batchItemFailures": []}
    [(_, name, remaining)] = calls
    assert name == "crm-dev-demo-outbox_relay" and 0 < remaining <= 10_000
    assert (function.invocations, function.errors) == (3, 2)


def make_table(clients, name="crm-dev-demo"):
    clients("dynamodb").create_table(**pk_sk_table(name, stream=False))


def test_tables_survive_a_save_and_restore_and_unrelayed_outbox_records_are_found(clients, tmp_path):
    ddb = clients("dynamodb")
    make_table(clients)
    ddb.put_item(TableName="crm-dev-demo", Item={"pk": {"S": "CONTACT#1"}, "sk": {"S": "P"}, "n": {"N": "3"}})
    ddb.put_item(
        TableName="crm-dev-demo",
        Item={
            "pk": {"S": "OUTBOX#e1"},
            "sk": {"S": "OUTBOX"},
            "detail_type": {"S": "LeadCreated"},
            "b": {"B": b"\x00"},
        },
    )
    assert save(clients, ["crm-dev-demo"], tmp_path, "dev") == 2

    # A fresh emulator: the table exists again (provisioned), empty
    ddb.delete_table(TableName="crm-dev-demo")
    make_table(clients)
    assert restore(clients, ["crm-dev-demo"], tmp_path, "dev") == {"crm-dev-demo": 2}
    item = ddb.get_item(TableName="crm-dev-demo", Key={"pk": {"S": "OUTBOX#e1"}, "sk": {"S": "OUTBOX"}})["Item"]
    assert item["b"] == {"B": b"\x00"}

    # A table that already holds data is left alone (the emulator kept newer state)
    assert restore(clients, ["crm-dev-demo"], tmp_path, "dev") == {}

    stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/crm-dev-demo/stream/x"
    [record] = outbox_records(clients, "crm-dev-demo", stream_arn, "us-east-1")
    assert record["eventName"] == "INSERT" and record["eventSourceARN"] == stream_arn
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "OUTBOX#e1"}, "sk": {"S": "OUTBOX"}}
    assert record["dynamodb"]["NewImage"]["detail_type"] == {"S": "LeadCreated"}


def test_a_table_saved_from_our_moto_server_is_streamed_to_the_file_and_restores(clients, tmp_path, monkeypatch):
    """From the emulator, save copies the items route's array into the file unparsed."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from infra.local import moto_routes
    from infra.local.aws import Clients

    make_table(clients)
    ddb = clients("dynamodb")
    for n in range(3):
        ddb.put_item(TableName="crm-dev-demo", Item={"pk": {"S": f"C#{n}"}, "sk": {"S": "P"}, "b": {"B": bytes([n])}})

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    # The items route alone, over HTTP, on the same in-process moto as ``clients``.
    server = make_server("127.0.0.1", 0, moto_routes.with_local_routes(lambda e, s: []), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def no_scan(*args):
        raise AssertionError("the items were read and parsed, not streamed")

    try:
        with monkeypatch.context() as patched:
            patched.setattr("infra.local.state.scan_items", no_scan)
            emulator = Clients(f"http://127.0.0.1:{server.server_port}", "us-east-1")
            assert save(emulator, ["crm-dev-demo"], tmp_path, "dev") == 3
    finally:
        server.shutdown()

    ddb.delete_table(TableName="crm-dev-demo")
    make_table(clients)
    assert restore(clients, ["crm-dev-demo"], tmp_path, "dev") == {"crm-dev-demo": 3}
    item = ddb.get_item(TableName="crm-dev-demo", Key={"pk": {"S": "C#2"}, "sk": {"S": "P"}})["Item"]
    assert item["b"] == {"B": b"\x02"}


def test_an_invocation_sees_its_function_s_environment_and_only_it():
    from shared.settings import get_settings

    # Given two services' functions in one process, each with its template's table
    seen: list[tuple[str, str]] = []
    runtime = Runtime("dev", Faults(), environments=lambda service, _: {"CRM_TABLE": f"crm-dev-{service}"})
    for service in ("alpha", "beta"):
        app = Chalice(app_name=f"crm-{service}")

        @app.lambda_function(name="outbox_relay")
        def relay(event, context, service=service):
            seen.append((service, get_settings().table_name(service)))
            return {}

        runtime.add_service(service, app)
    # When each is invoked
    for service in ("alpha", "beta"):
        runtime.invoke(runtime.function(service, "OutboxRelay"), {})
    # Then each read its own table from the settings, and nothing outlives the invocation
    assert seen == [("alpha", "crm-dev-alpha"), ("beta", "crm-dev-beta")]
    assert get_settings().table is None
