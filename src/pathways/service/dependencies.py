"""What routes receive by injection: the store, the engine cache, the caller's role, the body.

Everything hangs off ``app.state`` (set by :func:`~pathways.service.app.create_app`), so
two apps in one process (as in the tests) never share a store. Every dependency is a
coroutine: none blocks, and FastAPI runs a plain function dependency in its thread pool, a
thread hop per dependency per request (a dozen per ``POST /evaluate``, more CPU than a small
evaluation).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..errors import UnsupportedMediaType
from ..settings import Settings
from ..store import Store
from .auth import Role, require_role
from .tokens import Tokens
from .engine_cache import EngineCache
from .errors import parse_json_body
from .limits import Limits
from .work import Work

__all__ = [
    "MERGE_PATCH_JSON",
    "AppLimits",
    "Body",
    "Cache",
    "Caller",
    "CurrentSettings",
    "CurrentStore",
    "MergePatch",
    "RequestWork",
    "Writer",
    "bearer",
    "caller",
    "json_body",
    "merge_patch_body",
    "request_work",
]

MERGE_PATCH_JSON = "application/merge-patch+json"
"""RFC 7396's media type; ``PATCH`` routes take it, and plain ``application/json`` too."""

bearer = HTTPBearer(auto_error=False, description="a token from PATHWAYS_TOKENS_FILE; writes, GET /graph and GET /audit need one")


async def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _cache(request: Request) -> EngineCache:
    cache: EngineCache = request.app.state.engine_cache
    return cache


async def _limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def request_work(request: Request) -> AsyncIterator[Work]:
    """The request's engine work: off the loop, under the app's time limit, watched for a
    client that leaves (see :mod:`~pathways.service.work`)."""
    work = Work(deadline=request.app.state.limits.deadline(), lane=request.app.state.engine_lane, request=request)
    try:
        yield work
    finally:
        work.close()


async def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Role | None:
    """The role of the request's bearer token, ``None`` without one (401 for an unknown token)."""
    tokens: Tokens = request.app.state.tokens
    role = tokens.role_for(f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization"))
    if role is not None:
        request.state.role = role.name  # for the access log (service/observe.py)
    return role


async def _writer(role: Annotated[Role | None, Depends(caller)]) -> Role:
    return require_role(role)


async def json_body(request: Request) -> Any:
    """The request body decoded as JSON (422 naming the problem when it is not JSON)."""
    return parse_json_body(await request.body())


async def merge_patch_body(request: Request) -> Any:
    """A ``PATCH`` body: JSON sent as ``application/merge-patch+json`` or ``application/json``
    (415 for another type, such as RFC 6902's ``application/json-patch+json``)."""
    media_type = request.headers.get("content-type", MERGE_PATCH_JSON).split(";")[0].strip().lower()
    if media_type not in (MERGE_PATCH_JSON, "application/json"):
        raise UnsupportedMediaType(f"a PATCH body must be {MERGE_PATCH_JSON} (or application/json), not {media_type}")
    return parse_json_body(await request.body())


CurrentStore = Annotated[Store, Depends(_store)]
CurrentSettings = Annotated[Settings, Depends(_settings)]
Cache = Annotated[EngineCache, Depends(_cache)]
Caller = Annotated[Role | None, Depends(caller)]
Writer = Annotated[Role, Depends(_writer)]
Body = Annotated[Any, Depends(json_body)]
AppLimits = Annotated[Limits, Depends(_limits)]
RequestWork = Annotated[Work, Depends(request_work)]
MergePatch = Annotated[Any, Depends(merge_patch_body)]
