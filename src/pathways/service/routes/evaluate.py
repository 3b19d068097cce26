"""``POST /evaluate`` and ``POST /plan``: open to everyone, run on the current engine."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..dependencies import Body, Cache
from ..openapi import INPUT_RESPONSES, json_body_schema
from ..queries import evaluation_json, plan_json

__all__ = ["router"]

router = APIRouter(tags=["evaluation"])


@router.post("/evaluate", summary="What do these holdings count toward? (SPEC section 4)", responses=INPUT_RESPONSES,
             openapi_extra=json_body_schema("EvaluationRequest"))
def post_evaluate(body: Body, cache: Cache) -> JSONResponse:
    """A bare JSON list is taken as ``holdings``; holdings dated after ``as_of`` are a 422.

    The engine's JSON is already plain data: it is returned as is, skipping FastAPI's
    per-value encoder, which cost more than the evaluation on large answers.
    """
    return JSONResponse(evaluation_json(cache.current(), body))


@router.post("/plan", summary="Cheapest or shortest route to a target (SPEC section 5)", responses=INPUT_RESPONSES,
             openapi_extra=json_body_schema("PlanRequest"))
def post_plan(body: Body, cache: Cache) -> JSONResponse:
    return JSONResponse(plan_json(cache.current(), body))
