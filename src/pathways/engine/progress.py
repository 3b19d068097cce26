"""Progress toward a rule that did not fire: the assignment maximizing the fraction (SPEC section 4).

:func:`best_progress` returns the assignment of candidate holdings to slots (conditions 1
and 2 only; limits are not applied to progress) with the largest progress fraction, ties
going to the smallest lineage, then the smallest sorted lineage, then the smallest sorted
list of placed holdings, and what is still ``missing`` under it.

An ``all`` of pools and leaves whose candidates each have a lineage of one holding (most
rules a transcript advances) goes first to
:func:`~pathways.engine.progress_pools.pooled_progress`: the program below with less to set
up, the same answer (see :data:`POOLED_FIRST`). Otherwise two exact methods, the first used
whenever it applies:

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
  For a firing rule (:func:`fewest_assignment`) that program is *deepened*: run with a cap on
  the holdings, from the fewest any branch needs at least
  (:class:`~pathways.engine.shortfall.Shortfall`) up, one more each time, so that nearly
  every state is dropped until the cap reaches the answer's size (:meth:`_Progress.deepen`).
  Progress uses it too when some assignment reaches the requirement's *ceiling* (every slot
  given the most the candidates could put there): those are the met assignments of the
  requirement with its needs lowered to that, and the smallest is the answer
  (:func:`_fullest`).
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
from typing import Any

from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled, leaf_json
from .deadline import current
from .exact import fullest_placements
from .candidates import may_meet
from .matching import Assignment, Candidate, Progress, interchangeable_pruned, leaves_apart
from .search import SearchState
from .progress_bound import _Bound, slot_weights
from .progress_pools import pooled_progress

__all__ = ["MAX_BRANCHES", "MAX_STATES", "POOLED_FIRST", "TooLarge", "best_progress", "bounded", "fewest_assignment"]

MAX_BRANCHES = 64
"""Placements of multi-holding candidates the dynamic program enumerates at most."""

MAX_STATES = 20_000
"""Slot states the dynamic program keeps at most before handing over to the integer program."""

POOLED_FIRST = 30
"""Holdings up to which :func:`~pathways.engine.progress_pools.pooled_progress` goes before
the search for an assignment reaching the ceiling (:func:`_fullest`): with few holdings its
lighter program is the faster where the ceiling is reached (BC degrees, 10 holdings: 0.05 ms
against 0.22 ms; 30: 2.2 against 2.7), even at 40 holdings (4.5 ms each); past that the
deepened firing program's cap on holdings prunes far more (hundreds of holdings)."""

