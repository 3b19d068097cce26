"""The in-memory engine: a graph snapshot compiled for fast forward chaining.

:class:`Engine` is built once from a :class:`~pathways.model.Document` (what a store hands
over) and then answers many evaluations. It keeps the nodes, rules and institutions by id,
each rule's requirement compiled into small tuples with numbered *slots* (a ``node`` or
``competency`` leaf takes one holding, a ``credits ... where`` pool takes any number), and
three indexes that say which rules a holding can touch: by the node a leaf names, by the
competency a leaf names, and by the filter of a credit pool (grouped by the filter's
institution, so a holding only tests the pools that could match it). An evaluation only
matches rules a held node touches; the rest of a 1.5-million-rule graph is never looked at.

The networkx view (:attr:`Engine.graph`) is built lazily, for reach, cycles and components;
evaluation never uses it.

Example:
    >>> from pathways.model import Document
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": "U:A", "kind": "course", "institution": "U", "title": "A",
    ...                "identifiers": ["https://badges.example/a"]},
    ...               {"id": "U:B", "kind": "course", "institution": "U", "title": "B", "credits": 3}],
    ...     "rules": [{"id": "R", "kind": "plar", "granted_by": "U", "requires": {"node": "U:A"},
    ...                "grants": [{"node": "U:B"}]}]})
    >>> engine = Engine(doc)
    >>> engine.node_for_identifier("https://badges.example/a")
    'U:A'
    >>> sorted(engine.rules_touching("U:A"))
    ['R']
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, TypeAlias

from ..heap import gc_paused
from ..model import (
    LETTERS,
    GRADE_POINTS,
    All,
    Any_,
    AtLeast,
    Average,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    Document,
    Filter,
    Institution,
    Node,
    NodeLeaf,
    Requirement,
    Rule,
    requirement_unit,
)

if TYPE_CHECKING:
    import networkx as nx

    from .loose import FlatPlan

__all__ = [
    "ALL",
    "ANY",
    "AT_LEAST",
    "AVERAGE",
    "COMPETENCY",
    "CREDITS_OF",
    "FALSE",
    "GRADE_RANK",
    "LEAF",
    "POOL",
    "TRUE",
    "Compiled",
    "CompiledRule",
    "Engine",
    "LeafRule",
    "NO_MAX",
    "Precedence",
    "Touch",
    "as_met",
    "compile_averages",
    "compile_requirement",
    "compile_shape",
    "filter_matches",
    "leaf_json",
    "necessary_slots",
    "precedence",
    "settle",
]

# Tags of compiled requirement tuples. Tuples rather than objects: a CUNY-sized graph holds
# millions of them, and tuples are the most compact Python has.
LEAF, COMPETENCY, POOL, ALL, ANY, AT_LEAST, CREDITS_OF, AVERAGE = range(8)

Compiled: TypeAlias = tuple[Any, ...]
"""A compiled requirement:

- ``(LEAF, slot, node_id, min_grade | None, max_grade | None)``
- ``(COMPETENCY, slot, competency_id)``
- ``(POOL, slot, credits, Filter, unit)``
- ``(ALL, children)``, ``(ANY, children)``, ``(AT_LEAST, k, children)``, ``(CREDITS_OF, credits, unit, children)``

(``unit``: ``"credits"`` or ``"hours"``, what the pool adds up; ``credits`` is the amount needed.)

An average (second edition, amendment 7) takes no slot: it uses no holdings, and is met or
not given what is held. The requirement's *shape* (:func:`compile_shape`) has it in place,
``(AVERAGE, points needed, grade, nodes of | None, Filter | None, last_credits | None)``;
:func:`settle` folds each into its parent as met or not (what a rule is matched against),
and the *tree* is the shape with every average taken as met (:func:`as_met`: what the
bounds, reach and the planner read).
"""

TRUE: Compiled = (ALL, ())
"""A requirement met with no holdings (averages, met): only ever a whole settled tree, or an
average :func:`as_met` under an ``any`` or ``at_least``."""

FALSE: Compiled = (ANY, ())
"""A requirement its averages keep from being met: only ever a whole settled tree."""


LeafRule: TypeAlias = tuple[Any, ...]
"""A one-to-one rule (its requirement one ``node`` leaf, no limits) flattened for the round loop:

