"""Upward reach: "what does this badge count toward?" (SPEC section 4, ``pathways reach``).

From one node, every applicable rule whose requirement mentions it (a ``node`` leaf naming
it, or a ``competency`` leaf naming a competency it demonstrates), the nodes those rules
grant, and onward to ``depth``. Each path lists, per step, what the rule still needs when
only the path's nodes so far are held (``also_needs``, reduced as ``missing`` is).

Credit pools are listed apart (``pool_targets``, second edition amendment 10): a rule with a
credit or hours pool the node fits (a ``where`` filter it passes, or a ``credits/hours ... of``
naming it) is a target at distance 1, ranked by the node's share of the pool (its credits,
or hours, over what the pool needs; the largest over the rule's pools), with the rule's
requirement reduced as if the node were held in ``also_needs``. A course fits many degree
pools, so only the :data:`MAX_POOL_TARGETS` largest shares are listed, with the total beside
them; pool targets are not walked further.

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
from ..model import Node
from .deadline import NEVER, Deadline, active
from .evaluate import HoldingState, requirement_progress
from .index import COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled, Engine, filter_matches

__all__ = ["MAX_PATHS", "MAX_POOL_TARGETS", "Reach", "ReachPoolTarget", "ReachStep", "ReachTarget", "reach"]

MAX_PATHS = 20
"""Paths kept per target (shortest first): enough to explain, bounded on dense graphs."""

MAX_POOL_TARGETS = 20
"""Credit-pool targets listed (largest share first); ``pool_targets_total`` counts them all."""


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
class ReachPoolTarget:
    """A node granted by a rule with a credit (or hours) pool the start node fits: the node's
    ``share`` of that pool (0 < share <= 1) and what else the rule needs with it held."""

    node: str
    rule: str
    share: float
    also_needs: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "rule": self.rule, "share": round(self.share, 3), "also_needs": self.also_needs}


@dataclass(frozen=True, slots=True)
class Reach:
    """The answer of :func:`reach`, serialized by :meth:`to_json` exactly as SPEC shows."""

    node: str
    depth: int
    targets: tuple[ReachTarget, ...]
    no_credit: tuple[tuple[str, str], ...] = ()
    """(rule, granted_by) of the explicit "no credit" agreements whose requirement names the node."""
    pool_targets: tuple[ReachPoolTarget, ...] = ()
    """The credit-pool targets with the largest shares (at most :data:`MAX_POOL_TARGETS`)."""
    pool_targets_total: int = 0
    """How many credit-pool targets there are, listed or not."""

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "depth": self.depth, "targets": [t.to_json() for t in self.targets],
                "no_credit": [{"rule": r, "granted_by": g} for r, g in self.no_credit],
                "pool_targets": [p.to_json() for p in self.pool_targets], "pool_targets_total": self.pool_targets_total}


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
    pools = _pool_targets(engine, node, include_pilot, held_state(node)) if depth >= 1 else []
    return Reach(node, depth, tuple(targets), no_credit, tuple(pools[:MAX_POOL_TARGETS]), len(pools))


def _pool_targets(engine: Engine, node: str, include_pilot: bool, held: HoldingState) -> list[ReachPoolTarget]:
    """Every credit-pool target of ``node``, largest share first (then rule id, granted node)."""
    rule_ids = set(engine.pool_rules(node)) | set(engine.rules_touching(node, pools=False))
    out: list[ReachPoolTarget] = []
    for rule_id in sorted(rule_ids):
        rule = engine.compiled[rule_id]
        if not rule.grants or not (rule.status == "approved" or (rule.status == "pilot" and include_pilot)):
            continue
        share = _share(engine, node, rule.tree)
        targets = [g for g, _ in rule.grants if g != node]
        if share <= 0.0 or not targets:
            continue
        needs = requirement_progress(engine, rule_id, {node: held}).missing
        out.extend(ReachPoolTarget(g, rule_id, share, needs) for g in targets)
    out.sort(key=lambda p: (-p.share, p.rule, p.node))
    return out


def _share(engine: Engine, node: str, tree: Compiled) -> float:
    """The largest share ``node`` brings to a pool of the compiled requirement ``tree``: its
    credits (hours, in an hours pool) over the pool's need, at most 1; 0 when it fits none."""
    tag = tree[0]
    if tag in (LEAF, COMPETENCY):
        return 0.0
    n = engine.nodes[node]
    if tag == POOL:
        _, _, need, where, unit = tree
        return _part(n, need, unit) if filter_matches(where, n) else 0.0
    children: tuple[Compiled, ...] = tree[-1]
    inner = max((_share(engine, node, child) for child in children), default=0.0)
    if tag == CREDITS_OF and (inner > 0.0 or any(_names(node, child) for child in children)):
        return max(inner, _part(n, tree[1], tree[2]))
    return inner


def _part(n: Node, need: float, unit: str) -> float:
    """What ``n`` brings to a pool needing ``need`` credits (or hours), as a share of it."""
    weight = float(n.hours or 0) if unit == "hours" else float(n.credits)
    return min(1.0, weight / need) if need > 0 else 0.0


def _names(node: str, tree: Compiled) -> bool:
    """Whether a ``node`` leaf of ``tree`` names ``node``."""
    tag = tree[0]
    if tag == LEAF:
        return bool(tree[2] == node)
    if tag in (COMPETENCY, POOL):
        return False
    return any(_names(node, child) for child in tree[-1])
