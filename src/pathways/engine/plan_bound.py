"""A lower bound, per node, on the objective any plan needs to hold it; and the plan that meets it.

The planner (:mod:`.plan`) asks this module first. :class:`PlanBound` walks back from the
target over the relevant part of the graph (as :class:`~.plan_model.PlanModel` does) and
computes ``lb(n)`` for every node there: 0 when held, else the least of the node's own weight
(when it is a candidate) and, over the applicable rules granting it, the bound of the rule's
requirement:

- a ``node`` leaf: the node's bound (0 for a holding already held that fills it; one that does
  not is renewed, derived anew or a direct holding of its lineage retaken; no way for a node
  not held when the window excludes ``as_of``, the day plan items are earned);
- ``all``: the sum of its children; ``any``: the least; ``at_least k``: the k least;
- ``credits c of`` and ``credits c where F``: a fractional knapsack, the cheapest credits
  first (bound per credit), each holding at the most credits it can carry.
- a pool of hours, or one that a ``repeatable`` node passes (its copies, one per disjoint
  lineage, may fill the pool alone): 0.

Sums are valid because the holdings a rule uses have pairwise disjoint lineages (SPEC section
4, condition 2): no plan item is in two children's derivations, so the items under a rule
cost at least the sum of its children's bounds. The bound is the least fixpoint that never
counts an ungrounded cycle (values start at "no way" and only come down, each step a finite
derivation). So ``lb(target)`` never exceeds the total of any plan. It ignores prerequisites,
credential limits and which derivation wins a round (they only make plans dearer). That holds
where evaluation is monotone for the target: when the relevant part holds a node whose holding
may change otherwise (:meth:`~.plan_index.PlanIndex.unstable`: anti-requisites, an ``unless``,
copies), a plan item may free what the holdings alone then derive, and the planner does not
use the bound there.

Two uses: a *certificate* (the candidates under the derivation that realizes ``lb(target)``
form a set whose total is the bound; when evaluation confirms it is a plan, no plan is
cheaper and no solver is needed), and *pruning* (a node whose bound exceeds the total
of a known plan cannot be held in any plan at most that dear, see :meth:`PlanBound.relevant`).

Example:
    >>> import datetime as dt
    >>> from pathways.model import Document
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h}
    ...               for c, h in (("A", 10), ("B", 20), ("C", 5))]
    ...            + [{"id": "U:T", "kind": "credential", "institution": "U", "title": "T"}],
    ...     "rules": [{"id": "R", "kind": "stack", "granted_by": "U",
    ...                "requires": {"at_least": 2, "of": [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:C"}]},
    ...                "grants": [{"node": "U:T"}]}]})
    >>> engine = Engine(doc)
    >>> bound = PlanBound(engine, target="U:T", held={}, weight=lambda n: engine.nodes[n].hours,
    ...                   as_of=dt.date(2026, 1, 1), include_pilot=False)
    >>> bound.lb("U:T"), sorted(bound.certificate() or ())
    (15.0, ['U:A', 'U:C'])
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import PlanUnproven
from ..model import Filter, Requirement, meets_min_grade
from .holdings import HoldingState, in_window
from .index import ALL, ANY, AT_LEAST, COMPETENCY, CREDITS_OF, LEAF, POOL, Compiled, CompiledRule, Engine, compile_requirement
from .plan_index import plan_index
from .plan_pools import PoolBound, PoolKey, fractional_knapsack, pool_key

__all__ = ["INF", "TOTAL_BOUND_LIMIT", "PlanBound"]

INF = math.inf
"""The bound of what no plan can hold."""

TOTAL_BOUND_LIMIT = 2.0
"""Seconds :meth:`PlanBound.lb_total` may spend on its fixpoint; past them it answers :meth:`PlanBound.lb` (a weaker
bound, still a bound: the planner stays exact, its program may only be larger). A block transfer's credit pool over
thousands of courses made the fixpoint take minutes (CAPU:BLOCK-LING, BC 1.0, learners 20-39)."""

_EPS = 1e-9
_CHECK_EVERY = 1024  # rules evaluated between two looks at the clock


class PlanBound:
    """The bounds of one planning question, over the part of the graph relevant to its target.

    Parameters:
        engine: the graph.
        target: the node to reach.
        held: the learner's final holdings before any plan item (an evaluation's ``held``).
        weight: a node's objective value when it is a candidate, else ``None``.
        as_of: the date plan items are earned.
        include_pilot: whether pilot rules apply.
        deadline: the ``time.monotonic()`` by which the bound must be known (the question's
            time limit); past it :class:`~pathways.errors.PlanUnproven` is raised.

    Attributes:
        nodes: the relevant nodes (as :class:`~.plan_model.PlanModel` finds them).
        at_origin: those only ``transfer`` rules ask for: needed at their origin only, their bounds
            (:attr:`value` too) are of holding them there.
        rules: the applicable rules granting a relevant node, by id.
        weights: the relevant candidates and their objective values.
        value: ``lb`` of every relevant node (``INF`` when no plan can hold it).
        origin: the same for holding it at its origin (taken, or granted by a rule not of kind
            ``transfer``): what a ``transfer`` rule's leaves and pools read, transfer credit being
            assessed at its origin.
        total_value: what :meth:`lb_total` computes from, once asked.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        target: str,
        held: Mapping[str, HoldingState],
        weight: Callable[[str], float | None],
        as_of: dt.date,
        include_pilot: bool,
        deadline: float = math.inf,
    ) -> None:
        self.engine = engine
        self.deadline = deadline
        self.index = plan_index(engine)
        self.target = target
        self.held = held
        self.as_of = as_of
        self.include_pilot = include_pilot
        self.nodes: set[str] = set()
        self.rules: dict[str, CompiledRule] = {}
        self.weights: dict[str, float] = {}
        self._weight = weight
        self._open: dict[str, bool] = {}
        self._useful: dict[float, tuple[set[str], set[str]]] = {}
        self._dependents: dict[str, list[str]] = {}
        self._pool_rules: dict[PoolKey, list[str]] = {}
        self._node_pools: dict[str, list[PoolKey]] = {}
        self._pools: dict[PoolKey, PoolBound] = {}
        self._repeating: dict[Filter, bool] = {}
        self._renewing: dict[str, list[str]] = {}  # a direct holding -> the relevant derived holdings standing on it
        self._copies: dict[str, list[HoldingState]] = {}  # a repeatable node -> its holdings (copies)
        for h in held.values():
            if h.node in engine.repeatable:
                self._copies.setdefault(h.node, []).append(h)
        self.changes: list[str] = []  # the nodes whose value changed, in order: what the pools catch up from
        self.total_changes: list[str] = []  # the same for lb_total
        self.at_origin: set[str] = set()
        self._relevance()
        self.value: dict[str, float] = {}
        self.origin: dict[str, float] = {}
        self._fixpoint()
        self.total_value: dict[str, float] | None = None  # computed on first use: most questions never need it

    # -- the relevant part of the graph ---------------------------------------------------------

    def _members(self, slot: Compiled) -> Iterable[str]:
        if slot[0] == LEAF:
            return (slot[2],)
        if slot[0] == COMPETENCY:
            return (slot[2], *self.index.demonstrating.get(slot[2], ()))
        return self.index.matching(self.engine, slot[3])

    def _relevance(self) -> None:
        """Walk back from the target through granting rules and candidates' prerequisites.

        A node a ``transfer`` rule asks for is needed at its origin only: the ``transfer`` rules
        granting it are not walked for it (on a BC-sized graph, a course's equivalents at every
        institution and theirs)."""
        engine, granting = self.engine, self.index.granting
        everyway: set[str] = set()  # the nodes walked for every rule granting them; the others, at their origin only
        stack = [(self.target, False)]
        while stack:
            n, at_origin = stack.pop()
            if n in everyway or (at_origin and n in self.nodes) or n not in engine.nodes:
                continue
            first = n not in self.nodes
            self.nodes.add(n)
            if not at_origin:
                everyway.add(n)
            h = self.held.get(n)
            if first and h is not None and not h.direct:  # a retake of the learning it stands on renews it
                for m in h.lineage:
                    self._renewing.setdefault(m, []).append(n)
                    stack.append((m, False))
            # held directly: no rule derives it, but a further copy of a repeatable one
            for rule_id in () if h is not None and h.direct and n not in engine.repeatable else granting.get(n, ()):
                rule = engine.compiled[rule_id]
                if rule_id in self.rules or (at_origin and rule.kind == "transfer"):
                    continue
                if rule.status == "approved" or (rule.status == "pilot" and self.include_pilot):
                    self.rules[rule_id] = rule
                    self._open[rule_id] = self.in_window(rule, self.as_of)
                    inside = rule.kind == "transfer"
                    for slot in rule.slots:
                        if slot[0] == POOL:  # a pool's members are registered once, for every rule sharing it
                            key = pool_key(slot, rule)
                            sharing = self._pool_rules.get(key)
                            if sharing is None:
                                sharing = self._pool_rules[key] = []
                                for m in self._members(slot):
                                    self._node_pools.setdefault(m, []).append(key)
                                    stack.append((m, inside))
                            sharing.append(rule_id)
                            continue
                        for m in self._members(slot):
                            self._dependents.setdefault(m, []).append(rule_id)
                            stack.append((m, inside))
            if first and (h is None or h.direct):  # a node held directly may be retaken
                w = self._weight(n)
                if w is not None:
                    self.weights[n] = float(w)
                    prerequisites = engine.nodes[n].prerequisites
                    if prerequisites is not None:
                        stack.extend((m, False) for m in self.index.mentions(self.engine, prerequisites))
        self.at_origin = self.nodes - everyway

    def in_window(self, rule: CompiledRule, earned: dt.date) -> bool:
        """Whether a holding earned on ``earned`` may be used by ``rule`` (SPEC section 4, condition 1)."""
        return in_window(rule, earned, self.as_of)

    # -- the bound ---------------------------------------------------------------------------------

    def lb(self, n: str) -> float:
        """The least total any plan needs to hold ``n`` (0 when held; ``INF`` when none can)."""
        if n in self.held:
            return 0.0
        return self.value.get(n, INF)

    def _fixpoint(self) -> None:
        """Lower the values from ``INF`` until no rule lowers one more (each step a finite derivation)."""
        value, origin = self.value, self.origin
        for n in self.nodes:
            value[n] = origin[n] = self.weights.get(n, INF)  # a node held stays held: value is what deriving it anew costs
        dirty = sorted(self.rules)
        while dirty:
            changed: set[str] = set()
            for i, rule_id in enumerate(dirty):
                if not i % _CHECK_EVERY and time.monotonic() > self.deadline:  # a pass over a BC-sized graph takes seconds
                    raise PlanUnproven(f"no lower bound toward {self.target} within the question's time limit")
                rule = self.rules[rule_id]
                self._lower(rule, self._requirement(rule.tree, rule)[1], value, changed, origin)
            self.changes.extend(sorted(changed))
            dirty = self._rules_using(changed)

    def _rules_using(self, changed: set[str]) -> list[str]:
        """The rules whose requirement mentions one of ``changed`` (directly or through a pool), sorted."""
        found = {r for n in changed for r in self._dependents.get(n, ())}
        pools = {key for n in changed for key in self._node_pools.get(n, ())}
        found.update(r for key in pools for r in self._pool_rules[key])
        return sorted(found)

    def _lower(self, rule: CompiledRule, v: float, values: dict[str, float], changed: set[str],
               origin: dict[str, float] | None = None) -> None:  # fmt: skip
        """One step of a fixpoint: ``rule``'s grants (but those presented, unless repeatable: a
        further copy) lowered to ``v`` where that is lower, each one lowered added to ``changed``;
        in ``origin`` too unless ``rule`` is a ``transfer``."""
        for g, _ in rule.grants:
            h = self.held.get(g)
            if h is not None and h.direct and g not in self.engine.repeatable:
                continue
            if v < values.get(g, INF) - _EPS:
                values[g] = v
                changed.add(g)
            if origin is not None and rule.kind != "transfer" and v < origin.get(g, INF) - _EPS:
                origin[g] = v
                changed.add(g)

    def lb_total(self, n: str) -> float:
        """The least total of a plan that holds ``n``, the prerequisites of its items included (0 when held).

        At least :meth:`lb`: a plan that holds ``n`` through items also meets those items'
        prerequisites, with further items (a prerequisite is met before the item is taken, so
        never by the item itself).
        """
        if n in self.held:
            return 0.0
        return self._anew_total(n)

    def _anew_total(self, n: str) -> float:
        """:meth:`lb_total` of ``n`` as if it were not held: what deriving it anew, or retaking it, costs."""
        if self.total_value is None:
            self.total_value = {}
            if not self._fixpoint_total(self.total_value, min(self.deadline, time.monotonic() + TOTAL_BOUND_LIMIT)):
                self.total_value = dict(self.value)  # out of time: fall back on lb, a weaker bound but a bound
        return max(self.value.get(n, INF), self.total_value.get(n, INF))

    def _fixpoint_total(self, total: dict[str, float], deadline: float) -> bool:
        """:meth:`lb_total` for every relevant node, a least fixpoint from ``INF`` as :meth:`_fixpoint`.

        A plan holding ``n`` costs at least: when it takes ``n``, ``n``'s weight plus what the
        items taken before ``n`` cost (they form a plan for ``n``'s prerequisites); when a rule
        derives ``n``, what the items under that rule cost. Under ``all`` the items of the
        children are disjoint (the sum of their :meth:`lb`) but their prerequisites may be
        shared, so the bound is the larger of that sum and the dearest child's :meth:`lb_total`;
        under ``at_least k`` the k-th cheapest child; under ``any`` and credit requirements the
        cheapest child. Returns ``False`` (``total`` then bounds nothing) when ``deadline`` (a
        ``time.monotonic()``) passes first.
        """
        prerequisites: dict[str, Compiled] = {}
        watching: dict[str, list[str]] = {}
        for n in self.weights:
            req = self.engine.nodes[n].prerequisites
            if req is not None:
                prerequisites[n] = compile_requirement(req)[0]
                for m in self.index.mentions(self.engine, req):
                    watching.setdefault(m, []).append(n)
        dirty_rules = sorted(self.rules)
        dirty_items = sorted(self.weights)
        while dirty_rules or dirty_items:
            if time.monotonic() > deadline:  # values not yet down to the fixpoint bound nothing
                return False
            changed: set[str] = set()
            for n in dirty_items:
                tree = prerequisites.get(n)
                v = self.weights[n] + (0.0 if tree is None else self._total(tree, None, False))
                if v < total.get(n, INF) - _EPS:
                    total[n] = v
                    changed.add(n)
                    changed.update(self._renewing.get(n, ()))  # their renewal by retaking n costs that too
            for i, rule_id in enumerate(dirty_rules):
                if not i % _CHECK_EVERY and time.monotonic() > deadline:  # a pass over a BC-sized graph takes seconds
                    return False
                rule = self.rules[rule_id]
                self._lower(rule, self._total(rule.tree, rule, True), total, changed)
            self.total_changes.extend(sorted(changed))
            dirty_rules = self._rules_using(changed)
            dirty_items = sorted({m for n in changed for m in watching.get(n, ())})
        return True

    def total_leaf(self, n: str, min_grade: str | None, rule: CompiledRule | None) -> float:
        if self.leaf(n, min_grade, rule)[0] == 0.0:
            return 0.0
        if rule is not None and not self._open[rule.id]:
            return INF
        h = self.held.get(n)
        if h is None:
            return self.lb_total(n)
        # held, it does not fill the leaf: derived anew or renewed by a retake of its lineage
        renewed = min((self._anew_total(m) for m in self._lineages(n) if m in self.weights), default=INF)
        return renewed if h.direct and n not in self.engine.repeatable else min(renewed, self._anew_total(n))

    def _total(self, req: Compiled, rule: CompiledRule | None, some: bool) -> float:
        """The :meth:`lb_total` of a compiled requirement inside ``rule`` (with a plan item when ``some``)."""
        least = self._requirement(req, rule)[1 if some else 0]
        if least == INF:
            return INF
        tag = req[0]
        if tag == LEAF:
            return max(least, self.total_leaf(req[2], req[3], rule))
        if tag == COMPETENCY:
            return max(least, min((self.total_leaf(m, None, rule) for m in self._competency(req[2])), default=INF))
        if tag == POOL:  # an hours pool: its members' credits say nothing about their hours
            return least if _hours(req) else max(least, self._pool(req, rule).least_total())
        else:
            parts = [self._total(child, rule, False) for child in req[-1]]
        if tag == ALL:
            return max(least, max(parts, default=0.0))
        if tag == AT_LEAST:
            return max(least, sorted(parts)[req[1] - 1] if req[1] >= 1 else 0.0)
        return max(least, min(parts, default=INF))

    def holding_serves(self, h: HoldingState, min_grade: str | None, rule: CompiledRule | None) -> bool:
        """Whether a holding already held (any copy of a repeatable node) fills a leaf of ``rule`` (``None``: a
        prerequisite, dates aside); transfer credit fills no leaf of a ``transfer`` rule."""
        return any(meets_min_grade(c.grade, min_grade)
                   and (rule is None or (self.in_window(rule, c.earned) and not _transferred_again(c, rule)))
                   for c in self._copies.get(h.node, (h,)))  # fmt: skip

    def _lineages(self, n: str) -> set[str]:
        """The direct holdings the holdings of held ``n`` (every copy of a repeatable node) stand on."""
        return {m for c in self._copies.get(n, (self.held[n],)) for m in c.lineage}

    def leaf(self, n: str, min_grade: str | None, rule: CompiledRule | None) -> tuple[float, float]:
        """A leaf's bounds inside ``rule`` (``None``: a prerequisite, dates aside): any way, and with a plan item.

        A holding already held that fills the leaf costs nothing (and, with a plan item, a derived
        one, or a further copy of a repeatable one, derived anew at the cost of the node's rules: a
        new lineage; or, when evaluation is not monotone, a direct one retaken: its new attempt may
        change what counts). One that does not (its
        grade, its date) is renewed: derived anew, or a direct holding of its lineage retaken (a
        new attempt, earned on ``as_of`` with grade ``A+``, which the rules standing on it use).
        A node not held is derived only through plan items (what holdings alone derive is held
        already), so its holding is earned on ``as_of``: no way at all when the rule's window
        excludes that day; so is a renewed one. Inside a ``transfer`` rule a node is held at its
        origin (:attr:`origin`): transfer credit already held is derived anew there, not renewed.
        """
        h = self.held.get(n)
        is_open = rule is None or self._open[rule.id]
        if not is_open:
            return (0.0, INF) if h is not None and self.holding_serves(h, min_grade, rule) else (INF, INF)
        values = self.origin if rule is not None and rule.kind == "transfer" else self.value
        if h is None:
            anew = values.get(n, INF)
            return anew, anew
        # a derived holding, or a further copy of a repeatable node, may be derived anew
        anew = INF if h.direct and n not in self.engine.repeatable else values.get(n, INF)
        if self.holding_serves(h, min_grade, rule):
            return 0.0, anew if self.engine.monotone or not h.direct else min(anew, self.weights.get(n, INF))
        renewed = anew if _transferred_again(h, rule) else min(anew, self._retake(h))
        return renewed, renewed

    def _retake(self, h: HoldingState) -> float:
        """The least weight of a direct holding of ``h``'s lineage (any copy's), retaken (``INF`` when none is a candidate)."""
        return min((self.weights.get(m, INF) for m in self._lineages(h.node)), default=INF)

    def credits(self, n: str) -> float:
        """The most credits a holding of ``n`` can carry."""
        h = self.held.get(n)
        if h is not None and h.direct:
            return h.credits
        best = self.index.max_credits.get(n, 0.0)
        return max(best, h.credits) if h is not None else best

    def _pool(self, req: Compiled, rule: CompiledRule | None) -> PoolBound:
        key = pool_key(req, rule)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = PoolBound(self, rule, self.index.matching(self.engine, req[3]))
        return pool

    def _competency(self, comp: str) -> list[str]:
        return [n for n in (comp, *self.index.demonstrating.get(comp, ())) if n in self.engine.nodes]

    def _unbounded(self, req: Compiled) -> bool:
        """Whether ``req`` is bounded by nothing: a pool of hours (the bounds add credits), or a
        pool a repeatable node fills (its copies count once each, however many lineages bring
        them: one node may fill the pool alone)."""
        if _hours(req):
            return True
        if req[0] != POOL or not self.engine.repeatable:
            return False
        where = req[3]
        found = self._repeating.get(where)
        if found is None:
            found = self._repeating[where] = any(m in self.engine.repeatable for m in self.index.matching(self.engine, where))
        return found

    def _requirement(self, req: Compiled, rule: CompiledRule | None) -> tuple[float, float, float]:
        """Bounds of a compiled requirement inside ``rule``: any way, with at least one plan item; and
        the most credits its holdings carry. Hours pools are bounded by nothing (0, and no cap):
        the bounds add credits, and 0 stays below every plan."""
        tag = req[0]
        if self._unbounded(req):
            return 0.0, 0.0, INF
        if tag == LEAF:
            return (*self.leaf(req[2], req[3], rule), self.credits(req[2]))
        if tag == COMPETENCY:
            nodes = self._competency(req[2])
            leaves = [self.leaf(n, None, rule) for n in nodes]
            return (min((a for a, _ in leaves), default=INF), min((b for _, b in leaves), default=INF),
                    max(map(self.credits, nodes), default=0.0))  # fmt: skip
        if tag == POOL:
            return self._pool(req, rule).bounds(req[2])
        parts = [self._requirement(child, rule) for child in req[-1]]
        cap = sum(c for _, _, c in parts)
        extra = min((b - a for a, b, _ in parts if b < INF), default=INF)  # the least a plan item adds to a part
        if tag == ANY:
            return min(a for a, _, _ in parts), min(b for _, b, _ in parts), cap
        if tag == CREDITS_OF:
            least = fractional_knapsack(req[1], [(a, c) for a, _, c in parts])
        else:
            least = sum(sorted(a for a, _, _ in parts)[: req[1] if tag == AT_LEAST else len(parts)])
        return least, least + extra, cap

    # -- the certificate -----------------------------------------------------------------------------

    def certificate(self) -> frozenset[str] | None:
        """The candidates under a derivation realizing ``lb(target)``, or ``None`` when there is none.

        Their total equals ``lb(target)`` unless the derivation splits a credit (a fractional
        knapsack) or names a candidate twice; the caller compares totals.
        """
        if self.lb(self.target) == INF:
            return None
        items: set[str] = set()
        return frozenset(items) if self._pick(self.target, items, set()) else None

    def certificate_for(self, req: Requirement) -> frozenset[str] | None:
        """Candidates that meet ``req`` (a prerequisite: no window) along its cheapest derivation, or ``None``."""
        tree, _ = compile_requirement(req)
        if self._requirement(tree, None)[0] == INF:
            return None
        items: set[str] = set()
        return frozenset(items) if self._pick_requirement(tree, None, False, items, set()) else None

    def _pick(self, n: str, items: set[str], path: set[str], at_origin: bool = False) -> bool:
        """Add to ``items`` the candidates of a cheapest derivation of ``n`` (not through ``path``; with
        ``at_origin``, through no ``transfer`` rule)."""
        v = (self.origin if at_origin else self.value).get(n, INF)
        w = self.weights.get(n)
        if w is not None and w <= v + _EPS:
            items.add(n)
            return True
        if n in path or v == INF:
            return False
        path.add(n)
        try:
            for rule_id in self.index.granting.get(n, ()):
                rule = self.rules.get(rule_id)
                if rule is None or (at_origin and rule.kind == "transfer"):
                    continue
                if self._requirement(rule.tree, rule)[1] <= v + _EPS:
                    trial = set(items)
                    if self._pick_requirement(rule.tree, rule, True, trial, path):
                        items |= trial
                        return True
            return False
        finally:
            path.discard(n)

    def _pick_leaf(self, n: str, min_grade: str | None, rule: CompiledRule | None, some: bool, items: set[str], path: set[str]) -> bool:
        h = self.held.get(n)
        at_origin = rule is not None and rule.kind == "transfer"
        if h is None:
            return self._pick(n, items, path, at_origin)
        anew = not h.direct or n in self.engine.repeatable
        values = self.origin if at_origin else self.value
        if self.holding_serves(h, min_grade, rule):
            if not some:
                return True
            if h.direct and not self.engine.monotone and n in self.weights and (
                    not anew or self.weights[n] <= values.get(n, INF) + _EPS):  # fmt: skip
                items.add(n)  # retaken (what counts may change)
                return True
            return anew and self._pick(n, items, path, at_origin)
        if _transferred_again(h, rule):
            return self._pick(n, items, path, True)
        # renewed: a retake of its lineage, or derived anew, whichever the bound took
        retake = min(((self.weights[m], m) for m in self._lineages(n) if m in self.weights), default=None)
        if retake is not None and (not anew or retake[0] <= values.get(n, INF) + _EPS):
            items.add(retake[1])
            return True
        return anew and self._pick(n, items, path, at_origin)

    def _pick_requirement(self, req: Compiled, rule: CompiledRule | None, some: bool, items: set[str], path: set[str]) -> bool:
        """Add the candidates of a cheapest way to meet ``req`` (with a plan item when ``some``);
        an hours pool has none (its bound is 0, no derivation realizes it)."""
        tag = req[0]
        if self._unbounded(req):
            return False
        if tag == LEAF:
            return self._pick_leaf(req[2], req[3], rule, some, items, path)
        if tag == COMPETENCY:
            best = min(self._competency(req[2]), key=lambda m: self.leaf(m, None, rule)[1 if some else 0])
            return self._pick_leaf(best, None, rule, some, items, path)
        parts: list[tuple[float, float, float, Any]]
        if tag == POOL:
            parts = [(*self.leaf(m, None, rule), self.credits(m), m) for m in self.index.matching(self.engine, req[3])]
        else:
            parts = [(*self._requirement(c, rule), c) for c in req[-1]]
        first: list[tuple[float, float, float, Any]] = []
        if some:  # the part a plan item goes into: the one it costs least
            viable = [p for p in parts if p[1] < INF]
            if not viable:
                return False
            first = [min(viable, key=lambda p: p[1] if tag == ANY else p[1] - p[0])]
            parts = [p for p in parts if p is not first[0]]
        if tag in (POOL, CREDITS_OF):
            need = (req[2] if tag == POOL else req[1]) - sum(p[2] for p in first)
            usable = sorted((p for p in parts if p[2] > 0 and p[0] < INF), key=lambda p: (p[0] / p[2], p[0]))
            chosen = []
            for p in usable:
                if need <= _EPS:
                    break
                chosen.append(p)
                need -= p[2]
            if need > _EPS:
                return False
        elif tag == ALL:
            chosen = parts
        else:
            k = 1 if tag == ANY else req[1]
            chosen = [] if some and tag == ANY else sorted(parts, key=lambda p: p[0])[: k - len(first)]
        for i, (_, _, _, what) in enumerate(first + chosen):
            mode = some and i == 0
            ok = (self._pick_leaf(what, None, rule, mode, items, path) if isinstance(what, str)
                  else self._pick_requirement(what, rule, mode, items, path))  # fmt: skip
            if not ok:
                return False
        return True

    # -- pruning ---------------------------------------------------------------------------------------

    def relevant(self, limit: float) -> set[str]:
        """The relevant nodes a plan of total at most ``limit`` can need (see :meth:`useful`)."""
        return self.useful(limit)[0]

    def useful(self, limit: float) -> tuple[set[str], set[str]]:
        """The nodes and the rules a plan of total at most ``limit`` can need to earn the target.

        Every holding a plan's evaluation derives has a lineage whose plan items cost at most
        the plan's total, and at least the node's bound; so a node whose bound exceeds
        ``limit`` is held in no plan that costs ``limit`` or less. Likewise a rule that derives
        a node anew uses plan items costing at least its requirement's bound: a rule whose bound
        exceeds ``limit`` (one that can never be met, say, or a credential's pools over every
        course of the province when a cheaper route exists) plays no part in such a plan. Walked
        back from the target through the rest (and the prerequisites of the candidates reached),
        as :meth:`_relevance` does.
        """
        found = self._useful.get(limit)
        if found is not None:
            return found
        slack = limit + _EPS * max(1.0, abs(limit))
        nodes: set[str] = set()
        rules: set[str] = set()
        seen: set[str] = set()  # kept or too dear: a pool's members come once per rule sharing it, looked at once
        stack = [self.target]
        while stack:
            n = stack.pop()
            if n in seen or n not in self.nodes:
                continue
            seen.add(n)
            if len(seen) % _CHECK_EVERY == 1 and time.monotonic() > self.deadline:
                raise PlanUnproven(f"no program toward {self.target} within the question's time limit")
            h = self.held.get(n)
            # a direct holding is kept only as a retake, at its own total
            if (self._anew_total(n) if h is not None and h.direct else self.lb_total(n)) > slack:
                continue
            nodes.add(n)
            if h is not None and not h.direct:
                stack.extend(h.lineage)
            for rule_id in () if h is not None and h.direct and n not in self.engine.repeatable else self.index.granting.get(n, ()):
                rule = self.rules.get(rule_id)
                if rule is None or rule_id in rules or self._requirement(rule.tree, rule)[1] > slack:
                    continue
                rules.add(rule_id)
                for slot in rule.slots:
                    stack.extend(m for m in self._members(slot) if m not in seen)
            if n in self.weights:
                prerequisites = self.engine.nodes[n].prerequisites
                if prerequisites is not None:
                    stack.extend(self.index.mentions(self.engine, prerequisites))
        found = self._useful[limit] = (nodes, rules)
        return found


def _transferred_again(h: HoldingState, rule: CompiledRule | None) -> bool:
    """Whether ``h`` is transfer credit asked for by a ``transfer`` rule, which assesses only what is held at its origin."""
    return rule is not None and rule.kind == "transfer" and h.kind == "transfer"


def _hours(req: Compiled) -> bool:
    """Whether ``req`` is a pool of hours (``hours ... where`` or ``hours ... of``)."""
    return bool((req[0] == POOL and req[4] == "hours") or (req[0] == CREDITS_OF and req[2] == "hours"))
