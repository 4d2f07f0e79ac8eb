"""contacts: HTTP routes and Lambda functions. Handlers parse, call one use-case, map."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalice.app import Chalice

from contacts import SERVICE
from contacts.models import ContactIn
from shared.auth import STAFF, Role
from shared.http import Api, Ctx, Reply

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)

WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETER})


@cache
def _repo() -> Any:
    from contacts.repository import ContactRepository

    return ContactRepository()


@api.route("/", methods=["POST"], roles=WRITERS, body=ContactIn, status=201)
def create_contact(ctx: Ctx) -> Reply:
    from contacts.usecases import create_lead

    contact = create_lead(ctx.body, _repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(contact, 201, {"Location": f"/contacts/{contact.id}", "ETag": f'"{contact.version}"'})


@api.route("/{contact_id}", roles=STAFF)
def get_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.usecases import get_contact as get

    contact = get(contact_id, _repo())
    return Reply(contact, 200, {"ETag": f'"{contact.version}"'})


@app.lambda_function(name="outbox_relay")
def outbox_relay(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from shared.outbox import relay

    return relay(event)
