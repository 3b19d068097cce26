"""``/graph``: import a ``pathways/1`` document, export the whole graph (admin and council)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..auth import forbid
from ..dependencies import Body, Cache, CurrentStore, Writer
from ..openapi import WRITE_RESPONSES, json_body_schema
from ..writes import import_graph

__all__ = ["router"]

router = APIRouter(prefix="/graph", tags=["graph"])


@router.get("", summary="Export the whole graph as one pathways/1 document (admin, council)", responses=WRITE_RESPONSES)
def export(role: Writer, store: CurrentStore) -> dict[str, Any]:
    if not role.may_read_audit():
        raise forbid(role, "export the whole graph (admin and council may)")
    return store.export().to_json()


@router.post("", summary="Import a pathways/1 document: merge by id, all or nothing", responses=WRITE_RESPONSES,
             openapi_extra=json_body_schema("Document"))
def post(role: Writer, body: Body, store: CurrentStore, cache: Cache) -> dict[str, Any]:
    """Admin: any document. Registrar: no institutions, and every node and rule in scope.

    Returns the graph version after the import and every entity created or updated (the
    fields each changed are in the audit log, ``GET /audit?entity=``).
    """
    summary = import_graph(store, cache, role, body)
    return {"version": summary.version, "counts": summary.counts(), "changes": [c.summary_json() for c in summary.changes]}
