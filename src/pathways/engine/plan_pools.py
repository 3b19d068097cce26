"""A credit pool's lower bounds, kept up to date while :class:`~.plan_bound.PlanBound`'s fixpoints lower values.

A ``credits c where F`` requirement's bound is a fractional knapsack over the nodes ``F``
matches, each at its bound and at the most credits it can carry. At BC scale a block transfer's
or a degree's pool matches tens of thousands of courses, and the fixpoint asks for its bound
again each time one of them gets cheaper: :class:`PoolBound` keeps the members sorted and
looks again only at those whose value changed (the bound's ``changes``, a log of node ids).
Rules that share a filter and a window share one pool (:func:`pool_key`).

Example:
    >>> import datetime as dt
    >>> from pathways.model import Filter
    >>> from .holdings import HoldingState
    >>> class Source:  # two courses of 3 credits: A held (or derived anew for 10 hours), B 10 hours to take
    ...     held = {"U:A": HoldingState("U:A", 3.0, dt.date(2025, 1, 1), "A", frozenset({"U:A"}))}
    ...     changes: list[str] = []
    ...     total_changes: list[str] = []
    ...     def leaf(self, n, min_grade, rule): return (0.0, 10.0) if n == "U:A" else (10.0, 10.0)
    ...     def total_leaf(self, n, min_grade, rule): return self.leaf(n, min_grade, rule)[0]
    ...     def credits(self, n): return 3.0
    ...     def holding_serves(self, h, min_grade, rule): return True
    >>> pool = PoolBound(Source(), None, ["U:A", "U:B"])
    >>> pool.bounds(6.0), pool.bounds(9.0), pool.bounds(12.0)
    ((10.0, 10.0, 9.0), (20.0, 20.0, 9.0), (inf, inf, 9.0))
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .holdings import HoldingState, disjoint_credits
from .index import Compiled, CompiledRule

__all__ = ["PoolBound", "PoolKey", "PoolSource", "fractional_knapsack", "pool_key"]

INF = math.inf
_EPS = 1e-9


class PoolSource(Protocol):
    """What a pool reads of the bound it serves (:class:`~.plan_bound.PlanBound`)."""

    held: Mapping[str, HoldingState]
    changes: list[str]
    total_changes: list[str]

    def leaf(self, n: str, min_grade: str | None, rule: CompiledRule | None) -> tuple[float, float]: ...

    def total_leaf(self, n: str, min_grade: str | None, rule: CompiledRule | None) -> float: ...

    def credits(self, n: str) -> float: ...

    def holding_serves(self, h: HoldingState, min_grade: str | None, rule: CompiledRule | None) -> bool: ...


def fractional_knapsack(need: float, items: Iterable[tuple[float, float]]) -> float:
    """The least total bound of ``(bound, credits)`` items whose credits reach ``need``, items divisible,
    and at least the cheapest whole item.

    A lower bound on any whole choice (dividing an item only makes it cheaper, and a need above
    zero takes one item at least); ``INF`` when all the credits together fall short. Without
    the whole item, a cycle through a large item (a block transfer of 60 credits toward a pool of
    6, that block granted for a credential whose pools it fills) would bring the bound down by a
    factor at each turn, toward nothing.

    >>> fractional_knapsack(4, [(10, 3), (3, 3), (2, 1)])
    5.0
    >>> fractional_knapsack(6, [(50, 60)])
    50.0
    >>> fractional_knapsack(9, [(1, 3)])
    inf
    """
    usable = sorted((v / c, v, c) for v, c in items if c > 0 and v < INF)
    return _cover(need, ((v, c) for _, v, c in usable), min((float(v) for _, v, _ in usable), default=INF))


def _cover(need: float, ordered: Iterable[tuple[float, float]], cheapest: float) -> float:
    """:func:`fractional_knapsack` over ``(bound, credits)`` items already in order of bound per credit, the
    cheapest whole item's bound given."""
    if need <= _EPS:
        return 0.0
    total = 0.0
    for v, c in ordered:
        if c >= need - _EPS:
            return max(total + v * (need / c), cheapest)
        total += v
        need -= c
    return INF


PoolKey = tuple[Any, ...]
"""A credit pool's filter and what decides which holdings its rule may use (window, age): rules that share one share
their pool's bounds."""


def pool_key(slot: Compiled, rule: CompiledRule | None) -> PoolKey:
    """The key of a compiled ``credits ... where`` requirement inside ``rule`` (``None``: a prerequisite); a
    ``transfer`` rule's pool is apart (it uses only what is held at its origin)."""
    if rule is None:  # a prerequisite: no window
        return (slot[3],)
    return (slot[3], rule.valid_from, rule.valid_to, rule.max_age_years, rule.kind == "transfer")


