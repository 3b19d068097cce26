"""The engine's answers as API JSON, shared by REST and GraphQL so both say the same thing.

Evaluation, destinations, reach and planning run on the cache's current snapshot; the JSON is
the engine's own ``to_json()`` (SPEC sections 4-5), shaped for people by
:mod:`~pathways.answers`, which GraphQL then maps field for field.

Example:
    >>> from pathways.store import open_store
    >>> from pathways.service.engine_cache import EngineCache
    >>> snapshot = EngineCache(open_store("sqlite:///:memory:")).current()
    >>> evaluation_json(snapshot, {"holdings": [{"node": "X:1"}], "as_of": "2026-01-01"})["unrecognized"]
    ['X:1']
"""

from __future__ import annotations

from typing import Any

from ..engine import reach
from ..engine.plan import plan
from ..errors import NotFound
from ..io.openbadges import badge_claims
from ..model import Node, PlanRequest
from .engine_cache import Snapshot
from ..answers import destinations_json as _destinations
from ..answers import plan_nodes, reach_nodes, shaped_evaluation_json

__all__ = ["destinations_json", "evaluation_json", "plan_json", "reach_json", "search_nodes", "unknown_node"]


def evaluation_json(snapshot: Snapshot, body: object) -> dict[str, Any]:
    """``POST /evaluate``: validate the body (422 with paths), evaluate, return the shaped answer."""
    return shaped_evaluation_json(snapshot.engine, snapshot.summaries, body)


def destinations_json(snapshot: Snapshot, body: object) -> dict[str, Any]:
    """``POST /destinations``: where the holdings' credits go, institution by institution."""
    return _destinations(snapshot.engine, snapshot.summaries, body)


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


def reach_json(snapshot: Snapshot, node: str, depth: int, *, include_pilot: bool = False) -> dict[str, Any]:
    """``GET /nodes/{id}/counts-toward``: 404 (with suggestions) for a node the graph does not hold."""
    if node not in snapshot.engine.nodes:
        raise unknown_node(snapshot, node)
    result: dict[str, Any] = reach(snapshot.engine, node, depth, include_pilot=include_pilot).to_json()
    result["nodes"] = reach_nodes(result, snapshot.summaries)
    return result


def plan_json(snapshot: Snapshot, body: object) -> dict[str, Any]:
    """``POST /plan``: validate, plan, return SPEC section 5's JSON with ``nodes`` (titles and institutions)."""
    request = PlanRequest.from_json(body)
    result: dict[str, Any] = plan(snapshot.engine, request, badges=badge_claims(request.credentials)).to_json()
    result["nodes"] = plan_nodes(result, snapshot.summaries)
    return result
