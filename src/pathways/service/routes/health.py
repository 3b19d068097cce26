"""``GET /health``: liveness plus what the store holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..dependencies import CurrentStore
from ..openapi import answers

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service and store status", responses=answers(503))
def health(store: CurrentStore) -> dict[str, Any]:
    """``{"status": "ok", "store": "sqlite"|"neo4j", "nodes": n, "rules": m}``."""
    counts = store.counts()
    return {"status": "ok", "store": store.kind, "nodes": counts["nodes"], "rules": counts["rules"]}
