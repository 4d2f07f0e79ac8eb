"""Every function a service's template deploys can be loaded the way Lambda loads it."""

from __future__ import annotations

import importlib.util

import pytest

from infra.services import existing_services, service_dir


@pytest.mark.parametrize("service", existing_services())
def test_every_handler_string_resolves_in_app_py(service: str) -> None:
    spec = importlib.util.spec_from_file_location(f"{service}_app_entry", service_dir(service) / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = module.app
    assert app.pure_lambda_functions, f"{service} deploys no functions besides its API"
    for function in app.pure_lambda_functions:
        module_name, _, attribute = function.handler_string.partition(".")
        assert module_name == "app"
        handler = getattr(module, attribute, None)
        assert callable(handler), f"{service}: Lambda handler {function.handler_string} is missing from app.py"
