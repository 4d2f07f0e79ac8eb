"""The gateway maps base paths to services like API Gateway and hands apps a real proxy event."""

from __future__ import annotations

import json

import pytest
from chalice import Chalice
from werkzeug.test import Client

from infra.local.functions import Faults, Runtime
from infra.local.gateway import Gateway, split_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/contacts", ("contacts", "/")),
        ("/contacts/", ("contacts", "/")),
        ("/pipeline/leads/x", ("pipeline", "/leads/x")),
        ("/service-desk/tickets", ("service_desk", "/tickets")),
        ("/service_desk/tickets", (None, "/tickets")),
        ("/nope/x", (None, "/x")),
    ],
)
def test_split_path(path, expected):
    assert split_path(path) == expected


def apps() -> tuple[Chalice, Chalice]:
    contacts = Chalice(app_name="crm-contacts")
    pipeline = Chalice(app_name="crm-pipeline")

    @contacts.route("/", methods=["POST"])
    def create():
        request = contacts.current_request
        return {"route": "/", "body": request.json_body, "stage": request.context.get("resourcePath")}

    @pipeline.route("/leads/{contact_id}")
    def lead(contact_id):
        request = pipeline.current_request
        return {"route": "/leads/{contact_id}", "contact_id": contact_id, "q": request.query_params}

    return contacts, pipeline


@pytest.fixture
def gateway():
    runtime = Runtime("dev", Faults())
    contacts, pipeline = apps()
    runtime.add_service("contacts", contacts)
    runtime.add_service("pipeline", pipeline)
    return Gateway(runtime, "dev", "http://127.0.0.1:1")


def test_the_prefix_is_stripped_like_a_base_path_mapping(gateway):
    client = Client(gateway)
    response = client.post("/contacts", json={"email": "a@b.c"})
    assert response.status_code == 200
    assert response.get_json() == {"route": "/", "body": {"email": "a@b.c"}, "stage": "/"}
    assert response.headers["x-amzn-RequestId"]

    response = client.get("/pipeline/leads/x?limit=5")
    assert response.get_json() == {"route": "/leads/{contact_id}", "contact_id": "x", "q": {"limit": "5"}}


def test_an_unknown_prefix_is_a_problem_404(gateway):
    response = Client(gateway).get("/billing/invoices")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(response.data)
    assert body["status"] == 404 and body["title"] == "Not Found" and "/contacts" in body["detail"]


@pytest.mark.parametrize("path", ["/contacts/a/b/c", "/pipeline/nope", "/billing/invoices"])
def test_an_unknown_route_is_a_404_problem_that_echoes_no_header(gateway, path):
    token = "Bearer eyJhbGciOiJIUzI1NiJ9.secret-token-body.sig"
    response = Client(gateway).get(path, headers={"Authorization": token})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "secret-token-body" not in response.get_data(as_text=True)
    assert response.get_json()["status"] == 404


def test_a_wrong_method_on_a_known_route_reaches_the_app(gateway):
    # A bare Chalice app answers its own 405 (shared.http.Api makes it a problem, tested there).
    response = Client(gateway).delete("/pipeline/leads/x")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("path", "contact_id", "query"),
    [
        ("/pipeline/leads/abc%2Fmetrics", "abc/metrics", None),
        ("/pipeline/leads/%3Fstage=customer", "?stage=customer", None),
        ("/pipeline/leads/a%23b?limit=2", "a#b", {"limit": "2"}),
        ("/pipeline/leads/ada%40example.com", "ada@example.com", None),
    ],
)
def test_encoded_path_characters_stay_in_their_path_parameter(gateway, path, contact_id, query):
    response = Client(gateway).get(path)
    assert response.status_code == 200
    assert response.get_json() == {"route": "/leads/{contact_id}", "contact_id": contact_id, "q": query}


def test_an_encoded_slash_never_reaches_another_route(gateway):
    # /leads/{contact_id} has one segment: x%2Fy is that segment, not two.
    assert Client(gateway).get("/pipeline/leads/x%2Fy%2Fz").get_json()["contact_id"] == "x/y/z"
    assert Client(gateway).get("/pipeline/leads/x/y").status_code == 404


def test_the_request_line_logged_holds_no_query_values_and_no_control_characters(gateway, capsys):
    from infra.local.gateway import request_line

    Client(gateway).get("/pipeline/leads/x?email=ada%40example.com&phone=%2B4412345&limit=5")
    logged = capsys.readouterr().out
    assert "/pipeline/leads/x?email=…&phone=…&limit=… 200" in logged
    assert "ada" not in logged and "4412345" not in logged
    line = request_line("GET", "/contacts/a\nb\x1b[31m", "q=secret")
    assert line == "GET /contacts/a\\x0ab\\x1b[31m?q=…"
    assert "secret" not in line


def test_an_armed_fault_crashes_the_api_once(gateway):
    client = Client(gateway)
    response = client.post("/_local/faults", json={"function": "crm-dev-pipeline-api", "count": 1})
    assert response.status_code == 201
    assert client.get("/pipeline/leads/x").status_code == 502
    assert client.get("/pipeline/leads/x").status_code == 200


def test_arming_an_unknown_function_is_refused(gateway):
    assert Client(gateway).post("/_local/faults", json={"function": "nope", "count": 1}).status_code == 404


def test_health_reports_what_the_stack_says():
    runtime = Runtime("dev", Faults())
    gateway = Gateway(runtime, "dev", "http://127.0.0.1:1", health=lambda: (False, {"pollers": []}))
    response = Client(gateway).get("/_local/health")
    assert response.status_code == 503 and response.get_json()["status"] == "starting"
