"""How many more holdings a partial assignment needs at least: the program's count bounds.

The dynamic program of :mod:`pathways.engine.progress` takes one holding's group at a time, in
holding order, and keeps states (what each slot holds). Its branch and bound drops a state when
no completion can beat the best one found; the key is lineage size first, so the fewer
holdings a completion needs at least, the more it drops. Two such lower bounds, for the groups
from index ``g`` on:

- :meth:`Shortfall.to_meet`: to meet the requirement. A pool short of ``d`` credits needs at
  least the fewest groups whose largest credits (one per group, each capped at the pool's
  need) add up to ``d``; an empty leaf one group that fills it. Each holding goes into one slot
  at most, so an ``all`` needs the sum of its children's counts, an ``any`` the smallest,
  an ``at_least k`` the sum of the k smallest. ``math.inf`` when no completion meets it.
- :meth:`Shortfall.to_gain`: to raise the fraction by ``delta``: the fewest groups whose largest
  gains (a group's best move from an empty slot, by the slot weights of
  :class:`~pathways.engine.progress._Bound`) add up to ``delta``; a gain from a partly filled
  slot is never larger.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"credits": 9, "where": {"subject": "ENGL"}}))
    >>> moves = [[(0, 3.0, 9.0, 0, "A")], [(0, 6.0, 9.0, 1, "B")], [(0, 3.0, 9.0, 2, "C")]]
    >>> counts = Shortfall(tree, slots, moves, [[1 / 3], [2 / 3], [1 / 3]])
    >>> counts.to_meet((0.0,), 0), counts.to_meet((0.0,), 1), counts.to_meet((3.0,), 2)
    (2, 2, inf)
    >>> counts.to_gain(0.5, 0)
    1
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence

from .index import ALL, ANY, COMPETENCY, LEAF, POOL, Compiled

__all__ = ["Shortfall", "capped_prefix"]

_SLACK = 1e-9
"""Taken off every sum a count must reach: sums in another order round differently, and a
smaller count only keeps more states."""

_State = tuple[float, ...]
_Move = tuple[int, float, "float | None", int, str]


class Shortfall:
    """Lower bounds on the holdings a state still needs, from the groups' moves (see the module).

    ``moves`` per group as :meth:`pathways.engine.progress._Progress.moves` makes them
    (``(slot, credits, room, candidate, node)``, ``room`` ``None`` for a leaf); ``gains`` per
    group the gain of each move from an empty slot.
    """

    def __init__(self, tree: Compiled, slots: Sequence[Compiled], moves: Sequence[Sequence[_Move]], gains: Sequence[Sequence[float]]) -> None:
        n = len(moves)
        # per pool slot, per group index: prefix sums of the largest credits of the groups from
        # there on (one per group, capped at the need), stopping once they reach the need
        self.pool_sums: dict[int, list[list[float]]] = {}
        # per leaf slot: the last group index that can fill it (-1: none)
        self.last_fill = [-1] * len(slots)
        for s, spec in enumerate(slots):
            if spec[0] != POOL:
                continue
            need = float(spec[2])
            sums: list[list[float]] = [[0.0]] * (n + 1)
            largest: list[float] = []  # negated, ascending: the largest credits first
            for g in range(n - 1, -1, -1):
                best = max((min(m[1], need) for m in moves[g] if m[0] == s), default=0.0)
                if best <= 0.0:
                    sums[g] = sums[g + 1]
                    continue
                bisect.insort(largest, -best)
                sums[g] = capped_prefix(largest, need)
            self.pool_sums[s] = sums
        for g in range(n - 1, -1, -1):
            for m in moves[g]:
                if m[2] is None and self.last_fill[m[0]] < g:
                    self.last_fill[m[0]] = g
        # per group index: prefix sums of the largest gains of the groups from there on
        self.gain_sums: list[list[float]] = [[0.0]] * (n + 1)
        top: list[float] = []
        for g in range(n - 1, -1, -1):
            best = max(gains[g], default=0.0)
            if best <= 0.0:
                self.gain_sums[g] = self.gain_sums[g + 1]
                continue
            bisect.insort(top, -best)
            self.gain_sums[g] = capped_prefix(top, 1.0)  # no fraction grows by more than 1
        self.to_meet: Callable[[_State, int], float] = _meet(tree, self.pool_sums, self.last_fill)

    def to_gain(self, delta: float, g: int) -> float:
        """The fewest groups from ``g`` on that can raise the fraction by ``delta`` (``math.inf``: none)."""
        if delta <= 0.0:
            return 0
        sums = self.gain_sums[g]
        k = bisect.bisect_left(sums, delta - _SLACK)
        return k if k < len(sums) else math.inf


def capped_prefix(negated: list[float], cap: float) -> list[float]:
    """Prefix sums of ``-negated`` (sorted ascending, so largest first), stopping at the first
    that reaches ``cap``: the most ``k`` values can add, for each ``k`` that matters.

    >>> capped_prefix([-3.0, -2.0, -1.0], 4.0)
    [0.0, 3.0, 5.0]
    """
    out = [0.0]
    total = 0.0
    for x in negated:
        total -= x
        out.append(total)
        if total >= cap:
            break
    return out


def _meet(node: Compiled, pool_sums: dict[int, list[list[float]]], last_fill: list[int]) -> Callable[[_State, int], float]:
    """:meth:`Shortfall.to_meet` for ``node``, as a function of the state and the group index."""
    tag = node[0]
    if tag == POOL:
        s, need, sums = node[1], node[2], pool_sums[node[1]]

        def pool(state: _State, g: int) -> float:
            short = need - state[s]
            if short <= _SLACK:  # met: within the program's tolerance of the need
                return 0
            prefix = sums[g]
            k = bisect.bisect_left(prefix, short - 2 * _SLACK)
            return k if k < len(prefix) else math.inf

        return pool
    if tag == LEAF or tag == COMPETENCY:
        s, last = node[1], last_fill[node[1]]
        return lambda state, g: 0 if state[s] >= 0 else 1 if g <= last else math.inf
    kids = [_meet(child, pool_sums, last_fill) for child in node[-1]]
    if tag == ALL:
        return lambda state, g: sum(f(state, g) for f in kids)
    if tag == ANY:
        return lambda state, g: min(f(state, g) for f in kids)
    k = node[1]
    return lambda state, g: sum(sorted(f(state, g) for f in kids)[:k])
