"""``POST /evaluate``, ``POST /destinations`` and ``POST /plan``: open to everyone, run on the
current engine off the event loop, within the cost limits and the request's deadline."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..openapi import answers, json_body_schema
from ..queries import destinations_json, evaluation_json, plan_json
from ..responses import FastJSONResponse
from ..work import engine_answer

__all__ = ["router"]

router = APIRouter(tags=["evaluation"])

_UNPROVEN = ("no plan proven optimal (or none proven to exist) within the planner's limits "
             "(type .../problems/plan-unproven: ask a narrower question), or the store failed")

@router.post("/evaluate", summary="What do these holdings count toward? (SPEC section 4)", responses=answers(413, 422, 503),
             openapi_extra=json_body_schema("ShapedEvaluationRequest", or_list_of="Holding"))
async def post_evaluate(request: Request) -> FastJSONResponse:
    """A bare JSON list is taken as ``holdings``; holdings dated after ``as_of`` are a 422, more
    than the holdings limit too; past the request time limit a 503.

    Progress is ranked (largest fraction, then fewest credits still needed) and cut to
    ``progress_limit`` (default 20), with ``progress_total``; ``nodes`` gives every node the
    answer mentions its title, kind, credits and institution name.
    """
    return await engine_answer(request, evaluation_json, short=True)


@router.post("/destinations", summary="Where do these holdings' credits go? Institution by institution, best first",
             responses=answers(413, 422, 503), openapi_extra=json_body_schema("EvaluationRequest", or_list_of="Holding"))
async def post_destinations(request: Request) -> FastJSONResponse:
    """Per institution: credits granted there, share of the learner's credits accepted, credentials reached, closest progress."""
    return await engine_answer(request, destinations_json, short=True)


@router.post("/plan", summary="Cheapest or shortest route to a target (SPEC section 5)",
             responses=answers(404, 413, 422, (503, _UNPROVEN)),
             openapi_extra=json_body_schema("PlanRequest"))
async def post_plan(request: Request) -> FastJSONResponse:
    """404 when ``target`` is no node of the graph; 503 when no plan was proven within the limits."""
    return await engine_answer(request, plan_json)
