"""``/nodes``: filtered pages, one node, create or replace, and what a node counts toward."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ...model import NodeKind
from ...store import NodeQuery
from ..dependencies import AppLimits, Body, Cache, CurrentStore, MergePatch, RequestWork, Writer
from ..openapi import NodeId, answered, answers, created_or_replaced, json_body_schema, merge_patch_schema
from ..queries import reach_json, search_nodes, unknown_node
from ..responses import FastJSONResponse
from ..paging import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, page
from ..writes import entity_body, patch_node, put_node
from .paths import ID

__all__ = ["router"]

router = APIRouter(prefix="/nodes", tags=["nodes"])


@router.get("", summary="Nodes, filtered and paged by id", responses=answers(422, 503))
def list_nodes(
    store: CurrentStore,
    cache: Cache,
    kind: NodeKind | None = None,
    institution: str | None = None,
    q: Annotated[str | None, Query(description="search, case-insensitively: every word in the id, title or an identifier "
                                                "(a badge URL), or the code without spaces and punctuation")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    if q:
        return page(search_nodes(cache.current(), q, kind, institution, after, limit + 1), limit, lambda n: n.id, lambda n: n.to_json())
    query = NodeQuery(kind=kind, institution=institution, limit=limit + 1, after=after)
    return page(store.list_nodes(query), limit, lambda n: n.id, lambda n: n.to_json())


@router.get(f"/{ID}/counts-toward", summary="What holding this node counts toward (upward reach)",
            responses=answers(404, 422, 503))
async def counts_toward(
    id: NodeId,
    cache: Cache,
    limits: AppLimits,
    work: RequestWork,
    depth: Annotated[int, Query(ge=1, le=10, description="how many rule steps to follow")] = 3,
) -> FastJSONResponse:
    """SPEC section 4's reach: every rule mentioning the node, what it grants, onward to ``depth``
    (within the depth and answer-size limits and the request's deadline)."""
    return await work.run(lambda: FastJSONResponse(reach_json(cache.current(), id, depth, limits=limits, deadline=work.deadline)))


@router.get(f"/{ID}", summary="One node", responses={**answered("Node", "the node"), **answers(404, 503)})
def get_node(id: NodeId, store: CurrentStore, cache: Cache) -> dict[str, Any]:
    """404 for an unknown id names the nodes it may have meant (``suggestions``)."""
    node = store.get_node(id)
    if node is None:
        raise unknown_node(cache.current(), id)
    return node.to_json()


@router.put(f"/{ID}", summary="Create or replace a node (admin, or registrar of its institution)",
            responses={**created_or_replaced("Node"), **answers(401, 403, 413, 422, 503)},
            openapi_extra=json_body_schema("NodeBody"))
def put(id: NodeId, role: Writer, body: Body, store: CurrentStore, cache: Cache, response: Response) -> dict[str, Any]:
    """The body is the node's ``pathways/1`` JSON; its ``id`` may be left out (taken from the URL)."""
    written = put_node(store, cache, role, entity_body(body, id, ""))
    response.status_code = 201 if written.created else 200
    return written.entity.to_json()


@router.patch(f"/{ID}", summary="Update some fields of a node (admin, or registrar of its institution)",
              responses={**answered("Node", "the node as patched"), **answers(401, 403, 404, 413, 415, 422, 503)},
              openapi_extra=merge_patch_schema("Node"))
def patch(id: NodeId, role: Writer, body: MergePatch, store: CurrentStore, cache: Cache) -> dict[str, Any]:
    """A JSON Merge Patch (RFC 7396): the fields it names replace the stored ones, ``null``
    removes one, the rest stay. The merged node is validated and scoped as a ``PUT`` of it."""
    return patch_node(store, cache, role, id, body).entity.to_json()
