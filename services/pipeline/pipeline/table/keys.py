"""Keys of the pipeline table, the one catalogue: every pk/sk is built here (repositories
import these; none builds its own).

Who owns which items (each feature writes only its own; a cross-feature transaction asks
the owning repository for its transaction items):

| item | pk | sk | owner |
|---|---|---|---|
| team | TEAMS | TEAM#<id> | teams |
| rep (+ open_leads, version) | REPS | REP#<id> | teams |
| lead (owner, status, deadline, score) | LEAD#<contact id> | LEAD | leads |
| contact's segments (from contacts' events) | LEAD#<contact id> | SEGMENTS | leads |
| lead's assignment decisions, oldest first | LEAD#<contact id> | DECISION#<iso time>#<kind> | assignment |
| unassigned queue, oldest first | UNASSIGNED | <queued iso time>#<contact id> | assignment |
| round-robin cursor of a team (or of all reps: ``-``) | ROTATION | <team id or -> | assignment |
| assignment rule | RULES | RULE#<id> | rules |
| "the rules were stored" marker | RULES | STORED | rules |
| scoring model | SCORING | MODEL | scoring |
| a behaviour event counted into a lead's score (TTL 30 days) | LEAD#<contact id> | SCORED#<event id> | scoring |
| stages list | STAGES | LIST | stages |
| opportunity (owner_id: by_owner) | OPP#<id> | OPP | opportunities |
| opportunity's history, oldest first | OPP#<id> | HISTORY#<iso time>#<version> | opportunities |
| board counter of an owner and stage | BOARD#<owner> | <stage> | opportunities |
| forecast counter of an owner, close month and bucket | FORECAST#<owner> | <yyyy-mm>#<bucket> | opportunities |
| approval chain (owner_id: its current approver) | APPROVAL#<id> | APPROVAL | approvals |
| approval policy | APPROVALS | POLICY | approvals |
| a rep's monthly performance counters | PERF#<rep> | MONTH#<yyyy-mm> | performance |
| a rep's quota for a month | PERF#<rep> | QUOTA#<yyyy-mm> | performance |
| an event counted into performance (TTL 30 days) | PERF#<rep> | COUNTED#<event id> | performance |
| outbox, idempotency | OUTBOX#… / IDEMPOTENCY#… | … | shared kernel |
| task (owner_id = assignee, in by_owner) | TASK#<id> | TASK#<id> | tasks |
| who has tasks (an admin's list asks each) | TASK_ASSIGNEES | <assignee id> | tasks |

The sparse index ``by_owner`` (hash ``owner_id``, range ``sk``) holds every item with an
``owner_id``: a rep's leads are ``owner_id = <rep> AND sk = LEAD``; other owned items
(opportunities, tasks) use their own sk so one query reads one kind.

The sparse index ``by_team`` (hash ``team_id``, range ``sk``) holds the reps that have a
team: a team's reps are ``team_id = <team> AND sk begins_with REP#``. Other items store
their team under another attribute name (a lead's is ``owner_team``), to stay out of it.

Features added later (opportunities, stages, tasks, approvals, forecast and report
counters) add their rows here.
"""

from __future__ import annotations

from datetime import datetime

# --- teams and reps ----------------------------------------------------------------------

TEAMS = "TEAMS"
TEAM_PREFIX = "TEAM#"
REPS = "REPS"
REP_PREFIX = "REP#"


def team_key(team_id: str) -> tuple[str, str]:
    return TEAMS, TEAM_PREFIX + team_id


def rep_key(rep_id: str) -> tuple[str, str]:
    return REPS, REP_PREFIX + rep_id


# --- leads -------------------------------------------------------------------------------

LEAD_PREFIX = "LEAD#"
LEAD_SK = "LEAD"
SEGMENTS_SK = "SEGMENTS"
DECISION_PREFIX = "DECISION#"


def lead_key(contact_id: str) -> tuple[str, str]:
    return LEAD_PREFIX + contact_id, LEAD_SK


