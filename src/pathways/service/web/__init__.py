"""The web app at ``/``: pages for learners, advisors, transfer councils and registrars.

Server-rendered Jinja2 templates with htmx for partial updates (no build step); htmx and
cytoscape.js come from npm (``web/package-lock.json``) and are served from ``/static`` like the
GraphiQL assets, so the pages work offline. Every page works without JavaScript for its main
task (forms submit as plain GET or POST); htmx only saves a full reload. One router module per
page; the pages call the same functions as the API (:mod:`~pathways.service.queries`).

Example:
    >>> sorted(r.path for r in router.routes), [r.prefix for r in PAGES]
    (['/', '/static/app/{name}'], ['/learner', '/advisor', '/council', '/registrar'])
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from ..dependencies import CurrentStore
from . import advisor, council, learner, registrar
from .rendering import render

__all__ = ["APP_STATIC", "PAGES", "install_web_app", "router"]

APP_STATIC = Path(__file__).parent / "static"
"""The app's own stylesheet and script, served at ``/static/app/NAME``."""

router = APIRouter(include_in_schema=False)

PAGES = (learner.router, advisor.router, council.router, registrar.router)
"""One router per page."""


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: CurrentStore) -> HTMLResponse:
    """The front page: who the app is for, and how much graph there is."""
    return render(request, "home.html", counts=store.counts())


@router.get("/static/app/{name}")
def app_static(name: str) -> Response:
    """``pathways.css`` and ``pathways.js``, from the package."""
    path = APP_STATIC / name
    if "/" in name or not path.is_file():
        return PlainTextResponse(f"no static file {name!r}", status_code=404)
    return FileResponse(path)


def install_web_app(app: FastAPI) -> None:
    """Mount the front page, the four pages and the app's static files on ``app``."""
    for r in (router, *PAGES):
        app.include_router(r)
