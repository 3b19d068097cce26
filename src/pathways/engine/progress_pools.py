"""Progress toward an ``all`` of pools and leaves over one-holding candidates, fast.

Most rules a learner's holdings advance without meeting are of this shape (a degree's
pools: so many credits of a subject, so many at a level, so many in all), and their
candidates are courses and their transferred copies, each with a lineage of one holding.
:func:`pooled_progress` answers :func:`~pathways.engine.progress.best_progress` for them by
the same dynamic program over holdings (groups in holding order, a state per slot, the
smallest (lineage size, sorted lineage, sorted holdings, placements) kept per state), with
the same final choice (the largest fraction, then the smallest key, then the placements), so
the answer is the same to the last bit; it only prunes differently, with less to set up:

- *by the bound*: a state whose fraction plus the most the groups left could add falls short
  of a fraction some assignment reaches (:data:`_MARGIN` and more) has no completion that
  could be reported. The most is the smaller of the sum of each group's largest gain, and of
  the pools filled, the best gain per credit first, each with no more than its room and what
  the groups could put there at once, all together with no more than the groups' largest
  credits summed (each places one holding), plus every leaf a group could fill;
- *by the anchor's key*: the anchor is a state of the largest fraction met so far, the
  smallest (size, lineage) among those. A state none of whose completions can beat the
  anchor's fraction, and short of it, must beat its key to be reported: with the fewest
  holdings that could close the gap (the groups' largest gains, largest first), it would be
  larger, or as large with a lineage that is not smaller (what it adds sorts after every
  holding of the anchor), so it is dropped.

Each state's fraction is carried along (its parent's plus the move's gain), for the bound
only: the answer's fraction is computed from its state as the general program does.
The final choice reads ``missing`` off the chosen placements, each pool's credits summed in
placing order as :meth:`~pathways.engine.search.SearchState.missing` sums them.

``None`` when the shape does not fit or the states grow past :data:`MAX_STATES`: the
general program decides.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"credits": 6, "where": {"subject": "ENGL"}}))
    >>> tree, slots = (ALL, (tree,)), slots
    >>> x, y = frozenset({"X"}), frozenset({"Y"})
    >>> p = pooled_progress(tree, slots, [Candidate("A", x, 3.0, (0,)), Candidate("B", y, 4.0, (0,))])
    >>> p.fraction, p.uses, p.missing
    (1.0, ('A', 'B'), None)
"""

from __future__ import annotations

import bisect
from typing import Any

from .candidates import Candidate
from .deadline import current
from .index import ALL, COMPETENCY, LEAF, POOL, Compiled, leaf_json
from .matching import Progress
from .search import pool_missing
from .shortfall import capped_prefix

__all__ = ["MAX_STATES", "pooled_progress"]

MAX_STATES = 2_000
"""Slot states :func:`pooled_progress` keeps at most before leaving the rule to the general program."""

_EPS = 1e-9

_MARGIN = 1e-6
"""How far below a reached fraction a state's bound must be for the state to be dropped
(as in :mod:`pathways.engine.progress_bound`)."""

_TINY = 1e-12
"""Fractions this close are taken as equal when choosing the anchor (the best state met so far)."""

_SLACK = 1e-9
"""Taken off the fraction a count of groups must add (sums in another order round differently)."""

_State = tuple[float, ...]
_Value = tuple[int, tuple[str, ...], tuple[tuple[int, int], ...], tuple[str, ...]]
_Move = tuple[int, float, "float | None", int, str]


