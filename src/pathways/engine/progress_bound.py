"""The branch and bound of the progress program (:mod:`pathways.engine.progress`).

:class:`_Bound` drops the program's states that no reported assignment can come from: by the
fraction they can still reach (a weighted sum bound, for requirements without ``credits ...
of``), by the key of the best state found, and, for a firing rule, by the holdings a met
completion needs at least (:class:`~pathways.engine.shortfall.Shortfall`) against the
program's cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled
from .shortfall import Shortfall

if TYPE_CHECKING:
    from .progress import _Progress

__all__ = ["slot_weights"]

_EPS = 1e-9

_MARGIN = 1e-6
"""How far below the best fraction found a state's bound must be for the state to be dropped:
far above rounding (and the selection's ties, within 1e-9), far below the gaps between real
fractions."""

_TINY = 1e-12
"""Fractions this close are taken as equal when choosing the anchor of :class:`_Bound`."""

_Key = tuple[int, tuple[str, ...], tuple[str, ...]]
_State = tuple[float, ...]
_Move = tuple[int, float, float | None, int, str]


class _Bound:
    """Branch and bound for the program: what a state can still reach, against the best found.

    Without ``credits ... of``, a requirement's fraction grows by at most the sum over slots of
    the slot's weight times what the slot's own fraction gains (the weight is the product of
    ``1/n`` under an ``all`` of n, ``1/k`` under an ``at_least k``, 1 under an ``any``: a mean,
    a top-k sum over k and a maximum grow by at most that much). A leaf's own fraction goes
    from 0 to 1, a pool's grows by its credits over its need and not past 1. Two bounds on what
    the groups from ``g`` on add follow: the sum of each group's largest gain (a group places
    one holding), and per slot what the groups could put there all at once (the room left, and
    the largest credits of each group, summed). A state whose fraction plus the smaller falls
    short of the best fraction found (:data:`_MARGIN` and more) has no completion that could be
    reported, nor does any state reached from it, so it is dropped; the best found is the best
    fraction of any state so far (each is an assignment), or of a greedy completion of it.
    """

    def __init__(self, search: _Progress, elements: list[str], moves: list[list[_Move]], offset: int = 0) -> None:
        assert search.weights is not None
        self.search = search
        self.offset = offset  # the lineage size of the branch's placements, not in the states' sizes
        self.quick = _quick(search.tree)
        weights, slots = search.weights, search.slots
        n = len(moves)
        # per move, its largest gain from an empty slot
        self.gains = [[weights[m[0]] * (1.0 if m[2] is None else min(m[1], m[2]) / m[2]) for m in ms] for ms in moves]
        self.most = [0.0] * (n + 1)  # suffix sums of each group's largest gain
        # per group index: (slot, weight over need, need, credits the groups from there can
        # put in) per pool, (slot, weight) per leaf some group from there can fill
        self.pools: list[list[tuple[int, float, float, float]]] = [[] for _ in range(n + 1)]
        self.leaves: list[list[tuple[int, float]]] = [[] for _ in range(n + 1)]
        reach = [0.0] * len(slots)
        filled = [False] * len(slots)
        for g in range(n - 1, -1, -1):
            self.most[g] = self.most[g + 1] + max(self.gains[g], default=0.0)
            largest: dict[int, float] = {}
            for s, credits, room, _, _ in moves[g]:
                if room is None:
                    filled[s] = True
                elif credits > largest.get(s, 0.0):
                    largest[s] = credits
            for s, credits in largest.items():
                reach[s] += credits
            self.pools[g] = [(s, weights[s] / spec[2], spec[2], reach[s]) for s, spec in enumerate(slots) if spec[0] == POOL and reach[s] > 0]
            self.leaves[g] = [(s, weights[s]) for s in range(len(slots)) if filled[s] and slots[s][0] != POOL]
        self.moves = moves
        self.elements = elements
        self.best = search.best_fraction
        # (fraction, lineage size, sorted lineage) of the best state met so far
        self.anchor: tuple[float, int, tuple[str, ...]] = (-1.0, 0, ())
        # per group index: the largest gain of one group from there on
        self.largest = [0.0] * (n + 1)
        for g in range(n - 1, -1, -1):
            self.largest[g] = max(self.largest[g + 1], max(self.gains[g], default=0.0))
        self.known: dict[_State, float] = {}  # the fraction of each state scored so far
        self.completed: _State | None = None  # the last state completed greedily
        # firing mode: whether a state is met, and a fraction every met state reaches (a met
        # pool's credits are within _EPS of its need)
        self.met = _quick_met(search.tree)
        self.counts = Shortfall(search.tree, slots, moves, self.gains)
        # firing mode: the groups by their largest gain, for the greedy completions that lower
        # the program's cap (see :meth:`capped`)
        self.by_gain = sorted(range(n), key=lambda j: -max(self.gains[j], default=0.0))
        needs = [spec[2] for spec in slots if spec[0] == POOL]
        self.floor = 1.0 - (2 * _EPS / min(needs) if needs else 0.0) - _TINY

    def pruned(self, states: dict[_State, Any], g: int) -> dict[_State, Any]:
        """``states`` without those no reported assignment can come from, before group ``g``."""
        if not states:
            return states
        quick, known = self.quick, self.known
        scored = []
        for state in states:
            fraction = known.get(state)
            if fraction is None:
                fraction = known[state] = quick(state)
            scored.append((fraction, state))
        firing, met = self.search.firing, self.met
        if firing:
            # the anchor: the met state with the smallest (size, lineage); no state beats met
            for fraction, state in scored:
                if fraction >= self.floor and met(state) and (self.anchor[0] < 0 or states[state][:2] < self.anchor[1:]):
                    self.anchor = (1.0, *states[state][:2])
            scored = self.capped(states, scored, g)
            floor = self.floor
            ceiling = math.inf
        else:
            top, state = max(scored)
            if top > self.best:
                self.best = top
            if state != self.completed:  # completed greedily only when the top state is new
                self.completed = state
                greedy = self.greedy(state, g)
                if greedy > self.best:
                    self.best = greedy
            # the anchor: a state with the largest fraction, the smallest (size, lineage) among those
            for fraction, state in scored:
                if fraction < self.anchor[0] - _TINY:
                    continue
                size, lineage = states[state][:2]
                if fraction > self.anchor[0] + _TINY or (size, lineage) < self.anchor[1:]:
                    self.anchor = (fraction, size, lineage)
            floor = self.best - _MARGIN
            ceiling = self.anchor[0] + _EPS / 2
        anchor, anchor_size, anchor_lineage = self.anchor
        element = self.elements[g] if g < len(self.elements) else None
        most, pools, leaves, largest = self.most[g], self.pools[g], self.leaves[g], self.largest[g]
        kept = {}
        for fraction, state in scored:
            value = states[state]
            if firing and anchor >= 0 and fraction >= floor and met(state):
                # met: anything reached from it is larger, so only the smallest met counts
                if value[:2] > self.anchor[1:]:
                    continue
                kept[state] = value
                continue
            bound = fraction + min(most, self.room(state, pools, leaves))
            if bound < floor:
                continue
            # (firing: a met state was dealt with above, once there is an anchor)
            short = firing or fraction < anchor - _EPS
            if anchor >= 0 and bound <= ceiling and element is not None and short:
                # no completion beats the anchor's fraction: it must beat its key, with at
                # least ``more`` holdings more, all from ``element`` on
                goal = floor if firing else anchor - _EPS
                more = float(max(1, math.ceil((goal - fraction) / largest - _MARGIN)) if largest > 0 else anchor_size + 1)
                more = max(more, self.counts.to_meet(state, g) if firing else self.counts.to_gain(goal - fraction, g))
                size, lineage = value[:2]
                if size + more > anchor_size:
                    continue
                # of the same size, it is larger unless its lineage so far is smaller than the
                # anchor's start (the anchor's holdings all come before ``element``)
                if size + more == anchor_size and lineage >= anchor_lineage[: len(lineage)]:
                    continue
            kept[state] = value
        return kept

    def capped(self, states: dict[_State, Any], scored: list[tuple[float, _State]], g: int) -> list[tuple[float, _State]]:
        """Firing mode: ``scored`` without the states no met completion of at most the program's
        cap of holdings can come from (see :meth:`_Progress.deepen`; once a met assignment is
        found, the answer has no more holdings than it)."""
        search, to_meet, offset = self.search, self.counts.to_meet, self.offset
        if search.best_used is not None and search.best_used[0] < search.cap:
            search.cap = float(search.best_used[0])
        cap = search.cap
        return [(fraction, state) for fraction, state in scored if offset + states[state][0] + to_meet(state, g) <= cap]

    def greedy_met(self, state: _State, g: int) -> float:
        """The holdings a greedy completion of ``state`` by the groups from ``g`` on adds until
        it is met (largest gain first, by the slot weights), ``math.inf`` when it never is."""
        after = list(state)
        weights = self.search.weights
        assert weights is not None
        met, added = self.met, 0
        for j in self.by_gain:
            if met(tuple(after)):
                return added
            if j < g:
                continue
            pick = _best_move(self.moves[j], after, weights)
            if pick is not None:
                s, credits, room = pick
                after[s] = credits if room is None else min(after[s] + credits, room)
                added += 1
        return added if met(tuple(after)) else math.inf

    @staticmethod
    def room(state: _State, pools: list[tuple[int, float, float, float]], leaves: list[tuple[int, float]]) -> float:
        """The most the slots can gain from the groups left, all at once."""
        gain = 0.0
        for s, ratio, need, reach in pools:
            left = need - state[s]
            if left > 0:
                gain += ratio * (left if left < reach else reach)
        for s, w in leaves:
            if state[s] < 0:
                gain += w
        return gain

    def greedy(self, state: _State, g: int) -> float:
        """The fraction of ``state`` completed greedily by the groups from ``g`` on (each
        places the holding that gains the most, by the slot weights)."""
        after = list(state)
        weights = self.search.weights
        assert weights is not None
        for ms in self.moves[g:]:
            pick = _best_move(ms, after, weights)
            if pick is not None:
                s, credits, room = pick
                after[s] = credits if room is None else min(after[s] + credits, room)
        return self.quick(tuple(after))


def _best_move(moves: list[_Move], after: list[float], weights: list[float]) -> tuple[int, float, float | None] | None:
    """Of one group's ``moves``, the one that gains the most from the slot state ``after``, by the
    slot weights, as ``(slot, credits, room)``; ``None`` when none gains."""
    best, pick = 0.0, None
    for s, credits, room, _, _ in moves:
        held = after[s]
        if room is None:
            gain = weights[s] if held < 0 else 0.0
        else:
            gain = weights[s] * max(0.0, min(held + credits, room) - held) / room
        if gain > best:
            best, pick = gain, (s, credits, room)
    return pick


def slot_weights(node: Compiled, weight: float, out: list[float]) -> bool:
    """Fill ``out`` with each slot's weight in the fraction of ``node`` (see :class:`_Bound`):
    its fraction grows by at most the sum of each slot's weight times the slot's own gain.
    False under a ``credits ... of``, where no such weights exist.

    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> out = [0.0, 0.0, 0.0]
    >>> tree = compile_requirement(parse_requirement({"all": [{"node": "A"}, {"any": [{"node": "B"}, {"node": "C"}]}]}))[0]
    >>> slot_weights(tree, 1.0, out), out
    (True, [0.5, 0.5, 0.5])
    """
    tag = node[0]
    if tag in (LEAF, COMPETENCY, POOL):
        out[node[1]] = weight
        return True
    if tag == CREDITS_OF:
        return False
    kids = node[-1]
    # an empty all (a requirement whose averages are taken as met) has no slot to share among
    share = weight / max(len(kids), 1) if tag == ALL else weight / node[1] if tag == AT_LEAST else weight
    return all([slot_weights(child, share, out) for child in kids])


def _quick(node: Compiled) -> Callable[[_State], float]:
    """The fraction of ``node`` for a slot state, as a function, for requirements without
    ``credits ... of`` (where it is the fraction alone: no credits, no met flags)."""
    tag = node[0]
    if tag == POOL:
        s, need = node[1], node[2]
        return lambda state: min(1.0, state[s] / need)
    if tag in (LEAF, COMPETENCY):
        s = node[1]
        return lambda state: 1.0 if state[s] >= 0 else 0.0
    kids = [_quick(child) for child in node[-1]]
    if tag == ALL:
        n = len(kids)
        if all(child[0] == POOL for child in node[-1]):
            pools = [(child[1], child[2]) for child in node[-1]]
            return lambda state: sum(min(1.0, state[s] / need) for s, need in pools) / n
        return lambda state: sum(f(state) for f in kids) / n
    if tag == ANY:
        return lambda state: max(f(state) for f in kids)
    k = node[1]
    return lambda state: sum(sorted((f(state) for f in kids), reverse=True)[:k]) / k


def _quick_met(node: Compiled) -> Callable[[_State], bool]:
    """Whether ``node`` is met in a slot state, as a function (no ``credits ... of``)."""
    tag = node[0]
    if tag == POOL:
        s, need = node[1], node[2]
        return lambda state: state[s] >= need - _EPS
    if tag in (LEAF, COMPETENCY):
        s = node[1]
        return lambda state: state[s] >= 0
    kids = [_quick_met(child) for child in node[-1]]
    if tag == ALL:
        return lambda state: all(f(state) for f in kids)
    if tag == ANY:
        return lambda state: any(f(state) for f in kids)
    k = node[1]
    return lambda state: sum(1 for f in kids if f(state)) >= k
