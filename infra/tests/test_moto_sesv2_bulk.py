"""The emulator's SES fault switch and sent-SMS page (infra.local.moto_sesv2_bulk), served
in front of moto by ``with_local_routes`` (Given/When/Then)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from infra.local import moto_sesv2_bulk
from infra.local.moto_routes import with_local_routes


def _moto_never_reached(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise AssertionError("a /_local/ route reached moto")


@pytest.fixture
def routes() -> Iterator[Client]:
    moto_sesv2_bulk.disarm()
    yield Client(with_local_routes(_moto_never_reached))
    moto_sesv2_bulk.disarm()


def test_faults_are_armed_added_up_and_cleared(routes: Client) -> None:
    assert routes.put("/_local/ses/faults", json={"throttle": 2}).json == {"armed": {"throttle": 2, "fail": 0}}
    assert routes.put("/_local/ses/faults", json={"throttle": 1, "fail": 1}).json == {
        "armed": {"throttle": 3, "fail": 1}
    }
    assert routes.get("/_local/ses/faults").json == {"armed": {"throttle": 3, "fail": 1}}
    assert routes.delete("/_local/ses/faults").json == {"armed": {"throttle": 0, "fail": 0}}


@pytest.mark.parametrize("body", [{"throttle": -1}, {"throttle": "many"}, {"slow": 1}, [1]])
def test_a_bad_fault_request_is_refused_and_arms_nothing(routes: Client, body: Any) -> None:
    assert routes.put("/_local/ses/faults", json=body).status_code == 400
    assert moto_sesv2_bulk.armed() == {"throttle": 0, "fail": 0}


@pytest.mark.usefixtures("clients")
def test_sent_sms_are_listed(routes: Client) -> None:
    # Given an SMS published to a phone number
    message_id = boto3.client("sns", region_name="us-east-1").publish(PhoneNumber="+15555550100", Message="Hi")
    # Then the page lists it
    items = routes.get("/_local/sms").json["items"]
    assert [(i["message_id"], i["phone_number"], i["message"]) for i in items] == [
        (message_id["MessageId"], "+15555550100", "Hi")
    ]


def test_triple_braces_render_unescaped_and_data_is_never_rendered_again() -> None:
    rendered = moto_sesv2_bulk.render("{{subject}}|{{{ html }}}", {"subject": "S {{x}}", "html": "<b>&amp;</b>"})
    assert rendered == "S {{x}}|<b>&amp;</b>"


def test_moto_served_over_http_answers_send_bulk_email(server_clients: Any) -> None:
    # Given moto's server (the emulator's) with the operation added, and a verified sender
    moto_sesv2_bulk.patch()
    server_clients("ses").verify_email_identity(EmailAddress="hello@crm.example.com")
    # When a bulk send of two entries reaches it over HTTP
    answer = server_clients("sesv2").send_bulk_email(
        FromEmailAddress="hello@crm.example.com",
        DefaultContent={"Template": {"TemplateContent": {"Subject": "{{s}}", "Text": "{{{t}}}"}}},
        BulkEmailEntries=[
            {
                "Destination": {"ToAddresses": [f"r{i}@example.com"]},
                "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": '{"s": "S", "t": "T"}'}},
            }
            for i in (1, 2)
        ],
    )
    # Then both were accepted (moto's Flask routes do not match SESv2's catch-all: the path is added)
    assert [r["Status"] for r in answer["BulkEmailEntryResults"]] == ["SUCCESS", "SUCCESS"]
