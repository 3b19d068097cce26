"""The learner's page: find a course or badge, see what it counts toward, build "my learning".

- ``GET /learner?q=&node=``: search by code, title words or badge URL; with ``node``, what
  holding it counts toward, here (its own institution) and elsewhere, each route with its
  agreement's dates, the grade it needs and whether it is a pilot (pilots are shown, marked);
- ``GET /learner/holding?node=``: one row of "my learning" (grade and date to fill in);
- ``POST /learner/badges``: an Open Badges 3.0 or CLR file, dropped or chosen, as rows;
- ``POST /learner/results``: what "my learning" earns: destinations ranked, grants by
  institution, progress with what is missing, and why some agreements did not apply.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...answers import learner_json, requirement_nodes
from ...engine import Deadline
from ...errors import InvalidInput, PathwaysError
from ...io.openbadges import badge_claims
from ...model import Rule
from ...model.grades import LETTERS, PASS
from ..dependencies import AppLimits, Body, Cache, RequestWork
from ..engine_cache import Snapshot
from ..limits import Limits
from ..queries import reach_json
from .rendering import form_data, render, summaries

__all__ = ["grade_needed", "router"]

router = APIRouter(prefix="/learner", include_in_schema=False)

SEARCH_LIMIT = 25
GRADES = ("", PASS, *LETTERS)
"""The grade choices of a row of "my learning" (blank: no grade)."""


def _partial(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _search(snapshot: Snapshot, q: str) -> list[dict[str, Any]]:
    return [snapshot.summaries[n] for n in snapshot.index.search(q)[:SEARCH_LIMIT]]


def grade_needed(rule: Rule, node: str) -> str | None:
    """The ``min_grade`` a rule asks of ``node``, if it asks one.

    >>> r = Rule.model_validate({"id": "R", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:A", "min_grade": "C"},
    ...                          "grants": [{"node": "V:A"}]})
    >>> grade_needed(r, "U:A")
    'C'
    """
    found: list[str] = []

    def walk(req: Any) -> None:
        if isinstance(req, dict):
            if req.get("node") == node and req.get("min_grade"):
                found.append(req["min_grade"])
            for key in ("all", "any", "of"):
                for part in req.get(key) or []:
                    walk(part)

    walk(rule.to_json()["requires"])
    return found[0] if found else None


def counts_toward(snapshot: Snapshot, node: str, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """The reach of ``node`` as the page shows it: targets here and elsewhere, each step explained."""
    # pilots shown, marked as such
    answer = reach_json(snapshot, node, 3, limits=limits, deadline=deadline, include_pilot=True)
    engine = snapshot.engine
    home = engine.nodes[node].institution
    targets = []
    mentioned = {node}
    for t in answer["targets"]:
        mentioned.add(t["node"])
        paths = []
        for path in t["paths"]:
            steps, before = [], node
            for step in path:
                rule = engine.rules[step["rule"]]
                steps.append({"rule": rule, "grants": step["grants"], "also_needs": step["also_needs"],
                              "grade": grade_needed(rule, before),
                              "granted_by": engine.institutions[rule.granted_by].name if rule.granted_by in engine.institutions else rule.granted_by})
                mentioned.add(step["grants"])
                before = step["grants"]
            paths.append(steps)
        targets.append({"node": t["node"], "distance": t["distance"], "paths": paths,
                        "here": engine.nodes[t["node"]].institution == home})
    for t in answer["targets"]:
        for path in t["paths"]:
            for step in path:
                requirement_nodes(step["also_needs"], mentioned)
    return {"node": node, "targets": targets, "nodes": summaries(snapshot, mentioned)}


@router.get("", response_class=HTMLResponse)
async def learner_page(request: Request, cache: Cache, limits: AppLimits, work: RequestWork,
                       q: Annotated[str, Query(max_length=200)] = "",
                       node: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    snapshot = cache.current()
    found = _search(snapshot, q) if q.strip() else None
    detail = None
    if node in snapshot.engine.nodes:
        detail = await work.run(lambda: counts_toward(snapshot, node, limits=limits, deadline=work.deadline))
    if _partial(request):
        if node:
            return render(request, "learner_counts.html", detail=detail, unknown=node if detail is None else None)
        return render(request, "learner_search.html", q=q, found=found)
    return render(request, "learner.html", q=q, found=found, detail=detail, grades=GRADES, today=dt.date.today().isoformat(),
                  unknown=node if node and detail is None else None)


@router.get("/holding", response_class=HTMLResponse)
def holding_row(request: Request, cache: Cache, node: Annotated[str, Query(max_length=200)],
                earned: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
    snapshot = cache.current()
    if node not in snapshot.summaries:
        return render(request, "learner_message.html", status_code=404, message=f"No course or badge {node!r} here.")
    return render(request, "learner_rows.html", rows=[{"node": node, "earned": earned}], nodes=snapshot.summaries, grades=GRADES)


@router.post("/badges", response_class=HTMLResponse)
def badge_rows(request: Request, cache: Cache, body: Body) -> HTMLResponse:
    """Rows of "my learning" from an Open Badges 3.0 credential or a CLR transcript (JSON)."""
    snapshot = cache.current()
    try:
        claims = badge_claims(body if isinstance(body, list) else [body], "file")
    except InvalidInput as err:
        return render(request, "learner_message.html", status_code=422, message=f"That file is not a badge pathways can read: {err}")
    rows: list[dict[str, str]] = []
    unknown: list[str] = []
    for claim in claims:
        node = next((n for i in claim.identifiers if (n := snapshot.engine.node_for_identifier(i)) is not None), None)
        if node is None:
            unknown.extend(claim.identifiers[:1])
        else:
            rows.append({"node": node, "earned": claim.earned.isoformat() if claim.earned else ""})
    return render(request, "learner_rows.html", rows=rows, unknown=unknown, nodes=snapshot.summaries, grades=GRADES)


def _holdings(form: dict[str, list[str]]) -> list[dict[str, Any]]:
    nodes, grades, dates = form.get("h", []), form.get("g", []), form.get("e", [])
    out = []
    for i, node in enumerate(nodes):
        holding: dict[str, Any] = {"node": node}
        if i < len(grades) and grades[i]:
            holding["grade"] = grades[i]
        if i < len(dates) and dates[i]:
            holding["earned"] = dates[i]
        out.append(holding)
    return out


@router.post("/results", response_class=HTMLResponse)
async def results(request: Request, cache: Cache, limits: AppLimits, work: RequestWork) -> HTMLResponse:
    form = await form_data(request)
    holdings = _holdings(form)
    body: dict[str, Any] = {"holdings": holdings, "include_pilot": bool(form.get("pilot"))}
    if (form.get("as_of") or [""])[0]:
        body["as_of"] = form["as_of"][0]
    snapshot = cache.current()
    try:
        limits.check_holdings(body)
        answer, where = await work.run(lambda: learner_json(snapshot.engine, snapshot.summaries, body | {"group_grants": True},
                                                            deadline=work.deadline))
    except PathwaysError as err:
        return render(request, "learner_message.html", status_code=422, message=str(err), problems=getattr(err, "problems", []))
    rules = {s["rule"]: snapshot.engine.rules[s["rule"]] for s in answer["skipped"]}
    nodes = answer["nodes"] | where["nodes"] | summaries(snapshot, {g.node for r in rules.values() for g in r.grants})
    template = "learner_results.html" if _partial(request) else "learner_results_page.html"
    return render(request, template, answer=answer, destinations=where["destinations"], nodes=nodes, rules=rules,
                  holdings=holdings)
