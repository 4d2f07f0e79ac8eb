"""Every route of every service is authenticated and restricted to named roles."""

from __future__ import annotations

import importlib

import pytest

from infra.services import existing_services
from shared.auth import PARTNER_ROUTES, PUBLIC_ROUTES, Role


@pytest.mark.parametrize("service", existing_services())
def test_every_route_declares_the_roles_it_admits(service: str) -> None:
    app = importlib.import_module(f"{service}.api").app
    assert app.routes, f"{service} has no routes"
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            roles = getattr(entry.view_function, "crm_roles", None)
            public = getattr(entry.view_function, "crm_public", None)
            assert roles is not None and public is not None, f"{service} {method} {path} is not behind Api.route"
            # Only the listed public routes skip the token, and they admit no role at all.
            assert public == ((service, method, path) in PUBLIC_ROUTES), f"{service} {method} {path}: public?"
            assert bool(roles) != public, f"{service} {method} {path}: roles, or public, never both"
            partner_route = (service, method, path) in PARTNER_ROUTES
            assert (Role.PARTNER in roles) == partner_route, (
                f"{service} {method} {path}: partners only on PARTNER_ROUTES"
            )
