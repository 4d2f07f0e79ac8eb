"""Custom field definitions: admins define them; contact writes are validated against them."""

from __future__ import annotations

from contacts.http import ADMINS, api
from contacts.models import FieldDefIn, FieldDefList
from contacts.routes.records import repo
from shared.auth import STAFF
from shared.http import Ctx, Reply


@api.route("/fields", methods=["POST"], roles=ADMINS, body=FieldDefIn, status=201)
def define_field(ctx: Ctx) -> Reply:
    from contacts.usecases import define_field as define

    return Reply(define(ctx.body, repo()), 201)


@api.route("/fields", roles=STAFF)
def list_fields(ctx: Ctx) -> Reply:
    return Reply(FieldDefList(items=repo().field_defs()))
