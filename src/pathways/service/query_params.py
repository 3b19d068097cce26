"""Unknown query parameters are refused (422 naming them), not ignored: a typo is not silent.

One app-wide dependency compares the request's query parameters with those its route
declares (its own and its dependencies', by their public names). GraphQL's ``GET`` reads
``query``, ``variables`` and ``operationName`` itself and is left alone.

Example:
    >>> from fastapi import FastAPI
    >>> app = FastAPI()
    >>> @app.get("/x")
    ... def x(q: str | None = None, limit: int = 5) -> None: ...
    >>> sorted(declared_query_params(app.routes[-1]))
    ['limit', 'q']
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from ..errors import InvalidInput, Problem

__all__ = ["EXEMPT", "declared_query_params", "refuse_unknown_query_params"]

EXEMPT = ("/graphql",)
"""Routes that read their query string themselves."""


def _names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _names(sub)
    return names


def declared_query_params(route: BaseRoute) -> frozenset[str]:
    """The query parameter names a route accepts (none for a route that is not an API route)."""
    if not isinstance(route, APIRoute):
        return frozenset()
    cached: frozenset[str] | None = getattr(route, "_pathways_query_params", None)
    if cached is None:
        cached = frozenset(_names(route.dependant))
        setattr(route, "_pathways_query_params", cached)
    return cached


async def refuse_unknown_query_params(request: Request) -> None:
    """422 listing every query parameter the matched route does not declare."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.path.startswith(EXEMPT):
        return
    allowed = declared_query_params(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        raise InvalidInput([Problem(f"query.{name}", f"unknown query parameter (this route takes: {expected})") for name in unknown])
