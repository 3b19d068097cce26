"""Upward reach: "what does this badge count toward?" (SPEC section 4, ``pathways reach``).

From one node, every applicable rule whose requirement mentions it (a ``node`` leaf naming
it, or a ``competency`` leaf naming a competency it demonstrates; credit pools are left out,
since a degree's 120-credit pool would make every course reach every degree), the nodes those
rules grant, and onward to ``depth``. Each path lists, per step, what the rule still needs
when only the path's nodes so far are held (``also_needs``, reduced as ``missing`` is).

Example:
    >>> from pathways.model import Document
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c} for c in "ABCD"],
    ...     "rules": [{"id": "R1", "kind": "plar", "granted_by": "U",
    ...                "requires": {"all": [{"node": "U:A"}, {"node": "U:B"}]}, "grants": [{"node": "U:C"}]},
    ...               {"id": "R2", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:C"},
    ...                "grants": [{"node": "U:D"}]}]})
    >>> [(t["node"], t["distance"], t["paths"][0][-1]["also_needs"]) for t in reach(Engine(doc), "U:A").to_json()["targets"]]
    [('U:C', 1, {'node': 'U:B'}), ('U:D', 2, None)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput, NotFound
from .deadline import NEVER, Deadline, active
from .evaluate import HoldingState, requirement_progress
from .index import Engine

__all__ = ["MAX_PATHS", "Reach", "ReachStep", "ReachTarget", "reach"]

MAX_PATHS = 20
"""Paths kept per target (shortest first): enough to explain, bounded on dense graphs."""


@dataclass(frozen=True, slots=True)
class ReachStep:
    """One rule on a path: the node it grants and what else it needs (``None``: nothing)."""

    rule: str
    grants: str
    also_needs: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "grants": self.grants, "also_needs": self.also_needs}


@dataclass(frozen=True, slots=True)
class ReachTarget:
    """A node reachable from the start: its shortest distance and the paths to it."""

    node: str
    distance: int
    paths: tuple[tuple[ReachStep, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "distance": self.distance, "paths": [[s.to_json() for s in p] for p in self.paths]}


@dataclass(frozen=True, slots=True)
class Reach:
    """The answer of :func:`reach`, serialized by :meth:`to_json` exactly as SPEC shows."""

    node: str
    depth: int
    targets: tuple[ReachTarget, ...]
    no_credit: tuple[tuple[str, str], ...] = ()
    """(rule, granted_by) of the explicit "no credit" agreements whose requirement names the node."""

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "depth": self.depth, "targets": [t.to_json() for t in self.targets],
                "no_credit": [{"rule": r, "granted_by": g} for r, g in self.no_credit]}


def reach(engine: Engine, node: str, depth: int = 3, *, include_pilot: bool = False,
          deadline: Deadline = NEVER, max_paths: int | None = None) -> Reach:
    """Every node ``node`` counts toward within ``depth`` rule steps, each path explained.

    ``deadline`` is checked at every step of the walk; ``max_paths`` bounds the paths found
    (before the :data:`MAX_PATHS` per target are kept), so an answer too large to be useful
    stops early instead of being built and thrown away.

    Raises:
        NotFound: ``node`` is not in the graph.
        InvalidInput: more than ``max_paths`` paths within ``depth`` (path ``depth``).
        DeadlineExceeded: ``deadline`` passed before the walk was complete.
    """
    if node not in engine.nodes:
        raise NotFound("node", node)
    found: dict[str, list[tuple[ReachStep, ...]]] = {}
    day = dt.date.min
    count = 0

    def held_state(n: str) -> HoldingState:
        return HoldingState(n, float(engine.nodes[n].credits), day, None, frozenset((n,)))  # no grade: min grades stay in also_needs

    def walk(current: str, path: tuple[ReachStep, ...], on_path: dict[str, HoldingState]) -> None:
        nonlocal count
        deadline.check("reach")
        transferred = bool(path) and engine.compiled[path[-1].rule].kind == "transfer"
        for rule_id in engine.rules_touching(current, pools=False):
            rule = engine.compiled[rule_id]
            if not (rule.status == "approved" or (rule.status == "pilot" and include_pilot)):
                continue
            if transferred and rule.kind == "transfer":
                continue  # transfer credit is assessed at its origin: it does not transfer on
            targets = [g for g, _ in rule.grants if g not in on_path]
            if not targets:
                continue
            needs = requirement_progress(engine, rule_id, on_path).missing
            for g in targets:
                step_path = (*path, ReachStep(rule_id, g, needs))
                found.setdefault(g, []).append(step_path)
                count += 1
                if max_paths is not None and count > max_paths:
                    raise InvalidInput.one("depth", f"the answer holds more than {max_paths} paths within depth "
                                                    f"{depth} of {node}: ask with a smaller depth")
                if len(step_path) < depth:
                    walk(g, step_path, {**on_path, g: held_state(g)})

    if depth >= 1:
        with active(deadline):
            walk(node, (), {node: held_state(node)})
    targets = []
    for target, paths in found.items():
        ordered = sorted(paths, key=lambda p: (len(p), [(s.rule, s.grants) for s in p]))[:MAX_PATHS]
        targets.append(ReachTarget(target, len(ordered[0]), tuple(ordered)))
    targets.sort(key=lambda t: (t.distance, t.node))
    no_credit = tuple(
        (r, rule.granted_by)
        for r in sorted(engine.rules_touching(node, pools=False))
        if not (rule := engine.compiled[r]).grants and (rule.status == "approved" or (rule.status == "pilot" and include_pilot))
    )
    return Reach(node, depth, tuple(targets), no_credit)
