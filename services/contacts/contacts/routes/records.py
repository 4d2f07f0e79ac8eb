"""Contact records: create and read."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from contacts.http import WRITERS, api
from contacts.models import ContactIn
from shared.auth import STAFF
from shared.http import Ctx, Reply

if TYPE_CHECKING:
    from contacts.repository import ContactRepository


@cache
def repo() -> ContactRepository:
    from contacts.repository import ContactRepository

    return ContactRepository()


@api.route("/", methods=["POST"], roles=WRITERS, body=ContactIn, status=201)
def create_contact(ctx: Ctx) -> Reply:
    from contacts.usecases import create_lead

    contact = create_lead(ctx.body, repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(contact, 201, {"Location": f"/contacts/{contact.id}", "ETag": f'"{contact.version}"'})


@api.route("/{contact_id}", roles=STAFF)
def get_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.usecases import get_contact as get

    contact = get(contact_id, repo())
    return Reply(contact, 200, {"ETag": f'"{contact.version}"'})
