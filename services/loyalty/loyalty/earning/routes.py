"""The earning-rules feature's HTTP routes: each parses, calls one use case, maps the result."""

from __future__ import annotations

from loyalty import bootstrap
from loyalty.earning.models import EarningRule, EarningRuleIn, EarningRulePatch, EarningRules
from shared.auth import STAFF, Role
from shared.http import Ctx, Reply, Router
from shared.inputs import etag, parse_if_match

router = Router()


@router.route(
    "/earning-rules", methods=["POST"], roles={Role.ADMIN}, body=EarningRuleIn, status=201, response=EarningRule
)
def add_rule(ctx: Ctx) -> Reply:
    from loyalty.earning.usecases import add_rule as add

    rule = add(ctx.body, bootstrap.earning_rules())
    return Reply(rule, 201, etag(rule.version))


@router.route("/earning-rules", roles=STAFF)
def list_rules(ctx: Ctx) -> EarningRules:
    return EarningRules(items=bootstrap.earning_rules().rules(fresh=True))


@router.route("/earning-rules/{rule_id}", roles=STAFF, response=EarningRule)
def get_rule(ctx: Ctx, rule_id: str) -> Reply:
    from loyalty.earning.usecases import get_rule as get

    rule = get(rule_id, bootstrap.earning_rules())
    return Reply(rule, 200, etag(rule.version))


@router.route(
    "/earning-rules/{rule_id}", methods=["PATCH"], roles={Role.ADMIN}, body=EarningRulePatch, response=EarningRule
)
def update_rule(ctx: Ctx, rule_id: str) -> Reply:
    from loyalty.earning.usecases import update_rule as update

    version = parse_if_match(ctx.header("if-match"), f"earning rule {rule_id}")
    rule = update(rule_id, ctx.body, version, bootstrap.earning_rules())
    return Reply(rule, 200, etag(rule.version))


@router.route("/earning-rules/{rule_id}", methods=["DELETE"], roles={Role.ADMIN}, status=204)
def delete_rule(ctx: Ctx, rule_id: str) -> Reply:
    from loyalty.earning.usecases import delete_rule as delete

    version = parse_if_match(ctx.header("if-match"), f"earning rule {rule_id}")
    delete(rule_id, version, bootstrap.earning_rules())
    return Reply(None, 204)
