"""``POST /evaluate``, ``POST /destinations`` and ``POST /plan``: open to everyone, run on the current engine."""

from __future__ import annotations

from fastapi import APIRouter

from ..dependencies import Body, Cache
from ..openapi import INPUT_RESPONSES, json_body_schema
from ..queries import destinations_json, evaluation_json, plan_json
from ..responses import FastJSONResponse

__all__ = ["router"]

router = APIRouter(tags=["evaluation"])


@router.post("/evaluate", summary="What do these holdings count toward? (SPEC section 4)", responses=INPUT_RESPONSES,
             openapi_extra=json_body_schema("ShapedEvaluationRequest"))
def post_evaluate(body: Body, cache: Cache) -> FastJSONResponse:
    """A bare JSON list is taken as ``holdings``; holdings dated after ``as_of`` are a 422.

    Progress is ranked (largest fraction, then fewest credits still needed) and cut to
    ``progress_limit`` (default 20), with ``progress_total``; ``nodes`` gives every node the
    answer mentions its title, kind, credits and institution name.
    """
    # the engine's JSON is plain data: returned as is (no per-value encoder), rendered by orjson
    return FastJSONResponse(evaluation_json(cache.current(), body))


@router.post("/destinations", summary="Where do these holdings' credits go? Institution by institution, best first",
             responses=INPUT_RESPONSES, openapi_extra=json_body_schema("EvaluationRequest"))
def post_destinations(body: Body, cache: Cache) -> FastJSONResponse:
    """Per institution: credits granted there, share of the learner's credits accepted, credentials reached, closest progress."""
    return FastJSONResponse(destinations_json(cache.current(), body))


@router.post("/plan", summary="Cheapest or shortest route to a target (SPEC section 5)", responses=INPUT_RESPONSES,
             openapi_extra=json_body_schema("PlanRequest"))
def post_plan(body: Body, cache: Cache) -> FastJSONResponse:
    return FastJSONResponse(plan_json(cache.current(), body))