``(granted node (``None`` when several), grants, rule id, approved, min grade rank, valid_from, valid_to,
max_age_years | None, kind, granted_by, credits of the granted node (``None`` when several), max grade
rank, precedence)``: ``grants`` as in :class:`CompiledRule`; ``approved`` is false for a ``pilot``
rule; the window bounds are ``date.min``/``date.max`` when open; a holding meets the leaf when its
grade rank is within [min, max] (:data:`GRADE_RANK`; the min is 1 when only a max is set, so that
``P`` and no grade fail it; the max :data:`NO_MAX` when none is set); ``precedence`` is
:func:`precedence` of the rule and its grant (``None`` when several grants). Proposed and retired rules are left out (they
are never applied nor reported).

Equal dates and credits are one object across all rules: the round loop reads them for
thousands of rules per evaluation, scattered over a large heap, and reading a handful of
shared objects keeps them in the processor's cache.
"""

Touch: TypeAlias = tuple[tuple[LeafRule, ...], tuple[str, ...], tuple[LeafRule, ...], tuple[str, ...]]
"""What a new holding of one node can fire, but for credit pools (:meth:`Engine.pool_rules`):
the one-to-one rules naming it that grant one node, the node each grants (in the same order:
a tuple of strings the round loop scans first, since most are held already, before it
touches any rule), those granting several nodes, and the ids of the other rules a leaf of
which names it or a competency it demonstrates. One entry, so that the round loop looks a
new holding up once in a dictionary of a node per course (at CUNY scale each lookup reads
memory the processor has not cached)."""


def _touch(rules: list[LeafRule], others: list[str]) -> Touch:
    single = tuple(lr for lr in rules if lr[0] is not None)
    several = tuple(lr for lr in rules if lr[0] is None)
    return single, tuple(lr[0] for lr in single), several, tuple(dict.fromkeys(others))


GRADE_RANK: dict[str | None, int] = {letter: len(LETTERS) - i for i, letter in enumerate(LETTERS)}
"""Letter grades ranked (``A+`` highest); ``P`` and no grade rank 0, below every ``min_grade``."""

NO_MAX = len(LETTERS) + 1
"""The max grade rank of a leaf without ``max_grade``: above every grade."""

Precedence: TypeAlias = tuple[int, float]
"""How a derivation of a node ranks before its lineage is compared (second edition, amendment 6):
``(-priority, -credits granted)``, smaller first."""


def precedence(priority: int | None, credits: float) -> Precedence:
    """A rule's derivation of a node granting ``credits``: a higher ``priority`` (none is 0)
    first, then more credits.

    >>> precedence(None, 60.0) < precedence(None, 30.0), precedence(1, 3.0) < precedence(None, 60.0)
    (True, True)
    """
    return (-(priority or 0), -credits)


def compile_requirement(req: Requirement) -> tuple[Compiled, tuple[Compiled, ...]]:
    """Compile ``req`` into tuples, numbering its slots; return the tree and its slots in order.

    >>> tree, slots = compile_requirement(All((NodeLeaf("U:A"), NodeLeaf("U:B", "B"))))
    >>> tree[0] == ALL, [s[1:] for s in slots]
    (True, [(0, 'U:A', None, None), (1, 'U:B', 'B', None)])

    Averages are taken as met (:func:`as_met`).
    """
    shape, slots = compile_shape(req)
    return as_met(shape), slots


def as_met(shape: Compiled) -> Compiled:
    """``shape`` with every average taken as met: left out of an ``all`` (an ``all`` of
    averages alone is :data:`TRUE`), :data:`TRUE` in place elsewhere, so that the other
    branches of an ``any`` or ``at_least`` stay (the bounds and the planner read them: an
    average a plan cannot raise leaves those the only way).

    >>> as_met(compile_shape(Any_((Average("B", of=("U:A",)), NodeLeaf("U:B"))))[0])
    (4, ((3, ()), (0, 0, 'U:B', None, None)))
    """
    tag = shape[0]
    if tag == AVERAGE:
        return TRUE
    if tag in (LEAF, COMPETENCY, POOL, CREDITS_OF):
        return shape
    kids = tuple(as_met(child) for child in shape[-1])
    if tag == ALL:
        kept = tuple(kid for kid in kids if kid is not TRUE)
        return (ALL, kept) if kept else TRUE
    return (ANY, kids) if tag == ANY else (AT_LEAST, shape[1], kids)


def compile_shape(req: Requirement) -> tuple[Compiled, tuple[Compiled, ...]]:
    """:func:`compile_requirement` with the averages in place (tag ``AVERAGE``, no slot)."""
    slots: list[Compiled] = []
    shape = _compile_into(req, slots)
    return shape, tuple(slots)


def compile_averages(req: Requirement) -> tuple[Compiled, ...]:
    """The averages of ``req`` compiled (see :data:`Compiled`), wherever they stand, in order.

    >>> compile_averages(All((Average("C+", of=("U:A",)), Any_((NodeLeaf("U:B"), Average("B", of=("U:B",)))))))
    ((7, 2.33, 'C+', ('U:A',), None, None), (7, 3.0, 'B', ('U:B',), None, None))
    """
    return tuple(_averages_in(compile_shape(req)[0]))


def _averages_in(shape: Compiled) -> list[Compiled]:
    if shape[0] == AVERAGE:
        return [shape]
    if shape[0] in (LEAF, COMPETENCY, POOL):
        return []
    return [avg for child in shape[-1] for avg in _averages_in(child)]


def settle(shape: Compiled, met: Callable[[Compiled], bool]) -> tuple[Compiled, tuple[Compiled, ...]]:
    """``shape`` with each average folded in as ``met`` says, and the averages it then rests on.

    A met average makes an ``any`` met and counts as one met child of an ``at_least`` (whose
    count drops by one); one not met makes an ``all`` unmet and leaves an ``any`` or
    ``at_least`` the other children. What is left uses holdings, or is :data:`TRUE` (met by
    averages alone: it rests on those that made it so, the first met ones of an ``any`` or
    an ``at_least``, every one of an ``all``) or :data:`FALSE`. A part without averages is
    returned as it is (the same object).

    >>> shape, _ = compile_shape(Any_((Average("B", of=("U:A",)), NodeLeaf("U:B"))))
    >>> settle(shape, lambda avg: False)[0], settle(shape, lambda avg: True)
    ((4, ((0, 0, 'U:B', None, None),)), ((3, ()), ((7, 3.0, 'B', ('U:A',), None, None),)))
    """
    tag = shape[0]
    if tag == AVERAGE:
        return (TRUE, (shape,)) if met(shape) else (FALSE, ())
    if tag in (LEAF, COMPETENCY, POOL, CREDITS_OF):  # a pool holds no average (the model refuses one)
        return shape, ()
    kids = [settle(child, met) for child in shape[-1]]
    if all(kid is child for (kid, _), child in zip(kids, shape[-1], strict=True)):
        return shape, ()
    true = [rests for kid, rests in kids if kid is TRUE]
    rest = tuple(kid for kid, _ in kids if kid is not TRUE and kid is not FALSE)
    if tag == ALL:
        if any(kid is FALSE for kid, _ in kids):
            return FALSE, ()
        return ((ALL, rest), ()) if rest else (TRUE, tuple(a for rests in true for a in rests))
    need = 1 if tag == ANY else shape[1]
    if len(true) >= need:
        return TRUE, tuple(a for rests in true[:need] for a in rests)
    if len(rest) < need - len(true):
        return FALSE, ()
    return ((ANY, rest) if tag == ANY else (AT_LEAST, need - len(true), rest)), ()


def _compile_into(r: Requirement, slots: list[Compiled]) -> Compiled:
    # a module function, not a closure: a recursive closure is a reference cycle per rule,
    # garbage only the cyclic collector frees (and it is paused while the engine builds)
    if isinstance(r, NodeLeaf):
        out: Compiled = (LEAF, len(slots), r.node, r.min_grade, r.max_grade)
        slots.append(out)
        return out
    if isinstance(r, CompetencyLeaf):
        out = (COMPETENCY, len(slots), r.competency)
        slots.append(out)
        return out
    if isinstance(r, CreditsWhere):
        out = (POOL, len(slots), r.credits, r.where, r.unit)
        slots.append(out)
        return out
    if isinstance(r, Average):
        return (AVERAGE, GRADE_POINTS[r.grade], r.grade, r.of, r.where, r.last_credits)
    children = tuple(_compile_into(c, slots) for c in r.of)
    if isinstance(r, All):
        return (ALL, children)
    if isinstance(r, Any_):
        return (ANY, children)
    if isinstance(r, AtLeast):
        return (AT_LEAST, r.k, children)
    assert isinstance(r, CreditsOf)
    return (CREDITS_OF, r.credits, r.unit, children)


def leaf_json(leaf: Compiled) -> dict[str, Any]:
    """A compiled ``node`` leaf as SPEC writes it (for ``missing`` and ``also_needs``).

    >>> leaf_json((LEAF, 0, "U:A", None, "C-"))
    {'node': 'U:A', 'max_grade': 'C-'}
    """
    out: dict[str, Any] = {"node": leaf[2]}
    if leaf[3] is not None:
        out["min_grade"] = leaf[3]
    if leaf[4] is not None:
        out["max_grade"] = leaf[4]
    return out


def filter_matches(where: Filter, node: Node) -> bool:
    """Whether ``node`` passes a credit pool's filter (a field left ``None`` matches anything)."""
    if where.institution is not None and node.institution != where.institution:
        return False
    if where.subject is not None and node.subject != where.subject:
        return False
    if where.kind is not None and node.kind != where.kind:
        return False
    if where.level_min is not None and (node.level is None or node.level < where.level_min):
        return False
    if where.level_max is not None and (node.level is None or node.level > where.level_max):
        return False
    return True


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready for matching: its compiled requirement, slots, grants and limits.

    ``grants`` pairs each granted node with its credits (the grant's, else the node's);
    ``limits`` holds ``(institution, max_recognized_credits, min_residency_credits)`` for each
    granted credential with a ``min_residency_credits`` (SPEC section 4, condition 3; the
    maximum there is always ``None``) and, for a credential with a ``max_recognized_credits``
    below its credits, ``(None, None, credits - max_recognized_credits)``: that many used
    credits must not be recognized. ``max_recognized`` is the smallest
    ``max_recognized_credits`` of the granted credentials: recognized credits past it are
    not applied, and reported (second edition, amendment 9).
    """

    id: str
    kind: str
    granted_by: str
    status: str
    tree: Compiled
    slots: tuple[Compiled, ...]
    grants: tuple[tuple[str, float], ...]
    valid_from: dt.date | None
    valid_to: dt.date | None
    max_age_years: float | None
    limits: tuple[tuple[str | None, float | None, float | None], ...]
    max_recognized: float | None = None
    priority: int | None = None
    pass_counts_as: str | None = None
    necessary: tuple[int, ...] = ()
    """:func:`necessary_slots` of ``tree`` (left empty for one-to-one rules, never matched)."""
    unit: str = "credits"
    """What the requirement's pools add up (:func:`~pathways.model.requirement_unit`): a
    candidate carries its node's ``hours`` as its weight when this is ``"hours"``."""
    repeats: tuple[str, ...] = ()
    """The granted nodes that are ``repeatable``: the rule may grant each again, once per
    lineage disjoint from the copies already held (second edition, amendment 4)."""
    averages: tuple[Compiled, ...] = ()
    """:func:`compile_averages` of the requirement: ``tree`` takes them as met."""
    shape: Compiled | None = None
    """The requirement with its averages in place (:func:`compile_shape`), ``None`` without:
    the rule is matched against :func:`settle` of it."""
    bounded: bool = True
    """Whether ``tree`` has no ``credits ... of`` (:func:`~pathways.engine.progress.bounded`:
    the progress program prunes with its weighted bound), kept here for the outlooks of every
    evaluation."""


