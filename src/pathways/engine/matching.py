"""Matching a compiled requirement against candidate holdings: a branch-and-bound search, then exact fallbacks.

An *assignment* puts candidate holdings into slots (a leaf takes one, a credit pool any
number); the holdings it *uses* are those placed under met parts of the requirement. Two
matches share the state of :class:`SearchState`:

- :func:`best_assignment`: among assignments that meet the requirement, with pairwise
  disjoint lineages and within a credential's limits, the one SPEC section 4 reports: smallest
  lineage, then lexicographically smallest sorted lineage, then smallest sorted list of used
  holdings. ``None`` when no assignment exists.
- :func:`~pathways.engine.progress.best_progress` (in its own module): the assignment that maximizes the progress fraction (ties: the
  same order as above), with what is still ``missing``.

:func:`best_assignment` searches depth first over the candidates (sorted by lineage), each
placed in one of its slots or left out, and prunes with a relaxation that pretends every
remaining candidate fills every slot it fits at once: if even that cannot meet the
requirement, or cannot beat the best found, the branch is dropped. With a lower bound on
the lineage still needed (a pool's deficit over its best credits-per-lineage ratio), a
40-course transcript against a 120-credit pool is a handful of branches, not 2**40. When every candidate's lineage is one distinct holding,
depth-first order is lexicographic order, and a branch that already left out a holding the
best solution uses can only tie or lose: it is dropped too. The search gets
:data:`QUICK_STEPS` steps; past them it gives up (its answer would not be proven) and the
dynamic program of :mod:`pathways.engine.progress` decides (no limits), or, past that
program's bounds or under limits, the integer program of :mod:`pathways.engine.exact`, which
has no bound: every answer is exact. Without limits, where that program prunes with its
branch and bound (no ``credits ... of``), it goes first, and the search only past its bounds.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"at_least": 1, "of": [{"node": "A"}, {"node": "B"}]}))
    >>> cands = [Candidate("A", frozenset({"A"}), 1.0, (0,)), Candidate("B", frozenset({"B"}), 1.0, (1,))]
    >>> best_assignment(tree, slots, cands).uses
    ('A',)
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .candidates import Candidate, interchangeable_pruned, leaves_apart, may_meet
from .exact import fewest_placements
from .index import ALL, ANY, AT_LEAST, COMPETENCY, LEAF, POOL, Compiled

__all__ = [
    "MAX_BRANCHES",
    "QUICK_STEPS",
    "Assignment",
    "Candidate",
    "Progress",
    "SearchState",
    "best_assignment",
    "interchangeable_pruned",
    "leaves_apart",
    "number",
    "recursion_room",
]

MAX_BRANCHES = 64
"""Placements of multi-holding candidates one match enumerates at most (see :func:`best_assignment`)."""

QUICK_STEPS = 5_000
"""Search steps a match tries first (real requirements finish in a few hundred); past them the
dynamic program (no limits) or the integer program takes over."""

_EPS = 1e-9
_INF = math.inf


@dataclass(frozen=True, slots=True)
class Assignment:
    """The holdings a match uses (sorted node ids) and the union of their lineages (sorted)."""

    uses: tuple[str, ...]
    lineage: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far holdings go toward a requirement: fraction in [0, 1], holdings used, what is missing."""

    fraction: float
    uses: tuple[str, ...]
    missing: dict[str, Any] | None


def number(x: float) -> int | float:
    """A JSON number: integral values as int, others rounded to 6 decimals.

    >>> number(3.0), number(2.5), number(0.1 + 0.2)
    (3, 2.5, 0.3)
    """
    r = round(x, 6)
    return int(r) if float(r).is_integer() else r


class SearchState:
    """The shared state of both searches (this one and :mod:`pathways.engine.progress`):
    placements, per-slot suffix bounds, the best found."""

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
            sums = [0.0]
            total = 0.0
            for x in left:
                total -= x
                sums.append(total)
                if total >= enough:
                    break
            tops[i] = sums
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
            return {"node": node[2]} if node[3] is None else {"node": node[2], "min_grade": node[3]}
        if tag == COMPETENCY:
            return None if self.fill[node[1]] >= 0 else {"competency": node[2]}
        if tag == POOL:
            cur = self.pool_sum[node[1]]
            if cur >= node[2] - _EPS:
                return None
            where = node[3]
            fields = ("institution", "subject", "kind", "level_min", "level_max")
            return {"credits": number(node[2] - cur), "where": {f: getattr(where, f) for f in fields if getattr(where, f) is not None}}
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
        return {"credits": number(node[1] - cur), "of": unmet}

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


