"""``POST /evaluate`` and ``POST /plan``: open to everyone, run on the current engine."""

from __future__ import annotations

from fastapi import APIRouter

from ..dependencies import Body, Cache
from ..openapi import answers, json_body_schema
from ..queries import evaluation_json, plan_json
from ..responses import FastJSONResponse

__all__ = ["router"]

router = APIRouter(tags=["evaluation"])

_UNPROVEN = ("no plan proven optimal (or none proven to exist) within the planner's limits "
             "(type .../problems/plan-unproven: ask a narrower question), or the store failed")


@router.post("/evaluate", summary="What do these holdings count toward? (SPEC section 4)",
             responses=answers(413, 422, 503),
             openapi_extra=json_body_schema("EvaluationRequest", or_list_of="Holding"))
def post_evaluate(body: Body, cache: Cache) -> FastJSONResponse:
    """A bare JSON list is taken as ``holdings``; holdings dated after ``as_of`` are a 422."""
    # the engine's JSON is plain data: returned as is (no per-value encoder), rendered by orjson
    return FastJSONResponse(evaluation_json(cache.current(), body))


@router.post("/plan", summary="Cheapest or shortest route to a target (SPEC section 5)",
             responses=answers(404, 413, 422, (503, _UNPROVEN)),
             openapi_extra=json_body_schema("PlanRequest"))
def post_plan(body: Body, cache: Cache) -> FastJSONResponse:
    """404 when ``target`` is no node of the graph; 503 when no plan was proven within the limits."""
    return FastJSONResponse(plan_json(cache.current(), body))
