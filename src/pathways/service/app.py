"""The app factory: :func:`create_app` wires settings, store, tokens, engine cache and routes.

Nothing is created at import time; each call builds a new app around its own store (the
tests build one per test on a SQLite file). :func:`app_from_env` is the factory uvicorn
calls in each worker process of ``pathways serve``.

Example:
    >>> from pathways.settings import Settings
    >>> app = create_app(Settings(store_url="sqlite:///:memory:"))
    >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/rules"))
    ['/rules', '/rules/{id}']
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI

from .. import __version__
from ..settings import Settings
from ..store import Store, open_store
from .balance import Balance, Balanced
from .tokens import Tokens
from .browser import install_browser_pages
from .engine_cache import EngineCache
from .errors import BodyLimit, install_error_handlers
from .graphql import graphql_router
from .limits import Limits
from .methods import HttpMethods
from .observe import install_metrics
from .openapi import build_openapi
from .query_params import refuse_unknown_query_params
from .routes import ROUTERS
from .web import install_web_app

__all__ = ["DESCRIPTION", "app_from_env", "create_app"]

DESCRIPTION = """\
Credit-transfer and educational-pathway graph engine (SPEC section 6).

Reads, `POST /evaluate`, `GET /nodes/{id}/counts-toward` and `POST /plan` are open.
Writes need `Authorization: Bearer TOKEN` (roles: `admin`, `registrar:INST`, `council`);
`GET /graph` and `GET /audit` need admin or council. Errors are `application/problem+json`.
GraphQL (with GraphiQL in a browser) is at `/graphql`.
"""


def create_app(settings: Settings, *, store: Store | None = None, balance: Balance | None = None) -> FastAPI:
    """A new app on ``store`` (or the store ``settings.store_url`` names, closed on shutdown);
    one of several workers has a ``balance`` (:mod:`~pathways.service.balance`)."""
    owned = store is None
    the_store = open_store(settings.store_url) if store is None else store

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the engine is built before the first request is accepted: a worker that is still
        # building (seconds on a large graph) takes no connections, so none waits on it
        app.state.engine_cache.current()
        try:
            yield
        finally:
            if owned:
                the_store.close()

    app = FastAPI(title="pathways", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, dependencies=[Depends(refuse_unknown_query_params)])
    app.state.settings = settings
    app.state.store = the_store
    app.state.tokens = Tokens.load(settings.tokens_file)
    app.state.limits = Limits.from_settings(settings)
    app.state.engine_lane = anyio.CapacityLimiter(settings.engine_threads)  # see pathways.service.work
    # a local SQLite version() is a microsecond query: check it on every request, so even a
    # write through another worker process is seen by the next evaluation; a Bolt round trip
    # is checked at most every 250 ms (replicas converge within that)
    interval = 0.0 if the_store.kind == "sqlite" else 0.25
    app.state.engine_cache = EngineCache(the_store, check_interval=interval)
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(HttpMethods, routes=app.router.routes)
    install_metrics(app)  # it times and counts every answer, refusals by BodyLimit included
    if balance is not None:
        app.add_middleware(Balanced, balance=balance)
    for router in ROUTERS:
        app.include_router(router)
    graphql = graphql_router()
    install_browser_pages(app, graphql)
    install_web_app(app)
    app.include_router(graphql)

    def openapi() -> dict[str, Any]:
        return build_openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env(*, balance: Balance | None = None) -> FastAPI:
    """The app of ``PATHWAYS_*`` settings: the factory each ``pathways serve`` worker runs."""
    return create_app(Settings.from_env(), balance=balance)
