"""The contacts Chalice app and its route registry; route modules in contacts/routes/ add
their routes to it, and contacts/api.py assembles everything (Chalice's entry point)."""

from __future__ import annotations

from chalice.app import Chalice

from contacts import SERVICE
from shared.auth import Role
from shared.http import Api

app = Chalice(app_name=f"crm-{SERVICE}")
api = Api(app, SERVICE)

# Who may change customer records; every staff role may read them (shared.auth.STAFF).
WRITERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES, Role.MARKETER})
ADMINS = frozenset({Role.ADMIN})
