"""Contact records: create (or upsert), read, list/search, partial update, delete,
likely duplicates and merge. Every route on a contact applies the caller's reach
(contacts.reach): outside it, a contact is not found."""

from __future__ import annotations

from contacts.bootstrap import company_repository, consent_repository, contact_repository, segment_store
from contacts.reach import WRITERS, guard, owner_scope, visible_to
from contacts.records.filters import ContactListQuery, CreateQuery
from contacts.records.models import (
    Contact,
    ContactDeletion,
    ContactIn,
    ContactPage,
    ContactPatch,
    DuplicateList,
    MergeIn,
)
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

# Deleting or merging loses a record's separate identity: managers and admins only.
CURATORS = frozenset({Role.ADMIN, Role.MANAGER})
# The link relation of a deleted contact's erasure (an extension relation: RFC 8288).
ERASE_REL = "https://crm.example.com/rels/erase"


router = Router()


@router.route("/", methods=["POST"], roles=WRITERS, body=ContactIn, status=201, query=CreateQuery, response=Contact)
def create_contact(ctx: Ctx) -> Reply:
    from contacts.records.usecases import create_contact as create

    params: CreateQuery = ctx.params
    result = create(
        ctx.body,
        contact_repository(),
        on_conflict_update=params.on_conflict == "update",
        correlation_id=ctx.header("x-correlation-id"),
        created_by=ctx.principal.subject,
        visible=visible_to(ctx.principal),
        company_size=_company_size,
    )
    contact = result.contact
    headers = {"Location": f"/contacts/{contact.id}", **etag(contact.version)}
    return Reply(contact, 201 if result.created else 200, headers)


def _company_size(company_id: str) -> str | None:
    """For LeadCreated (assignment rules on company size): one read, only for a lead with a company."""
    from contacts.companies.usecases import size_of

    return size_of(company_id, company_repository())


@router.route("/", roles=STAFF, query=ContactListQuery, response=ContactPage)
def list_contacts(ctx: Ctx) -> Reply:
    from contacts.records.listing import list_contacts as search

    params: ContactListQuery = ctx.params
    scope = owner_scope(ctx.principal)
    return Reply(search(params, params.limit, contact_repository(), owner_scope=scope, segments=segment_store()))


@router.route("/{contact_id}", roles=STAFF, response=Contact)
def get_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.records.usecases import get_contact as get

    contact = get(contact_id, contact_repository(), visible_to(ctx.principal))
    return Reply(contact, 200, etag(contact.version))


@router.route("/{contact_id}", methods=["PATCH"], roles=WRITERS, body=ContactPatch, response=Contact)
def update_contact(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.records.usecases import update_contact as update

    version = parse_if_match(ctx.header("if-match"), "the contact")
    correlation = ctx.header("x-correlation-id")
    contact = update(
        contact_id, ctx.body, version, contact_repository(), correlation, visible=visible_to(ctx.principal)
    )
    return Reply(contact, 200, etag(contact.version))


def _wants_representation(prefer: str | None) -> bool:
    """RFC 7240: ``Prefer: return=representation`` among the client's preferences."""
    tokens = (p.split(";")[0].strip().replace('"', "").lower() for p in (prefer or "").split(","))
    return "return=representation" in tokens


@router.route("/{contact_id}", methods=["DELETE"], roles=CURATORS, status=204, response=ContactDeletion)
def delete_contact(ctx: Ctx, contact_id: str) -> Reply:
    """204 as always; the ``Link`` header names the erasure that removes what a delete keeps,
    and ``Prefer: return=representation`` gets 200 with the deletion (what it kept)."""
    from contacts.records.usecases import delete_contact as delete

    guard(ctx.principal, contact_id, contact_repository)
    deletion = delete(contact_id, contact_repository(), correlation_id=ctx.header("x-correlation-id"))
    headers = {"Link": f'<{deletion.erase}>; rel="{ERASE_REL}"'}
    if _wants_representation(ctx.header("prefer")):
        return Reply(deletion, 200, {**headers, "Preference-Applied": "return=representation"})
    return Reply(None, 204, headers)


@router.route("/{contact_id}/duplicates", roles=STAFF, response=DuplicateList)
def duplicates(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.records.listing import find_duplicates

    return Reply(DuplicateList(items=find_duplicates(contact_id, contact_repository(), visible_to(ctx.principal))))


@router.route("/{contact_id}/merge", methods=["POST"], roles=CURATORS, body=MergeIn, response=Contact)
def merge(ctx: Ctx, contact_id: str) -> Reply:
    from contacts.records.merge import merge_contacts

    for either in (contact_id, ctx.body.other_id):
        guard(ctx.principal, either, contact_repository)
    contact = merge_contacts(
        contact_id,
        ctx.body.other_id,
        contact_repository(),
        consent_repository(),
        correlation_id=ctx.header("x-correlation-id"),
    )
    return Reply(contact, 200, etag(contact.version))
