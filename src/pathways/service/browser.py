"""The browser pages: GraphiQL at ``GET /graphql`` and Swagger UI at ``/docs``, with no CDN.

``/static`` also serves the web app's htmx and cytoscape.js (:mod:`pathways.service.web`).

Both pages load their JavaScript and CSS from ``/static/``, which serves a fixed list of files
out of ``web/node_modules`` (``npm ci --prefix web``, run by ``make``, installs the versions
``web/package-lock.json`` pins). Nothing is fetched from the internet, so the pages work
offline, in CI and behind a firewall. When the assets are not installed the pages still
answer, with status 503 and a page saying how to install them.

Example:
    >>> from pathlib import Path
    >>> sorted(STATIC_FILES)[:2]
    ['cytoscape.min.js', 'favicon-32x32.png']
    >>> missing_assets(Path("/nonexistent")) == sorted(STATIC_FILES)
    True
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from strawberry.fastapi import GraphQLRouter

__all__ = ["ASSETS", "STATIC_FILES", "graphiql_html", "install_browser_pages", "missing_assets"]

ASSETS = Path(__file__).resolve().parents[3] / "web" / "node_modules"
"""Where ``npm ci --prefix web`` installs the packages of ``web/package.json``."""

STATIC_FILES: dict[str, str] = {
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "favicon-32x32.png": "swagger-ui-dist/favicon-32x32.png",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}
"""``/static/NAME`` serves ``ASSETS / STATIC_FILES[NAME]``; no other file under ``ASSETS`` is reachable."""

EXAMPLE_QUERY = """\
# pathways GraphQL. Ctrl-Enter (or the play button) runs.
# Mutations need a header (Headers, below):
#   {"Authorization": "Bearer TOKEN"}
{
  institutions {
    id
    name
  }
}
"""

_INSTALL_HINT = "Run `make install` (or `npm ci --prefix web`) in the pathways checkout, then reload."


def missing_assets(assets: Path | None = None) -> list[str]:
    """The names of :data:`STATIC_FILES` not installed under ``assets`` (default :data:`ASSETS`), sorted."""
    assets = ASSETS if assets is None else assets
    return sorted(name for name, path in STATIC_FILES.items() if not (assets / path).is_file())


def _missing_page(title: str, missing: list[str]) -> HTMLResponse:
    items = "".join(f"<li><code>{html.escape(name)}</code></li>" for name in missing)
    body = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}: browser assets are not installed</h1>"
            f"<p>{html.escape(_INSTALL_HINT)}</p><p>Missing:</p><ul>{items}</ul></body></html>")
    return HTMLResponse(body, status_code=503)


def graphiql_html(static: str) -> str:
    """The GraphiQL page, loading React and GraphiQL from the URL prefix ``static``.

    ``?q=...`` in the page's URL opens that query instead of the example (``?query=`` would
    run the query over ``GET`` and answer JSON).

    >>> '<script src="/static/graphiql.min.js">' in graphiql_html("/static")
    True
    """
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pathways GraphQL</title>
<link rel="icon" href="{static}/favicon-32x32.png">
<link rel="stylesheet" href="{static}/graphiql.min.css">
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL...</div>
<script src="{static}/react.production.min.js"></script>
<script src="{static}/react-dom.production.min.js"></script>
<script src="{static}/graphiql.min.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({{ url: window.location.href.split("?")[0] }});
const query = new URLSearchParams(window.location.search).get("q") || undefined;
ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, {{
  fetcher: fetcher,
  query: query,
  defaultQuery: {json.dumps(EXAMPLE_QUERY)},
  defaultEditorToolsVisibility: true,
  isHeadersEditorEnabled: true,
}}));
</script>
</body>
</html>
"""


def install_browser_pages(app: FastAPI, graphql: GraphQLRouter[Any, None]) -> None:
    """Serve ``/static/NAME``, ``/docs`` (Swagger UI) and GraphiQL on ``graphql``'s browser ``GET``.

    ``app`` must be created with ``docs_url=None``: this adds its own ``/docs`` on local assets.
    Files are looked up in :data:`ASSETS` when requested, so ``npm ci`` after start-up is seen.
    """

    async def static_file(name: str) -> Response:
        path = STATIC_FILES.get(name)
        if path is None:
            return PlainTextResponse(f"no static file {name!r}", status_code=404)
        if not (ASSETS / path).is_file():
            return PlainTextResponse(f"{name} is not installed. {_INSTALL_HINT}", status_code=404)
        return FileResponse(ASSETS / path)

    async def swagger_ui(request: Request) -> HTMLResponse:
        if missing := missing_assets():
            return _missing_page("pathways OpenAPI docs", missing)
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title="pathways OpenAPI docs",
            swagger_js_url=f"{root}/static/swagger-ui-bundle.js", swagger_css_url=f"{root}/static/swagger-ui.css",
            swagger_favicon_url=f"{root}/static/favicon-32x32.png",
            # no spec-validator badge: it would send the spec's URL to an outside service
            swagger_ui_parameters={"validatorUrl": None})

    async def graphiql(request: Request) -> HTMLResponse:
        if missing := missing_assets():
            return _missing_page("pathways GraphQL", missing)
        return HTMLResponse(graphiql_html(f"{request.scope.get('root_path', '')}/static"))

    app.add_api_route("/static/{name}", static_file, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    graphql.render_graphql_ide = graphiql  # type: ignore[method-assign]
