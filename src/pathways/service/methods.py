"""``HEAD``, ``OPTIONS`` and ``Allow`` as HTTP says (RFC 9110 sections 9.3.2, 9.3.7, 15.5.6).

FastAPI routes answer only the methods they declare, and a path served by several routes
(``GET`` and ``PUT /nodes/{id}``) answers a wrong method with the ``Allow`` of whichever
route matched first. Here, in one place for every route: ``HEAD`` runs the ``GET`` and sends
its status and headers without the body; ``OPTIONS`` answers 204 with ``Allow``; and
:func:`allowed_methods` gives the ``Allow`` of a 405, the union over every route of the path.

Example:
    >>> from fastapi import FastAPI
    >>> app = FastAPI()
    >>> _ = app.get("/nodes/{id}")(lambda id: id)
    >>> _ = app.put("/nodes/{id}")(lambda id: id)
    >>> allowed_methods(app.router.routes, {"type": "http", "method": "POST", "path": "/nodes/X"})
    ['GET', 'HEAD', 'OPTIONS', 'PUT']
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HttpMethods", "allowed_methods"]


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route answers on ``scope``'s path, sorted; empty when no route has the path.

    Each method is tried against each route (an included router matches for the routes it
    holds). ``HEAD`` comes with ``GET``, and ``OPTIONS`` with any method: :class:`HttpMethods`
    answers both.
    """
    methods = {
        method for method in _METHODS
        if any(route.matches({**scope, "type": "http", "method": method})[0] == Match.FULL for route in routes)
    }
    if "GET" in methods:
        methods.add("HEAD")
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)


class HttpMethods:
    """ASGI middleware answering ``OPTIONS`` and turning ``HEAD`` into a ``GET`` without a body.

    ``routes`` is the app's route list (read on each request, so routes added later count).
    A path no route serves goes on to the app, which answers 404.
    """

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        allowed = allowed_methods(self.routes, scope)
        if method == "OPTIONS" and allowed:
            await send({"type": "http.response.start", "status": 204,
                        "headers": [(b"allow", ", ".join(allowed).encode())]})
            await send({"type": "http.response.body", "body": b""})
        elif method == "HEAD" and "GET" in allowed:
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
        else:
            await self.app(scope, receive, send)


def _without_body(send: Send) -> Send:
    """``send`` with every body chunk emptied: a ``HEAD`` answer keeps the ``GET``'s headers only."""

    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers_only
