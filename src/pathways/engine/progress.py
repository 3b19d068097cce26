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
  slot holds (a leaf: the credits of its holding or nothing; a pool: its credits, capped at
  its need when credits beyond it count for nothing); per state only the smallest
  (lineage size, sorted lineage, sorted holdings) is kept. That is exact: two partial
  assignments reaching one state are completed by the same later groups, whose holdings all
  sort after theirs, so the order between them never changes. The fraction is a function of
  the final state. Candidates with several holdings in their lineage (a block transfer) are
  few after :func:`~pathways.engine.matching.interchangeable_pruned`: each placement of them
  (or none) is a branch, and the groups they overlap are left out of that branch's program.
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

from typing import Any

from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled
from .exact import fullest_placements
from .matching import Assignment, Candidate, Progress, SearchState, interchangeable_pruned, leaves_apart

__all__ = ["MAX_BRANCHES", "MAX_STATES", "TooLarge", "best_progress", "fewest_assignment"]

MAX_BRANCHES = 64
"""Placements of multi-holding candidates the dynamic program enumerates at most."""

MAX_STATES = 20_000
"""Slot states the dynamic program keeps at most before handing over to the integer program."""

_EPS = 1e-9

_Key = tuple[int, tuple[str, ...], tuple[str, ...]]
_State = tuple[float, ...]


class TooLarge(Exception):
    """The dynamic program would exceed its bounds: use the integer program."""


class _Progress(SearchState):
    def __init__(self, tree: Compiled, slots: tuple[Compiled, ...], cands: list[Candidate]) -> None:
        super().__init__(tree, slots, cands)
        # pools whose credits beyond their need count for nothing (no ``credits ... of`` above
        # them): once met, one more holding there only adds lineage, so it is never placed
        self.capped = [False] * len(slots)
        _mark_capped(tree, self.capped, False)
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
        # state -> (lineage size, sorted lineage, placements by candidate, holdings): compared on
        # the first two, then on the sorted holdings and the placements (among equal holdings,
        # the smallest slot per holding in candidate order wins); holdings sorted only then
        states: dict[_State, tuple[int, tuple[str, ...], tuple[tuple[int, int], ...], tuple[str, ...]]] = {
            tuple(start): (0, (), (), ())
        }
        capped = self.capped
        for element in sorted(groups):
            grown = dict(states)
            for state, (size, lineage, how, nodes) in states.items():
                head = (size + 1, (*lineage, element))
                for i in groups[element]:
                    c = cands[i]
                    for s in c.slots:
                        spec = slots[s]
                        if spec[0] != POOL:
                            if state[s] >= 0:
                                continue
                            now = c.credits
                        else:
                            if capped[s] and state[s] >= spec[2] - _EPS:
                                continue
                            now = state[s] + c.credits
                            if capped[s] and now > spec[2]:
                                now = spec[2]
                        after = list(state)
                        after[s] = now
                        reached = tuple(after)
                        old = grown.get(reached)
                        if old is not None and old[:2] < head:
                            continue  # built only when it may win
                        value = (*head, (*how, (i, s)), (*nodes, c.node))
                        if old is None or head < old[:2] or _tail(value) < _tail(old):
                            grown[reached] = value
            states = grown
            if len(states) > MAX_STATES:
                raise TooLarge
        if self.firing:
            self.settle(placed, states)
            return
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
            return credits
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
    if node[0] == POOL:
        capped[node[1]] = not under_credits
    elif node[0] not in (LEAF, COMPETENCY):
        for child in node[-1]:
            _mark_capped(child, capped, under_credits or node[0] == CREDITS_OF)


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
        needs = [{"node": c[2]} if c[3] is None else {"node": c[2], "min_grade": c[3]} for c in unmet]
        missing = None if not needs else needs[0] if len(needs) == 1 else {"all": needs}
        return Progress(fraction=len(cands) / len(tree[1]), uses=tuple(sorted(c.node for c in cands)), missing=missing)
    kept = interchangeable_pruned(cands)
    search = _Progress(tree, slots, kept)
    try:
        search.program()
    except TooLarge:
        state = SearchState(tree, slots, kept)
        index = {id(c): i for i, c in enumerate(state.cands)}
        placed = fullest_placements(tree, slots, kept)
        for c, s in placed:
            state.place(index[id(c)], s)
        return Progress(fraction=state.fraction(tree)[0], uses=tuple(sorted(c.node for c, _ in placed)), missing=state.missing(tree))
    return Progress(fraction=max(0.0, search.best_fraction), uses=search.best_key[2], missing=search.best_missing)
