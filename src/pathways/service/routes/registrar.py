"""``POST /impact`` (what a rule change would gain and lose, before it is made) and
``GET /validate`` (the registrar checks): open to anyone, they write nothing. Both run off the
event loop under the request's deadline (503 with ``Retry-After`` past it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ..dependencies import AppLimits, Cache, CurrentSettings, RequestWork
from ..openapi import answers
from ..queries import impact_json, validation_json
from ..responses import FastJSONResponse
from ..work import engine_answer

__all__ = ["router"]

router = APIRouter(tags=["registrar"])

_PAIRS = {"type": "array", "items": {"type": "object", "required": ["source", "target"],
                                     "properties": {"source": {"type": "string"}, "target": {"type": "string"}}}}
_ROUTES = {"type": "array", "items": {"type": "object", "required": ["credential", "rule", "source"],
                                      "properties": {k: {"type": "string"} for k in ("credential", "rule", "source")}}}


def _listed(items: dict[str, Any], what: str) -> dict[str, Any]:
    return {"type": "object", "required": ["gained", "lost", "gained_total", "lost_total"],
            "description": f"{what} gained and lost: at most PATHWAYS_IMPACT_MAX_LISTED of each, in order, beside exact totals",
            "properties": {"gained": items, "lost": items, "gained_total": {"type": "integer"}, "lost_total": {"type": "integer"}}}


_IMPACT_REQUEST: dict[str, Any] = {
    "description": "exactly one of: end a rule on a date (default today), or a whole proposed rule (upsert by its id)",
    "oneOf": [
        {"type": "object", "required": ["end"], "additionalProperties": False,
         "properties": {"end": {"type": "string", "description": "a rule id"}, "date": {"type": "string", "format": "date"}}},
        {"type": "object", "required": ["rule"], "additionalProperties": False,
         "properties": {"rule": {"$ref": "#/components/schemas/Rule"}, "date": {"type": "string", "format": "date"}}},
    ],
}
_IMPACT_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["change", "reach", "routes", "evaluations"],
    "properties": {
        "change": {"type": "object", "description": '{"end": RULE, "date": D} or {"rule": RULE}'},
        "reach": _listed(_PAIRS, "reach pairs"),
        "routes": _listed(_ROUTES, "credentials' routes"),
        "evaluations": {"type": "object", "description": "stored evaluations whose grants would change: pathways keeps none",
                        "properties": {"stored": {"type": "integer"}, "changed": {"type": "integer"}}},
    },
}


@router.post(
    "/impact",
    summary="What ending or upserting a rule would gain and lose: reach pairs and credentials' routes",
    responses={**answers(404, 413, 422, 503),
               200: {"description": "the impact", "content": {"application/json": {"schema": _IMPACT_RESPONSE}}}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _IMPACT_REQUEST}}}},
)
async def post_impact(request: Request) -> FastJSONResponse:
    """Nothing is written. Compared: the rules that count for learning earned after the date
    (approved, not closed by then), before and after the change. Each list holds at most
    ``PATHWAYS_IMPACT_MAX_LISTED`` items, in order; ``gained_total`` and ``lost_total`` are exact."""
    return await engine_answer(request, impact_json)


@router.get("/validate", summary="Registrar checks of the graph: ambiguous, overlapping, inflating, overdue... rules",
            responses=answers(503))
async def get_validate(
    cache: Cache,
    settings: CurrentSettings,
    limits: AppLimits,
    work: RequestWork,
    institution: Annotated[str | None, Query(description="only findings touching rules this institution grants, or its nodes")] = None,
) -> FastJSONResponse:
    """``{"findings": [{"check", "severity", "rules", "nodes", "message"}], "findings_total": N}``,
    errors first, at most ``PATHWAYS_VALIDATE_MAX_LISTED`` findings; pilots are judged against
    ``PATHWAYS_PILOT_REVIEW_YEARS``."""
    return await work.run(lambda: FastJSONResponse(validation_json(cache.current(), institution, deadline=work.deadline, limits=limits,
                                                                   pilot_review_years=settings.pilot_review_years)))