class _Firing(SearchState):
    def __init__(
        self,
        tree: Compiled,
        slots: tuple[Compiled, ...],
        cands: list[Candidate],
        limits: tuple[tuple[str | None, float | None, float | None], ...],
        fixed: tuple[tuple[Candidate, int], ...] = (),
        cap: float = _INF,
    ) -> None:
        super().__init__(tree, slots, cands)
        self.limits = limits
        n = self.n = len(self.cands)
        self.cap = cap
        # per limit: residency credits still available from candidate i on
        self.suf_res: list[list[float]] = []
        for inst, _, _ in limits:
            suf = [0.0] * (n + 1)
            for i in range(n - 1, -1, -1):
                c = self.cands[i]
                suf[i] = suf[i + 1] + (c.credits if inst is not None and c.resident_of == inst else 0.0)
            self.suf_res.append(suf)
        self.best: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None
        self.best_clean: list[int] | None = None
        self.best_clean_key: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None
        # candidates placed before the search (a branch of best_assignment), after the searched ones
        for c, s in fixed:
            self.cands.append(c)
            self.place(len(self.cands) - 1, s)

    def limits_ok(self, used: list[int]) -> tuple[bool, bool]:
        """(within every limit, recognized credits within every maximum)."""
        ok = rec_ok = True
        for inst, max_rec, min_res in self.limits:
            if max_rec is not None:
                rec = sum(self.cands[i].credits for i in used if self.cands[i].recognized)
                if rec > max_rec + _EPS:
                    ok = rec_ok = False
            if min_res is not None:
                res = sum(self.cands[i].credits for i in used if inst is not None and self.cands[i].resident_of == inst)
                if res < min_res - _EPS:
                    ok = False
        return ok, rec_ok

    def residency_reachable(self, i: int) -> bool:
        for (inst, _, min_res), suf in zip(self.limits, self.suf_res, strict=True):
            if min_res is None:
                continue
            res = sum(self.cands[j].credits for j in self.placed if inst is not None and self.cands[j].resident_of == inst)
            if res + suf[i] < min_res - _EPS:
                return False
        return True

    def lex_behind(self, i: int) -> bool:
        """Whether the placements so far already left out a holding the best clean solution uses.

        Only holdings before candidate ``i``'s are compared: no later candidate can add them.
        """
        if self.best_clean is None or self.best_clean_key != self.best:
            return False
        element, n = self.element, self.n
        below = element[i]
        mine = [element[j] for j in self.placed if j < n and element[j] < below]
        best = [element[j] for j in self.best_clean if j < n and element[j] < below]
        for a, b in zip(mine, best):
            if a != b:
                return b < a
        return len(mine) < len(best)

    def search(self, i: int, size: int) -> None:
        self.steps += 1
        if self.steps > QUICK_STEPS:
            return
        met, _, lb, _ = self.state(self.tree, i)
        if met:
            _, used = self.used(self.tree)
            ok, rec_ok = self.limits_ok(used)
            if ok:
                key = self.key(used)
                if self.best is None or key < self.best:
                    self.best = key
                if len(used) == len(self.placed) and (self.best_clean_key is None or key < self.best_clean_key):
                    self.best_clean, self.best_clean_key = sorted(used), key
                return
            if not rec_ok:
                return
            lb = 1.0
        if lb == _INF or i == self.n or size + lb > self.cap:
            return
        if self.best is not None:
            if size + lb > self.best[0]:
                return
            if self.singleton and size + lb >= self.best[0] and self.lex_behind(i):
                return
        if self.limits and not self.residency_reachable(i):
            return
        size_i = len(self.cands[i].lineage)
        for s in self.free(i):
            self.place(i, s)
            self.search(i + 1, size + size_i)
            self.unplace(i, s)
        self.search(i + 1, size)


