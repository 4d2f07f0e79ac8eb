"""``GET /docs``: one API reference page for every service of the local stack.

Swagger UI (npm ``swagger-ui-dist``, fetched by ``make install`` into ``.local/docs``,
never from a CDN) shows the five OpenAPI documents, one per entry of its top bar. The
documents are built in-process from each loaded app's routes (``/docs/<prefix>.json``,
the same document a service answers at ``/<prefix>/openapi.json`` to a staff token), so
the page needs no token to read; its "Authorize" button takes one (``make token``) for
"Try it out".
"""

from __future__ import annotations

import html
import json
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.provision import REPO_ROOT

VIEWER_PACKAGE = "swagger-ui-dist"
VIEWER_VERSION = "5.35.0"  # the Makefile installs this version (SWAGGER_UI_VERSION)
VIEWER = REPO_ROOT / ".local" / "docs" / "node_modules" / VIEWER_PACKAGE
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png", "index.css"}
)


def prefix_of(service: str) -> str:
    """The gateway prefix of a service, without the slash (``service_desk`` -> ``service-desk``)."""
    from shared.openapi import base_path

    return base_path(service).lstrip("/")


def document(app: Any) -> dict[str, Any]:
    from shared.http import Api

    return Api.of(app).openapi()


def respond(request: Request, services: Mapping[str, Any], viewer: Path = VIEWER) -> Response:
    """``/docs`` (the page), ``/docs/<prefix>.json`` (a document), ``/docs/assets/<file>``.
    ``services`` maps each loaded service to an object with its Chalice ``app``."""
    path = request.path.rstrip("/")
    prefixes = {prefix_of(name): name for name in services}
    if path == "/docs":
        return _page(prefixes, request.args.get("service"), viewer)
    name = path.removeprefix("/docs/")
    if name.endswith(".json") and name[: -len(".json")] in prefixes:
        body = json.dumps(document(services[prefixes[name[: -len(".json")]]].app), indent=2, sort_keys=True)
        return Response(body, content_type="application/json")
    asset = name.removeprefix("assets/")
    if name.startswith("assets/") and asset in ASSETS and (viewer / asset).is_file():
        kind = mimetypes.guess_type(asset)[0] or "application/octet-stream"
        return Response((viewer / asset).read_bytes(), content_type=kind, headers={"Cache-Control": "max-age=3600"})
    known = ", ".join(f"/docs/{p}.json" for p in sorted(prefixes))
    problem = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": f"no docs at {path} ({known})"}
    return Response(json.dumps(problem), status=404, content_type="application/problem+json")


def _links(prefixes: Mapping[str, str]) -> str:
    return "".join(
        f'<li><a href="/docs?service={html.escape(p)}">{html.escape(p)}</a> '
        f'(<a href="/docs/{html.escape(p)}.json">{html.escape(p)}.json</a>)</li>'
        for p in sorted(prefixes)
    )


def _page(prefixes: Mapping[str, str], primary: str | None, viewer: Path) -> Response:
    if not (viewer / "swagger-ui-bundle.js").is_file():
        return Response(_missing(prefixes), content_type="text/html; charset=utf-8")
    urls = [{"url": f"/docs/{p}.json", "name": p} for p in sorted(prefixes)]
    config = {
        "urls": urls,
        "urls.primaryName": primary if primary in prefixes else (urls[0]["name"] if urls else None),
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "layout": "StandaloneLayout",
        "persistAuthorization": True,
        "displayOperationId": True,
        "tryItOutEnabled": False,
    }
    page = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>CRM API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
  <style>body {{ margin: 0; }} nav {{ font-family: sans-serif; padding: 8px 20px; background: #fafafa; }}
    nav ul {{ display: inline; padding: 0; }} nav li {{ display: inline; margin-right: 16px; }}</style>
</head>
<body>
  <nav>CRM API reference: <ul>{_links(prefixes)}</ul>
    Calls need a bearer token: <code>make token ROLE=admin</code>, then "Authorize".</nav>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    const config = {json.dumps(config, sort_keys=True)};
    config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
    config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
    window.ui = SwaggerUIBundle(config);
  </script>
</body>
</html>
"""
    return Response(page, content_type="text/html; charset=utf-8")


def _missing(prefixes: Mapping[str, str]) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM API reference</title></head>
<body style="font-family: sans-serif; max-width: 48em; margin: 2em auto">
  <h1>CRM API reference</h1>
  <p>The page's viewer (npm <code>{VIEWER_PACKAGE}@{VIEWER_VERSION}</code>) is not installed.
  <code>make install</code> fetches it with npm into <code>.local/docs</code>, or run
  <code>npm install --prefix .local/docs {VIEWER_PACKAGE}@{VIEWER_VERSION}</code>, then reload.</p>
  <p>The OpenAPI documents:</p>
  <ul>{_links(prefixes)}</ul>
</body></html>
"""