def _credits_of(tree: Compiled) -> bool:
    """Whether ``tree`` has a ``credits ... of`` somewhere."""
    if tree[0] == CREDITS_OF:
        return True
    return tree[0] not in (LEAF, COMPETENCY, POOL) and any(_credits_of(child) for child in tree[-1])


def necessary_slots(tree: Compiled) -> tuple[int, ...]:
    """The slots ``tree`` cannot be met without: each must be filled (a pool, get its credits).

    Checked one by one before anything else, they let most rules a new holding touches be
    turned down on the first empty slot, with no bound over the whole requirement.

    >>> tree, _ = compile_requirement(All((NodeLeaf("U:A"), Any_((NodeLeaf("U:B"), NodeLeaf("U:C"))))))
    >>> necessary_slots(tree)
    (0,)
    """
    tag = tree[0]
    if tag == LEAF or tag == COMPETENCY or tag == POOL:
        return (tree[1],)
    kids = tree[-1]
    if tag == ALL or (tag == AT_LEAST and tree[1] >= len(kids)) or (tag == ANY and len(kids) == 1):
        return tuple(s for kid in kids for s in necessary_slots(kid))
    return ()


class Engine:
    """An immutable in-memory graph built from a snapshot, with the indexes evaluation needs.

    Attributes:
        nodes: every node by id.
        rules: every rule by id.
        institutions: every institution by id.
        compiled: every rule compiled for matching, by id.
        touch: what a new holding of a node can fire (:data:`Touch`), for the round loop
            (:mod:`pathways.engine.rounds`), which reads it directly; nodes that fire nothing
            but credit pools are left out.
        pooled: whether any rule has a credit pool (else no holding needs :meth:`pool_rules`).
        has_unless: whether any rule has an ``unless``.
        excludes: each node's anti-requisites, both ways (a node listing another excludes it and
            is excluded by it); nodes without any are left out.
        monotone: whether more holdings always derive at least as much: false when a rule has an
            ``unless``, a node ``excludes`` another or a node is ``repeatable``, and then the planner may not rule out the
            subsets of a set that fails.
        pool_cache: :meth:`pool_rules` by node, filled on first use.
        filter_keys: by the ``id`` of each filter object a compiled rule holds, the equal filter
            the pool indexes use (:meth:`pool_key`).
        demonstrated: :meth:`demonstrates` of the nodes that demonstrate any competency.
        repeatable: the ids of the ``repeatable`` nodes (held once per disjoint lineage).
        flat_plans: the :class:`~pathways.engine.loose.FlatPlan` of each rule whose loose
            outlook has one, by rule id.
        graded: the ids of the rules matched in full (all but the one-to-one rules, which the
            round loop decides) with a ``node`` leaf that has a ``min_grade``: the only ones a
            lifted grade may fire (``skipped``).
    """

    def __init__(self, doc: Document) -> None:
        self.institutions: dict[str, Institution] = {i.id: i for i in doc.institutions}
        self.nodes: dict[str, Node] = {n.id: n for n in doc.nodes}
        self.repeatable: frozenset[str] = frozenset(n.id for n in doc.nodes if n.repeatable)
        self.rules: dict[str, Rule] = {r.id: r for r in doc.rules}
        self._identifiers: dict[str, str] = {}
        for node in sorted(doc.nodes, key=lambda n: n.id):
            for ident in node.identifiers:
                self._identifiers.setdefault(ident, node.id)
        self._by_node: dict[str, list[str]] = defaultdict(list)
        self._by_competency: dict[str, list[str]] = defaultdict(list)
        # filters by their institution (None: any institution) -> rule ids using that filter
        self._pools: dict[str | None, dict[Filter, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._pool_keys: dict[Filter, Filter] = {}
        self.filter_keys: dict[int, Filter] = {}
        self.pool_cache: dict[str, tuple[str, ...]] = {}
        self._filter_cache: dict[str, tuple[Filter, ...]] = {}
        leaf_rules: dict[str, list[LeafRule]] = defaultdict(list)
        self._ids = {n.id: n.id for n in doc.nodes}
        self._shared: dict[object, Any] = {}
        self._general_by_node: dict[str, list[str]] = defaultdict(list)
        self._graded: list[str] = []
        self._shapes: dict[Compiled, tuple[Compiled, tuple[Compiled, ...]]] = {}
        self.demonstrated: dict[str, tuple[str, ...]] = {
            n.id: ((n.id,) if n.kind == "competency" else ()) + tuple(n.competencies)
            for n in doc.nodes
            if n.kind == "competency" or n.competencies
        }
        self.compiled: dict[str, CompiledRule] = {}
        # Millions of long-lived objects and no cycles among them: the cyclic collector would
        # only rescan them over and over while they are made, so it is paused meanwhile.
        # Freezing them afterwards (out of sight of later full collections) is left to the
        # caller, after one collection: pathways.heap.settle_heap.
        with gc_paused():
            for rule in doc.rules:
                self.compiled[rule.id] = self._compile(rule, leaf_rules)
            self.has_unless = any(rule.unless is not None for rule in doc.rules)
            excludes: dict[str, set[str]] = defaultdict(set)
            for node in doc.nodes:
                for other in node.excludes:
                    if other in self.nodes:
                        excludes[node.id].add(other)
                        excludes[other].add(node.id)
            self.excludes: dict[str, frozenset[str]] = {n: frozenset(others) for n, others in excludes.items()}
            # copies of a repeatable node compete for lineages: a new derivation may take one another copy needed
            self.monotone = not self.has_unless and not self.excludes and not self.repeatable
            others: dict[str, list[str]] = {n: list(ids) for n, ids in self._general_by_node.items()}
            for n, comps in self.demonstrated.items():
                for comp in comps:
                    others.setdefault(n, []).extend(self._by_competency.get(comp, ()))
            self.touch: dict[str, Touch] = {
                n: _touch(leaf_rules.get(n, []), others.get(n, [])) for n in leaf_rules.keys() | others.keys()
            }
            self.pooled = bool(self._pools)
            self.flat_plans = self._flat_plans()
            self.graded: frozenset[str] = frozenset(self._graded)
            del self._ids, self._shared, self._graded, self._shapes

    def _flat_plans(self) -> dict[str, FlatPlan]:
        """The :class:`~pathways.engine.loose.FlatPlan` of every rule in credits without
        averages whose requirement is an ``all`` of leaves, competencies and pools (one plan per
        tree: rules alike share it)."""
        from .loose import flat_plan  # the plans read compiled trees: made once they are

        nodes = self.nodes
        credits = lambda n: float(nodes[n].credits) if n in nodes else None  # noqa: E731
        by_tree: dict[int, FlatPlan | None] = {}  # equal trees are one object by now
        plans: dict[str, FlatPlan] = {}
        for rule_id, rule in self.compiled.items():
            tree = rule.tree
            if tree[0] != ALL or rule.unit != "credits" or rule.averages:
                continue
            if id(tree) in by_tree:
                plan = by_tree[id(tree)]
            else:
                plan = by_tree[id(tree)] = flat_plan(tree, credits)
            if plan is not None:
                plans[rule_id] = plan
        return plans

    @classmethod
    def from_document(cls, doc: Document) -> Engine:
        """The engine of a snapshot (the same as ``Engine(doc)``)."""
        return cls(doc)

    def _share(self, value: Any) -> Any:
        """The one object kept for values equal to ``value`` (dates, credits) while building."""
        return self._shared.setdefault(value, value)

    def _compile(self, rule: Rule, leaf_rules: dict[str, list[LeafRule]]) -> CompiledRule:
        shape, slots = compile_shape(rule.requires)
        leaf = shape[0] == LEAF  # most rules: one node leaf, with no average, pool or hours
        if not leaf:
            # one tree and one set of slots per requirement: an evaluation keys what rules alike
            # share (outlooks, candidates, pools) by their identity (a one-leaf rule matched in
            # full below)
            shape, slots = self._shapes.setdefault(shape, (shape, slots))
        averages = () if leaf else tuple(_averages_in(shape))
        tree = as_met(shape) if averages else shape
        if not leaf and tree is not TRUE:
            tree = self._share(tree)
        for slot in slots:
            if slot[0] == LEAF:
                self._add_unique(self._by_node[slot[2]], rule.id)
            elif slot[0] == COMPETENCY:
                self._add_unique(self._by_competency[slot[2]], rule.id)
            else:
                where = self._pool_key_of(slot[3])
                self._add_unique(self._pools[where.institution][where], rule.id)
        # a holding an average is taken over touches the rule: it may raise the average
        for avg in averages:
            if avg[4] is not None:
                where = self._pool_key_of(avg[4])
                self._add_unique(self._pools[where.institution][where], rule.id)
            for n in avg[3] or ():
                self._add_unique(self._general_by_node[n], rule.id)
        grant_list = []
        limits = []
        caps: list[float] = []
        for grant in rule.grants:
            node = self.nodes.get(grant.node)
            credits = grant.credits if grant.credits is not None else (node.credits if node else 0)
            grant_list.append((self._ids.get(grant.node, grant.node), self._share(float(credits))))
            if node is not None and node.kind == "credential" and node.limits is not None:
                lim = node.limits
                if lim.min_residency_credits is not None:
                    limits.append((node.institution, None, lim.min_residency_credits))
                if lim.max_recognized_credits is not None:
                    caps.append(float(lim.max_recognized_credits))
                    # the credential's credits past the cap must come from learning not recognized
                    rest = float(node.credits) - float(lim.max_recognized_credits)
                    if rest > 0:
                        limits.append((None, None, rest))
        grants = tuple(grant_list)
        # a rule granting a repeatable node fires again on new lineages: never decided once, on arrival
        repeats = tuple(g for g, _ in grants if g in self.repeatable) if self.repeatable else ()
        if (tree[0] != LEAF or averages or limits or caps or rule.unless is not None or not grants
                or rule.pass_counts_as is not None or repeats):
            for slot in slots:
                if slot[0] == LEAF:
                    self._add_unique(self._general_by_node[slot[2]], rule.id)
            if any(slot[0] == LEAF and slot[3] is not None for slot in slots):
                self._graded.append(rule.id)
            if leaf:  # matched in full too: one tree per requirement, as for the others
                tree, slots = self._shapes.setdefault(tree, (tree, slots))
        elif rule.status in ("approved", "pilot"):
            named: str = tree[2]
            leaf_rules[self._ids.get(named, named)].append(
                (
                    grants[0][0] if len(grants) == 1 else None,
                    grants,
                    rule.id,
                    rule.status == "approved",
                    GRADE_RANK[tree[3]] if tree[3] is not None else (1 if tree[4] is not None else 0),
                    self._share(rule.valid_from or dt.date.min),
                    self._share(rule.valid_to or dt.date.max),
                    None if rule.max_age_years is None else float(rule.max_age_years),
                    rule.kind,
                    rule.granted_by,
                    grants[0][1] if len(grants) == 1 else None,
                    GRADE_RANK[tree[4]] if tree[4] is not None else NO_MAX,
                    tuple(self._share(precedence(rule.priority, c)) for _, c in grants),
                )
            )
        return CompiledRule(
            id=rule.id,
            kind=rule.kind,
            granted_by=rule.granted_by,
            status=rule.status,
            tree=tree,
            slots=slots,
            grants=grants,
            valid_from=rule.valid_from,
            valid_to=rule.valid_to,
            max_age_years=None if rule.max_age_years is None else float(rule.max_age_years),
            limits=tuple(limits),
            max_recognized=min(caps) if caps else None,
            priority=rule.priority,
            pass_counts_as=rule.pass_counts_as,
            necessary=necessary_slots(tree) if tree[0] != LEAF else (),
            unit="credits" if leaf else requirement_unit(rule.requires),
            repeats=repeats,
            averages=averages,
            shape=shape if averages else None,
            bounded=leaf or not _credits_of(tree),
        )

    def _pool_key_of(self, where: Filter) -> Filter:
        """The one filter object the pool indexes use for filters equal to ``where``, which
        :attr:`filter_keys` then finds by identity (the compiled rules keep ``where`` alive)."""
        key = self._pool_keys.setdefault(where, where)
        self.filter_keys[id(where)] = key
        return key

    def pool_key(self, where: Filter) -> Filter | None:
        """The filter of the graph's credit pools equal to ``where`` (the object
        :meth:`pool_filters` lists), ``None`` when no rule's pool has it. A filter of a compiled
        rule is found by identity, without hashing it (most of an evaluation's lookups)."""
        key = self.filter_keys.get(id(where))
        return key if key is not None else self._pool_keys.get(where)

    @staticmethod
    def _add_unique(ids: list[str], rule_id: str) -> None:
        if not ids or ids[-1] != rule_id:
            ids.append(rule_id)

    def node_for_identifier(self, identifier: str) -> str | None:
        """The node an external identifier (an Open Badges achievement id, a URL...) names, if any."""
        return self._identifiers.get(identifier)

    def demonstrates(self, node_id: str) -> tuple[str, ...]:
        """The competencies a holding of ``node_id`` meets: its own if it is one, plus its list."""
        return self.demonstrated.get(node_id, ())


    def pool_rules(self, node_id: str) -> tuple[str, ...]:
        """Ids of the rules with a credit pool whose filter ``node_id`` passes (cached per node)."""
        cached = self.pool_cache.get(node_id)
        if cached is not None:
            return cached
        found: list[str] = []
        for where in self.pool_filters(node_id):
            found.extend(self._pools[where.institution][where])
        out = tuple(dict.fromkeys(found))
        self.pool_cache[node_id] = out
        return out

    def pool_filters(self, node_id: str) -> tuple[Filter, ...]:
        """The filters of the graph's credit pools that ``node_id`` passes (cached per node):
        where a new holding is filed, so that no pool scans the holdings for its members."""
        cached = self._filter_cache.get(node_id)
        if cached is not None:
            return cached
        node = self.nodes[node_id]
        out = tuple(
            where
            for inst in ((None, node.institution) if node.institution is not None else (None,))
            for where in self._pools.get(inst, {})
            if filter_matches(where, node)
        )
        self._filter_cache[node_id] = out
        return out

    def knows_filter(self, where: Filter) -> bool:
        """Whether ``where`` is the filter of a credit pool in one of the graph's rules (those
        :meth:`pool_filters` lists)."""
        return where in self._pools.get(where.institution, {})

    def in_pool(self, where: Filter, node_id: str) -> bool:
        """Whether ``node_id`` passes ``where``."""
        return filter_matches(where, self.nodes[node_id])

    def rules_touching(self, node_id: str, *, pools: bool = True) -> list[str]:
        """Ids of the rules whose requirement a holding of ``node_id`` could fill a slot of."""
        out = list(self._by_node.get(node_id, ()))
        for comp in self.demonstrates(node_id):
            out.extend(self._by_competency.get(comp, ()))
        if pools:
            out.extend(self.pool_rules(node_id))
        return list(dict.fromkeys(out))

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The node graph: an edge from each node a rule's leaves mention to each node it grants.

        Edges are keyed by rule id. Built on first use (reach, cycles, components).
        """
        import networkx as nx

        g = nx.MultiDiGraph()
        g.add_nodes_from(self.nodes)
        for rule in self.compiled.values():
            for source in self.mentioned(rule.id):
                for target, _ in rule.grants:
                    g.add_edge(source, target, key=rule.id)
        return g

    def mentioned(self, rule_id: str) -> list[str]:
        """The nodes a rule's leaves name: ``node`` leaves, and ``competency`` leaves' competencies."""
        return list(dict.fromkeys(s[2] for s in self.compiled[rule_id].slots if s[0] in (LEAF, COMPETENCY)))

    def cycles(self) -> list[list[str]]:
        """The elementary cycles of the node graph, each as a list of node ids (rule chains that loop)."""
        import networkx as nx

        simple = nx.DiGraph(self.graph)
        return sorted(sorted(c) for c in nx.simple_cycles(simple))