def best_assignment(
    tree: Compiled,
    slots: tuple[Compiled, ...],
    cands: list[Candidate],
    limits: tuple[tuple[str | None, float | None, float | None], ...] = (),
) -> Assignment | None:
    """The assignment SPEC reports for a firing rule, or ``None`` when the rule cannot fire.

    ``limits`` are ``(institution, max_recognized_credits, min_residency_credits)`` triples of
    the granted credentials (condition 3); leave them empty to ignore limits.
    """
    # the most each slot can get: a pool takes at most one candidate per holding among those
    # with a one-holding lineage (lineages are disjoint), so the largest credits of each
    most = [0.0] * len(slots)
    largest: dict[tuple[int, str], float] = {}
    for c in cands:
        lineage = c.lineage
        for s in c.slots:
            if slots[s][0] != POOL:
                most[s] = max(most[s], c.credits, 0.0)
            elif len(lineage) == 1:
                (held,) = lineage
                if c.credits > largest.get((s, held), 0.0):
                    largest[s, held] = c.credits
            else:
                most[s] += c.credits
    for (s, _), credits in largest.items():
        most[s] += credits
    filled = {s for c in cands for s in c.slots}
    if not may_meet(tree, most, filled)[0]:
        return None
    if not limits and leaves_apart(tree, cands):
        if len(cands) < len(tree[1]):
            return None
        return Assignment(uses=tuple(sorted(c.node for c in cands)), lineage=tuple(sorted(e for c in cands for e in c.lineage)))
    kept = interchangeable_pruned(
        cands,
        max_recognized=any(max_rec is not None for _, max_rec, _ in limits),
        residency=any(min_res is not None for _, _, min_res in limits),
    )
    from .progress import TooLarge, bounded, fewest_assignment  # the program builds on this module

    # without limits, and where the program is a branch and bound (no ``credits ... of``), the
    # program goes first: on a degree's pools it is faster than the search even where the
    # search succeeds (BC: 0.3 s against 1.1 s over 100 such matches), and the search often
    # runs out of steps there
    programmed = not limits and bounded(tree)
    if programmed:
        try:
            return fewest_assignment(tree, slots, kept)
        except TooLarge:
            pass
    single = [c for c in kept if len(c.lineage) == 1]
    branches = _branches([c for c in kept if len(c.lineage) > 1], slots)
    if branches is None:
        single, branches = kept, [()]
    found = _search_branches(tree, slots, single, branches, limits)
    if not isinstance(found, bool):
        return found
    if not limits and not programmed:
        try:
            return fewest_assignment(tree, slots, kept)
        except TooLarge:
            pass
    placed = fewest_placements(tree, slots, kept, limits=limits)
    if placed is None:
        return None
    return Assignment(uses=tuple(sorted(c.node for c, _ in placed)), lineage=tuple(sorted(e for c, _ in placed for e in c.lineage)))


def _search_branches(
    tree: Compiled,
    slots: tuple[Compiled, ...],
    single: list[Candidate],
    branches: list[tuple[tuple[Candidate, int], ...]],
    limits: tuple[tuple[str | None, float | None, float | None], ...],
) -> Assignment | None | bool:
    """The best assignment over every branch, ``None`` when none fires, ``False`` when a
    search ran out of :data:`QUICK_STEPS` steps (its answer would not be proven)."""
    best: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None
    for fixed in branches:
        taken = frozenset().union(*(c.lineage for c, _ in fixed))
        search = _Firing(tree, slots, [c for c in single if c.lineage.isdisjoint(taken)], limits, fixed, best[0] if best else _INF)
        with recursion_room(len(search.cands)):
            search.search(0, len(taken))
        if search.steps > QUICK_STEPS:
            return False
        if search.best is not None and (best is None or search.best < best):
            best = search.best
    if best is None:
        return None
    return Assignment(uses=best[2], lineage=best[1])


def _branches(multi: list[Candidate], slots: tuple[Compiled, ...]) -> list[tuple[tuple[Candidate, int], ...]] | None:
    """Every way to place the candidates whose lineage has several holdings (each left out or
    in one of its slots, lineages disjoint, a leaf taking one), or ``None`` past
    :data:`MAX_BRANCHES`. Each branch is searched over the one-holding candidates alone,
    where depth-first order is lexicographic."""
    out: list[tuple[tuple[Candidate, int], ...]] = [()]
    for c in multi:
        grown = []
        for placed in out:
            grown.append(placed)
            if all(c.lineage.isdisjoint(p.lineage) for p, _ in placed):
                grown.extend((*placed, (c, s)) for s in c.slots if slots[s][0] == POOL or all(s != t for _, t in placed))
        out = grown
        if len(out) > MAX_BRANCHES:
            return None
    return out