_EPS = 1e-9

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
        if not slot_weights(tree, 1.0, self.weights):
            self.weights = None
        self.best_fraction = -1.0
        self.best_key: _Key = (0, (), ())
        self.best_order: tuple[tuple[int, int], ...] = ()
        self.best_missing: dict[str, Any] | None = None
        self.best_placements: tuple[tuple[int, int], ...] = ()  # the program's best, in placing order
        # firing mode (see fewest_assignment): the smallest key among met assignments
        self.firing = False
        self.best_used: _Key | None = None
        self.cap = math.inf  # the most holdings a met assignment found has (firing mode)
        # firing mode: give up (no answer) rather than run the program without a cap
        self.hopeful = False

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
        prepared = [self.prepare(placed) for placed in branches]
        if self.firing and self.weights is not None:
            self.deepen(prepared)
        else:
            for branch in prepared:
                self.branch(*branch)
        if not self.firing and self.best_fraction >= 0.0:
            # what is missing under the best state only, placed in the order it was reached
            for i, s in self.best_placements:
                self.place(i, s)
            self.best_missing = self.missing(self.tree)
            for i, s in reversed(self.best_placements):
                self.unplace(i, s)

    def deepen(self, prepared: list[tuple[list[tuple[int, int]], _State, list[str], list[list[_Move]], _Bound | None]]) -> None:
        """Firing mode with the branch and bound: the program run again and again with a cap on
        the holdings (:meth:`_Bound.capped`), from the fewest any branch needs at least, one
        more each time, until a met assignment turns up. Each run finds every met assignment
        within the cap, so the first that finds any finds the answer (whose size is the
        cap); below it, the counts drop nearly every state. A greedy completion of each
        branch's start bounds the caps tried."""
        fewest: list[float] = []  # per branch, by position (compiled, a tuple has no lasting identity)
        most = math.inf
        for branch in prepared:
            start, bound = branch[1], branch[4]
            assert bound is not None
            fewest.append(bound.offset + bound.counts.to_meet(start, 0))
            most = min(most, bound.offset + bound.greedy_met(start, 0))
        if most == math.inf:  # no greedy completion is met: no cap to stop at
            self.cap = math.inf
            if not self.hopeful:
                for branch in prepared:
                    self.branch(*branch)
            return
        cap = min(fewest)
        while cap < most and self.best_used is None:
            self.cap = cap
            for branch, least in zip(prepared, fewest, strict=True):
                if least <= cap:
                    self.branch(*branch)
            cap += 1
        if self.best_used is None:
            self.cap = most
            for branch in prepared:
                self.branch(*branch)

    def prepare(self, placed: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], _State, list[str], list[list[_Move]], _Bound | None]:
        """A branch of the program: its placements of multi-holding candidates, its start
        state, its groups (their holdings and moves) and its bound."""
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
        bound = None if self.weights is None else _Bound(self, elements, moves, len(taken))
        return placed, tuple(start), elements, moves, bound

    def branch(self, placed: list[tuple[int, int]], start: _State, elements: list[str], moves: list[list[_Move]], bound: _Bound | None) -> None:
        """Run the program over one branch (see :meth:`prepare`)."""
        # state -> (lineage size, sorted lineage, placements by candidate, holdings): compared on
        # the first two, then on the sorted holdings and the placements (among equal holdings,
        # the smallest slot per holding in candidate order wins); holdings sorted only then
        states: dict[_State, tuple[int, tuple[str, ...], tuple[tuple[int, int], ...], tuple[str, ...]]] = {
            start: (0, (), (), ())
        }
        deadline = current()
        for g, element in enumerate(elements):
            deadline.check("evaluation")  # one step of the program can hold thousands of states
            if bound is not None:
                states = bound.pruned(states, g)
                if not states:
                    return
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
        how: tuple[tuple[int, int], ...] = min(met, key=lambda v: (v[0], v[1], *_tail(v)))[2]
        replayed = [*placed, *how]
        for i, s in replayed:
            self.place(i, s)
        key = self.key(self.used(self.tree)[1])
        if self.best_used is None or key < self.best_used:
            self.best_used = key
        for i, s in reversed(replayed):
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
    return slot_weights(tree, 1.0, [0.0] * _slot_end(tree))


def _slot_end(node: Compiled) -> int:
    """One past the largest slot of ``node`` (a settled tree may have left some slots out)."""
    return 1 + node[1] if node[0] in (LEAF, COMPETENCY, POOL) else max((_slot_end(child) for child in node[-1]), default=0)


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
    few = len(set().union(*(c.lineage for c in kept))) <= POOLED_FIRST
    if few and (pooled := pooled_progress(tree, slots, kept)) is not None:
        return pooled
    if bounded(tree):
        fullest = _fullest(tree, slots, kept)
        if fullest is not None:
            return fullest
    if not few and (pooled := pooled_progress(tree, slots, kept)) is not None:
        return pooled
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


