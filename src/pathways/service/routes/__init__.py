"""One router per resource; :data:`ROUTERS` lists them in the order the app mounts them.

A request is matched against the routes in that order, so the busiest, the engine's answers
(``POST /evaluate`` first), come first: each router passed over costs the event loop a few
microseconds per request."""

from __future__ import annotations

from fastapi import APIRouter

from . import audit, evaluate, graph, health, institutions, nodes, registrar, rules

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    evaluate.router,
    health.router,
    institutions.router,
    nodes.router,
    rules.router,
    graph.router,
    audit.router,
    registrar.router,
)
