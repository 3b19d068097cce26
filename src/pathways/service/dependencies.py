"""What routes receive by injection: the store, the engine cache, the caller's role, the body.

Everything hangs off ``app.state`` (set by :func:`~pathways.service.app.create_app`), so
two apps in one process (as in the tests) never share a store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..store import Store
from .auth import Role, require_role
from .tokens import Tokens
from .engine_cache import EngineCache
from .errors import parse_json_body
from .limits import Limits
from .work import Work

__all__ = ["AppLimits", "Body", "Cache", "Caller", "CurrentStore", "RequestWork", "Writer", "bearer", "caller", "json_body",
           "request_work"]

bearer = HTTPBearer(auto_error=False, description="a token from PATHWAYS_TOKENS_FILE; writes, GET /graph and GET /audit need one")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _cache(request: Request) -> EngineCache:
    cache: EngineCache = request.app.state.engine_cache
    return cache


def _limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def request_work(request: Request) -> AsyncIterator[Work]:
    """The request's engine work: off the loop, under the app's time limit, watched for a
    client that leaves (see :mod:`~pathways.service.work`)."""
    work = Work(deadline=request.app.state.limits.deadline(), request=request)
    try:
        yield work
    finally:
        work.close()


def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Role | None:
    """The role of the request's bearer token, ``None`` without one (401 for an unknown token)."""
    tokens: Tokens = request.app.state.tokens
    role = tokens.role_for(f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization"))
    if role is not None:
        request.state.role = role.name  # for the access log (service/observe.py)
    return role


def _writer(role: Annotated[Role | None, Depends(caller)]) -> Role:
    return require_role(role)


async def json_body(request: Request) -> Any:
    """The request body decoded as JSON (422 naming the problem when it is not JSON)."""
    return parse_json_body(await request.body())


CurrentStore = Annotated[Store, Depends(_store)]
Cache = Annotated[EngineCache, Depends(_cache)]
Caller = Annotated[Role | None, Depends(caller)]
Writer = Annotated[Role, Depends(_writer)]
Body = Annotated[Any, Depends(json_body)]
AppLimits = Annotated[Limits, Depends(_limits)]
RequestWork = Annotated[Work, Depends(request_work)]
