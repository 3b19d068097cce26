"""The engine's answers as API JSON, shared by REST and GraphQL so both say the same thing.

Evaluation, destinations, reach and planning run on the cache's current snapshot, within the
app's cost limits (:mod:`~pathways.service.limits`) and the request's deadline; the JSON is the
engine's own ``to_json()`` (SPEC sections 4-5), shaped for people by :mod:`~pathways.answers`,
which GraphQL then maps field for field.

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

from ..engine import Deadline, reach
from ..engine.checks import check_graph
from ..engine.impact import impact, parse_change
from ..engine.plan import plan
from ..errors import NotFound
from ..io.openbadges import badge_claims
from ..model import Document, Node, PlanRequest
from ..answers import destinations_json as _destinations
from ..answers import plan_nodes, reach_nodes, shaped_evaluation_json
from .engine_cache import Snapshot
from .limits import Limits

__all__ = ["destinations_json", "evaluation_json", "impact_json", "plan_json", "reach_json", "search_nodes", "unknown_node",
           "validation_json"]


def evaluation_json(snapshot: Snapshot, body: object, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """``POST /evaluate``: check the holdings limit, validate the body (422 with paths), evaluate
    under ``deadline``, return the shaped answer."""
    limits.check_holdings(body)
    return shaped_evaluation_json(snapshot.engine, snapshot.summaries, body, deadline=deadline)


def destinations_json(snapshot: Snapshot, body: object, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """``POST /destinations``: where the holdings' credits go, institution by institution."""
    limits.check_holdings(body)
    return _destinations(snapshot.engine, snapshot.summaries, body, deadline=deadline)


def unknown_node(snapshot: Snapshot, node: str) -> NotFound:
    """The 404 of an unknown node id, with "did you mean" suggestions."""
    return NotFound("node", node, tuple(snapshot.index.suggest(node)))


def search_nodes(snapshot: Snapshot, q: str, kind: str | None, institution: str | None, after: str | None,
                 limit: int) -> list[Node]:
    """``GET /nodes?q=`` and GraphQL ``nodes(search:)``: the first ``limit`` matches after id ``after``, by id."""
    nodes = snapshot.engine.nodes
    out: list[Node] = []
    for n in snapshot.index.search(q):
        node = nodes[n]
        if (after is None or n > after) and kind in (None, node.kind) and institution in (None, node.institution):
            out.append(node)
            if len(out) == limit:
                break
    return out


def reach_json(snapshot: Snapshot, node: str, depth: int, *, limits: Limits, deadline: Deadline,
               include_pilot: bool = False) -> dict[str, Any]:
    """``GET /nodes/{id}/counts-toward``: 422 past the depth or answer-size limits, 404 (with
    suggestions) for a node the graph does not hold."""
    limits.check_depth(depth)
    if node not in snapshot.engine.nodes:
        raise unknown_node(snapshot, node)
    result: dict[str, Any] = reach(snapshot.engine, node, depth, include_pilot=include_pilot, deadline=deadline,
                                   max_paths=limits.max_reach_paths).to_json()
    result["nodes"] = reach_nodes(result, snapshot.summaries)
    return result


def plan_json(snapshot: Snapshot, body: object, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """``POST /plan``: check the holdings limit, validate, plan under ``deadline``, return SPEC
    section 5's JSON with ``nodes`` (titles and institutions)."""
    limits.check_holdings(body)
    request = PlanRequest.from_json(body)
    result: dict[str, Any] = plan(snapshot.engine, request, badges=badge_claims(request.credentials),
                                  deadline=deadline).to_json()
    result["nodes"] = plan_nodes(result, snapshot.summaries)
    return result


def impact_json(snapshot: Snapshot, body: object, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
    """``POST /impact``: validate the proposed change (422 with paths, 404 for an unknown rule),
    return what it gains and loses (:mod:`pathways.engine.impact`) under ``deadline``, each list
    cut to the impact size limit beside its exact total."""
    change = parse_change(snapshot.engine, body)
    result: dict[str, Any] = impact(snapshot.engine, change, index=snapshot.impact_index, deadline=deadline,
                                    max_listed=limits.impact_max_listed).to_json()
    return result


def validation_json(snapshot: Snapshot, institution: str | None, *, pilot_review_years: float, limits: Limits,
                    deadline: Deadline) -> dict[str, Any]:
    """``GET /validate``: the registrar checks of the current graph (:mod:`pathways.engine.checks`)
    under ``deadline``, those touching ``institution``'s rules or nodes when it is given; at most
    the validation size limit of them (errors first) beside their exact total."""
    engine = snapshot.engine
    # the snapshot's entities are validated already: assembled, not parsed again
    doc = Document.model_construct(institutions=list(engine.institutions.values()), nodes=list(engine.nodes.values()),
                                   rules=list(engine.rules.values()))
    findings = check_graph(doc, institution=institution, pilot_review_years=pilot_review_years, deadline=deadline)
    return {"findings": [f.as_json() for f in findings[: limits.validate_max_listed]], "findings_total": len(findings)}
