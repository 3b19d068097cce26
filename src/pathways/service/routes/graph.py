"""``/graph``: import a ``pathways/1`` document or a transfer-guide table, export the whole graph."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from ...errors import InvalidInput
from ..auth import forbid
from ..dependencies import Cache, CurrentStore, Writer
from ..errors import parse_json_body
from ..openapi import answered, answers
from ..writes import import_graph, import_transfer_table

__all__ = ["router"]

router = APIRouter(prefix="/graph", tags=["graph"])

_CSV = "text/csv"
_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Document"}},
    _CSV: {"schema": {"type": "string", "description": "a transfer-guide table; see docs/import.md for the layouts and the notation"}},
}}}


async def _raw_body(request: Request) -> tuple[str, bytes]:
    """The body's media type (without parameters) and its bytes."""
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower(), await request.body()


RawBody = Annotated[tuple[str, bytes], Depends(_raw_body)]


@router.get("", summary="Export the whole graph as one pathways/1 document (admin, council)",
            responses={**answered("Document", "the whole graph, entities sorted by id"), **answers(401, 403, 503)})
def export(role: Writer, store: CurrentStore) -> dict[str, Any]:
    if not role.may_read_audit():
        raise forbid(role, "export the whole graph (admin and council may)")
    return store.export().to_json()


@router.post("", summary="Import a pathways/1 document, or a transfer-guide table (text/csv): merge by id, all or nothing",
             responses=answers(401, 403, 413, 422, 503), openapi_extra=_BODY)
def post(role: Writer, body: RawBody, store: CurrentStore, cache: Cache,
         layout: Annotated[Literal["bctg"], Query(description="with a text/csv body: the table's layout")] = "bctg") -> dict[str, Any]:
    """Admin: any document. Registrar: no institutions, and every node and rule in scope.

    With ``Content-Type: text/csv`` the body is a transfer-guide table: every bad row is a
    422 problem naming its line and column, and nothing is written. Returns the graph version
    after the import and every entity created or updated (for a table, also the rows read
    and the "No credit" rows the rule model could not hold); the fields each changed are in
    the audit log (``GET /audit?entity=``).
    """
    media_type, raw = body
    if media_type == _CSV:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput.one("", "request body is not UTF-8") from None
        summary, table = import_transfer_table(store, cache, role, text, layout)
        return {"version": summary.version, "counts": summary.counts(), "changes": [c.summary_json() for c in summary.changes],
                "rows": table.rows, "no_credit_not_written": [
                    {"line": r.line, "sending": r.sending, "receiving_institution": r.receiving_institution} for r in table.no_credit]}
    summary = import_graph(store, cache, role, parse_json_body(raw))
    return {"version": summary.version, "counts": summary.counts(), "changes": [c.summary_json() for c in summary.changes]}