def _fullest(tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> Progress | None:
    """The progress when some assignment reaches the requirement's *ceiling*, else ``None``.

    The ceiling is the fraction with every slot given the most the candidates could put
    there at once (:func:`_ceiling`): no assignment goes beyond it. The assignments that
    reach it are the met ones of another requirement, each slot's need lowered to what
    reaches the ceiling, so the firing program (:func:`fewest_assignment`, whose deepening
    cap prunes far more than the progress program's bounds) finds the smallest; met
    assignments place only holdings they use, so it is also the smallest assignment of
    largest fraction. The progress program over its candidates alone then gives the
    fraction, the slots (ties: the smallest slot per holding in candidate order, as over all
    candidates) and ``missing``. ``None`` (the progress program decides) when the ceiling
    is out of reach, or when no greedy completion reaches it (the firing program would have
    no cap).
    """
    ceiling = _ceiling(tree, slots, cands)
    if ceiling is None:
        return None
    lowered, needs = ceiling
    if _beyond(lowered, cands):
        return None
    fits = {s for s, spec in enumerate(needs) if spec is not None}
    narrowed = [c if set(c.slots) <= fits else Candidate(c.node, c.lineage, c.credits, tuple(s for s in c.slots if s in fits))
                for c in cands if fits.intersection(c.slots)]
    search = _Progress(lowered, tuple(spec if spec is not None else slots[s] for s, spec in enumerate(needs)), narrowed)
    search.firing = search.hopeful = True
    try:
        search.program()
    except TooLarge:
        return None
    if search.best_used is None:
        return None
    uses = set(search.best_used[2])
    replay = _Progress(tree, slots, [c for c in cands if c.node in uses])
    replay.program()
    if replay.best_key[2] != search.best_used[2]:  # cannot happen: the ceiling is the largest fraction
        return None
    return Progress(fraction=max(0.0, replay.best_fraction), uses=replay.best_key[2], missing=replay.best_missing)


def _beyond(tree: Compiled, cands: list[Candidate]) -> bool:
    """Whether no assignment meets ``tree`` because its pools need, together, more than the
    candidates can hold at once: an ``all`` meets each of its pools, each candidate is placed
    in one slot at most, and candidates sharing their one lineage holding are placed one at
    most (at the largest credits of each such group, counted once). The ceiling's requirement
    often is so (pools sharing their candidates, each lowered to all of them): the firing
    program would search it for nothing.

    >>> from pathways.model import parse_requirement
    >>> from .index import compile_requirement
    >>> tree, _ = compile_requirement(parse_requirement({"all": [{"credits": 3, "where": {"subject": "S"}},
    ...                                                          {"credits": 3, "where": {"level_min": 1}}]}))
    >>> x = frozenset({"X"})
    >>> _beyond(tree, [Candidate("A", x, 3.0, (0, 1)), Candidate("B", x, 4.0, (0, 1))])
    True
    >>> _beyond(tree, [Candidate("A", x, 3.0, (0, 1)), Candidate("B", frozenset({"Y"}), 3.0, (0, 1))])
    False
    """
    if tree[0] != ALL:
        return False
    pools = {child[1] for child in tree[-1] if child[0] == POOL}
    if not pools:
        return False
    largest: dict[str, float] = {}
    together = 0.0
    for c in cands:
        if pools.isdisjoint(c.slots) or c.credits <= 0:
            continue
        if len(c.lineage) == 1:
            (held,) = c.lineage
            if c.credits > largest.get(held, 0.0):
                largest[held] = c.credits
        else:
            together += c.credits
    need: float = sum(child[2] for child in tree[-1] if child[0] == POOL)
    return need > together + sum(largest.values()) + _BEYOND


_BEYOND = 1e-6
"""How far the pools' needs must exceed what the candidates hold for :func:`_beyond`: above
the tolerance each met pool has (1e-9), and sums' rounding."""


def _ceiling(tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> tuple[Compiled, list[Compiled | None]] | None:
    """The requirement whose met assignments are those reaching the ceiling of ``tree``, and
    its slot specs (``None`` for a slot it leaves out); ``None`` where that is not worked out.

    The most a slot can get is the largest credits of each one-holding lineage fitting it,
    plus the credits of every multi-holding candidate fitting it. When ``tree`` could be met
    with that, the requirement is ``tree`` itself. Otherwise, for an ``all`` of slots, a pool
    whose most falls short of its need must get all of it (its need lowered to that), and a
    slot nothing fits is left out: every other slot is met.
    """
    most = [0.0] * len(slots)
    largest: dict[tuple[int, str], float] = {}
    filled: set[int] = set()
    for c in cands:
        for s in c.slots:
            filled.add(s)
            if slots[s][0] != POOL:
                most[s] = max(most[s], c.credits, 0.0)
            elif len(c.lineage) == 1:
                (held,) = c.lineage
                if c.credits > largest.get((s, held), 0.0):
                    most[s] += c.credits - largest.get((s, held), 0.0)
                    largest[s, held] = c.credits
            else:
                most[s] += c.credits
    if may_meet(tree, most, filled)[0]:
        return tree, list(slots)
    if tree[0] != ALL or any(child[0] not in (LEAF, COMPETENCY, POOL) for child in tree[-1]):
        return None
    kids: list[Compiled] = []
    needs: list[Compiled | None] = [None] * len(slots)
    for child in tree[-1]:
        s = child[1]
        if s not in filled:
            continue
        if child[0] == POOL and most[s] < child[2] - _EPS:
            if most[s] <= _EPS:
                continue
            child = (POOL, s, most[s], *child[3:])
        kids.append(child)
        needs[s] = child
    if not kids:
        return None
    return (ALL, tuple(kids)), needs