class PoolBound:
    """A credit pool's bounds (as :class:`~.plan_bound.PlanBound` needs them), kept up to date as values come down.

    A block transfer's or a degree's pool matches thousands of courses and its rules are asked
    again each time one of them gets cheaper: rescanning every member each time made the
    fixpoint take minutes at BC scale. Here each member's bounds are kept, the members with a
    way to be held are kept sorted by bound per credit (the fractional knapsack's order), and
    only the members whose value changed since the last question (``PoolSource.changes``) are
    looked at again.

    Holdings already held that the rule may use (``kept``) bring :attr:`free` credits at no
    cost, counted by :func:`~.holdings.disjoint_credits`: one course transferred to a dozen
    equivalents brings its credits once, as a rule's disjoint lineages allow. Each of them may
    also be derived anew by plan items, at its ``value``.
    """

    __slots__ = ("bound", "cap", "cheapest", "extras", "free", "kept", "least", "members", "order", "parts", "rule", "seen", "total_seen")

    def __init__(self, bound: PoolSource, rule: CompiledRule | None, members: Iterable[str]) -> None:
        self.bound = bound
        self.rule = rule
        self.members = frozenset(members)
        # holdings already held that the rule may use cost nothing, but copies of one course count once
        kept = [h for n in self.members if (h := bound.held.get(n)) is not None and bound.holding_serves(h, None, rule)]
        self.kept = frozenset(h.node for h in kept)
        self.free = disjoint_credits(kept)
        self.parts: dict[str, tuple[float, float, float]] = {}  # member -> (any way, with a plan item, credits)
        self.order: list[tuple[float, float, float, str]] = []  # (bound per credit, bound, credits, member) of a paid way
        self.cap = self.free
        self.extras: list[tuple[float, str]] = []  # a heap of what a plan item adds to a member; stale entries skipped
        self.cheapest: list[tuple[float, str]] = []  # a heap of the members' paid bounds; stale entries skipped
        self.seen = len(bound.changes)
        for n in sorted(self.members):
            self._update(n)
        self.least = INF
        self.total_seen: int | None = None

    def _paid(self, part: tuple[float, float, float], n: str) -> float:
        """What holding member ``n`` costs beyond :attr:`free`: a kept holding only derived anew."""
        return part[1] if n in self.kept else part[0]

    def _update(self, n: str) -> None:
        a, b = self.bound.leaf(n, None, self.rule)
        c = self.bound.credits(n)
        old = self.parts.get(n)
        if old == (a, b, c):
            return
        if old is not None and (paid := self._paid(old, n)) < INF:
            self.cap -= old[2]
            if old[2] > 0:
                del self.order[bisect_left(self.order, (paid / old[2], paid, old[2], n))]
        self.parts[n] = (a, b, c)
        if (paid := self._paid((a, b, c), n)) < INF:
            self.cap += c
            if c > 0:
                insort(self.order, (paid / c, paid, c, n))
                heapq.heappush(self.cheapest, (paid, n))
        if b < INF:
            heapq.heappush(self.extras, (b - a, n))

    def bounds(self, need: float) -> tuple[float, float, float]:
        """Any way, with at least one plan item, and the most credits: :func:`fractional_knapsack` over the members."""
        log = self.bound.changes
        for n in log[self.seen :]:
            if n in self.members:
                self._update(n)
        self.seen = len(log)
        least = _cover(need - self.free, ((a, c) for _, a, c, _ in self.order), self._cheapest())
        extras = self.extras
        while extras:
            d, n = extras[0]
            a, b, _ = self.parts[n]
            if b < INF and b - a == d:
                break
            heapq.heappop(extras)
        return least, least + (extras[0][0] if extras else INF), self.cap

    def _cheapest(self) -> float:
        """The least paid bound of a member that carries credits."""
        heap = self.cheapest
        while heap:
            paid, n = heap[0]
            part = self.parts[n]
            if part[2] > 0 and self._paid(part, n) == paid:
                return paid
            heapq.heappop(heap)
        return INF

    def least_total(self) -> float:
        """The least :meth:`~.plan_bound.PlanBound.lb_total` of a member that carries credits (inside the pool's rule).

        Within ``lb_total``'s fixpoint a member's ``lb_total`` only comes down, so
        the least is kept and lowered by the members that changed since.
        """
        bound, rule, log = self.bound, self.rule, self.bound.total_changes
        if self.total_seen is None:
            self.least = min((bound.total_leaf(m, None, rule) for m in self.members if bound.credits(m) > 0), default=INF)
        else:
            for n in log[self.total_seen :]:
                if n in self.members and bound.credits(n) > 0:
                    self.least = min(self.least, bound.total_leaf(n, None, rule))
        self.total_seen = len(log)
        return self.least
