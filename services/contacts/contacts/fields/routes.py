"""Custom field definitions: admins define them; contact writes are validated against them."""

from __future__ import annotations

from contacts.bootstrap import field_repository
from contacts.fields.models import FieldDef, FieldDefIn, FieldDefList
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router

ADMINS = frozenset({Role.ADMIN})

router = Router()


@router.route("/fields", methods=["POST"], roles=ADMINS, body=FieldDefIn, status=201, response=FieldDef)
def define_field(ctx: Ctx) -> Reply:
    from contacts.fields.usecases import define_field as define

    return Reply(define(ctx.body, field_repository()), 201)


@router.route("/fields", roles=STAFF, response=FieldDefList)
def list_fields(ctx: Ctx) -> Reply:
    return Reply(FieldDefList(items=field_repository().field_defs()))
