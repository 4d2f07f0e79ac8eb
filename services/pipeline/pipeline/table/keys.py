"""Keys of the pipeline table, the one catalogue: every pk/sk is built here (repositories
import these; none builds its own).

Who owns which items (each feature writes only its own; a cross-feature transaction asks
the owning repository for its transaction items):

| item | pk | sk | owner |
|---|---|---|---|
| team | TEAMS | TEAM#<id> | teams |
| rep (+ open_leads, version) | REPS | REP#<id> | teams |
| lead (owner, status, deadline, score) | LEAD#<contact id> | LEAD | leads |
| lead's assignment decisions, oldest first | LEAD#<contact id> | DECISION#<iso time>#<n> | assignment |
| unassigned queue, oldest first | UNASSIGNED | <queued iso time>#<contact id> | assignment |
| round-robin cursor of a team (or of all reps: ``-``) | ROTATION | <team id or -> | assignment |
| assignment rules, in order | RULES | RULE#<id> | assignment |
| outbox, idempotency | OUTBOX#… / IDEMPOTENCY#… | … | shared kernel |
| task (owner_id = assignee, in by_owner) | TASK#<id> | TASK#<id> | tasks |
| who has tasks (an admin's list asks each) | TASK_ASSIGNEES | <assignee id> | tasks |

The sparse index ``by_owner`` (hash ``owner_id``, range ``sk``) holds every item with an
``owner_id``: a rep's leads are ``owner_id = <rep> AND sk = LEAD``; other owned items
(opportunities, tasks) use their own sk so one query reads one kind.

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
DECISION_PREFIX = "DECISION#"


def lead_key(contact_id: str) -> tuple[str, str]:
    return LEAD_PREFIX + contact_id, LEAD_SK


# --- assignment --------------------------------------------------------------------------

UNASSIGNED = "UNASSIGNED"
ROTATION = "ROTATION"
ALL_REPS = "-"  # the rotation over every rep (no team)
RULES = "RULES"
RULE_PREFIX = "RULE#"


def queued_key(queued_at: datetime, contact_id: str) -> tuple[str, str]:
    return UNASSIGNED, f"{queued_at.isoformat()}#{contact_id}"


def rotation_key(team_id: str | None) -> tuple[str, str]:
    return ROTATION, team_id or ALL_REPS


# --- tasks -------------------------------------------------------------------------------

TASK_PREFIX = "TASK#"
TASK_ASSIGNEES = "TASK_ASSIGNEES"


def task_key(task_id: str) -> tuple[str, str]:
    return TASK_PREFIX + task_id, TASK_PREFIX + task_id


def task_assignee_key(assignee_id: str) -> tuple[str, str]:
    return TASK_ASSIGNEES, assignee_id
