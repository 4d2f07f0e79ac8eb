"""Segments: rule-based definitions and their members."""

from __future__ import annotations

from contacts.bootstrap import segment_store
from contacts.segments.usecases import MemberPage, Segment, SegmentIn, SegmentPage, SegmentPatch
from shared.auth import STAFF, Role
from shared.errors import BadRequest
from shared.http import Ctx, Reply, Router
from shared.inputs import PageQuery

# Who shapes segments: marketers and admins (managers read them like every staff role).
SEGMENT_EDITORS = frozenset({Role.ADMIN, Role.MARKETER})


def _if_match(ctx: Ctx) -> int | None:
    raw = ctx.header("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BadRequest(
            "If-Match must be the segment's ETag", errors=[{"field": "If-Match", "message": "not a version"}]
        )
    return int(value)


router = Router()


@router.route("/segments", methods=["POST"], roles=SEGMENT_EDITORS, body=SegmentIn, status=201, response=Segment)
def create_segment(ctx: Ctx) -> Reply:
    from contacts.segments.usecases import create_segment as create

    segment = create(ctx.body, segment_store())
    return Reply(segment, 201, {"Location": f"/contacts/segments/{segment.id}", "ETag": f'"{segment.version}"'})


@router.route("/segments", roles=STAFF, query=PageQuery)
def list_segments(ctx: Ctx) -> SegmentPage:
    from contacts.segments.usecases import list_segments as page

    params: PageQuery = ctx.params
    items, cursor = page(segment_store(), params.limit, params.cursor)
    return SegmentPage(items=items, next_cursor=cursor)


@router.route("/segments/{segment_id}", roles=STAFF, response=Segment)
def get_segment(ctx: Ctx, segment_id: str) -> Reply:
    from contacts.segments.usecases import get_segment as get

    segment = get(segment_id, segment_store())
    return Reply(segment, 200, {"ETag": f'"{segment.version}"'})


@router.route("/segments/{segment_id}", methods=["PATCH"], roles=SEGMENT_EDITORS, body=SegmentPatch, response=Segment)
def update_segment(ctx: Ctx, segment_id: str) -> Reply:
    from contacts.segments.usecases import update_segment as update

    segment = update(segment_id, ctx.body, segment_store(), _if_match(ctx))
    return Reply(segment, 200, {"ETag": f'"{segment.version}"'})


@router.route("/segments/{segment_id}", methods=["DELETE"], roles=SEGMENT_EDITORS, status=204)
def delete_segment(ctx: Ctx, segment_id: str) -> Reply:
    from contacts.segments.usecases import delete_segment as delete

    delete(segment_id, segment_store())
    return Reply(None, 204)


# A segment's member list is its whole audience (marketing's, for campaigns): a sales rep
# reaches only their own contacts, and gets those of a segment from
# GET /contacts?segment=<id> (confined to their reach, contacts.reach).
MEMBER_READERS = STAFF - {Role.SALES}


@router.route("/segments/{segment_id}/members", roles=MEMBER_READERS, query=PageQuery)
def segment_members(ctx: Ctx, segment_id: str) -> MemberPage:
    from contacts.segments.usecases import segment_members as members

    params: PageQuery = ctx.params
    items, cursor = members(segment_id, segment_store(), params.limit, params.cursor)
    return MemberPage(items=items, next_cursor=cursor)
