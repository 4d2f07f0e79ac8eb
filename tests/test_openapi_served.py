"""Each service answers its OpenAPI document through the gateway; /docs shows all five."""

from __future__ import annotations

import json

import pytest
import requests
from openapi_spec_validator import validate

from infra import openapi
from infra.local.docs import VIEWER
from infra.local.launch import LocalStack
from infra.services import existing_services

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", existing_services())
def test_each_service_serves_its_committed_openapi_document(stack: LocalStack, service: str) -> None:
    prefix = "/" + service.replace("_", "-")
    url = f"{stack.url}{prefix}/openapi.json"
    served = requests.get(url, headers={"Authorization": f"Bearer {stack.token('sales')}"}, timeout=30)
    assert served.status_code == 200, served.text
    document = served.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == (
        openapi.path_of(service).read_text()
    )
    # Like every route: a token is needed.
    assert requests.get(url, timeout=30).status_code == 401
    # The docs page reads the same document, without a token.
    page_copy = requests.get(f"{stack.url}/docs{prefix}.json", timeout=30)
    assert page_copy.status_code == 200 and page_copy.json() == document


def test_docs_page_shows_every_service(stack: LocalStack) -> None:
    page = requests.get(f"{stack.url}/docs", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for service in existing_services():
        assert f"/docs/{service.replace('_', '-')}.json" in page.text
    if (VIEWER / "swagger-ui-bundle.js").is_file():  # make install fetched it
        assert "SwaggerUIBundle" in page.text
        bundle = requests.get(f"{stack.url}/docs/assets/swagger-ui-bundle.js", timeout=30)
        assert bundle.status_code == 200 and len(bundle.content) > 100_000
    else:
        assert "make install" in page.text
