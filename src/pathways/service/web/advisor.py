"""The advisor's page: pick a target, get the best plans in steps, compare them, share by URL.

``GET /advisor?target=&objective=&alternatives=&held=&as_of=`` plans with the same function
as ``POST /plan``; the page's URL is the plan's link (every input is in the query string).
Each plan is shown as steps in order (the planner's ``sequence``: what can be taken together),
with hours, cost and credits per item, and what each step earns.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...errors import PathwaysError
from ..dependencies import AppLimits, Cache, RequestWork
from ..engine_cache import Snapshot
from ..queries import plan_json, unknown_node
from .rendering import render, summaries

__all__ = ["OBJECTIVES", "router", "steps"]

router = APIRouter(prefix="/advisor", include_in_schema=False)

OBJECTIVES: dict[str, str] = {"cost": "lowest cost ($)", "hours": "fewest hours", "credits": "fewest credits", "items": "fewest courses"}
TARGET_KINDS = ("credential", "micro_credential", "admission")


def steps(option: dict[str, Any], held: set[str]) -> list[dict[str, Any]]:
    """A plan's steps: the items of each step of its ``sequence`` and the grants that step completes.

    A grant belongs to the first step after which every item of its lineage is held.

    >>> plan = {"sequence": [["A"], ["B"]], "granted": [{"node": "X", "lineage": ["A", "B"]}, {"node": "Y", "lineage": ["A"]}]}
    >>> [(s["items"], [g["node"] for g in s["earns"]]) for s in steps(plan, set())]
    [(['A'], ['Y']), (['B'], ['X'])]
    """
    when: dict[str, int] = {n: -1 for n in held}
    out = []
    for i, items in enumerate(option["sequence"]):
        for item in items:
            when.setdefault(item, i)
        out.append({"items": items, "earns": []})
    for g in option["granted"]:
        step = max((when.get(n, len(out) - 1) for n in g["lineage"]), default=-1)
        if out:
            out[max(step, 0)]["earns"].append(g)
    return out


def _targets(snapshot: Snapshot) -> list[dict[str, Any]]:
    return sorted((s for s in snapshot.summaries.values() if s["kind"] in TARGET_KINDS), key=lambda s: s["id"])


@router.get("", response_class=HTMLResponse)
async def advisor_page(request: Request, cache: Cache, limits: AppLimits, work: RequestWork,
                       target: Annotated[str, Query(max_length=200)] = "",
                       objective: Annotated[str, Query(max_length=20)] = "cost",
                       alternatives: Annotated[int, Query(ge=1, le=5)] = 3,
                       held: Annotated[str, Query(max_length=5000)] = "",
                       as_of: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    snapshot = cache.current()
    holdings = [h.strip() for h in held.replace(",", "\n").splitlines() if h.strip()]
    context: dict[str, Any] = {"target": target, "objective": objective, "alternatives": alternatives, "held": "\n".join(holdings),
                               "as_of": as_of, "objectives": OBJECTIVES, "targets": _targets(snapshot), "answer": None,
                               "error": None}
    if target:
        body: dict[str, Any] = {"target": target, "objective": objective, "alternatives": alternatives,
                                "holdings": [{"node": h, "grade": "A"} for h in holdings]}
        if as_of:
            body["as_of"] = as_of
        try:
            if target not in snapshot.engine.nodes:
                raise unknown_node(snapshot, target)
            answer = await work.run(lambda: plan_json(snapshot, body, limits=limits, deadline=work.deadline))
        except PathwaysError as err:
            context["error"] = err
        else:
            mentioned = {target, *holdings} | {n for p in answer["plans"] for n in p["items"]}
            mentioned |= {g["node"] for p in answer["plans"] for g in p["granted"]}
            engine_nodes = snapshot.engine.nodes
            context |= {"answer": answer, "nodes": summaries(snapshot, mentioned),
                        "costs": {n: (engine_nodes[n].hours, engine_nodes[n].cost) for n in mentioned if n in engine_nodes},
                        "plans": [{"option": p, "steps": steps(p, set(holdings)), "facts": _facts(snapshot, p["items"])}
                                  for p in answer["plans"]]}
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "advisor_plans.html" if partial else "advisor.html", **context)


def _facts(snapshot: Snapshot, items: list[str]) -> dict[str, float]:
    nodes = [snapshot.engine.nodes[i] for i in items]
    return {"hours": sum(float(n.hours or 0) for n in nodes), "cost": sum(float(n.cost or 0) for n in nodes),
            "credits": sum(float(n.credits) for n in nodes), "items": len(nodes)}
