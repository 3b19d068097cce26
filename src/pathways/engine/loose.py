"""Loose outlooks read from a plan made once per requirement, not from its tree each time.

Most rules an evaluation reports on (a degree's credit pools, an admission's course and
pool, a block transfer's courses, a program's electives and pool) have a requirement that is
an ``all`` of leaves, competencies, pools, and choices among leaves. Their loose outlook
(:func:`~pathways.engine.ranking.relaxed_outlook` of what each slot could hold) is then a
short loop: a :class:`FlatPlan`, made when the engine is built, holds what the outlook reads
that no learner changes (the parts in order, the credits a missing leaf's node needs, the
pools by need, their needs summed), and
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

from collections.abc import Callable
from dataclasses import dataclass

from .index import ALL, ANY, AT_LEAST, COMPETENCY, LEAF, POOL, Compiled

__all__ = ["FlatPlan", "flat_outlook", "flat_plan"]

_EPS = 1e-9
"""A pool this close to its need is met (the relaxed outlook's own test)."""


Part = tuple[int, int, float, float, bool, tuple[tuple[int, float], ...]]
"""A part of a :class:`FlatPlan`: see :attr:`FlatPlan.kids`."""


@dataclass(frozen=True, slots=True, eq=False)
class FlatPlan:
    """What the loose outlook of an ``all`` of parts reads of the requirement, each part a
    leaf, a competency, a pool, or an ``any`` or ``at_least`` of leaves and competencies.

    ``kids`` has the parts in order, each ``(tag, slot, credits a missing leaf needs, pool
    need, whether the pool adds credits, ())``, a group ``(tag, k, 0, 0, False, its leaves as
    (slot, credits a missing one needs))`` (``k`` 1 for an ``any``): every field typed, so that
    the compiled loop (setup.py) reads them unboxed; ``pools`` the pools' ``(slot, need)`` by need,
    smallest first (the order :func:`~pathways.engine.ranking._filled` fills them);
    ``pool_slots`` their slots in tree order (what the pools hold together is asked of them);
    ``pool_needs`` their needs summed in tree order; ``credits`` whether every pool adds
    credits. Compared by identity: rules alike in their tree share one plan."""

    kids: tuple[Part, ...]
    pools: tuple[tuple[int, float], ...]
    pool_slots: tuple[int, ...]
    pool_needs: float
    credits: bool


_ONE = (LEAF, COMPETENCY)


def flat_plan(tree: Compiled, credits: Callable[[str], float | None]) -> FlatPlan | None:
    """The plan of ``tree``, ``None`` unless it is an ``all`` of leaves, competencies, pools and
    groups of leaves and competencies (``credits`` gives a node id's credits, ``None`` for an
    unknown node)."""
    if tree[0] != ALL or not tree[1] or not all(_part(kid) for kid in tree[1]):
        return None

    def needs(leaf: Compiled) -> float:
        return (credits(leaf[2]) or 0.0) if leaf[0] == LEAF else 0.0

    kids: list[Part] = []
    for kid in tree[1]:
        if kid[0] in _ONE:
            kids.append((kid[0], kid[1], needs(kid), 0.0, False, ()))
        elif kid[0] == POOL:
            kids.append((POOL, kid[1], 0.0, float(kid[2]), kid[4] == "credits", ()))
        else:
            k = 1 if kid[0] == ANY else kid[1]
            kids.append((kid[0], k, 0.0, 0.0, False, tuple((leaf[1], needs(leaf)) for leaf in kid[-1])))
    pools = [kid for kid in tree[1] if kid[0] == POOL]
    return FlatPlan(
        kids=tuple(kids),
        pools=tuple((p[1], p[2]) for p in sorted(pools, key=lambda p: p[2])),
        pool_slots=tuple(p[1] for p in pools),
        pool_needs=sum(p[2] for p in pools),
        credits=all(p[4] == "credits" for p in pools),
    )


def _part(kid: Compiled) -> bool:
    """Whether ``kid`` is a part a plan reads: a leaf, competency or pool, or an ``any`` or
    ``at_least`` of leaves and competencies."""
    if kid[0] in _ONE or kid[0] == POOL:
        return True
    return kid[0] in (ANY, AT_LEAST) and bool(kid[-1]) and all(leaf[0] in _ONE for leaf in kid[-1])


def flat_outlook(plan: FlatPlan, state: list[float], together: float) -> tuple[float, float]:
    """The bound and the credits still needed of :func:`~pathways.engine.ranking.relaxed_outlook`
    for the plan's tree when each slot holds ``state`` (a leaf or competency: -1 when empty,
    else its holding's credits; a pool: its credits) and the pools ``together`` at most."""
    fractions: list[float] = []
    needs: list[float] = []
    single: list[float] = []  # the fractions of the parts but pools
    single_needs: list[float] = []
    for tag, slot, leaf_needs, need, in_credits, leaves in plan.kids:
        if tag == POOL:
            held = state[slot]
            fraction = held / need
            fractions.append(fraction if fraction < 1.0 else 1.0)
            needs.append(0.0 if held >= need - _EPS or not in_credits else need - held)
            continue
        if tag == LEAF or tag == COMPETENCY:
            fraction, needed = (1.0, 0.0) if state[slot] >= 0 else (0.0, leaf_needs)
        else:  # a group: ``slot`` is how many of its leaves it needs
            parts = [1.0 if state[s] >= 0 else 0.0 for s, _ in leaves]
            lack = [0.0 if state[s] >= 0 else n for s, n in leaves]
            if tag == ANY:
                fraction, needed = max(parts), min(lack)
            else:
                fraction, needed = sum(sorted(parts, reverse=True)[:slot]) / slot, sum(sorted(lack)[:slot])
        fractions.append(fraction)
        needs.append(needed)
        single.append(fraction)
        single_needs.append(needed)
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
