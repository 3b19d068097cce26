"""``/institutions``: list, read, and create or replace (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ...errors import NotFound
from ..dependencies import Body, Cache, CurrentStore, Writer
from ..openapi import InstitutionId, answered, answers, created_or_replaced, json_body_schema
from ..writes import entity_body, put_institution
from .paths import ID

__all__ = ["router"]

router = APIRouter(prefix="/institutions", tags=["institutions"])


@router.get("", summary="Every institution, by id", responses=answers(503))
def list_institutions(store: CurrentStore) -> dict[str, Any]:
    """All institutions in one page (there are tens, not thousands)."""
    return {"items": [i.to_json() for i in store.list_institutions()], "next_cursor": None}


@router.get(f"/{ID}", summary="One institution",
            responses={**answered("Institution", "the institution"), **answers(404, 503)})
def get_institution(id: InstitutionId, store: CurrentStore) -> dict[str, Any]:
    inst = store.get_institution(id)
    if inst is None:
        raise NotFound("institution", id)
    return inst.to_json()


@router.put(f"/{ID}", summary="Create or replace an institution (admin)",
            responses={**created_or_replaced("Institution"), **answers(401, 403, 413, 422, 503)},
            openapi_extra=json_body_schema("InstitutionBody"))
def put(id: InstitutionId, role: Writer, body: Body, store: CurrentStore, cache: Cache, response: Response) -> dict[str, Any]:
    """The body is the institution's ``pathways/1`` JSON; its ``id`` may be left out (taken from the URL)."""
    written = put_institution(store, cache, role, entity_body(body, id, ""))
    response.status_code = 201 if written.created else 200
    return written.entity.to_json()
