"""Every error the service returns, rendered in one place as ``application/problem+json``.

Each :class:`~pathways.errors.PathwaysError` subclass maps to one HTTP status; FastAPI's own
validation errors (a query parameter of the wrong type) and malformed JSON bodies become
422 problems whose ``errors`` name the field. GraphQL errors carry the same problem object
in their ``extensions`` (:func:`problem_json`), so a client handles both APIs alike.

Example:
    >>> from pathways.errors import NotFound
    >>> problem_json(NotFound("node", "UFV:XX"))["status"]
    404
    >>> status_for(InvalidInput.one("limit", "too big"))
    422
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (
    DeadlineExceeded,
    Forbidden,
    InvalidInput,
    NotFound,
    PathwaysError,
    PayloadTooLarge,
    PlanUnproven,
    Problem,
    StoreError,
    Unauthenticated,
    UnsupportedMediaType,
)
from ..io.json_text import decode_json
from .methods import allowed_methods

__all__ = [
    "MAX_BODY_BYTES",
    "RETRY_AFTER_SECONDS",
    "PROBLEM_JSON",
    "BodyLimit",
    "install_error_handlers",
    "parse_json_body",
    "problem_json",
    "problem_response",
    "status_for",
]

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 10 * 1024 * 1024
"""Request bodies larger than this get 413 (SPEC: 10 MB)."""

RETRY_AFTER_SECONDS = 5
"""What a 503 for a deadline says in ``Retry-After``: the service was busy, or the question large."""

_STATUS: tuple[tuple[type[PathwaysError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (PlanUnproven, 503),
    (DeadlineExceeded, 503),
    (StoreError, 503),
)


def status_for(err: PathwaysError) -> int:
    """The HTTP status of a pathways error (500 for one this table does not know)."""
    for cls, status in _STATUS:
        if isinstance(err, cls):
            return status
    return 500


def _type_uri(err: PathwaysError) -> str:
    name = type(err).__name__
    slug = "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")
    return f"https://pathways.example.org/problems/{slug}"


def problem_json(err: PathwaysError) -> dict[str, Any]:
    """The RFC 9457 problem object of ``err``: type, title, status, detail, errors."""
    problems = err.problems if isinstance(err, InvalidInput) else []
    out: dict[str, Any] = {
        "type": _type_uri(err),
        "title": err.title,
        "status": status_for(err),
        "detail": err.detail,
        "errors": [p.as_json() for p in problems],
    }
    if isinstance(err, NotFound) and err.suggestions:
        out["suggestions"] = list(err.suggestions)  # "did you mean", for an unknown node id
    return out


def problem_response(err: PathwaysError) -> Response:
    """``err`` as an HTTP response; 401 also says how to authenticate, a deadline's 503 when to retry."""
    headers = None
    if isinstance(err, Unauthenticated):
        headers = {"WWW-Authenticate": 'Bearer realm="pathways"'}
    elif isinstance(err, DeadlineExceeded):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(problem_json(err), status_code=status_for(err), media_type=PROBLEM_JSON, headers=headers)


def _validation_problems(err: RequestValidationError) -> list[Problem]:
    problems = []
    for e in err.errors():
        path = ""
        for part in e.get("loc", ()):
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        problems.append(Problem(path, str(e.get("msg", "invalid"))))
    return problems or [Problem("", "invalid request")]


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through :func:`problem_response`."""

    async def on_pathways_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PathwaysError)
        return problem_response(exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(InvalidInput(_validation_problems(exc)))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # the Allow of every route on the path, not only of the route Starlette matched first
            headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
        return _plain_problem(exc.status_code, str(exc.detail), headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # a bug: answered as a problem like every other error, the traceback logged by the server
        return _plain_problem(500, "an unexpected error; it has been logged", {})

    app.add_exception_handler(PathwaysError, on_pathways_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def _plain_problem(status: int, detail: str, headers: dict[str, str]) -> Response:
    """A problem of HTTP itself (404 path, 405 method, 400 from GraphQL, 500): no pathways error type."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "errors": []}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def parse_json_body(raw: bytes) -> Any:
    """Decode a JSON request body, or raise a 422 problem naming what is wrong with it.

    Hostile bodies (nesting thousands deep, integers of thousands of digits, ``NaN``) are
    refused here, by :func:`~pathways.io.json_text.decode_json`, for every route and GraphQL.
    """
    return decode_json(raw)


class BodyLimit:
    """ASGI middleware: 413 for a body whose Content-Length, or streamed size, exceeds the limit.

    The declared length is checked before the app runs; a chunked body is counted as it
    streams, and the read that crosses the limit raises :class:`PayloadTooLarge`, which the
    app's handlers render. Nothing is written in either case: writes happen after the body
    has been read whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"request body over the limit of {self.max_bytes} bytes")
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await problem_response(too_large)(scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge as err:
            if started:
                raise
            await problem_response(err)(scope, receive, send)
