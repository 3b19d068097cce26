"""The engine's answers as API JSON, shared by REST and GraphQL so both say the same thing.

Evaluation, reach and planning run on the cache's current snapshot, within the app's cost
limits (:mod:`~pathways.service.limits`) and the request's deadline; the JSON is the
engine's own ``to_json()`` (SPEC sections 4-5), which GraphQL then maps field for field.

Example:
    >>> from pathways.store import open_store
    >>> from pathways.service.engine_cache import EngineCache
    >>> snapshot = EngineCache(open_store("sqlite:///:memory:")).current()
    >>> body = {"holdings": [{"node": "X:1"}], "as_of": "2026-01-01"}
    >>> evaluation_json(snapshot, body, limits=Limits(), deadline=Deadline.after(5))["unrecognized"]
    ['X:1']
"""

from __future__ import annotations

from typing import Any

from ..engine import Deadline, evaluate, reach
from ..engine.checks import check_graph
from ..engine.impact import impact, parse_change
from ..engine.plan import plan
from ..errors import NotFound
from ..io.openbadges import badge_claims
from ..model import Document, EvaluationRequest, PlanRequest
from .engine_cache import Snapshot
from .limits import Limits

__all__ = ["evaluation_json", "impact_json", "plan_json", "reach_json", "validation_json"]


def evaluation_json(snapshot: Snapshot, body: object, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """``POST /evaluate``: check the holdings limit, validate the body (422 with paths), evaluate
    under ``deadline``, return SPEC section 4's JSON."""
    limits.check_holdings(body)
    request = EvaluationRequest.from_json(body)
    result: dict[str, Any] = evaluate(snapshot.engine, request, badges=badge_claims(request.credentials),
                                      deadline=deadline).to_json()
    return result


def reach_json(snapshot: Snapshot, node: str, depth: int, *, limits: Limits,
               deadline: Deadline) -> dict[str, Any]:
    """``GET /nodes/{id}/counts-toward``: 422 past the depth or answer-size limits, 404 for a node
    the graph does not hold."""
    limits.check_depth(depth)
    if node not in snapshot.engine.nodes:
        raise NotFound("node", node)
    result: dict[str, Any] = reach(snapshot.engine, node, depth, deadline=deadline,
                                   max_paths=limits.max_reach_paths).to_json()
    return result


def plan_json(snapshot: Snapshot, body: object, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """``POST /plan``: check the holdings limit, validate, plan under ``deadline``, return SPEC section 5's JSON."""
    limits.check_holdings(body)
    request = PlanRequest.from_json(body)
    result: dict[str, Any] = plan(snapshot.engine, request, badges=badge_claims(request.credentials),
                                  deadline=deadline).to_json()
    return result


def impact_json(snapshot: Snapshot, body: object) -> dict[str, Any]:
    """``POST /impact``: validate the proposed change (422 with paths, 404 for an unknown rule),
    return what it gains and loses (:mod:`pathways.engine.impact`)."""
    change = parse_change(snapshot.engine, body)
    result: dict[str, Any] = impact(snapshot.engine, change, index=snapshot.impact_index).to_json()
    return result


def validation_json(snapshot: Snapshot, institution: str | None, *, pilot_review_years: float) -> dict[str, Any]:
    """``GET /validate``: the registrar checks of the current graph (:mod:`pathways.engine.checks`),
    those touching ``institution``'s rules or nodes when it is given."""
    engine = snapshot.engine
    # the snapshot's entities are validated already: assembled, not parsed again
    doc = Document.model_construct(institutions=list(engine.institutions.values()), nodes=list(engine.nodes.values()),
                                   rules=list(engine.rules.values()))
    findings = check_graph(doc, institution=institution, pilot_review_years=pilot_review_years)
    return {"findings": [f.as_json() for f in findings]}
