"""Candidates for a match, and the exact reductions made before any search.

A :class:`Candidate` is a holding that fits some slots of one rule. Before searching for an
assignment, :mod:`pathways.engine.matching` and :mod:`pathways.engine.progress` drop the
candidates no reported assignment can use (:func:`interchangeable_pruned`), decide a rule
that cannot be met even with every candidate everywhere at once (:func:`may_meet`), and
recognize a cluster of node leaves filled without choice (:func:`leaves_apart`).

Example:
    >>> x = frozenset({"X"})
    >>> [c.node for c in interchangeable_pruned([Candidate("B", x, 3.0, (0,)), Candidate("A", x, 3.0, (0,))])]
    ['A']
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .index import ALL, ANY, AT_LEAST, COMPETENCY, LEAF, POOL, Compiled

__all__ = ["Candidate", "interchangeable_pruned", "leaves_apart", "may_meet"]

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Candidate:
    """A holding that fits some slots of one rule.

    ``recognized`` marks a holding derived by a ``plar`` or ``transfer`` rule. ``residence``
    pairs each institution with the credits of the holding's lineage's direct holdings earned
    there (what residency counts, second edition amendment 9); left ``None``, the holding's
    credits are resident at ``resident_of``. ``credits`` is what the rule's pools
    add up: the holding's credits, or its node's hours for a rule of hours pools, whose
    ``held_credits`` then keeps the holding's credits for the credential limits.
    """

    node: str
    lineage: frozenset[str]
    credits: float
    slots: tuple[int, ...]
    recognized: bool = False
    resident_of: str | None = None
    held_credits: float | None = None
    residence: tuple[tuple[str, float], ...] | None = None

    @property
    def limit_credits(self) -> float:
        """The credits the credential limits count (SPEC section 4, condition 3)."""
        return self.credits if self.held_credits is None else self.held_credits

    def resident_credits(self, institution: str | None) -> float:
        """The credits this holding adds to ``institution``'s ``min_residency_credits``; with
        ``institution`` ``None``, its credits unless recognized (what a recognized maximum
        leaves to other learning, second edition amendment 9).

        >>> Candidate("U:C", frozenset({"U:A", "V:B"}), 6.0, (0,), residence=(("U", 3.0), ("V", 3.0))).resident_credits("U")
        3.0
        """
        if institution is None:
            return 0.0 if self.recognized else self.limit_credits
        if self.residence is not None:
            return next((credits for inst, credits in self.residence if inst == institution), 0.0)
        return self.limit_credits if self.resident_of == institution else 0.0


def interchangeable_pruned(cands: list[Candidate], *, max_recognized: bool = False, residency: bool = False) -> list[Candidate]:
    """``cands`` without the ones no reported assignment can use (exact dominance).

    Candidate ``a`` dominates ``b`` when both have the same standing for the limits in force
    (recognized, when a ``max_recognized_credits`` applies; resident institution, when a
    ``min_residency_credits`` does), ``a``'s lineage is within ``b``'s, ``a`` fits every slot
    ``b`` fits, ``a`` has at least ``b``'s credits, and, when the lineages are equal, ``a`` has
    the smaller id. In any assignment using ``b``, ``a`` can take its slot (``a`` overlaps
    ``b``, so it was not used elsewhere): every met part stays met, since more credits never
    unmeet a requirement and limits see the same standing; the lineage shrinks or stays, and
    then the sorted used holdings get smaller. So ``b`` is never the reported choice, nor the
    best progress, and is dropped. Under a ``max_recognized_credits`` limit more credits of a
    recognized holding can break the limit: there only equal credits dominate. Dominance is
    a strict order, so every dropped candidate has a kept one dominating it.

    >>> x, y = frozenset({"X"}), frozenset({"X", "Y"})
    >>> cands = [Candidate("B", x, 3.0, (0,)), Candidate("A", x, 3.0, (0, 1)), Candidate("C", x, 4.0, (0,)),
    ...          Candidate("D", y, 3.0, (0,))]
    >>> [c.node for c in interchangeable_pruned(cands)]
    ['A', 'C']
    """
    if len(cands) < 2:
        return cands

    def standing(c: Candidate) -> tuple[bool | None, Any]:
        return (c.recognized if max_recognized else None, (c.resident_of, c.residence) if residency else None)

    if all(len(c.lineage) == 1 for c in cands):
        return _undominated_alone(cands, standing, max_recognized)

    # first the cheap case of dominance, identical but for the id (a course's copies
    # transferred to many institutions): the smallest id stands for the rest
    alike: dict[tuple[frozenset[str], tuple[int, ...], float, Any], Candidate] = {}
    for c in cands:
        key = (c.lineage, c.slots, c.credits, standing(c))
        kept = alike.get(key)
        if kept is None or c.node < kept.node:
            alike[key] = c
    if len(alike) < len(cands):
        cands = [c for c in cands if alike[c.lineage, c.slots, c.credits, standing(c)] is c]

    # per lineage, the candidates by (slots, standing), sorted by id with the running
    # largest credits: b is dominated within its lineage when some subgroup fitting its slots
    # has, before b's id, credits at least b's (equal ones, under a recognized maximum)
    groups: dict[frozenset[str], dict[tuple[frozenset[int], Any], list[Candidate]]] = {}
    for c in cands:
        groups.setdefault(c.lineage, {}).setdefault((frozenset(c.slots), standing(c)), []).append(c)
    tables: dict[frozenset[str], list[_Row]] = {}
    for lineage, subgroups in groups.items():
        rows = []
        for (fits, stand), members in subgroups.items():
            members.sort(key=lambda c: c.node)
            most = list(itertools.accumulate((c.credits for c in members), max))
            first: dict[float, str] = {}
            for c in members:
                first.setdefault(c.credits, c.node)
            rows.append((fits, stand, [c.node for c in members], most, first))
        tables[lineage] = rows
    within = [lineage for lineage in groups if len(lineage) > 1]
    out = []
    for b in cands:
        exact = max_recognized and b.recognized
        mine = standing(b)
        slots = set(b.slots)
        rows = tables.get(b.lineage, [])
        dominated = _beaten(rows, b, mine, slots, exact, b.node) or (
            len(b.lineage) > 1
            and any(
                _beaten(tables.get(lineage, []), b, mine, slots, exact, None)
                for lineage in [*(frozenset((e,)) for e in b.lineage), *(x for x in within if x < b.lineage)]
            )
        )
        if not dominated:
            out.append(b)
    return out


def _undominated_alone(cands: list[Candidate], standing: Callable[[Candidate], Any], max_recognized: bool) -> list[Candidate]:
    """:func:`interchangeable_pruned` when every lineage is one holding: a lineage within
    ``b``'s is ``b``'s own, so only the few candidates sharing ``b``'s holding can dominate it
    (same standing, every slot of ``b``, credits at least ``b``'s, or equal under a recognized
    maximum, and a smaller id; of candidates identical but for what dominance ignores, the
    first stands for the rest)."""
    sharing: dict[frozenset[str], list[Candidate]] = {}
    for c in cands:
        sharing.setdefault(c.lineage, []).append(c)
    out = []
    for b in cands:
        rivals = sharing[b.lineage]
        if len(rivals) > 1 and _dominated(b, rivals, standing, max_recognized and b.recognized):
            continue
        out.append(b)
    return out


def _dominated(b: Candidate, rivals: list[Candidate], standing: Callable[[Candidate], Any], exact: bool) -> bool:
    """Whether one of ``rivals`` (the candidates sharing ``b``'s holding, ``b`` among them)
    dominates ``b`` (see :func:`_undominated_alone`)."""
    mine = standing(b)
    first = True  # whether ``a`` comes before ``b``
    for a in rivals:
        if a is b:
            first = False
            continue
        if a.node > b.node or (a.node == b.node and not (first and a.slots == b.slots and a.credits == b.credits)):
            continue
        if (a.credits == b.credits if exact else a.credits >= b.credits) and standing(a) == mine and all(s in a.slots for s in b.slots):
            return True
    return False


_Row = tuple[frozenset[int], Any, list[str], list[float], dict[float, str]]


def _beaten(rows: list[_Row], b: Candidate, mine: Any, slots: set[int], exact: bool, before: str | None) -> bool:
    """Whether a candidate of ``rows`` (one lineage's subgroups) dominates ``b``; ``before``:
    the id it must be smaller than (``None`` when its lineage is strictly within ``b``'s)."""
    for fits, stand, nodes, most, first in rows:
        if stand != mine or not fits.issuperset(slots):
            continue
        if exact:
            node = first.get(b.credits)
            if node is not None and (before is None or node < before):
                return True
            continue
        k = len(nodes) if before is None else bisect.bisect_left(nodes, before)
        if k and most[k - 1] >= b.credits:
            return True
    return False


def may_meet(node: Compiled, most: list[float], filled: set[int]) -> tuple[bool, float]:
    """Whether ``node`` could be met if every candidate went into every slot it fits at once,
    and the most credits it could then count: a cheap necessary condition checked before any
    search (most pool rules a new holding touches are still far from met)."""
    tag = node[0]
    if tag == LEAF or tag == COMPETENCY:
        return node[1] in filled, most[node[1]]
    if tag == POOL:
        return most[node[1]] >= node[2] - _EPS, most[node[1]]
    kids = [may_meet(c, most, filled) for c in node[-1]]
    if tag == ALL:
        return all(k[0] for k in kids), sum(k[1] for k in kids)
    credits = sum(k[1] for k in kids if k[0])
    if tag == ANY:
        return any(k[0] for k in kids), credits
    if tag == AT_LEAST:
        return sum(1 for k in kids if k[0]) >= node[1], credits
    return credits >= node[1] - _EPS, credits


def leaves_apart(tree: Compiled, cands: list[Candidate]) -> bool:
    """Whether ``tree`` is an ``all`` of ``node`` leaves that the candidates fill without choice:
    each fits one leaf, no two the same, lineages pairwise disjoint (a CUNY course cluster).
    Then the one assignment placing every candidate is the only one worth reporting."""
    if tree[0] != ALL or any(child[0] != LEAF for child in tree[1]):
        return False
    filled: set[int] = set()
    seen: set[str] = set()
    for c in cands:
        if len(c.slots) != 1 or c.slots[0] in filled or not c.lineage.isdisjoint(seen):
            return False
        filled.add(c.slots[0])
        seen |= c.lineage
    return True
