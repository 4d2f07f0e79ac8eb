"""The rules feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from pipeline import SERVICE, bootstrap
from pipeline.rules.models import Rule, RuleIn, RuleList, RulePatch
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()

# Rules decide who sells to whom: admins and sales managers set them, everyone reads them.
RULE_WRITERS = frozenset({Role.ADMIN, Role.MANAGER})


@router.route("/assignment-rules", methods=["POST"], roles=RULE_WRITERS, body=RuleIn, status=201, response=Rule)
def add_rule(ctx: Ctx) -> Reply:
    from pipeline.rules.usecases import add_rule as add

    rule = add(ctx.body, bootstrap.rules_repository(), bootstrap.teams_repository())
    return Reply(rule, 201, {"Location": f"/{SERVICE}/assignment-rules/{rule.id}", **etag(rule.version)})


@router.route("/assignment-rules", roles=STAFF, response=RuleList)
def list_rules(ctx: Ctx) -> RuleList:
    from pipeline.rules.usecases import list_rules as rules

    return rules(bootstrap.rules_repository())


@router.route("/assignment-rules/{rule_id}", roles=STAFF, response=Rule)
def get_rule(ctx: Ctx, rule_id: str) -> Reply:
    from pipeline.rules.usecases import get_rule as get

    rule = get(rule_id, bootstrap.rules_repository())
    return Reply(rule, 200, etag(rule.version))


@router.route("/assignment-rules/{rule_id}", methods=["PATCH"], roles=RULE_WRITERS, body=RulePatch, response=Rule)
def update_rule(ctx: Ctx, rule_id: str) -> Reply:
    from pipeline.rules.usecases import update_rule as update

    version = parse_if_match(ctx.header("if-match"), "the rule")
    rule = update(rule_id, ctx.body, version, bootstrap.rules_repository(), bootstrap.teams_repository())
    return Reply(rule, 200, etag(rule.version))


@router.route("/assignment-rules/{rule_id}", methods=["DELETE"], roles=RULE_WRITERS, status=204)
def delete_rule(ctx: Ctx, rule_id: str) -> Reply:
    from pipeline.rules.usecases import delete_rule as delete

    header = ctx.header("if-match")
    delete(rule_id, None if header is None else parse_if_match(header, "the rule"), bootstrap.rules_repository())
    return Reply(None, 204)
