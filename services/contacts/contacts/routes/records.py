"""Contact records: create (or upsert), read, list/search, partial update, delete,
likely duplicates and merge."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from contacts.http import WRITERS, api
from contacts.models import ContactIn, ContactPatch, MergeIn
from shared.auth import STAFF, Role
from shared.errors import BadRequest
from shared.http import Ctx, Reply
from shared.pagination import parse_limit

if TYPE_CHECKING:
    from contacts.repository import ContactRepository

# Deleting or merging loses a record's separate identity: managers and admins only.
CURATORS = frozenset({Role.ADMIN, Role.MANAGER})


@cache
def repo() -> ContactRepository:
    from contacts.repository import ContactRepository

    return ContactRepository()


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


@api.route("/", methods=["POST"], roles=WRITERS, body=ContactIn, status=201)
def create_contact(ctx: Ctx) -> Reply:
    from contacts.usecases import create_contact as create

    mode = ctx.query.get("on_conflict")
    if mode not in (None, "error", "update"):
        raise BadRequest("on_conflict is error or update", errors=[{"field": "on_conflict", "message": "error|update"}])
    correlation = ctx.header("x-correlation-id")
    result = create(ctx.body, repo(), on_conflict_update=mode == "update", correlation_id=correlation)
    contact = result.contact
    headers = {"Location": f"/contacts/{contact.id}", **_etag(contact.version)}
    return Reply(contact, 201 if result.created else 200, headers)


@api.route("/", roles=STAFF)
def list_contacts(ctx: Ctx) -> Reply:
    from contacts.usecases import list_contacts as search

    return Reply(search(ctx.query, parse_limit(ctx.query.get("limit")), repo()))


@api.route("/{contact_id}", roles=STAFF)
def get_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.usecases import get_contact as get

    contact = get(contact_id, repo())
    return Reply(contact, 200, _etag(contact.version))


@api.route("/{contact_id}", methods=["PATCH"], roles=WRITERS, body=ContactPatch)
def update_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.usecases import parse_if_match
    from contacts.usecases import update_contact as update

    version = parse_if_match(ctx.header("if-match"))
    contact = update(contact_id, ctx.body, version, repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(contact, 200, _etag(contact.version))


@api.route("/{contact_id}", methods=["DELETE"], roles=CURATORS)
def delete_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.usecases import delete_contact as delete

    delete(contact_id, repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(None, 204)


@api.route("/{contact_id}/duplicates", roles=STAFF)
def duplicates(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.models import DuplicateList
    from contacts.usecases import find_duplicates

    return Reply(DuplicateList(items=find_duplicates(contact_id, repo())))


@api.route("/{contact_id}/merge", methods=["POST"], roles=CURATORS, body=MergeIn)
def merge(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.merge import merge_contacts

    contact = merge_contacts(contact_id, ctx.body.other_id, repo(), correlation_id=ctx.header("x-correlation-id"))
    return Reply(contact, 200, _etag(contact.version))
