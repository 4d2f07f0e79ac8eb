"""The local /docs page: Swagger UI over every loaded service's OpenAPI document."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.local import docs
from infra.services import ROOT, service_module
from shared.http import Api


@pytest.fixture(scope="module")
def services() -> dict[str, SimpleNamespace]:
    found = {}
    for name in ("pipeline", "service_desk"):
        module = service_module(name, "api")
        assert module is not None
        found[name] = SimpleNamespace(app=module.app)
    return found


@pytest.fixture
def viewer(tmp_path):
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        (tmp_path / name).write_text(f"/* {name} */")
    (tmp_path / "package.json").write_text("{}")
    return tmp_path


def _get(path: str, services, viewer):
    request = Request(EnvironBuilder(path=path).get_environ())
    return docs.respond(request, services, viewer)


def test_the_page_lists_every_service_and_loads_the_viewer_locally(services, viewer):
    response = _get("/docs", services, viewer)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '"url": "/docs/pipeline.json"' in page and '"url": "/docs/service-desk.json"' in page
    assert "/docs/assets/swagger-ui-bundle.js" in page and "SwaggerUIBundle(config)" in page
    assert not re.search(r"https?://", page.replace("http://127.0.0.1", "")), "no CDN"
    chosen = _get("/docs?service=service-desk", services, viewer).get_data(as_text=True)
    assert '"urls.primaryName": "service-desk"' in chosen


def test_each_document_is_the_one_the_service_answers(services, viewer):
    response = _get("/docs/service-desk.json", services, viewer)
    assert response.status_code == 200
    assert json.loads(response.get_data()) == json.loads(json.dumps(Api.of(services["service_desk"].app).openapi()))


def test_only_the_viewers_own_files_are_served(services, viewer):
    assert _get("/docs/assets/swagger-ui-bundle.js", services, viewer).get_data(as_text=True).startswith("/*")
    for path in ("/docs/assets/package.json", "/docs/assets/../package.json", "/docs/contacts.json", "/docs/x"):
        response = _get(path, services, viewer)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_without_the_viewer_the_page_says_how_to_get_it(services, tmp_path):
    response = _get("/docs", services, tmp_path / "absent")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "make install" in page and f"swagger-ui-dist@{docs.VIEWER_VERSION}" in page
    assert 'href="/docs/pipeline.json"' in page


def test_the_makefile_installs_the_version_the_page_names():
    makefile = (ROOT / "Makefile").read_text()
    assert f"SWAGGER_UI_VERSION := {docs.VIEWER_VERSION}\n" in makefile
