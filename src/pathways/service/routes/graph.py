"""``/graph``: import a ``pathways/1`` document, export the whole graph (admin and council)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..auth import forbid
from ..dependencies import Body, Cache, CurrentStore, Writer
from ..openapi import answered, answers, json_body_schema
from ..writes import import_graph

__all__ = ["router"]

router = APIRouter(prefix="/graph", tags=["graph"])


@router.get("", summary="Export the whole graph as one pathways/1 document (admin, council)",
            responses={**answered("Document", "the whole graph, entities sorted by id"), **answers(401, 403, 503)})
def export(role: Writer, store: CurrentStore) -> dict[str, Any]:
    if not role.may_read_audit():
        raise forbid(role, "export the whole graph (admin and council may)")
    return store.export().to_json()


@router.post("", summary="Import a pathways/1 document: merge by id, all or nothing",
             responses=answers(401, 403, 413, 422, 503),
             openapi_extra=json_body_schema("Document"))
def post(role: Writer, body: Body, store: CurrentStore, cache: Cache) -> dict[str, Any]:
    """Admin: any document. Registrar: no institutions, and every node and rule in scope.

    Returns the graph version after the import and every entity created or updated.
    """
    summary = import_graph(store, cache, role, body)
    return {"version": summary.version, "counts": summary.counts(), "changes": [c.as_json() for c in summary.changes]}