def segments_key(contact_id: str) -> tuple[str, str]:
    return LEAD_PREFIX + contact_id, SEGMENTS_SK


# --- assignment --------------------------------------------------------------------------

UNASSIGNED = "UNASSIGNED"
ROTATION = "ROTATION"
ALL_REPS = "-"  # the rotation over every rep (no team)
RULES = "RULES"
RULE_PREFIX = "RULE#"
RULES_STORED = "STORED"  # marker: admins wrote the rules list (before it, the built-in default)


def queued_key(queued_at: datetime, contact_id: str) -> tuple[str, str]:
    return UNASSIGNED, f"{queued_at.isoformat()}#{contact_id}"


def rotation_key(team_id: str | None) -> tuple[str, str]:
    return ROTATION, team_id or ALL_REPS


def rule_key(rule_id: str) -> tuple[str, str]:
    return RULES, RULE_PREFIX + rule_id


def decision_key(contact_id: str, at: datetime, kind: str) -> tuple[str, str]:
    return LEAD_PREFIX + contact_id, f"{DECISION_PREFIX}{at.isoformat()}#{kind}"


# --- scoring -----------------------------------------------------------------------------

SCORING = "SCORING"
SCORED_PREFIX = "SCORED#"


def scoring_key() -> tuple[str, str]:
    return SCORING, "MODEL"


def scored_key(contact_id: str, event_id: str) -> tuple[str, str]:
    return LEAD_PREFIX + contact_id, SCORED_PREFIX + event_id


# --- stages and opportunities ------------------------------------------------------------

OPPORTUNITY_PREFIX = "OPP#"
OPPORTUNITY_SK = "OPP"
HISTORY_PREFIX = "HISTORY#"
BOARD_PREFIX = "BOARD#"
FORECAST_PREFIX = "FORECAST#"


def stages_key() -> tuple[str, str]:
    return "STAGES", "LIST"


def opportunity_key(opportunity_id: str) -> tuple[str, str]:
    return OPPORTUNITY_PREFIX + opportunity_id, OPPORTUNITY_SK


def history_key(opportunity_id: str, at: datetime, version: int) -> tuple[str, str]:
    return OPPORTUNITY_PREFIX + opportunity_id, f"{HISTORY_PREFIX}{at.isoformat()}#{version:06d}"


def board_key(owner_id: str, stage: str) -> tuple[str, str]:
    return BOARD_PREFIX + owner_id, stage


def forecast_key(owner_id: str, month: str, bucket: str) -> tuple[str, str]:
    return FORECAST_PREFIX + owner_id, f"{month}#{bucket}"


# --- approvals ---------------------------------------------------------------------------

APPROVAL_PREFIX = "APPROVAL#"
APPROVAL_SK = "APPROVAL"


def approval_key(approval_id: str) -> tuple[str, str]:
    return APPROVAL_PREFIX + approval_id, APPROVAL_SK


def approval_policy_key() -> tuple[str, str]:
    return "APPROVALS", "POLICY"


# --- tasks -------------------------------------------------------------------------------

TASK_PREFIX = "TASK#"
TASK_ASSIGNEES = "TASK_ASSIGNEES"


def task_key(task_id: str) -> tuple[str, str]:
    return TASK_PREFIX + task_id, TASK_PREFIX + task_id


def task_assignee_key(assignee_id: str) -> tuple[str, str]:
    return TASK_ASSIGNEES, assignee_id


# --- performance -------------------------------------------------------------------------

PERF_PREFIX = "PERF#"


def perf_key(rep_id: str, month: str) -> tuple[str, str]:
    return PERF_PREFIX + rep_id, f"MONTH#{month}"


def quota_key(rep_id: str, month: str) -> tuple[str, str]:
    return PERF_PREFIX + rep_id, f"QUOTA#{month}"


def counted_key(rep_id: str, event_id: str) -> tuple[str, str]:
    return PERF_PREFIX + rep_id, f"COUNTED#{event_id}"
