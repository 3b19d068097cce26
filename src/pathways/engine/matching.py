"""Matching a compiled requirement against candidate holdings: a branch-and-bound search, then exact fallbacks.

An *assignment* puts candidate holdings into slots (a leaf takes one, a credit pool any
number); the holdings it *uses* are those placed under met parts of the requirement. Two
matches share the state of :class:`~pathways.engine.search.SearchState`:

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

import math
from dataclasses import dataclass
from typing import Any

from .candidates import Candidate, interchangeable_pruned, leaves_apart, may_meet
from .exact import fewest_placements
from .index import POOL, Compiled
from .search import SearchState, recursion_room

__all__ = [
    "MAX_BRANCHES",
    "QUICK_STEPS",
    "Assignment",
    "Candidate",
    "Progress",
    "best_assignment",
    "interchangeable_pruned",
    "leaves_apart",
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
    """The holdings a match uses (sorted node ids) and the union of their lineages (sorted);
    ``averaged`` when the requirement is met by averages alone and it rests on what they weigh
    (each node at the attempt an average counts, whatever the rule's window)."""

    uses: tuple[str, ...]
    lineage: tuple[str, ...]
    averaged: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    """How far holdings go toward a requirement: fraction in [0, 1], holdings used, what is missing."""

    fraction: float
    uses: tuple[str, ...]
    missing: dict[str, Any] | None


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
                suf[i] = suf[i + 1] + c.resident_credits(inst)
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
                rec = sum(self.cands[i].limit_credits for i in used if self.cands[i].recognized)
                if rec > max_rec + _EPS:
                    ok = rec_ok = False
            if min_res is not None:
                res = sum(self.cands[i].resident_credits(inst) for i in used)
                if res < min_res - _EPS:
                    ok = False
        return ok, rec_ok

    def residency_reachable(self, i: int) -> bool:
        for (inst, _, min_res), suf in zip(self.limits, self.suf_res, strict=True):
            if min_res is None:
                continue
            res = sum(self.cands[j].resident_credits(inst) for j in self.placed)
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
    # dominance weighs what the pools add: with hours pools it says nothing of the limits' credits
    kept = (
        cands
        if limits and any(c.held_credits is not None for c in cands)
        else interchangeable_pruned(
            cands,
            max_recognized=any(max_rec is not None or inst is None for inst, max_rec, _ in limits),
            residency=any(min_res is not None for _, _, min_res in limits),
        )
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


