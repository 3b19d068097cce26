"""``/rules``: filtered pages, one rule, create or replace, retire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ...errors import NotFound
from ...model import RuleKind, RuleStatus
from ...store import RuleQuery
from ..dependencies import Body, Cache, CurrentStore, MergePatch, Writer
from ..openapi import RuleId, answered, answers, created_or_replaced, json_body_schema, merge_patch_schema
from ..paging import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, page
from ..writes import entity_body, patch_rule, put_rule, retire_rule
from .paths import ID

__all__ = ["router"]

router = APIRouter(prefix="/rules", tags=["rules"])


@router.get("", summary="Rules, filtered and paged by id", responses=answers(422, 503))
def list_rules(
    store: CurrentStore,
    granted_by: str | None = None,
    kind: RuleKind | None = None,
    status: RuleStatus | None = None,
    touches: Annotated[str | None, Query(description="a node id the rule requires or grants")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query = RuleQuery(granted_by=granted_by, kind=kind, status=status, touches=touches, limit=limit + 1, after=decode_cursor(cursor))
    return page(store.list_rules(query), limit, lambda r: r.id, lambda r: r.to_json())


@router.get(f"/{ID}", summary="One rule", responses={**answered("Rule", "the rule"), **answers(404, 503)})
def get_rule(id: RuleId, store: CurrentStore) -> dict[str, Any]:
    rule = store.get_rule(id)
    if rule is None:
        raise NotFound("rule", id)
    return rule.to_json()


@router.put(f"/{ID}", summary="Create or replace a rule (admin, or registrar of granted_by)",
            responses={**created_or_replaced("Rule"), **answers(401, 403, 413, 422, 503)},
            openapi_extra=json_body_schema("RuleBody"))
def put(id: RuleId, role: Writer, body: Body, store: CurrentStore, cache: Cache, response: Response) -> dict[str, Any]:
    """The body is the rule's ``pathways/1`` JSON; its ``id`` may be left out (taken from the URL)."""
    written = put_rule(store, cache, role, entity_body(body, id, ""))
    response.status_code = 201 if written.created else 200
    return written.entity.to_json()


@router.patch(f"/{ID}", summary="Update some fields of a rule (admin, or registrar of granted_by)",
              responses={**answered("Rule", "the rule as patched"), **answers(401, 403, 404, 413, 415, 422, 503)},
              openapi_extra=merge_patch_schema("Rule"))
def patch(id: RuleId, role: Writer, body: MergePatch, store: CurrentStore, cache: Cache) -> dict[str, Any]:
    """A JSON Merge Patch (RFC 7396): the fields it names replace the stored ones, ``null``
    removes one, the rest stay. The merged rule is validated and scoped as a ``PUT`` of it."""
    return patch_rule(store, cache, role, id, body).entity.to_json()


@router.delete(f"/{ID}", summary="Retire a rule: its agreement ends on `date` (sets valid_to; the rule is kept)",
               responses={**answered("Rule", "the rule as retired"), **answers(401, 403, 404, 422, 503)})
def retire(
    id: RuleId,
    role: Writer,
    store: CurrentStore,
    cache: Cache,
    date: Annotated[dt.date | None, Query(description="the last day the agreement is in force (default today)")] = None,
) -> dict[str, Any]:
    """Learning completed on or before ``date`` still counts; a rule that would end before it
    starts is withdrawn entirely (status ``retired``)."""
    return retire_rule(store, cache, role, id, date=date).entity.to_json()
