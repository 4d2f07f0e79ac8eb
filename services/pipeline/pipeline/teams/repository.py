"""Teams and reps in the pipeline table (pynamodb): the only module that maps their items.

Reps live under one partition (``REPS``), teams under ``TEAMS``: listing either, and
reading every rep for an assignment, is one query. Assignment changes a rep's load only
through ``take_slot``/``free_slot``, transaction items guarded here (active, under capacity).
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from pipeline import SERVICE
from pipeline.table.items import ByTeam, OutboxRecord
from pipeline.table.keys import REP_PREFIX, REPS, TEAM_PREFIX, TEAMS, rep_key, team_key
from pipeline.teams.models import Rep, RepStatus, Team
from shared.errors import Conflict, StaleVersion
from shared.events import Outgoing
from shared.items import KeyedItem, fields_of, item_of
from shared.outbox import transaction_with_events
from shared.table import table_meta


class RepItem(KeyedItem):
    """pk ``REPS``, sk ``REP#<id>``."""

    Meta = table_meta(SERVICE)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    team_id = UnicodeAttribute(null=True)
    territories = ListAttribute(of=UnicodeAttribute, default=list)
    skills = ListAttribute(of=UnicodeAttribute, default=list)
    languages = ListAttribute(of=UnicodeAttribute, default=list)
    capacity = NumberAttribute()
    open_leads = NumberAttribute(default=0)
    status = UnicodeAttribute(default=RepStatus.ACTIVE.value)
    working_hours = JSONAttribute(null=True)
    manager_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    version = NumberAttribute(default=1)
    by_team = ByTeam()


class TeamItem(KeyedItem):
    """pk ``TEAMS``, sk ``TEAM#<id>``."""

    Meta = table_meta(SERVICE)
    name = UnicodeAttribute()
    manager_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


def _rep(item: RepItem) -> Rep:
    return Rep.model_validate({**fields_of(item), "id": item.sk.removeprefix(REP_PREFIX)})


def _team(item: TeamItem) -> Team:
    return Team.model_validate({**fields_of(item), "id": item.sk.removeprefix(TEAM_PREFIX)})


def _rep_item(rep: Rep) -> RepItem:
    hours = None if rep.working_hours is None else rep.working_hours.model_dump(mode="json")
    return item_of(RepItem, *rep_key(rep.id), rep, status=rep.status.value, working_hours=hours)


def take_slot(tx: TransactWrite, rep_id: str) -> None:
    """One more open lead for an active rep with room (the transaction fails otherwise)."""
    tx.update(
        RepItem(*rep_key(rep_id)),
        actions=[RepItem.open_leads.add(1)],
        condition=(RepItem.status == RepStatus.ACTIVE.value) & (RepItem.open_leads < RepItem.capacity),
    )


def free_slot(tx: TransactWrite, rep_id: str) -> None:
    """One open lead fewer (closed or handed on); never below zero."""
    tx.update(RepItem(*rep_key(rep_id)), actions=[RepItem.open_leads.add(-1)], condition=RepItem.open_leads > 0)


class TeamsRepository:
    def add_rep(self, rep: Rep, events: list[Outgoing]) -> None:
        with transaction_with_events(OutboxRecord, events, conflict=f"rep {rep.id} already exists") as tx:
            tx.save(_rep_item(rep), condition=RepItem.sk.does_not_exist())

    def get_rep(self, rep_id: str) -> Rep | None:
        try:
            return _rep(RepItem.get(*rep_key(rep_id), consistent_read=True))
        except DoesNotExist:
            return None

    def list_reps(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Rep], dict[str, Any] | None]:
        results = RepItem.query(
            REPS, RepItem.sk.startswith(REP_PREFIX), limit=limit, last_evaluated_key=start, consistent_read=True
        )
        reps = [_rep(i) for i in results]
        return reps, results.last_evaluated_key

    def all_reps(self) -> list[Rep]:
        return [_rep(i) for i in RepItem.query(REPS, RepItem.sk.startswith(REP_PREFIX), consistent_read=True)]

    def team_reps(self, team_id: str) -> list[Rep]:
        """A team's reps (the by_team index: one query, eventually consistent; take_slot's
        guard keeps a stale load from ever putting a rep over capacity)."""
        return [_rep(i) for i in RepItem.by_team.query(team_id, RepItem.sk.startswith(REP_PREFIX))]

    def update_rep(self, rep: Rep, read_version: int, events: list[Outgoing]) -> None:
        """Write the rep's fields (all but its load, which only assignment moves) if it is
        still at ``read_version``; StaleVersion otherwise."""
        hours = None if rep.working_hours is None else rep.working_hours.model_dump(mode="json")
        # pynamodb types a list attribute's value as a list of attributes, not of str.
        actions: list[Action] = [
            RepItem.name.set(rep.name),
            RepItem.email.set(rep.email),
            RepItem.territories.set(cast(Any, rep.territories)),
            RepItem.skills.set(cast(Any, rep.skills)),
            RepItem.languages.set(cast(Any, rep.languages)),
            RepItem.capacity.set(rep.capacity),
            RepItem.status.set(rep.status.value),
            RepItem.version.set(rep.version),
        ]
        for attribute, value in ((RepItem.team_id, rep.team_id), (RepItem.manager_id, rep.manager_id)):
            actions.append(attribute.set(value) if value is not None else attribute.remove())
        actions.append(RepItem.working_hours.set(hours) if hours is not None else RepItem.working_hours.remove())
        try:
            with transaction_with_events(OutboxRecord, events, conflict="stale") as tx:
                tx.update(RepItem(*rep_key(rep.id)), actions=actions, condition=RepItem.version == read_version)
        except Conflict as exc:
            raise StaleVersion(f"rep {rep.id} changed meanwhile: read it again") from exc

    def list_teams(self, limit: int, start: dict[str, Any] | None) -> tuple[list[Team], dict[str, Any] | None]:
        results = TeamItem.query(
            TEAMS, TeamItem.sk.startswith(TEAM_PREFIX), limit=limit, last_evaluated_key=start, consistent_read=True
        )
        teams = [_team(i) for i in results]
        return teams, results.last_evaluated_key

    def add_team(self, team: Team, events: list[Outgoing]) -> None:
        with transaction_with_events(OutboxRecord, events, conflict=f"team {team.id} already exists") as tx:
            tx.save(item_of(TeamItem, *team_key(team.id), team), condition=TeamItem.sk.does_not_exist())

    def get_team(self, team_id: str) -> Team | None:
        try:
            return _team(TeamItem.get(*team_key(team_id), consistent_read=True))
        except DoesNotExist:
            return None

    def all_teams(self) -> list[Team]:
        return [_team(i) for i in TeamItem.query(TEAMS, TeamItem.sk.startswith(TEAM_PREFIX), consistent_read=True)]