def pooled_progress(tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> Progress | None:
    """:func:`~pathways.engine.progress.best_progress` for an ``all`` of pools and leaves whose
    candidates each have a lineage of one holding and fit only its slots; ``None`` otherwise,
    or past :data:`MAX_STATES`."""
    shape = _shape(tree, slots)
    if shape is None:
        return None
    room, share = shape
    order = sorted(cands, key=lambda c: (len(c.lineage), sorted(c.lineage), c.node))
    elements: list[str] = []
    groups: list[list[int]] = []
    for i, c in enumerate(order):
        if len(c.lineage) != 1 or any(s not in room for s in c.slots):
            return None
        (element,) = c.lineage
        if not elements or elements[-1] != element:
            elements.append(element)
            groups.append([])
        groups[-1].append(i)
    moves = [_moves(order, group, room) for group in groups]
    pools = [(s, share / need, need) for s, need in room.items() if need is not None]
    leaves = [s for s, need in room.items() if need is None]
    start = tuple(-1.0 if spec[0] != POOL else 0.0 for spec in slots)
    bound = _Reach(moves, pools, leaves, share)
    best = bound.fraction(bound.greedy(start, 0))
    states: dict[_State, _Value] = {start: (0, (), (), ())}
    # each state's fraction (up to rounding: for the bound), kept as states are reached
    known, weight = bound.known, bound.weight
    known[start] = 0.0
    deadline = current()
    for g, element in enumerate(elements):
        deadline.check("evaluation")  # as the general program: a step can hold many states
        if len(states) > 1:
            states, best = bound.pruned(states, g, best)
        grown = dict(states)
        for state, (size, lineage, how, nodes) in states.items():
            head = (size + 1, (*lineage, element))
            fraction = known[state]
            for s, now, limit, i, node in moves[g]:
                held = state[s]
                if limit is None:  # a leaf
                    if held >= 0:
                        continue
                    gain = weight[s]
                else:  # a pool, whose credits beyond its need count for nothing
                    if held >= limit - _EPS:
                        continue
                    now = held + now
                    if now > limit:
                        now = limit
                    gain = weight[s] * (now - held)
                after = list(state)
                after[s] = now
                reached = tuple(after)
                old = grown.get(reached)
                if old is None:
                    known[reached] = fraction + gain
                elif old[:2] < head:
                    continue
                value = (*head, (*how, (i, s)), (*nodes, node))
                if old is None or head < old[:2] or _tail(value) < _tail(old):
                    grown[reached] = value
        states = grown
        if len(states) > MAX_STATES:
            return None
    return _chosen(tree, order, states)


def _shape(tree: Compiled, slots: tuple[Compiled, ...]) -> tuple[dict[int, float | None], float] | None:
    """Per slot of an ``all`` of pools and leaves its need (``None`` for a leaf), and each
    child's share of the fraction; ``None`` for any other requirement."""
    if tree[0] != ALL or not tree[-1]:
        return None
    room: dict[int, float | None] = {}
    for child in tree[-1]:
        tag = child[0]
        if tag not in (POOL, LEAF, COMPETENCY) or child[1] in room:
            return None
        s = child[1]
        if slots[s] is not child and slots[s] != child:
            return None
        if tag != POOL:
            room[s] = None
        elif child[2] > 0:
            room[s] = child[2]
        else:
            return None
    return room, 1.0 / len(tree[-1])


def _moves(order: list[Candidate], group: list[int], room: dict[int, float | None]) -> list[_Move]:
    """The ways to place one of ``group`` (as :meth:`pathways.engine.progress._Progress.moves`):
    ``(slot, credits, need, candidate, node)``, a leaf's credits recorded as 0 and its need
    ``None``; of the candidates making the same move only the smallest id."""
    made: dict[tuple[int, float], _Move] = {}
    for i in group:
        c = order[i]
        for s in c.slots:
            need = room[s]
            move: _Move = (s, 0.0, None, i, c.node) if need is None else (s, c.credits, need, i, c.node)
            old = made.get(move[:2])
            if old is None or c.node < old[4]:
                made[move[:2]] = move
    return list(made.values())


class _Reach:
    """What the groups from each index on can still add: the bound of :func:`pooled_progress`."""

    def __init__(self, moves: list[list[_Move]], pools: list[tuple[int, float, float]], leaves: list[int], share: float) -> None:
        self.moves = moves
        self.pools = pools
        self.leaves = leaves
        self.share = share
        n = len(moves)
        # per group index: the sum of each later group's largest gain; per pool, the credits
        # the later groups could put there at once; the leaves a later group can fill
        self.most = [0.0] * (n + 1)
        self.reach: list[list[tuple[int, float, float, float]]] = [[] for _ in range(n + 1)]
        self.fills: list[list[int]] = [[] for _ in range(n + 1)]
        credits = {s: 0.0 for s, _, _ in pools}
        # per group index: the credits the later groups place at most, one holding each
        self.budget = [0.0] * (n + 1)
        by_ratio = sorted(pools, key=lambda pool: -pool[1])
        filled: set[int] = set()
        ratio = {s: r for s, r, _ in pools}
        # per group: its largest gain; per group index, when asked, the most k later groups
        # add, for each k (their largest gains summed: see :meth:`sums`)
        self.gain = [0.0] * n
        self.gain_sums: dict[int, list[float]] = {}
        # (fraction, lineage size, sorted lineage) of the best state met so far: the largest
        # fraction, the smallest (size, lineage) among those
        self.anchor: tuple[float, int, tuple[str, ...]] = (-1.0, 0, ())
        self.known: dict[_State, float] = {}  # the fraction of each state reached
        # per slot, what the fraction gains per credit of a pool, or for a filled leaf
        self.weight: dict[int, float] = {s: share for s in leaves}
        self.weight.update((s, r) for s, r, _ in pools)
        for g in range(n - 1, -1, -1):
            largest: dict[int, float] = {}
            gain = 0.0
            for s, now, need, _, _ in moves[g]:
                if need is None:
                    filled.add(s)
                    gain = max(gain, share)
                else:
                    gain = max(gain, ratio[s] * min(now, need))
                    if now > largest.get(s, 0.0):
                        largest[s] = now
            for s, now in largest.items():
                credits[s] += now
            self.budget[g] = self.budget[g + 1] + max(largest.values(), default=0.0)
            self.most[g] = self.most[g + 1] + gain
            self.gain[g] = gain
            self.reach[g] = [(s, r, need, credits[s]) for s, r, need in by_ratio if credits[s] > 0]
            self.fills[g] = [s for s in leaves if s in filled]

    def sums(self, g: int) -> list[float]:
        """The most k groups from ``g`` on add, for each k up to what reaches 1 (each group's
        largest gain, largest first, summed)."""
        sums = self.gain_sums.get(g)
        if sums is None:
            top = sorted((-gain for gain in self.gain[g:] if gain > 0.0))
            sums = self.gain_sums[g] = capped_prefix(top, 1.0)
        return sums

    def fraction(self, state: _State) -> float:
        """The fraction of ``state`` (up to rounding: for bounds only)."""
        total = 0.0
        for s, _, need in self.pools:
            held = state[s]
            total += 1.0 if held >= need else held / need
        for s in self.leaves:
            if state[s] >= 0:
                total += 1.0
        return total * self.share

    def greedy(self, state: _State, g: int) -> _State:
        """``state`` completed by the groups from ``g`` on, each placing what gains the most."""
        after = list(state)
        ratio = {s: r for s, r, _ in self.pools}
        for ms in self.moves[g:]:
            best, pick = 0.0, None
            for s, now, need, _, _ in ms:
                held = after[s]
                if need is None:
                    gain = self.share if held < 0 else 0.0
                else:
                    gain = ratio[s] * max(0.0, min(held + now, need) - held)
                if gain > best:
                    best, pick = gain, (s, now, need)
            if pick is not None:
                s, now, need = pick
                after[s] = now if need is None else min(after[s] + now, need)
        return tuple(after)

    def pruned(self, states: dict[_State, _Value], g: int, best: float) -> tuple[dict[_State, _Value], float]:
        """``states`` before group ``g`` without those dropped by the bound or by the anchor's
        key (see the module), and the largest fraction known reached."""
        known = self.known
        anchor = self.anchor
        for state, value in states.items():
            f = known[state]
            if f > best:
                best = f
            if f >= anchor[0] - _TINY and (f > anchor[0] + _TINY or value[:2] < anchor[1:]):
                anchor = (f, value[0], value[1])
        self.anchor = anchor
        floor = best - _MARGIN
        goal, anchor_size, anchor_lineage = anchor[0] - _EPS, anchor[1], anchor[2]
        ceiling = anchor[0] + _EPS / 2
        most, reach, fills, share = self.most[g], self.reach[g], self.fills[g], self.share
        kept = {}
        for state, value in states.items():
            f = known[state]
            if f + most < floor:
                continue
            gain, budget = 0.0, self.budget[g]
            for s, r, need, credits in reach:
                left = need - state[s]
                if left > 0:
                    put = left if left < credits else credits
                    if put > budget:
                        put = budget
                    gain += r * put
                    budget -= put
            for s in fills:
                if state[s] < 0:
                    gain += share
            if gain > most:
                gain = most
            if f + gain < floor:
                continue
            if f + gain <= ceiling and f < goal:
                # no completion beats the anchor's fraction: to tie it, it must have a smaller
                # key, with the holdings reaching it from the groups left (all after the anchor's)
                sums = self.sums(g)
                more = max(1, bisect.bisect_left(sums, goal - f - _SLACK))
                size, lineage = value[0], value[1]
                if more >= len(sums) or size + more > anchor_size:
                    continue
                if size + more == anchor_size and lineage >= anchor_lineage[: len(lineage)]:
                    continue
            kept[state] = value
        return kept, best


def _tail(value: tuple[Any, ...]) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The tie-break of a program value after size and lineage: sorted holdings, placements."""
    return tuple(sorted(value[3])), value[2]


def _fraction(tree: Compiled, state: _State) -> float:
    """The fraction of ``state``, computed as :func:`pathways.engine.progress._progress` does
    for this shape (the same float: the children in order, summed, over their number)."""
    kids = tree[-1]
    return sum((min(1.0, state[c[1]] / c[2]) if c[0] == POOL else 1.0 if state[c[1]] >= 0 else 0.0) for c in kids) / len(kids)


def _chosen(tree: Compiled, order: list[Candidate], states: dict[_State, _Value]) -> Progress:
    """The final choice of :meth:`pathways.engine.progress._Progress.branch` over the program's
    last states, and what is missing under it (as :meth:`~pathways.engine.search.SearchState.missing`
    finds it, each pool's credits summed in placing order)."""
    best_fraction = -1.0
    best: tuple[Any, ...] = ()
    placements: tuple[tuple[int, int], ...] = ()
    for state, (size, lineage, how, nodes) in states.items():
        fraction = _fraction(tree, state)
        if fraction < best_fraction - _EPS:
            continue
        ranked = (size, lineage, tuple(sorted(nodes)), tuple(sorted(how)))
        if fraction > best_fraction + _EPS or ranked < best:
            best_fraction, best, placements = fraction, ranked, how
    held: dict[int, float] = {}
    for i, s in placements:
        held[s] = held.get(s, 0.0) + order[i].credits
    unmet: list[dict[str, Any]] = []
    for child in tree[-1]:
        s = child[1]
        if child[0] == POOL:
            short = pool_missing(child, held.get(s, 0.0))
            if short is not None:
                unmet.append(short)
        elif s not in held:
            unmet.append(leaf_json(child) if child[0] == LEAF else {"competency": child[2]})
    missing = None if not unmet else unmet[0] if len(unmet) == 1 else {"all": unmet}
    return Progress(fraction=max(0.0, best_fraction), uses=best[2], missing=missing)
