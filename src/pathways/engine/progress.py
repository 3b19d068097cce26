"""Progress toward a rule that did not fire: the assignment maximizing the fraction (SPEC section 4).

:func:`best_progress` returns the assignment of candidate holdings to slots (conditions 1
and 2 only; limits are not applied to progress) with the largest progress fraction, ties
going to the smallest lineage, then the smallest sorted lineage, then the smallest sorted
list of placed holdings, and what is still ``missing`` under it.

Two exact methods, the first used whenever it applies:

- *Dynamic programming over holdings.* When every candidate's lineage is one holding (a
  course, its transferred copies, what was derived from it alone), candidates sharing that
  holding form a group of which at most one is placed, and groups are independent except
  through the slots they fill. Groups are taken in holding order; a *state* is what each
  slot holds (a leaf: nothing, or the credits of its holding, recorded as 0 unless a
  ``credits ... of`` counts them; a pool: its credits, capped at its need when credits
  beyond it count for nothing); per state only the smallest
  (lineage size, sorted lineage, sorted holdings) is kept. That is exact: two partial
  assignments reaching one state are completed by the same later groups, whose holdings all
  sort after theirs, so the order between them never changes. The fraction is a function of
  the final state. Candidates with several holdings in their lineage (a block transfer) are
  few after :func:`~pathways.engine.matching.interchangeable_pruned`: each placement of them
  (or none) is a branch, and the groups they overlap are left out of that branch's program.
  Without ``credits ... of`` the program is a branch and bound (:class:`_Bound`): a state is
  dropped when an optimistic bound on what it can still reach falls short of the best
  fraction found, or when nothing it reaches can beat the fraction of the best state so far
  and everything it reaches has a larger (size, lineage) than that state.
- *An integer program* (:func:`~pathways.engine.exact.fullest_placements`), for what the
  program cannot take (more than :data:`MAX_BRANCHES` placements of multi-holding candidates,
  or more than :data:`MAX_STATES` slot states): slower to set up, but without any bound.

Ties left after the key (the same holdings in other slots, which can change what is
``missing``) go to the smallest slot for each holding in candidate order, in both methods.

Example:
    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, slots = compile_requirement(parse_requirement({"credits": 6, "where": {"subject": "ENGL"}}))
    >>> x = frozenset({"X"})
    >>> p = best_progress(tree, slots, [Candidate("A", x, 3.0, (0,)), Candidate("B", x, 4.0, (0,))])
    >>> round(p.fraction, 3), p.uses, p.missing
    (0.667, ('B',), {'credits': 2, 'where': {'subject': 'ENGL'}})
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled, leaf_json
from .deadline import current
from .exact import fullest_placements
from .matching import Assignment, Candidate, Progress, interchangeable_pruned, leaves_apart
from .search import SearchState

__all__ = ["MAX_BRANCHES", "MAX_STATES", "TooLarge", "best_progress", "bounded", "fewest_assignment"]

MAX_BRANCHES = 64
"""Placements of multi-holding candidates the dynamic program enumerates at most."""

MAX_STATES = 20_000
"""Slot states the dynamic program keeps at most before handing over to the integer program."""

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


class TooLarge(Exception):
    """The dynamic program would exceed its bounds: use the integer program."""


class _Progress(SearchState):
    def __init__(self, tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> None:
        super().__init__(tree, slots, cands, bounds=False)
        # pools whose credits beyond their need count for nothing (no ``credits ... of`` above
        # them): once met, one more holding there only adds lineage, so it is never placed
        self.capped = [False] * len(slots)
        _mark_capped(tree, self.capped, False)
        # leaves whose credits count (under a ``credits ... of``); elsewhere a filled leaf is
        # recorded as 0 credits, so holdings differing only in credits reach one state
        self.counted = [not c for c in self.capped]
        # the weight of each slot in the fraction, when it is a weighted sum bound (no
        # ``credits ... of``): see :class:`_Bound`
        self.weights: list[float] | None = [0.0] * len(slots)
        if not _weigh(tree, 1.0, self.weights):
            self.weights = None
        self.best_fraction = -1.0
        self.best_key: _Key = (0, (), ())
        self.best_order: tuple[tuple[int, int], ...] = ()
        self.best_missing: dict[str, Any] | None = None
        self.best_placements: tuple[tuple[int, int], ...] = ()  # the program's best, in placing order
        # firing mode (see fewest_assignment): the smallest key among met assignments
        self.firing = False
        self.best_used: _Key | None = None

    # -- the dynamic program ------------------------------------------------------------------

    def program(self) -> None:
        """Solve by dynamic programming (see the module); raises :class:`TooLarge`."""
        cands = self.cands
        multi = [i for i, c in enumerate(cands) if len(c.lineage) > 1]
        branches: list[list[tuple[int, int]]] = [[]]
        for i in multi:
            grown = []
            for placed in branches:
                grown.append(placed)
                taken = set().union(*(cands[j].lineage for j, _ in placed))
                if cands[i].lineage.isdisjoint(taken):
                    grown.extend(
                        [*placed, (i, s)] for s in cands[i].slots if self.slots[s][0] == POOL or all(s != t for _, t in placed)
                    )
            branches = grown
            if len(branches) > MAX_BRANCHES:
                raise TooLarge
        for placed in branches:
            self.branch(placed)
        if not self.firing and self.best_fraction >= 0.0:
            # what is missing under the best state only, placed in the order it was reached
            for i, s in self.best_placements:
                self.place(i, s)
            self.best_missing = self.missing(self.tree)
            for i, s in reversed(self.best_placements):
                self.unplace(i, s)

    def branch(self, placed: list[tuple[int, int]]) -> None:
        cands, slots = self.cands, self.slots
        start = [-1.0 if spec[0] != POOL else 0.0 for spec in slots]
        taken: set[str] = set()
        for i, s in placed:
            start[s] = self.grow(start[s], s, cands[i].credits)
            taken |= cands[i].lineage
        groups: dict[str, list[int]] = {}
        for i, c in enumerate(cands):
            if len(c.lineage) == 1 and c.lineage.isdisjoint(taken):
                groups.setdefault(min(c.lineage), []).append(i)
        elements = sorted(groups)
        moves = [self.moves(groups[element]) for element in elements]
        bound = None if self.weights is None else _Bound(self, elements, moves)
        # state -> (lineage size, sorted lineage, placements by candidate, holdings): compared on
        # the first two, then on the sorted holdings and the placements (among equal holdings,
        # the smallest slot per holding in candidate order wins); holdings sorted only then
        states: dict[_State, tuple[int, tuple[str, ...], tuple[tuple[int, int], ...], tuple[str, ...]]] = {
            tuple(start): (0, (), (), ())
        }
        deadline = current()
        for g, element in enumerate(elements):
            deadline.check("evaluation")  # one step of the program can hold thousands of states
            if bound is not None:
                states = bound.pruned(states, g)
            grown = dict(states)
            for state, (size, lineage, how, nodes) in states.items():
                head = (size + 1, (*lineage, element))
                for s, now, room, i, node in moves[g]:
                    held = state[s]
                    if room is None:  # a leaf
                        if held >= 0:
                            continue
                    else:  # a pool, whose credits beyond ``room`` count for nothing
                        if held >= room - _EPS:
                            continue
                        now = held + now
                        if now > room:
                            now = room
                    after = list(state)
                    after[s] = now
                    reached = tuple(after)
                    old = grown.get(reached)
                    if old is not None and old[:2] < head:
                        continue  # built only when it may win
                    value = (*head, (*how, (i, s)), (*nodes, node))
                    if old is None or head < old[:2] or _tail(value) < _tail(old):
                        grown[reached] = value
            states = grown
            if len(states) > MAX_STATES:
                raise TooLarge
        if self.firing:
            self.settle(placed, states)
            return
        if bound is not None:
            states = bound.pruned(states, len(elements))
        for state, (_, _, how, _) in states.items():
            fraction = _fraction(self.tree, state)
            if fraction < self.best_fraction - _EPS:
                continue
            for i, s in (*placed, *how):
                self.place(i, s)
            key = self.key(self.placed)
            order = tuple(sorted((*placed, *how)))
            if fraction > self.best_fraction + _EPS or (key, order) < (self.best_key, self.best_order):
                self.best_fraction, self.best_key, self.best_order = fraction, key, order
                self.best_placements = (*placed, *how)
            for i, s in reversed((*placed, *how)):
                self.unplace(i, s)

    def moves(self, group: list[int]) -> list[_Move]:
        """The ways to place one of ``group`` (candidates sharing their one lineage holding):
        ``(slot, credits, room, candidate, node)``, ``room`` ``None`` for a leaf, a capped
        pool's need, else infinity. Of the candidates making the same move (same slot, same credits
        as far as the state records them) only the smallest id is kept: from one state they
        reach one state, with the same lineage, and the smallest id gives the smaller sorted
        holdings, so no other is ever kept there."""
        slots, counted = self.slots, self.counted
        made: dict[tuple[int, float], _Move] = {}
        for i in group:
            c = self.cands[i]
            for s in c.slots:
                spec = slots[s]
                if spec[0] != POOL:
                    move: _Move = (s, c.credits if counted[s] else 0.0, None, i, c.node)
                else:
                    move = (s, c.credits, spec[2] if self.capped[s] else math.inf, i, c.node)
                old = made.get(move[:2])
                if old is None or c.node < old[4]:
                    made[move[:2]] = move
        return list(made.values())

    def settle(self, placed: list[tuple[int, int]], states: dict[_State, Any]) -> None:
        """Firing mode: the met final state with the smallest key (the branch's placements are
        common to all states, so the program's own keys compare them), replayed for its key."""
        met = [value for state, value in states.items() if _progress(self.tree, state)[1]]
        if not met:
            return
        how = min(met, key=lambda v: (v[0], v[1], *_tail(v)))[2]
        for i, s in (*placed, *how):
            self.place(i, s)
        key = self.key(self.used(self.tree)[1])
        if self.best_used is None or key < self.best_used:
            self.best_used = key
        for i, s in reversed((*placed, *how)):
            self.unplace(i, s)

    def grow(self, held: float, s: int, credits: float) -> float:
        """A slot's state after one more holding of ``credits`` goes into it."""
        spec = self.slots[s]
        if spec[0] != POOL:
            return credits if self.counted[s] else 0.0
        total = held + credits
        return min(total, spec[2]) if self.capped[s] else total


def _tail(value: tuple[Any, ...]) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The tie-break of a program value after size and lineage: sorted holdings, placements."""
    return tuple(sorted(value[3])), value[2]


def _fraction(node: Compiled, state: _State) -> float:
    return _progress(node, state)[0]


def _progress(node: Compiled, state: _State) -> tuple[float, bool, float]:
    """(fraction, met, credits used under met parts) of ``node`` for a slot state."""
    tag = node[0]
    if tag == LEAF or tag == COMPETENCY:
        held = state[node[1]]
        return (1.0, True, held) if held >= 0 else (0.0, False, 0.0)
    if tag == POOL:
        cur = state[node[1]]
        met = cur >= node[2] - _EPS
        return min(1.0, cur / node[2]), met, (cur if met else 0.0)
    kids = [_progress(c, state) for c in node[-1]]
    if tag == ALL:
        met = all(k[1] for k in kids)
        return sum(k[0] for k in kids) / len(kids), met, (sum(k[2] for k in kids) if met else 0.0)
    if tag == ANY:
        return max(k[0] for k in kids), any(k[1] for k in kids), sum(k[2] for k in kids if k[1])
    if tag == AT_LEAST:
        met = sum(1 for k in kids if k[1]) >= node[1]
        top = sorted((k[0] for k in kids), reverse=True)[: node[1]]
        return sum(top) / node[1], met, (sum(k[2] for k in kids if k[1]) if met else 0.0)
    assert tag == CREDITS_OF
    cur = sum(k[2] for k in kids if k[1])
    met = cur >= node[1] - _EPS
    return min(1.0, cur / node[1]), met, (cur if met else 0.0)


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

    def __init__(self, search: _Progress, elements: list[str], moves: list[list[_Move]]) -> None:
        assert search.weights is not None
        self.search = search
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
                more = max(1, math.ceil((goal - fraction) / largest - _MARGIN)) if largest > 0 else anchor_size + 1
                size, lineage = value[:2]
                if size + more > anchor_size:
                    continue
                # of the same size, it is larger unless its lineage so far is smaller than the
                # anchor's start (the anchor's holdings all come before ``element``)
                if size + more == anchor_size and lineage >= anchor_lineage[: len(lineage)]:
                    continue
            kept[state] = value
        return kept

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
            best, pick = 0.0, None
            for s, credits, room, _, _ in ms:
                held = after[s]
                if room is None:
                    gain = weights[s] if held < 0 else 0.0
                else:
                    gain = weights[s] * max(0.0, min(held + credits, room) - held) / room
                if gain > best:
                    best, pick = gain, (s, credits, room)
            if pick is not None:
                s, credits, room = pick
                after[s] = credits if room is None else min(after[s] + credits, room)
        return self.quick(tuple(after))


def _weigh(node: Compiled, weight: float, out: list[float]) -> bool:
    """Fill each slot's weight (see :class:`_Bound`); false under a ``credits ... of``."""
    tag = node[0]
    if tag in (LEAF, COMPETENCY, POOL):
        out[node[1]] = weight
        return True
    if tag == CREDITS_OF:
        return False
    kids = node[-1]
    share = weight / len(kids) if tag == ALL else weight / node[1] if tag == AT_LEAST else weight
    return all([_weigh(child, share, out) for child in kids])


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


def _mark_capped(node: Compiled, capped: list[bool], under_credits: bool) -> None:
    """Mark the slots not under a ``credits ... of`` (pools: capped at their need)."""
    if node[0] in (LEAF, COMPETENCY, POOL):
        capped[node[1]] = not under_credits
    else:
        for child in node[-1]:
            _mark_capped(child, capped, under_credits or node[0] == CREDITS_OF)


def bounded(tree: Compiled) -> bool:
    """Whether the program prunes with its branch and bound for ``tree`` (no ``credits ... of``).

    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> bounded(compile_requirement(parse_requirement({"all": [{"node": "A"}, {"credits": 3, "of": [{"node": "B"}]}]}))[0])
    False
    """
    return _weigh(tree, 1.0, [0.0] * _slot_count(tree))


def _slot_count(node: Compiled) -> int:
    return 1 if node[0] in (LEAF, COMPETENCY, POOL) else sum(_slot_count(child) for child in node[-1])


def fewest_assignment(tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> Assignment | None:
    """:func:`~pathways.engine.matching.best_assignment` without limits, by the dynamic program.

    The same program as for progress, keeping the met final states: for each assignment the
    one placing only the holdings it uses is among them, met too, with the key of those
    holdings, so the smallest key of used holdings over met states is SPEC's choice.
    Raises :class:`TooLarge` past the program's bounds.
    """
    search = _Progress(tree, slots, cands)
    search.firing = True
    search.program()
    if search.best_used is None:
        return None
    return Assignment(uses=search.best_used[2], lineage=search.best_used[1])


def best_progress(tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> Progress:
    """The assignment that maximizes the progress fraction (conditions 1 and 2 only, no limits).

    Ties go to the smallest lineage, then the smallest sorted lineage and used holdings.
    """
    if leaves_apart(tree, cands):
        fills = {c.slots[0] for c in cands}
        unmet = [child for child in tree[1] if child[1] not in fills]
        needs = [leaf_json(c) for c in unmet]
        missing = None if not needs else needs[0] if len(needs) == 1 else {"all": needs}
        return Progress(fraction=len(cands) / len(tree[1]), uses=tuple(sorted(c.node for c in cands)), missing=missing)
    kept = interchangeable_pruned(cands)
    search = _Progress(tree, slots, kept)
    try:
        search.program()
    except TooLarge:
        state = SearchState(tree, slots, kept, bounds=False)
        index = {id(c): i for i, c in enumerate(state.cands)}
        placed = fullest_placements(tree, slots, kept)
        for c, s in placed:
            state.place(index[id(c)], s)
        return Progress(fraction=state.fraction(tree)[0], uses=tuple(sorted(c.node for c, _ in placed)), missing=state.missing(tree))
    return Progress(fraction=max(0.0, search.best_fraction), uses=search.best_key[2], missing=search.best_missing)
