"""Forward chaining in rounds (SPEC section 4): one evaluation's holdings grown to a fixpoint.

:class:`Run` holds what one evaluation has derived so far. Each round it looks only at the
rules the previous round's new holdings touch (:attr:`Engine.touch`, :meth:`Engine.pool_rules`), in two ways:

- *one-to-one rules* (a single ``node`` leaf, no limits: 99.5% of a CUNY-shaped graph) are
  decided in a tight loop over precomputed tuples (:data:`~pathways.engine.index.LeafRule`):
  granted node already held, grade, window, age. Such a rule's only possible candidate is
  the holding of its node, and a holding never changes once held, so it is decided exactly
  once, when that holding arrives; one that fails on its window or age (or is a pilot) is
  remembered for ``skipped``.
- every other rule is matched exactly (:func:`~pathways.engine.matching.best_assignment`)
  against the candidates the holdings give it, each time a new holding touches it.

The round's derivations of each node compete on (lineage size, sorted lineage, rule id) and
the winners are added together at the end of the round, as SPEC says. A ``repeatable`` node
(second edition, amendment 4) keeps every derivation whose lineage is disjoint from its copies,
each copy held under its own key (:func:`~pathways.engine.holdings.copy_key`); a rule granting
one is matched again the next round, among the candidates disjoint from the copies held.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain

from ..model import counted_grade, lowest_letter, meets_grade
from ..model.requirements import Filter
from .attempts import in_bounds
from .averages import average_met, counted, grade_average, rests_on, rests_within
from .candidates import may_meet
from .deadline import NEVER, Deadline
from .holdings import HoldingState, copy_key, years_before
from .index import COMPETENCY, FALSE, GRADE_RANK, LEAF, POOL, TRUE, Compiled, CompiledRule, Engine, LeafRule, Precedence, filter_matches, precedence, settle
from .matching import Assignment, Candidate, best_assignment

__all__ = ["Run"]

_Standing = tuple[int, tuple[str, ...]]
_Key = tuple[Precedence, _Standing]
_Best = tuple[_Key, str, "LeafRule | None", "str | HoldingState"]
"""A round's winning derivation of a node so far: (key, rule id, the one-to-one rule with the
node it names, or ``None`` with the derived holding); the key is the rule's precedence for that
grant (priority, then credits), then the standing (lineage size, sorted lineage)."""


def _granted_order(key: str) -> tuple[str, int]:
    """A round's new holdings in order: by node id, a repeatable node's copies by number."""
    node, _, count = key.partition(" ")
    return node, int(count or 1)


def _compete(best: dict[str, _Best], node: str, key: _Key, rule_id: str, leaf: LeafRule | None, won: str | HoldingState) -> None:
    """Keep the derivation of ``node`` that wins the round: the smaller key, then rule id."""
    cur = best.get(node)
    if cur is None or key < cur[0] or (key == cur[0] and rule_id < cur[1]):
        best[node] = (key, rule_id, leaf, won)

_FIELDS = ("institution", "subject", "kind", "level_min", "level_max")
"""The fields of a pool's filter."""

_NODE_FIELD = {"institution": "institution", "subject": "subject", "kind": "kind", "level_min": "level", "level_max": "level"}
"""The node attribute each filter field reads."""

_new = tuple.__new__
"""Makes a :class:`HoldingState` from a tuple of all its fields without the Python-level
``__new__`` a named tuple has: the round loop makes one per derived holding, over a thousand
per CUNY evaluation."""

_SLACK = 1e-6
"""Added to each slot's bound before :func:`may_meet`: sums kept in arrival order may round
differently from a fresh sum, and a larger bound only lets more rules through to the search."""


class _Fits:
    """One rule's candidates in one :class:`Run`, grown as holdings arrive.

    ``cursors`` has, per slot spec, how far its members were read (a leaf's: 1 once its node
    is held); ``fits`` maps each candidate node to (first spec index, position in that spec's
    members, slots) and ``made`` to its :class:`Candidate` once built; ``most``, ``largest``
    and ``filled`` the bound :func:`~pathways.engine.matching.best_assignment` checks first
    (the most each slot can get; a pool's one-holding candidates count once per holding, at
    their largest credits), summed as candidates arrive; ``matched`` the match per ``limits`` flag against ``cands``.
    """

    __slots__ = ("cands", "cursors", "filled", "fits", "largest", "made", "matched", "most", "rule", "scanned")

    def __init__(self, rule: CompiledRule, cursors: list[int]) -> None:
        self.rule = rule
        self.cursors = cursors
        self.scanned = 0
        self.fits: dict[str, tuple[int, int, list[int]]] = {}
        self.cands: list[Candidate] = []
        self.made: dict[str, Candidate] = {}
        self.most = [0.0] * (1 + max((spec[1] for spec in rule.slots), default=-1))
        self.largest: dict[tuple[int, str], float] = {}
        self.filled: set[int] = set()
        self.matched: dict[object, Assignment | None] = {}


class _Pool:
    """The held nodes passing one filter, in holding order, and :meth:`Run.pool_most`'s running
    sum over the first ``counted`` of them (``largest``: each one-holding lineage's credits).

    ``scanned`` is ``None`` for a filter of the graph's rules, whose pool holdings are filed
    into as they arrive; for any other filter (a prerequisite's, a requirement the planner
    asks about) it counts the holdings the pool has scanned.
    """

    __slots__ = ("counted", "largest", "members", "scanned", "total")

    def __init__(self, filed: bool) -> None:
        self.members: list[str] = []
        self.counted = 0
        self.total = 0.0
        self.largest: dict[str, float] = {}
        self.scanned: int | None = None if filed else 0


