"""Loose outlooks read from a plan made once per requirement, not from its tree each time.

Most rules an evaluation reports on (a degree's credit pools, an admission's course and
pool, a block transfer's courses) have a requirement that is an ``all`` of leaves,
competencies and pools. Their loose outlook (:func:`~pathways.engine.ranking.relaxed_outlook`
of what each slot could hold) is then a short loop: a :class:`FlatPlan`, made when the engine
is built, holds what the outlook reads that no learner changes (the children in order, the
credits a missing leaf's node needs, the pools by need, their needs summed), and
:func:`flat_outlook` computes the same bound and credits still needed, with the same
arithmetic in the same order, without walking the tree.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"all": [{"node": "A"}, {"credits": 6, "where": {}}]}))
    >>> plan = flat_plan(tree, {"A": 3.0}.get)
    >>> flat_outlook(plan, [-1.0, 3.0], 3.0)
    (0.25, 6.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .index import ALL, COMPETENCY, LEAF, POOL, Compiled

__all__ = ["FlatPlan", "flat_outlook", "flat_plan"]

_EPS = 1e-9
"""A pool this close to its need is met (the relaxed outlook's own test)."""


@dataclass(frozen=True, slots=True, eq=False)
class FlatPlan:
    """What the loose outlook of an ``all`` of leaves, competencies and pools reads of the
    requirement: ``kids`` in order, each ``(tag, slot, credits a missing leaf needs, pool need,
    pool unit)``; ``pools`` the pools' ``(slot, need)`` by need, smallest first (the order
    :func:`~pathways.engine.ranking._filled` fills them); ``pool_slots`` their slots in tree
    order (what the pools hold together is asked of them); ``pool_needs`` their needs summed in
    tree order; ``credits`` whether every pool adds credits. Compared by identity: rules alike
    in their tree share one plan."""

    kids: tuple[tuple[int, int, float, float, str], ...]
    pools: tuple[tuple[int, float], ...]
    pool_slots: tuple[int, ...]
    pool_needs: float
    credits: bool


def flat_plan(tree: Compiled, credits: Callable[[str], float | None]) -> FlatPlan | None:
    """The plan of ``tree``, ``None`` unless it is an ``all`` of leaves, competencies and pools
    (``credits`` gives a node id's credits, ``None`` for an unknown node)."""
    if tree[0] != ALL or not tree[1] or any(kid[0] not in (LEAF, COMPETENCY, POOL) for kid in tree[1]):
        return None
    kids = []
    for kid in tree[1]:
        if kid[0] == LEAF:
            kids.append((LEAF, kid[1], credits(kid[2]) or 0.0, 0.0, ""))
        elif kid[0] == COMPETENCY:
            kids.append((COMPETENCY, kid[1], 0.0, 0.0, ""))
        else:
            kids.append((POOL, kid[1], 0.0, kid[2], kid[4]))
    pools = [kid for kid in tree[1] if kid[0] == POOL]
    return FlatPlan(
        kids=tuple(kids),
        pools=tuple((p[1], p[2]) for p in sorted(pools, key=lambda p: p[2])),
        pool_slots=tuple(p[1] for p in pools),
        pool_needs=sum(p[2] for p in pools),
        credits=all(p[4] == "credits" for p in pools),
    )


def flat_outlook(plan: FlatPlan, state: Sequence[float], together: float) -> tuple[float, float]:
    """The bound and the credits still needed of :func:`~pathways.engine.ranking.relaxed_outlook`
    for the plan's tree when each slot holds ``state`` (a leaf or competency: -1 when empty,
    else its holding's credits; a pool: its credits) and the pools ``together`` at most."""
    fractions: list[float] = []
    needs: list[float] = []
    single: list[float] = []  # the fractions of the leaves and competencies
    single_needs: list[float] = []
    for tag, slot, leaf_needs, need, unit in plan.kids:
        held = state[slot]
        if tag == POOL:
            met = held >= need - _EPS
            fractions.append(min(1.0, held / need))
            needs.append(0.0 if met or unit != "credits" else need - held)
        elif held >= 0:
            fractions.append(1.0)
            needs.append(0.0)
            single.append(1.0)
            single_needs.append(0.0)
        else:
            fractions.append(0.0)
            needs.append(leaf_needs)
            single.append(0.0)
            single_needs.append(leaf_needs)
    n = len(fractions)
    fraction = sum(fractions) / n
    needed = sum(needs)
    if len(plan.pools) > 1:
        gain = 0.0
        left = together
        for slot, need in plan.pools:
            take = min(state[slot], need, left)
            if take > 0:
                gain += take / need
                left -= take
        fraction = min(fraction, (sum(single) + gain) / n)
        if plan.credits:
            needed = max(needed, sum(single_needs) + plan.pool_needs - together)
    return fraction, needed
