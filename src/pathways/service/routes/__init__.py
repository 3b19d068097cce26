"""One router per resource; :data:`ROUTERS` lists them in the order the app mounts them."""

from __future__ import annotations

from fastapi import APIRouter

from . import audit, evaluate, graph, health, institutions, nodes, registrar, rules

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    institutions.router,
    nodes.router,
    rules.router,
    graph.router,
    evaluate.router,
    audit.router,
    registrar.router,
)