class Run:
    """One evaluation: the held holdings, grown round by round, and the indexes over them.

    ``held`` maps each held node to its holding (insertion order: presented, then round by
    round); ``attempts`` the attempts of each node presented more than once, best first (its
    ``held`` holding is the first; :mod:`.attempts`); ``pending`` lists the one-to-one rules (with the node they name) that did not fire
    on their window, their age, or for being a pilot: the candidates for ``skipped``;
    ``touched`` the ids of the other rules each round's new holdings touch (one set a round).
    ``excluded`` rules
    (an ``unless`` met, :func:`~pathways.engine.evaluate.evaluate`) never fire. ``losers`` maps
    each node that lost to a held anti-requisite (:mod:`.antirequisites`) to its institution:
    it (every copy, for a repeatable node) is no candidate of that institution's rules. ``copies`` maps
    each repeatable node held to the keys of its holdings (its id first), ``node_of`` each further
    copy's key to its node, and ``taken`` each repeatable node to the union of its copies' lineages.
    """

    def __init__(self, engine: Engine, as_of: dt.date, include_pilot: bool, *, deadline: Deadline = NEVER, excluded: frozenset[str] = frozenset(),
                 losers: Mapping[str, str] | None = None) -> None:
        self.engine = engine
        self.deadline = deadline
        self.excluded = excluded
        self.losers: Mapping[str, str] = losers or {}
        self.benching: frozenset[str] = frozenset(self.losers.values())
        """The institutions at which some held node does not count (an anti-requisite won)."""
        self.as_of = as_of
        self.include_pilot = include_pilot
        self.held: dict[str, HoldingState] = {}
        self.attempts: dict[str, tuple[HoldingState, ...]] = {}
        self.order: list[str] = []
        self.position: dict[str, int] = {}
        self.sorted_lineage: dict[str, tuple[str, ...]] = {}
        self.holders: dict[str, list[str]] = defaultdict(list)
        self._pools: dict[int, _Pool] = {}  # the graph's filters' pools, by id of the engine's pool key
        self._scanned: dict[Filter, _Pool] = {}  # the pools of other filters
        self._pool_of: dict[int, tuple[Filter, _Pool]] = {}
        self._filed = 0
        self.pending: list[tuple[LeafRule, str]] = []
        self.touched: list[set[str]] = []
        self._oldest: dict[float, dt.date] = {}
        self._fits: dict[tuple[str, bool, bool, bool, bool], _Fits] = {}
        self._made: dict[tuple[str, tuple[int, ...]], Candidate] = {}
        self._made_hours: dict[tuple[str, tuple[int, ...]], Candidate] = {}
        self._stand_ins: dict[tuple[int, tuple[str, ...], bool], tuple[int, list[str]]] = {}
        self._alike: dict[tuple[object, ...], Assignment | None] = {}
        self._alike_at = 0
        self.copies: dict[str, list[str]] = {}
        self.node_of: dict[str, str] = {}
        self.taken: dict[str, frozenset[str]] = {}
        self._may_fire: dict[str, tuple[CompiledRule, int, bool]] = {}

    def add(self, h: HoldingState, lineage: tuple[str, ...] | None = None, *, key: str | None = None) -> None:
        """Hold ``h`` under ``key`` (its node id, or :func:`~pathways.engine.holdings.copy_key` for a further copy of a
        repeatable node); ``lineage`` is its lineage sorted, when the caller already has it."""
        key = h.node if key is None else key
        self.held[key] = h
        self.position[key] = len(self.order)
        self.order.append(key)
        self.sorted_lineage[key] = lineage if lineage is not None else tuple(sorted(h.lineage))
        for comp in self.engine.demonstrates(h.node):
            self.holders[comp].append(key)
        if h.node in self.engine.repeatable:
            self._copied(key, h)

    def _copied(self, key: str, h: HoldingState) -> None:
        """Record ``key``, just held, as a copy of its repeatable node."""
        self.copies.setdefault(h.node, []).append(key)
        if key != h.node:
            self.node_of[key] = h.node
        self.taken[h.node] = self.taken.get(h.node, frozenset()) | h.lineage

    def oldest(self, years: float) -> dt.date:
        """The earliest earned date a rule with ``max_age_years = years`` accepts (cached)."""
        day = self._oldest.get(years)
        if day is None:
            day = self._oldest[years] = years_before(self.as_of, years)
        return day

    def applicable(self, rule: CompiledRule) -> bool:
        return rule.status == "approved" or (rule.status == "pilot" and self.include_pilot)

    def _pool(self, where: Filter) -> _Pool:
        """The pool of ``where``, up to date: the holdings added since the last call are filed
        into the pools of every graph filter they pass (:meth:`Engine.pool_filters`); a pool of
        another filter scans them."""
        pools, order, node_of = self._pools, self.order, self.node_of
        if self._filed < len(order):
            filters = self.engine.pool_filters
            for n in order[self._filed :]:
                for f in filters(node_of.get(n, n) if node_of else n):
                    p = pools.get(id(f))
                    if p is None:
                        p = pools[id(f)] = _Pool(filed=True)
                    p.members.append(n)
            self._filed = len(order)
        # by identity: a filter is one object per rule slot, and hashing one costs more
        known = self._pool_of.get(id(where))
        if known is not None and known[0] is where:
            p = known[1]
        else:
            key = self.engine.pool_key(where)
            if key is not None:
                p = pools.get(id(key))
                if p is None:
                    p = pools[id(key)] = _Pool(filed=True)
            else:
                p = self._scanned.get(where)
                if p is None:
                    p = self._scanned[where] = _Pool(filed=False)
            self._pool_of[id(where)] = (where, p)
        if p.scanned is not None and p.scanned < len(order):
            nodes = self.engine.nodes
            p.members.extend(n for n in order[p.scanned :] if filter_matches(where, nodes[node_of.get(n, n)]))
            p.scanned = len(order)
        return p

    def in_pool(self, where: Filter) -> list[str]:
        """The held nodes passing ``where``, in holding order (kept up to date incrementally)."""
        return self._pool(where).members

    def pool_most(self, where: Filter) -> float:
        """The most credits a pool with filter ``where`` could get from the holdings now held,
        whatever the rule's window: each holding's lineage counted once, at its largest credits
        (shared by every rule with this filter, grown as holdings arrive)."""
        known = self._pool_of.get(id(where))
        if known is not None and known[0] is where and self._filed == len(self.order):
            p = known[1]  # most calls: a pool already up to date, found without a call
            if p.scanned is None and p.counted == len(p.members):
                return p.total
        p = self._pool(where)
        members = p.members
        if p.counted < len(members):
            held, largest, total = self.held, p.largest, p.total
            for n in members[p.counted :]:
                h = held[n]
                if len(h.lineage) == 1:
                    (one,) = h.lineage
                    was = largest.get(one, 0.0)
                    if h.credits > was:
                        largest[one] = h.credits
                        total += h.credits - was
                else:
                    total += h.credits
            p.counted, p.total = len(members), total
        return p.total

    def may_fire(self, rule: CompiledRule, *, grades: bool = True) -> bool:
        """A cheap necessary condition for ``rule`` to fire, from indexes shared by all rules:
        every slot given the most any held node could put there, windows and limits ignored.
        Most pool rules a new holding touches are far from met: they stop here, before their
        own candidates are gathered, most of them on the first of their :attr:`CompiledRule.necessary`
        slots found empty. With ``grades`` false (a ``node`` leaf's ``min_grade`` lifted, for
        ``skipped``) only the necessary slots are checked, a leaf's node held with any grade."""
        if rule.unit != "credits":  # the shared pool bounds add credits: no cheap test for hours
            return True
        if not grades:
            return self._necessary_filled(rule, graded=False)
        known = self._may_fire.get(rule.id)
        if known is not None and known[0] is rule and known[1] == len(self.order):
            return known[2]
        # kept until holdings arrive
        fires = self._necessary_filled(rule, graded=True) and may_meet(rule.tree, *self.slot_most(rule))[0]
        self._may_fire[rule.id] = (rule, len(self.order), fires)
        return fires

    def _necessary_filled(self, rule: CompiledRule, *, graded: bool) -> bool:
        """Whether every :attr:`CompiledRule.necessary` slot of ``rule`` may be filled: a pool
        by the most its held nodes could put there, a leaf by its node held (graded inside the
        leaf's range, when ``graded``), a competency by a holder."""
        for i in rule.necessary:
            spec = rule.slots[i]
            tag = spec[0]
            if tag == POOL:
                if self.pool_most(spec[3]) + 2 * _SLACK < spec[2]:  # looser than may_meet's test
                    return False
            elif tag == LEAF:
                if (self._graded(spec, rule.pass_counts_as) if graded else self.held.get(spec[2])) is None:
                    return False
            elif not self.holders.get(spec[2]):
                return False
        return True

    def slot_most(self, rule: CompiledRule) -> tuple[list[float], set[int]]:
        """Per slot of ``rule``, the most any held node could put there, dates ignored (a pool:
        :meth:`pool_most`; a leaf: its graded holding's credits), and the slots some held node
        fills: an upper bound on any match or progress, from indexes shared by all rules."""
        state, filled = self.slot_state(rule)
        return [0.0 if most < 0 else most for most in state], set(filled)

    def slot_state(self, rule: CompiledRule) -> tuple[list[float], list[int]]:
        """:meth:`slot_most` as a relaxed outlook reads it (:func:`~pathways.engine.ranking.relaxed_outlook`):
        per slot, a pool's most (slack added), a leaf's or competency's most or -1 when no held
        node fills it; and the filled slots, in order."""
        held, pass_as = self.held, rule.pass_counts_as
        state: list[float] = []
        filled: list[int] = []
        for spec in rule.slots:  # numbered in order: slot i is the i-th
            tag = spec[0]
            if tag == POOL:
                most = self.pool_most(spec[3]) + _SLACK
                state.append(most)
                if most > _SLACK:
                    filled.append(spec[1])
            elif tag == LEAF:
                h = self._graded(spec, pass_as)
                if h is None:
                    state.append(-1.0)
                else:
                    state.append(max(h.credits, 0.0))
                    filled.append(spec[1])
            else:
                holders = self.holders.get(spec[2])
                if holders:
                    state.append(max(max(held[n].credits for n in holders), 0.0))
                    filled.append(spec[1])
                else:
                    state.append(-1.0)
        return state, filled

    def _graded(self, leaf: Compiled, pass_counts_as: str | None) -> HoldingState | None:
        """A holding (an attempt, for a node presented more than once) of a ``node`` leaf's node
        graded inside its range (``P`` counted as ``pass_counts_as``), whatever its date, or
        ``None``; of a repeatable node's copies, the one with the most credits."""
        keys = self.copies.get(leaf[2]) if self.copies else None
        if keys is not None:
            graded = [h for k in keys if (h := self._graded_one(k, leaf, pass_counts_as)) is not None]
            return max(graded, key=lambda h: h.credits) if graded else None
        if leaf[2] not in self.held:
            return None
        return self._graded_one(leaf[2], leaf, pass_counts_as)

    def _graded_one(self, key: str, leaf: Compiled, pass_counts_as: str | None) -> HoldingState | None:
        """:meth:`_graded` for the one holding held under ``key``."""
        h = self.held[key]
        if key not in self.attempts:
            return h if meets_grade(counted_grade(h.grade, pass_counts_as), leaf[3], leaf[4]) else None
        return in_bounds(self.attempts[key], None, None, lambda g: meets_grade(counted_grade(g, pass_counts_as), leaf[3], leaf[4]))

    def _fills(self, key: str, leaf: Compiled, bounds: tuple[dt.date | None, dt.date | None], grades: bool, pass_as: str | None) -> bool:
        """Whether the holding held under ``key`` is graded to fill a ``node`` leaf (an attempt
        inside ``bounds`` meeting its range, for a node presented more than once; with
        ``grades`` false, any letter grade up to its ``max_grade``)."""
        h = self.held[key]
        lo, hi = bounds
        if not grades:  # min_grade lifted (skipped: below_min_grade): any letter grade
            top = leaf[4]
            return in_bounds(self.attempts.get(key, (h,)), lo, hi,
                             lambda g: (c := counted_grade(g, pass_as)) in GRADE_RANK and meets_grade(c, None, top)) is not None
        if key in self.attempts:  # met when an attempt inside the window meets the grade
            lo_grade, hi_grade = leaf[3], leaf[4]
            return in_bounds(self.attempts[key], lo, hi, lambda g: meets_grade(counted_grade(g, pass_as), lo_grade, hi_grade)) is not None
        return meets_grade(counted_grade(h.grade, pass_as), leaf[3], leaf[4])

    def candidates(self, rule: CompiledRule, *, window: bool = True, age: bool = True) -> list[Candidate]:
        """Holdings that fit some slot of ``rule`` and meet condition 1 (unless lifted).

        In the order of the first slot spec each fits, then holding order. Kept per rule and
        grown from the holdings added since the last call: a holding never changes once
        held, and it enters every index a spec reads (held, holders, pools) at once.
        """
        return list(self._grown(rule, window, age).cands)

    def bounds(self, rule: CompiledRule, window: bool = True, age: bool = True) -> tuple[dt.date | None, dt.date | None]:
        """The earliest and latest earned dates ``rule`` accepts (condition 1, unless lifted)."""
        lo = rule.valid_from if window else None
        hi = rule.valid_to if window else None
        oldest = self.oldest(rule.max_age_years) if age and rule.max_age_years is not None else None
        if oldest is not None and (lo is None or oldest > lo):
            lo = oldest
        return lo, hi

    def stand_ins(self, rule: CompiledRule, *, window: bool = True, age: bool = True) -> list[Candidate]:
        """:meth:`candidates` as far as a match without limits, or progress, can tell them apart.

        For a rule made of credit pools only, two holdings with the same lineage and credits,
        whose nodes agree on every filter field the rule's pools name, fit the same slots, and
        pass the rule's dates together (a holding's earned date is the latest of its lineage's,
        SPEC section 4): without limits, :func:`~pathways.engine.candidates.interchangeable_pruned`
        keeps only the smallest id of such, so only that one is built (a course's copies at many
        institutions are one candidate for a degree's pools). They come in the order
        :meth:`candidates` gives them. Other rules get :meth:`candidates`.
        """
        if rule.unit != "credits" or any(spec[0] != POOL for spec in rule.slots) or rule.granted_by in self.benching:
            # a stand-in may be a node the rule's institution does not count: every candidate then
            return self.candidates(rule, window=window, age=age)
        lo, hi = self.bounds(rule, window, age)
        at_origin = rule.kind == "transfer"
        fields = tuple(f for f in _FIELDS if any(getattr(spec[3], f) is not None for spec in rule.slots))
        held, position = self.held, self.position
        fits: dict[str, tuple[int, int, list[int]]] = {}
        for i, spec in enumerate(rule.slots):
            for n in self._stand_in(spec[3], fields, at_origin):
                entry = fits.get(n)
                if entry is None:
                    earned = held[n].earned if n not in self.attempts else (in_bounds(self.attempts[n], lo, hi) or held[n]).earned
                    if (lo is not None and earned < lo) or (hi is not None and earned > hi):
                        continue
                    fits[n] = entry = (i, position[n], [])
                entry[2].append(spec[1])
        out = []
        for n in sorted(fits, key=fits.__getitem__):
            slots = tuple(fits[n][2])
            c = self._made.get((n, slots))
            if c is None:
                c = self._made[n, slots] = self._candidate(n, slots)
            out.append(c)
        return out

    def _stand_in(self, where: Filter, fields: tuple[str, ...], at_origin: bool) -> list[str]:
        """The held nodes passing ``where`` that stand for the rest (see :meth:`stand_ins`):
        per (lineage, credits, the node's ``fields``), the smallest id; with ``at_origin``
        (a ``transfer`` rule's pools), holdings granted by ``transfer`` rules left out."""
        pool = self._pool(where)
        key = (id(pool), fields, at_origin)  # one pool per filter in a run: no filter hashed
        cached = self._stand_ins.get(key)
        if cached is not None and cached[0] == len(self.order):
            return cached[1]
        held, nodes, node_of = self.held, self.engine.nodes, self.node_of
        attrs = tuple(_NODE_FIELD[f] for f in fields)
        smallest: dict[tuple[object, ...], str] = {}
        for n in pool.members:
            h = held[n]
            if at_origin and h.kind == "transfer":
                continue
            node = nodes[node_of.get(n, n) if node_of else n]
            alike = (h.lineage, h.credits, *(getattr(node, a) for a in attrs))
            kept = smallest.get(alike)
            if kept is None or n < kept:
                smallest[alike] = n
        members = list(smallest.values())
        self._stand_ins[key] = (len(self.order), members)
        return members

    def _grown(self, rule: CompiledRule, window: bool, age: bool, grades: bool = True, excludes: bool = True) -> _Fits:
        """The rule's :class:`_Fits` for these lifted conditions, grown to the holdings now held
        (``excludes`` false: nodes that lost to an anti-requisite count at the rule's institution too)."""
        key = (rule.id, window, age, grades, excludes)
        state = self._fits.get(key)
        if state is None or state.rule is not rule:
            state = self._fits[key] = _Fits(rule, [0] * len(rule.slots))
        if state.scanned == len(self.order):
            return state
        state.scanned = len(self.order)
        lo, hi = self.bounds(rule, window, age)
        at_origin, pass_as = rule.kind == "transfer", rule.pass_counts_as
        held, fits, cursors, attempts, copies = self.held, state.fits, state.cursors, self.attempts, self.copies
        benched = excludes and rule.granted_by in self.benching
        losers, here, node_of = self.losers, rule.granted_by, self.node_of
        fresh: list[str] = []
        for i, spec in enumerate(rule.slots):
            tag, slot = spec[0], spec[1]
            start = cursors[i]
            if tag == LEAF:
                keys = copies.get(spec[2]) if copies else None
                if keys is not None:  # a repeatable node: each copy may fill the leaf
                    if start == len(keys):
                        continue
                    cursors[i] = len(keys)
                    # positions past the copies read before, so candidates keep holding order
                    members: list[str] = [""] * start + [k for k in keys[start:] if self._fills(k, spec, (lo, hi), grades, pass_as)]
                else:
                    if start or spec[2] not in held:
                        continue
                    cursors[i] = 1
                    members = [spec[2]] if self._fills(spec[2], spec, (lo, hi), grades, pass_as) else []
            else:
                members = self.holders.get(spec[2], []) if tag == COMPETENCY else self.in_pool(spec[3])
                if start == len(members):
                    continue
                cursors[i] = len(members)
            for j in range(start, len(members)):
                n = members[j]
                entry = fits.get(n)
                if entry is None:
                    h = held[n]
                    if n in attempts:
                        h = in_bounds(attempts[n], lo, hi) or h
                    earned = h.earned
                    if (lo is not None and earned < lo) or (hi is not None and earned > hi) or (at_origin and h.kind == "transfer"):
                        continue
                    if benched and losers.get(node_of.get(n, n) if node_of else n) == here:
                        continue
                    fits[n] = entry = (i, j, [])
                    fresh.append(n)
                entry[2].append(slot)
        if fresh:
            made, most, largest, filled = state.made, state.most, state.largest, state.filled
            hours = rule.unit == "hours"
            shared = self._made_hours if hours else self._made
            for n in fresh:
                slots = tuple(fits[n][2])
                c = shared.get((n, slots))
                if c is None:
                    c = shared[n, slots] = self._candidate(n, slots, hours)
                made[n] = c
                for s in c.slots:
                    filled.add(s)
                    if rule.slots[s][0] != POOL:
                        most[s] = max(most[s], c.credits, 0.0)
                    elif len(c.lineage) == 1:
                        (one,) = c.lineage
                        was = largest.get((s, one), 0.0)
                        if c.credits > was:
                            largest[s, one] = c.credits
                            most[s] += c.credits - was
                    else:
                        most[s] += c.credits
            if state.cands and fits[fresh[0]][:2] < fits[state.cands[-1].node][:2]:
                state.cands = [made[n] for n in sorted(fits, key=fits.__getitem__)]
            else:  # fresh is in order already (spec by spec, each in holding order)
                state.cands = state.cands + [made[n] for n in fresh]
            state.matched.clear()
        return state

    def _candidate(self, n: str, slots: tuple[int, ...], hours: bool = False) -> Candidate:
        """The held node ``n`` as a candidate for ``slots``, with its standing for limits;
        weighed by its node's ``hours`` (none: 0) for a rule whose pools add hours."""
        h = self.held[n]
        node = self.engine.nodes[h.node]
        # residency counts where the learning happened: the lineage's direct holdings (amendment 9)
        residence: dict[str, float] = {}
        for e in sorted(h.lineage):
            direct = self.held.get(e)
            if direct is not None and direct.rule is None:
                inst = self.engine.nodes[e].institution
                if inst is not None:
                    residence[inst] = residence.get(inst, 0.0) + direct.credits
        return Candidate(
            node=n,
            lineage=h.lineage,
            credits=float(node.hours or 0) if hours else h.credits,
            held_credits=h.credits if hours else None,
            slots=slots,
            recognized=h.kind in ("plar", "transfer"),
            residence=tuple(sorted(residence.items())),
        )

    def members(self, avg: Compiled) -> list[str]:
        """The held nodes a compiled average is taken over (a listed repeatable node: the
        learning behind every copy)."""
        if avg[4] is not None:
            return self.in_pool(avg[4])
        held, copies = self.held, self.copies
        return [k for n in avg[3] if n in held for k in copies.get(n, (n,))]

    def average(self, avg: Compiled, pass_counts_as: str | None) -> float | None:
        """:func:`~pathways.engine.averages.grade_average` of a compiled average over the holdings now held."""
        return grade_average(avg, self.members(avg), self.held, pass_counts_as)

    def settled(self, rule: CompiledRule) -> tuple[Compiled, tuple[Compiled, ...]]:
        """:func:`~pathways.engine.index.settle` of a rule with averages, each met or not now."""
        assert rule.shape is not None
        return settle(rule.shape, lambda avg: average_met(avg, self.average(avg, rule.pass_counts_as)))

    def match(
        self, rule: CompiledRule, *, window: bool = True, age: bool = True, limits: bool = True, grades: bool = True,
        excludes: bool = True,
    ) -> Assignment | None:
        """The assignment that fires ``rule`` against the holdings now held, or ``None``.

        A match depends only on the candidates, so it is kept until new candidates arrive.
        With ``grades`` false, a ``node`` leaf's ``min_grade`` is lifted (any letter grade meets it);
        with ``excludes`` false, nodes that lost to an anti-requisite count at the rule's institution.
        A rule's averages are settled first, each met or not given what is held (none is
        lifted); met by averages alone, it rests on what they weigh (:func:`~pathways.engine.averages.rests_on`).
        """
        tree: Compiled = rule.tree
        key: object = limits
        if rule.shape is not None:
            tree, by = self.settled(rule)
            if tree is FALSE:
                return None
            if tree is TRUE:
                return self._resting(rule, by, limits)
            key = (limits, tree)  # the match depends on which averages are met too
        if rule.repeats and (taken := self.taken_by(rule)):
            return self._match_apart(rule, tree, taken, window=window, age=age, limits=limits, grades=grades, excludes=excludes)
        if not self.may_fire(rule, grades=grades):
            return None
        state = self._grown(rule, window, age, grades, excludes)
        cands = state.cands
        if not cands:
            return None
        if key in state.matched:
            return state.matched[key]
        if tree[0] == LEAF and not (limits and rule.limits):
            a: Assignment | None = self._leaf_assignment(cands)
        elif not may_meet(tree, [m + _SLACK for m in state.most], state.filled)[0]:
            a = None  # the bound best_assignment checks first, kept as candidates arrive
        elif limits and rule.limits:
            a = best_assignment(tree, rule.slots, list(cands), rule.limits)
        else:  # without limits, the stand-ins decide as every candidate would
            if not grades or not excludes:
                a = best_assignment(tree, rule.slots, list(cands))
            else:
                # a rule's candidates follow from its slots, dates, kind (transfer at origin) and how
                # it reads a pass: rules alike in those (one degree at several institutions) match alike
                if self._alike_at != len(self.order):
                    self._alike.clear()
                    self._alike_at = len(self.order)
                alike = (tree, self.bounds(rule, window, age), rule.kind == "transfer", rule.pass_counts_as,
                         rule.granted_by if rule.granted_by in self.benching else None)
                if alike in self._alike:
                    a = self._alike[alike]
                else:
                    a = self._alike[alike] = best_assignment(tree, rule.slots, self.stand_ins(rule, window=window, age=age))
        state.matched[key] = a
        return a

    def _resting(self, rule: CompiledRule, by: tuple[Compiled, ...], limits: bool) -> Assignment | None:
        """The assignment of ``rule`` met by the averages ``by`` alone (:func:`~pathways.engine.averages.rests_on`),
        ``None`` when what it rests on falls short of the granted credentials' limits."""
        members = [self.members(avg) for avg in by]
        weighs = [[h for h, _ in counted(avg, m, self.held, rule.pass_counts_as)] for avg, m in zip(by, members, strict=True)]
        a = rests_on(members, weighs, self.held)
        nodes = self.engine.nodes
        if limits and not rests_within(a, rule.limits, self.held, lambda n: nodes[n].institution):
            return None
        return a

    def taken_by(self, rule: CompiledRule) -> frozenset[str]:
        """The direct holdings a new firing of ``rule`` must leave out: once every grant that is
        not repeatable is held, the lineages of the held copies of its repeatable grants (a rule
        fires once per disjoint lineage); none while it has another grant still to give."""
        held = self.held
        if any(node not in held and node not in rule.repeats for node, _ in rule.grants):
            return frozenset()
        return frozenset().union(*(self.taken.get(node, ()) for node in rule.repeats))

    def _match_apart(self, rule: CompiledRule, tree: Compiled, taken: frozenset[str], *, window: bool, age: bool,
                     limits: bool, grades: bool, excludes: bool) -> Assignment | None:
        """:meth:`match` of ``tree`` (the rule's, averages settled) among the candidates whose
        lineage is disjoint from ``taken`` (not kept: ``taken`` grows as copies are granted)."""
        cands = [c for c in self._grown(rule, window, age, grades, excludes).cands if not (c.lineage & taken)]
        if not cands:
            return None
        if tree[0] == LEAF and not (limits and rule.limits):
            return self._leaf_assignment(cands)
        return best_assignment(tree, rule.slots, cands, rule.limits if limits else ())

    def _leaf_assignment(self, cands: list[Candidate]) -> Assignment:
        """The assignment of a requirement that is one leaf: its only candidate, or, among the
        copies of a repeatable node, the smallest (lineage size, sorted lineage, key)."""
        c = cands[0] if len(cands) == 1 else min(cands, key=lambda c: (len(c.lineage), self.sorted_lineage[c.node], c.node))
        return Assignment(uses=(c.node,), lineage=self.sorted_lineage[c.node])

    def derive(self, rule: CompiledRule, a: Assignment, round_no: int) -> list[HoldingState]:
        """The holdings ``rule`` grants through assignment ``a``: grants already held left out,
        but for a repeatable node a further copy when ``a``'s lineage is disjoint from (and not
        empty like) those of the copies held."""
        used = [self.held[n] if n not in self.attempts or a.averaged else self._attempt(rule, n) for n in a.uses]
        earned = max(h.earned for h in used)
        grade = lowest_letter([h.grade for h in used])
        lineage = frozenset(a.lineage)
        not_applied = 0.0
        if rule.max_recognized is not None:
            # a credential's cap applies recognized credit up to it, the rest is reported (amendment 9)
            recognized = sum(h.credits for h in used if h.kind in ("plar", "transfer"))
            not_applied = max(0.0, recognized - rule.max_recognized)
        held, taken, node_of = self.held, self.taken, self.node_of
        uses: tuple[str, ...] = a.uses
        keys: tuple[str, ...] = ()
        if node_of and any(u in node_of for u in uses):  # further copies used: their nodes, the keys kept
            uses, keys = tuple(sorted(node_of.get(u, u) for u in uses)), uses
        return [
            HoldingState(node, credits, earned, grade, lineage, rule.id, rule.kind, rule.granted_by, uses, round_no, not_applied, keys)
            for node, credits in rule.grants
            if node not in held or (node in rule.repeats and lineage and not lineage & taken[node])
        ]

    def _attempt(self, rule: CompiledRule, n: str) -> HoldingState:
        """The attempt of ``n`` that ``rule`` uses: the best inside its window that meets a leaf
        of the rule naming ``n`` (any leaf, when none names it)."""
        lo, hi = self.bounds(rule)
        grades = [(spec[3], spec[4]) for spec in rule.slots if spec[0] == LEAF and spec[2] == n]
        pass_as = rule.pass_counts_as
        fits = (lambda g: any(meets_grade(counted_grade(g, pass_as), lo_grade, hi_grade) for lo_grade, hi_grade in grades)) if grades else None
        attempts = self.attempts[n]
        return in_bounds(attempts, lo, hi, fits) or in_bounds(attempts, lo, hi) or self.held[n]

    def _leaf_attempts(self, n: str, leaf_rules: Iterable[LeafRule], best: dict[str, _Best], round_no: int) -> None:
        """The one-to-one rules naming ``n``, a node presented more than once or one that lost to
        an anti-requisite: each derives from the best attempt it accepts (grade, window, age), or
        is remembered for ``skipped`` (a rule of the institution where ``n`` lost, always)."""
        held = self.held
        standing = (len(held[n].lineage), self.sorted_lineage[n])
        attempts = self.attempts.get(n, (held[n],))
        transferred = held[n].kind == "transfer"
        benched_at = self.losers.get(self.node_of.get(n, n))
        for lr in leaf_rules:
            one = lr[0]
            if one in held or (one is None and all(g in held for g, _ in lr[1])):
                continue
            if transferred and lr[8] == "transfer":
                continue
            if benched_at == lr[9]:
                self.pending.append((lr, n))
                continue
            graded = [h for h in attempts if lr[4] <= GRADE_RANK.get(h.grade, 0) <= lr[11]]
            if not graded:
                self.pending.append((lr, n))
                continue
            oldest = None if lr[7] is None else self.oldest(lr[7])
            use = in_bounds(graded, lr[5] if oldest is None or oldest < lr[5] else oldest, lr[6])
            if use is None or not (lr[3] or self.include_pilot):
                self.pending.append((lr, n))
                continue
            grade = use.grade if use.grade in GRADE_RANK else "P"
            for (g, credits), first in zip(lr[1], lr[12], strict=True):
                if g not in held:
                    d = HoldingState(g, credits, use.earned, grade, use.lineage, lr[2], lr[8], lr[9], (n,), round_no)
                    _compete(best, g, (first, standing), lr[2], None, d)

    def rounds(self) -> list[HoldingState]:
        """Derive to the fixpoint from the holdings added so far; the derived holdings in order."""
        engine, held, lineages = self.engine, self.held, self.sorted_lineage
        include_pilot, pending = self.include_pilot, self.pending
        touch, pooled, pool_cache, compiled, excluded = engine.touch, engine.pooled, engine.pool_cache, engine.compiled, self.excluded
        node_of, pool_most = self.node_of, self.pool_most
        granted: list[HoldingState] = []
        new = list(self.order)
        round_no = 0
        again: set[str] = set()  # rules that granted a repeatable node last round: they may fire again
        while new:
            round_no += 1
            self.deadline.check("evaluation")
            # node -> _Best: winners compare on precedence (priority, credits), standing (lineage
            # size, sorted lineage), then rule id
            best: dict[str, _Best] = {}
            # repeatable node -> its derivations this round, each (key, rule id, holding)
            repeated: dict[str, list[tuple[_Key, str, HoldingState]]] = {}
            general, again = again, set()
            self.touched.append(general)
            for n in new:
                nid = node_of.get(n, n) if node_of else n
                if pooled:
                    pools = pool_cache.get(nid)
                    if pools is None:
                        pools = engine.pool_rules(nid)
                    if pools:
                        general.update(pools)
                entry = touch.get(nid)
                if entry is None:
                    continue
                single, firsts, several, others = entry
                if others:
                    general.update(others)
                if not several:
                    for g in firsts:
                        if g not in held:
                            break
                    else:
                        continue  # every grant already held: nothing to decide
                if n in self.attempts or nid in self.losers:
                    self._leaf_attempts(n, chain(single, several), best, round_no)
                    continue
                h = held[n]
                earned, rank, standing = h.earned, GRADE_RANK.get(h.grade, 0), (len(h.lineage), lineages[n])
                transferred = h.kind == "transfer"
                for lr in chain(single, several) if several else single:
                    one = lr[0]
                    if one in held or (one is None and all(g in held for g, _ in lr[1])):
                        continue
                    if rank < lr[4] or rank > lr[11] or (transferred and lr[8] == "transfer"):
                        if 0 < rank < lr[4] and not transferred:
                            pending.append((lr, n))  # for skipped: below_min_grade
                        continue
                    if (
                        not (lr[3] or include_pilot)
                        or not lr[5] <= earned <= lr[6]
                        or (lr[7] is not None and earned < self.oldest(lr[7]))
                    ):
                        pending.append((lr, n))
                        continue
                    if one is not None:  # one grant, not held (checked above): most rules
                        cur = best.get(one)
                        if cur is None:
                            best[one] = ((lr[12][0], standing), lr[2], lr, n)
                        else:
                            _compete(best, one, (lr[12][0], standing), lr[2], lr, n)
                        continue
                    for (g, _), first in zip(lr[1], lr[12], strict=True):
                        if g not in held:
                            _compete(best, g, (first, standing), lr[2], lr, n)
            for rule_id in general:
                self.deadline.check("evaluation")
                rule = compiled[rule_id]
                if not (rule.status == "approved" or (rule.status == "pilot" and include_pilot)) or rule_id in excluded:
                    continue
                if not rule.repeats:
                    for node, _ in rule.grants:
                        if node not in held:
                            break
                    else:
                        continue  # every grant held
                    # what match checks first, for a rule without averages or repeats: most stop here,
                    # on the first slot may_fire checks, a pool without the credits it needs
                    if rule.shape is None:
                        if rule.unit == "credits" and rule.necessary:
                            spec = rule.slots[rule.necessary[0]]
                            if spec[0] == POOL and pool_most(spec[3]) + 2 * _SLACK < spec[2]:
                                continue
                        if not self.may_fire(rule):
                            continue
                a = self.match(rule)
                if a is None:
                    continue
                standing = (len(a.lineage), a.lineage)
                derived = self.derive(rule, a, round_no)
                for d in derived:
                    if d.node in rule.repeats:
                        repeated.setdefault(d.node, []).append(((precedence(rule.priority, d.credits), standing), rule.id, d))
                    else:
                        _compete(best, d.node, (precedence(rule.priority, d.credits), standing), rule.id, None, d)
                if rule.repeats and derived:
                    again.add(rule_id)
            if repeated:
                copied = self._copies_won(repeated, best)
                new = sorted(best, key=_granted_order)
            else:
                copied = []
                new = sorted(best)
            demonstrated = engine.demonstrated
            for g in new:
                key, _, leaf, won = best[g]
                if leaf is None:
                    assert isinstance(won, HoldingState)
                    d = won
                else:
                    assert isinstance(won, str)
                    src = held[won]
                    credits = leaf[10] if leaf[0] is not None else next(c for node, c in leaf[1] if node == g)
                    grade = src.grade if src.grade in GRADE_RANK else "P"
                    d = _new(HoldingState, (g, credits, src.earned, grade, src.lineage, leaf[2], leaf[8], leaf[9], (src.node,), round_no, 0.0,
                                            () if src.node == won else (won,)))
                held[g] = d
                self.position[g] = len(self.order)
                self.order.append(g)
                lineages[g] = key[1][1]
                comps = demonstrated.get(d.node)
                if comps:
                    for comp in comps:
                        self.holders[comp].append(g)
                granted.append(d)
            for holding in copied:
                self._copied(holding, held[holding])
        return granted

    def _copies_won(self, repeated: dict[str, list[tuple[_Key, str, HoldingState]]], best: dict[str, _Best]) -> list[str]:
        """The round's copies of repeatable nodes, put in ``best`` under their holding keys; the keys.

        A node's derivations are taken in precedence order (key, then rule id), each one whose
        lineage is disjoint from those of the copies held and taken before it (an empty lineage
        only for a node not held yet): the first is the one a node that is not repeatable keeps.
        """
        keys = []
        for node in sorted(repeated):
            taken = self.taken.get(node, frozenset())
            count = len(self.copies.get(node, ()))
            for key, rule_id, d in sorted(repeated[node], key=lambda x: (x[0], x[1])):
                if d.lineage & taken or (count and not d.lineage):
                    continue
                count += 1
                taken |= d.lineage
                holding = copy_key(node, count)
                best[holding] = (key, rule_id, None, d)
                keys.append(holding)
        return keys

    def pending_reason(self, lr: LeafRule, node: str) -> str | None:
        """Why a remembered one-to-one rule did not fire (``skipped``), or ``None`` when no one
        lifted condition would fire it or its grants are held by now."""
        if all(g in self.held for g, _ in lr[1]):
            return None
        attempts = self.attempts.get(node, (self.held[node],))
        if self.losers.get(self.node_of.get(node, node)) == lr[9]:  # lost to an anti-requisite: excluded, when all else is met
            fits = any(lr[4] <= GRADE_RANK.get(h.grade, 0) <= lr[11] and self._reason(lr, h.earned) is None for h in attempts)
            return "excluded" if fits else None
        reasons = {self._reason(lr, h.earned) for h in attempts if lr[4] <= GRADE_RANK.get(h.grade, 0) <= lr[11]}
        if lr[4] > 1 and any(0 < GRADE_RANK.get(h.grade, 0) < lr[4] and self._reason(lr, h.earned) is None for h in attempts):
            reasons.add("below_min_grade")  # a min_grade (rank 1 is only a max_grade's bound) the grade misses, all else met
        return next((r for r in ("pilot", "outside_window", "expired", "below_min_grade") if r in reasons), None)

    def _reason(self, lr: LeafRule, earned: dt.date) -> str | None:
        """Why a one-to-one rule does not fire on a holding earned on ``earned`` (its grade
        aside): ``None`` when it would, or when two conditions fail."""
        in_window = lr[5] <= earned <= lr[6]
        young = lr[7] is None or earned >= self.oldest(lr[7])
        if not lr[3] and not self.include_pilot:
            return "pilot" if in_window and young else None
        if in_window and young:
            return None
        if young:
            return "outside_window"
        return "expired" if in_window else None
