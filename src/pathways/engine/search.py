"""The state both searches over candidate placements share (:mod:`pathways.engine.matching`
for firing, :mod:`pathways.engine.progress` for progress).

:class:`SearchState` holds the candidates (sorted by lineage), which slot each is placed in,
what each slot holds, and, for the firing search, per-slot suffix bounds that prune it: the
smallest lineage still to come, the largest credits, their sum and the best credits per
lineage. It also reads a placement back: whether the requirement is met, which holdings are
used under its met parts, and what is still ``missing``.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"credits": 6, "where": {"subject": "ENGL"}}))
    >>> state = SearchState(tree, slots, [Candidate("A", frozenset({"A"}), 4.0, (0,))])
    >>> state.place(0, 0)
    >>> state.missing(tree)
    {'credits': 2, 'where': {'subject': 'ENGL'}}
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .candidates import Candidate
from .holdings import number
from .index import ALL, ANY, AT_LEAST, COMPETENCY, LEAF, POOL, Compiled, leaf_json
from .shortfall import capped_prefix

__all__ = ["SearchState", "pool_missing", "recursion_room"]

_EPS = 1e-9
_INF = math.inf


class SearchState:
    """The shared state of both searches (:mod:`pathways.engine.matching` and
    :mod:`pathways.engine.progress`): placements, per-slot suffix bounds, the best found."""

    def __init__(self, tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate], *, bounds: bool = True) -> None:
        self.tree = tree
        self.slots = slots
        self.cands = sorted(cands, key=lambda c: (len(c.lineage), sorted(c.lineage), c.node))
        n = len(self.cands)
        ns = len(slots)
        self.fill = [-1] * ns
        self.pool_sum = [0.0] * ns
        self.pool_items: list[list[int]] = [[] for _ in range(ns)]
        self.placed: list[int] = []
        self.elements: set[str] = set()
        self.steps = 0
        if not bounds:  # placements only (the program of pathways.engine.progress has its own)
            return
        # suffix bounds per slot: remaining min lineage size, max credits, credits sum, best ratio
        self.suf_size = [[_INF] * (n + 1) for _ in range(ns)]
        self.suf_max = [[0.0] * (n + 1) for _ in range(ns)]
        self.suf_sum = [[0.0] * (n + 1) for _ in range(ns)]
        self.suf_ratio = [[0.0] * (n + 1) for _ in range(ns)]
        for s in range(ns):
            size, mx, total, ratio = self.suf_size[s], self.suf_max[s], self.suf_sum[s], self.suf_ratio[s]
            # at most one of the candidates sharing a lineage is placed: the sum counts their largest
            largest: dict[frozenset[str], float] = {}
            for i in range(n - 1, -1, -1):
                c = self.cands[i]
                size[i], mx[i], total[i], ratio[i] = size[i + 1], mx[i + 1], total[i + 1], ratio[i + 1]
                if s in c.slots:
                    size[i] = min(size[i], len(c.lineage))
                    mx[i] = max(mx[i], c.credits)
                    before = largest.get(c.lineage, 0.0)
                    if c.credits > before:
                        total[i] += c.credits - before
                        largest[c.lineage] = c.credits
                    ratio[i] = max(ratio[i], c.credits / len(c.lineage))
        # one-holding lineages: candidates sharing that holding (a course and its transferred
        # copies) are consecutive, at most one of them is used, and depth-first order is
        # lexicographic over those holdings
        self.singleton = all(len(c.lineage) == 1 for c in self.cands)
        self.element = [min(c.lineage) for c in self.cands] if self.singleton else []
        # then the fewest holdings a pool still needs is exact over the lineages left, from the
        # cumulative sums of each holding's largest credits (quadratic memory, so bounded)
        self.suf_top: dict[int, list[list[float]]] = {}
        # and the pools under one ``all`` share the holdings: together they need at least the
        # fewest holdings covering the sum of their deficits
        self.all_top: dict[int, tuple[list[Compiled], list[list[float]]]] = {}
        if self.singleton and n <= 400:
            for s, spec in enumerate(slots):
                if spec[0] == POOL:
                    self.suf_top[s] = self._tops({s: spec[2]})
            for node in _all_nodes(tree):
                pools = [c for c in node[-1] if c[0] == POOL]
                if len(pools) > 1:
                    self.all_top[id(node)] = (pools, self._tops({p[1]: p[2] for p in pools}))

    def _tops(self, fits: dict[int, float]) -> list[list[float]]:
        """Per candidate index i: cumulative sums of the largest credits, one per holding, that
        candidates from i on can put into the slots ``fits`` (each slot mapped to the most it
        can take: a pool's need, beyond which its credits meet nothing more). Each list stops
        once it reaches the needs together: no deficit asks for more."""
        n = len(self.cands)
        enough = sum(fits.values()) - _EPS
        tops: list[list[float]] = [[0.0] for _ in range(n + 1)]
        left: list[float] = []
        largest: dict[str, float] = {}
        for i in range(n - 1, -1, -1):
            c = self.cands[i]
            e = self.element[i]
            room = max((fits[s] for s in c.slots if s in fits), default=None)
            credits = min(c.credits, room) if room is not None else -_INF
            if credits > largest.get(e, -_INF):
                if e in largest:
                    left.pop(bisect.bisect_left(left, -largest[e]))
                largest[e] = credits
                bisect.insort(left, -credits)
            tops[i] = capped_prefix(left, enough)
        return tops

    # -- state of the requirement under the current placements ---------------------------------

    def state(self, node: Compiled, i: int) -> tuple[bool, float, float, float]:
        """(met now, credits used now, lower bound on lineage still needed, optimistic credits)."""
        tag = node[0]
        if tag == LEAF or tag == COMPETENCY:
            s = node[1]
            c = self.fill[s]
            if c >= 0:
                cr = self.cands[c].credits
                return True, cr, 0.0, cr
            size = self.suf_size[s][i]
            return False, 0.0, size, (self.suf_max[s][i] if size < _INF else 0.0)
        if tag == POOL:
            s, need = node[1], node[2]
            cur = self.pool_sum[s]
            opt = cur + self.suf_sum[s][i]
            if cur >= need - _EPS:
                return True, cur, 0.0, opt
            if opt < need - _EPS:
                return False, 0.0, _INF, 0.0
            top = self.suf_top.get(s)
            if top is not None:
                return False, 0.0, float(bisect.bisect_left(top[i], need - cur - _EPS)), opt
            return False, 0.0, float(math.ceil((need - cur) / self.suf_ratio[s][i] - _EPS)), opt
        kids = [self.state(c, i) for c in node[-1]]
        if tag == ALL:
            met = all(k[0] for k in kids)
            lb = sum(k[2] for k in kids)
            shared = self.all_top.get(id(node))
            if shared is not None and not met and lb < _INF:
                pools, tops = shared
                deficit = sum(max(0.0, p[2] - self.pool_sum[p[1]]) for p in pools)
                if deficit > _EPS:
                    fewest = bisect.bisect_left(tops[i], deficit - _EPS)
                    if fewest >= len(tops[i]):
                        lb = _INF
                    else:
                        lb = max(lb, fewest + sum(k[2] for c, k in zip(node[-1], kids, strict=True) if c[0] != POOL))
            return met, (sum(k[1] for k in kids) if met else 0.0), lb, (sum(k[3] for k in kids) if lb < _INF else 0.0)
        if tag == ANY:
            met = any(k[0] for k in kids)
            lb = min(k[2] for k in kids)
            return met, sum(k[1] for k in kids if k[0]), lb, sum(k[3] for k in kids if k[2] < _INF)
        if tag == AT_LEAST:
            need_k = node[1]
            met = sum(1 for k in kids if k[0]) >= need_k
            lbs = sorted(k[2] for k in kids)[:need_k]
            lb = sum(lbs)
            return met, (sum(k[1] for k in kids if k[0]) if met else 0.0), lb, (sum(k[3] for k in kids if k[2] < _INF) if lb < _INF else 0.0)
        need = node[1]
        cur = sum(k[1] for k in kids if k[0])
        opt = sum(k[3] for k in kids if k[2] < _INF)
        if cur >= need - _EPS:
            return True, cur, 0.0, opt
        if opt < need - _EPS:
            return False, 0.0, _INF, 0.0
        # something must be added: to an unmet child, or to a met child that can still grow
        steps = [k[2] for k in kids if not k[0]] + [1.0 for k in kids if k[0] and k[3] > k[1] + _EPS]
        return False, 0.0, min(steps, default=_INF), opt

    def used(self, node: Compiled) -> tuple[bool, list[int]]:
        """Whether ``node`` is met, and the candidates placed under its met parts."""
        tag = node[0]
        if tag == LEAF or tag == COMPETENCY:
            c = self.fill[node[1]]
            return c >= 0, ([c] if c >= 0 else [])
        if tag == POOL:
            met = self.pool_sum[node[1]] >= node[2] - _EPS
            return met, (list(self.pool_items[node[1]]) if met else [])
        kids = [self.used(c) for c in node[-1]]
        got = [k for k in kids if k[0]]
        if tag == ALL:
            met = len(got) == len(kids)
        elif tag == ANY:
            met = bool(got)
        elif tag == AT_LEAST:
            met = len(got) >= node[1]
        else:
            met = sum(self.cands[c].credits for k in got for c in k[1]) >= node[1] - _EPS
        return met, ([c for k in got for c in k[1]] if met else [])

    def fraction(self, node: Compiled) -> tuple[float, bool, float]:
        """(progress fraction, met, credits used under met parts) of ``node`` as placed now."""
        tag = node[0]
        if tag == LEAF or tag == COMPETENCY:
            c = self.fill[node[1]]
            return (1.0, True, self.cands[c].credits) if c >= 0 else (0.0, False, 0.0)
        if tag == POOL:
            cur = self.pool_sum[node[1]]
            met = cur >= node[2] - _EPS
            return min(1.0, cur / node[2]), met, (cur if met else 0.0)
        kids = [self.fraction(c) for c in node[-1]]
        if tag == ALL:
            met = all(k[1] for k in kids)
            return sum(k[0] for k in kids) / len(kids), met, (sum(k[2] for k in kids) if met else 0.0)
        if tag == ANY:
            met = any(k[1] for k in kids)
            return max(k[0] for k in kids), met, sum(k[2] for k in kids if k[1])
        if tag == AT_LEAST:
            need_k = node[1]
            met = sum(1 for k in kids if k[1]) >= need_k
            top = sorted((k[0] for k in kids), reverse=True)[:need_k]
            return sum(top) / need_k, met, (sum(k[2] for k in kids if k[1]) if met else 0.0)
        cur = sum(k[2] for k in kids if k[1])
        met = cur >= node[1] - _EPS
        return min(1.0, cur / node[1]), met, (cur if met else 0.0)

    def missing(self, node: Compiled) -> dict[str, Any] | None:
        """The requirement with met parts removed and counts reduced to what is still needed."""
        tag = node[0]
        if tag == LEAF:
            if self.fill[node[1]] >= 0:
                return None
            return leaf_json(node)
        if tag == COMPETENCY:
            return None if self.fill[node[1]] >= 0 else {"competency": node[2]}
        if tag == POOL:
            return pool_missing(node, self.pool_sum[node[1]])
        children = node[-1]
        states = [self.fraction(c) for c in children]
        unmet = [m for c, st in zip(children, states, strict=True) if not st[1] and (m := self.missing(c)) is not None]
        if tag == ALL:
            return _gather("all", unmet)
        if tag == ANY:
            return None if any(st[1] for st in states) else _gather("any", unmet)
        if tag == AT_LEAST:
            still = node[1] - sum(1 for st in states if st[1])
            if still <= 0:
                return None
            return _gather("all", unmet) if still >= len(unmet) else {"at_least": still, "of": unmet}
        cur = sum(st[2] for st in states if st[1])
        if cur >= node[1] - _EPS:
            return None
        return {node[2]: number(node[1] - cur), "of": unmet}

    # -- placements ----------------------------------------------------------------------------

    def place(self, i: int, s: int) -> None:
        c = self.cands[i]
        if self.slots[s][0] == POOL:
            self.pool_sum[s] += c.credits
            self.pool_items[s].append(i)
        else:
            self.fill[s] = i
        self.placed.append(i)
        self.elements.update(c.lineage)

    def unplace(self, i: int, s: int) -> None:
        c = self.cands[i]
        if self.slots[s][0] == POOL:
            self.pool_sum[s] -= c.credits
            self.pool_items[s].pop()
        else:
            self.fill[s] = -1
        self.placed.pop()
        self.elements.difference_update(c.lineage)

    def free(self, i: int) -> list[int]:
        """The slots candidate ``i`` may go into now (none when its lineage overlaps a placed one)."""
        c = self.cands[i]
        if not c.lineage.isdisjoint(self.elements):
            return []
        return [s for s in c.slots if self.slots[s][0] == POOL or self.fill[s] < 0]

    def key(self, used: list[int]) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        lineage = tuple(sorted(e for i in used for e in self.cands[i].lineage))
        return len(lineage), lineage, tuple(sorted(self.cands[i].node for i in used))


def pool_missing(node: Compiled, cur: float) -> dict[str, Any] | None:
    """What is still ``missing`` of a pool holding ``cur`` credits (or hours): ``None`` once met.

    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> pool_missing(compile_requirement(parse_requirement({"credits": 6, "where": {"subject": "ENGL"}}))[0], 4.0)
    {'credits': 2, 'where': {'subject': 'ENGL'}}
    """
    if cur >= node[2] - _EPS:
        return None
    where = node[3]
    return {node[4]: number(node[2] - cur), "where": {f: getattr(where, f) for f in _WHERE if getattr(where, f) is not None}}


_WHERE = ("institution", "subject", "kind", "level_min", "level_max")
"""The fields of a pool's filter, in the order ``missing`` lists them."""


def _all_nodes(node: Compiled) -> Iterator[Compiled]:
    """The ``all`` nodes of a compiled requirement."""
    if node[0] in (LEAF, COMPETENCY, POOL):
        return
    if node[0] == ALL:
        yield node
    for child in node[-1]:
        yield from _all_nodes(child)


@contextmanager
def recursion_room(n: int) -> Iterator[None]:
    """Room for a depth-first search one frame per candidate (pure-Python frames, no C stack)."""
    old = sys.getrecursionlimit()
    if n + 200 > old:
        sys.setrecursionlimit(n + 200 + old)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _gather(op: str, parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {op: parts}
