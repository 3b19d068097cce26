"""The planner's integer program: a relaxation of "holdings + S grant the target" over candidates S.

:class:`PlanModel` restricts the graph to what can matter for one target (the rules that can
grant it, transitively, and every node their requirements can use), then writes one binary
variable per candidate (``x``: the plan takes it), per node that a rule could derive (``y``:
held at the end) and per composite requirement (met or not). Every constraint is an upper
bound: a rule's requirement is met only if its parts are, a node is held only if it is taken,
held already or granted by a rule whose requirement is met, a candidate is taken only if its
prerequisites are met. Credit requirements count each holding at the most credits it can carry.

So every true plan is a feasible point (the model is a *relaxation*): what it ignores (lineage
disjointness, credential limits, which derivation wins a round) can only let it accept more.
Its optimum is therefore a lower bound on the best plan; the planner verifies the optimum with
the real evaluation and, when it is not a plan, cuts exactly that set off and solves again.
Rules whose window excludes ``as_of`` can use only holdings already held (plan items are
earned on ``as_of``).

Support through a cycle of rules (a course and its transfer equivalents all grant one
another) is ruled out with *loop rows*, as answer-set solvers do: for a set L of derivable
nodes, a node of L is held only if some node of L is taken or granted by a rule met without
any node of L (the first node of L an evaluation derives comes from outside L). They are valid
for every plan, and their LP relaxation is strong (round numbers with big-M rows, used before,
let the LP hold a whole cycle on fractions). The rows of each cycle of one-node rules (a class
of equivalent courses) are written up front; the others lazily: :meth:`PlanModel.solve`
re-solves with the rows of the unfounded sets its solution uses until the solution is grounded.
HiGHS runs without presolve (as in :mod:`.exact`) and with its stray stdout line silenced.

Two optional inputs from :mod:`.plan_bound` keep the program small and its bound strong:
``keep`` (only these nodes may be held: the planner passes the nodes whose lower bound does
not exceed a known plan's total, so every plan at most that dear stays a feasible point) and
``floor`` (a row "total >= floor", from a lower bound that counts what the program ignores).
One question gets :data:`TIME_LIMIT` seconds (the planner's deadline, passed in, covers its
bound too; building the program and all solves count); past it :class:`~pathways.errors.PlanUnproven`
is raised rather than an unproven answer returned.

Example:
    >>> import datetime as dt
    >>> from pathways.model import Document
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h}
    ...               for c, h in (("A", 10), ("B", 20), ("C", 5), ("T", 100))],
    ...     "rules": [{"id": "R", "kind": "stack", "granted_by": "U",
    ...                "requires": {"at_least": 2, "of": [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:C"}]},
    ...                "grants": [{"node": "U:T"}]}]})
    >>> engine = Engine(doc)
    >>> model = PlanModel(engine, target="U:T", held={}, weight=lambda n: engine.nodes[n].hours,
    ...                   as_of=dt.date(2026, 1, 1), include_pilot=False)
    >>> items, total = model.solve()
    >>> sorted(items), total
    (['U:A', 'U:C'], 15.0)
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from ..errors import PlanUnproven
from ..model import (
    All,
    Any_,
    AtLeast,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    NodeLeaf,
    Requirement,
    Rule,
    meets_min_grade,
    walk,
)
from .evaluate import HoldingState
from .exact import quiet_stdout
from .holdings import in_window
from .index import Engine
from .plan_index import plan_index

__all__ = ["FALSE", "MAX_LP_ROUNDS", "PRESOLVE", "TIME_LIMIT", "TRUE", "PlanModel"]

TRUE = -1
"""A literal that is always met (a holding already held)."""
FALSE = -2
"""A literal that can never be met (nothing can supply it)."""

TIME_LIMIT = 20.0
"""Seconds HiGHS may spend on one planning question, all solves together, before the planner gives up
(a service worker must not hang)."""

PRESOLVE = False
"""Whether HiGHS presolves the planner's programs: off, as in :mod:`.exact`, where presolve returned a
worse solution as optimal on a tiny 0-1 program (tests/engine/test_exact_cases.py)."""

MAX_LP_ROUNDS = 10
"""How many times :meth:`PlanModel.solve` solves the linear relaxation, adding loop rows, before the integer program."""

_EPS = 1e-9
_LP_THRESHOLDS = (0.5, 0.1, 0.01)
_LP_SLACK = 1e-6  # a linear optimum counts as above a level only beyond this share of it (solver tolerances)


@dataclass
class _Row:
    coefs: dict[int, float]
    lo: float
    hi: float


class PlanModel:
    """The integer program for one planning question; :meth:`solve` again after each cut.

    Parameters:
        engine: the graph.
        target: the node to reach.
        held: the learner's final holdings before any plan item (an evaluation's ``held``).
        weight: a node's objective value when it is a candidate, else ``None``.
        as_of: the date plan items are earned.
        include_pilot: whether pilot rules apply.
        keep: when given, the only nodes that may be held or taken (the others count as unreachable).
        floor: a lower bound on the total of every plan, added as a row.
        time_limit: seconds for all solves together (default :data:`TIME_LIMIT`).
        deadline: the ``time.monotonic()`` past which no solve starts, when an earlier program of the
            same question set it (default: ``time_limit`` from now).
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
        keep: set[str] | None = None,
        floor: float = 0.0,
        time_limit: float | None = None,
        deadline: float | None = None,
    ) -> None:
        self.engine = engine
        self.keep = keep
        self.time_limit = TIME_LIMIT if time_limit is None else time_limit
        self.deadline = time.monotonic() + self.time_limit if deadline is None else deadline
        self.index = plan_index(engine)
        self.target = target
        self.held = held
        self.as_of = as_of
        self.include_pilot = include_pilot
        self.weights: dict[str, float] = {}
        self.rules: dict[str, Rule] = {}
        self.nodes: set[str] = set()
        self._weight = weight
        self._lb: list[float] = []
        self._ub: list[float] = []
        self._integral: list[int] = []
        self._cost: list[float] = []
        self._rows: list[_Row] = []
        self.x: dict[str, int] = {}
        self.y: dict[str, int] = {}
        self._defs: dict[int, tuple[float, list[tuple[float, int]]]] = {}
        self._roots: dict[str, int] = {}
        self._uses: dict[str, frozenset[str]] = {}
        self._support: dict[str, list[int]] = defaultdict(list)
        self._granted_by: dict[str, list[str]] = defaultdict(list)
        self._prerequisite: dict[str, int] = {}
        self._dependents: dict[str, list[str]] = defaultdict(list)
        self._mentions: dict[str, frozenset[str]] = {}
        self.solves = 0
        self.lp_solves = 0
        self.loops: list[frozenset[str]] = []
        """The sets whose loop rows were found by solving (those of the cycles written up front aside)."""
        self.loop_cuts = 0
        self._relevance()
        self._build()
        if floor > 0 and self.x:
            self._row([(var, self.weights[n]) for n, var in self.x.items()], floor - _EPS * max(1.0, floor), np.inf)

    # -- the relevant part of the graph ----------------------------------------------------

    def applicable(self, rule: Rule) -> bool:
        """Whether a rule applies at all (approved, or pilot when pilots are included)."""
        return rule.status == "approved" or (rule.status == "pilot" and self.include_pilot)

    def candidate_weight(self, node: str) -> float | None:
        """The objective value of ``node`` as a plan item, or ``None`` when it is no candidate."""
        if node in self.held or node not in self.engine.nodes:
            return None
        return self._weight(node)

    def mentions(self, req: Requirement) -> list[str]:
        """Every node a holding of which could fill some leaf or pool of ``req``."""
        out: list[str] = []
        for r in walk(req):
            if isinstance(r, NodeLeaf):
                out.append(r.node)
            elif isinstance(r, CompetencyLeaf):
                out.append(r.competency)
                out.extend(self.index.demonstrating.get(r.competency, ()))
            elif isinstance(r, CreditsWhere):
                out.extend(self.index.matching(self.engine, r.where))
        return out

    def _relevance(self) -> None:
        """Walk back from the target through the rules that grant each node and the candidates' prerequisites."""
        stack = [self.target]
        while stack:
            n = stack.pop()
            if n in self.nodes or n not in self.engine.nodes or (self.keep is not None and n not in self.keep):
                continue
            self.nodes.add(n)
            h = self.held.get(n)
            if h is not None and h.direct:
                continue
            # A derived holding stays relevant: plan items can derive it again with another
            # lineage, which can decide whether a later rule finds disjoint lineages.
            for rule_id in self.index.granting.get(n, ()):
                rule = self.engine.rules[rule_id]
                if rule_id not in self.rules and self.applicable(rule):
                    self.rules[rule_id] = rule
                    stack.extend(self.mentions(rule.requires))
            w = self.candidate_weight(n)
            if w is not None:
                self.weights[n] = float(w)
                prerequisites = self.engine.nodes[n].prerequisites
                if prerequisites is not None:
                    stack.extend(self.mentions(prerequisites))

    # -- variables and rows ------------------------------------------------------------------

    def _var(self, *, lb: float = 0.0, ub: float = 1.0, integral: bool = True, cost: float = 0.0) -> int:
        self._lb.append(lb)
        self._ub.append(ub)
        self._integral.append(1 if integral else 0)
        self._cost.append(cost)
        return len(self._lb) - 1

    def _row(self, coefs: Iterable[tuple[int, float]], lo: float, hi: float) -> None:
        acc: dict[int, float] = defaultdict(float)
        for var, c in coefs:
            acc[var] += c
        self._rows.append(_Row(dict(acc), lo, hi))

    def _build(self) -> None:
        for n in sorted(self.weights):
            self.x[n] = self._var(cost=self.weights[n])
        derivable = defaultdict(list)
        for rule in self.rules.values():
            for grant in rule.grants:
                h = self.held.get(grant.node)
                if h is None or not h.direct:  # a derived holding can be derived anew (see _leaf)
                    derivable[grant.node].append(rule.id)
        for n in sorted(derivable):
            self.y[n] = self._var()
        for rule_id in sorted(self.rules):
            if time.monotonic() > self.deadline:  # a program over most of the graph: building it is a solve's time too
                raise self._unproven()
            rule = self.rules[rule_id]
            root, _ = self._encode(rule.requires, rule)
            self._roots[rule_id] = root
            self._uses[rule_id] = frozenset(m for m in self._mentioned(rule_id) if m in self.y)
            for g in rule.grants:
                if g.node in self.y:
                    self._support[g.node].append(root)
                    self._granted_by[g.node].append(rule_id)
        for n, lits in self._support.items():
            if n in self.held:  # a rule met by the holdings alone makes n anew only through a change upstream
                rules = self._granted_by[n]
                lits[:] = [self._touched(r, frozenset()) if lit == TRUE else lit for r, lit in zip(rules, lits, strict=True)]
        for n, var in self.y.items():
            lits = self._support.get(n, [])
            if TRUE in lits:
                continue
            terms = [(var, 1.0)] + [(lit, -1.0) for lit in lits if lit != FALSE]
            if n in self.x:
                terms.append((self.x[n], -1.0))
            self._row(terms, -np.inf, 0.0)
        for n in sorted(self.x):
            prerequisites = self.engine.nodes[n].prerequisites
            if prerequisites is not None:
                if time.monotonic() > self.deadline:
                    raise self._unproven()
                lit, _ = self._encode(prerequisites, None)
                self._prerequisite[n] = lit
                self._imply(self.x[n], lit)
        for rule_id, rule in self.rules.items():
            granted = [g.node for g in rule.grants if g.node in self.y]
            for m in self._mentioned(rule_id):
                self._dependents[m].extend(granted)
        for component in self._classes():
            self._loop_row(component)
        self.reachable = True
        self._goal = goal = self.node_literal(self.target)
        if goal == FALSE:
            self.reachable = False
        elif goal != TRUE:
            self._lb[goal] = 1.0

    def _classes(self) -> list[frozenset[str]]:
        """Cycles of one-node rules: the strongly connected components of derivable nodes linked by rules whose
        requirement mentions a single derivable node (a course and its transfer equivalents), on a cycle.

        Their loop rows are written up front: without them, the solver holds the target through one
        subset after another of such a class, each needing its own loop row.
        """
        found: set[frozenset[str]] = set()
        for most in (1, 2):
            graph = nx.DiGraph()
            for n, rule_ids in self._granted_by.items():
                for rule_id in rule_ids:
                    # a rule that can never be met (its window excludes as_of...) links nothing: left in,
                    # it would merge cycles into one component whose single row holds less
                    if len(self._uses[rule_id]) <= most and self._roots[rule_id] != FALSE:
                        graph.add_edges_from((m, n) for m in self._uses[rule_id])
            found.update(frozenset(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)
        return sorted(found, key=sorted)

    def _touched(self, rule_id: str, loop: frozenset[str]) -> int:
        """For a rule met by the holdings alone: the literal "a node it mentions holds anew" (none of ``loop``).

        The rule grants a node held by derivation. With plan items, that node's holding changes
        (another holding, another round, or none) only when the holding of a node that one of
        its rules mentions changes: a node not held before is now held, or one held by derivation
        holds anew (its ``y``), recursively; direct holdings never change. A rule that needs a
        node not held is met only through that node, which its own literal says; this one says it
        for the rules met without plan items, which would otherwise make the node free. In a loop
        row, the first node of ``loop`` to change was changed from outside ``loop``.
        """
        lits: list[int] = []
        for m in self._mentioned(rule_id) - loop:
            h = self.held.get(m)
            if h is None or not h.direct:
                lits.extend(lit for lit in (self.x.get(m), self.y.get(m)) if lit is not None)
        return self._any(lits)

    def _mentioned(self, rule_id: str) -> frozenset[str]:
        found = self._mentions.get(rule_id)
        if found is None:
            found = self._mentions[rule_id] = frozenset(self.mentions(self.rules[rule_id].requires))
        return found

    def _imply(self, var: int, lit: int) -> None:
        """``var`` can be 1 only when ``lit`` is."""
        if lit == FALSE:
            self._ub[var] = 0.0
        elif lit != TRUE:
            self._row([(var, 1.0), (lit, -1.0)], -np.inf, 0.0)

    def in_window(self, rule: Rule, earned: dt.date) -> bool:
        """Whether a holding earned on ``earned`` may be used by ``rule`` (SPEC section 4, condition 1)."""
        return in_window(rule, earned, self.as_of)

    def node_literal(self, n: str) -> int:
        """The literal "``n`` is held at the end": held already, derived, taken, or impossible."""
        if n in self.held:
            return TRUE
        if n in self.y:
            return self.y[n]
        if n in self.x:
            return self.x[n]
        return FALSE

    def _leaf(self, n: str, min_grade: str | None, rule: Rule | None, unfounded: frozenset[str]) -> int:
        h = self.held.get(n)
        if h is not None:
            if meets_min_grade(h.grade, min_grade) and (rule is None or self.in_window(rule, h.earned)):
                return TRUE
            if h.direct:
                return FALSE
            # a derived holding that does not fill the leaf (grade, date) may be derived anew through
            # plan items, earned on as_of, by one of its rules
        if n in unfounded or (rule is not None and not self.in_window(rule, self.as_of)):
            return FALSE
        return self.y.get(n, FALSE) if h is not None else self.node_literal(n)

    def _credits(self, n: str) -> float:
        h = self.held.get(n)
        if h is not None and h.direct:
            return h.credits
        best = self.index.max_credits.get(n, 0.0)
        return max(best, h.credits) if h is not None else best

    def _encode(self, req: Requirement, rule: Rule | None, unfounded: frozenset[str] = frozenset()) -> tuple[int, float]:
        """The literal "``req`` is met" (with no holding of a node in ``unfounded``) and the most credits
        the holdings it uses can carry."""
        if isinstance(req, NodeLeaf):
            return self._leaf(req.node, req.min_grade, rule, unfounded), self._credits(req.node)
        if isinstance(req, CompetencyLeaf):
            nodes = [req.competency, *self.index.demonstrating.get(req.competency, ())]
            nodes = [n for n in nodes if n in self.engine.nodes]
            lits = [self._leaf(n, None, rule, unfounded) for n in nodes]
            return self._any(lits), max((self._credits(n) for n in nodes), default=0.0)
        if isinstance(req, CreditsWhere):
            terms = [(self._credits(n), self._leaf(n, None, rule, unfounded)) for n in self.index.matching(self.engine, req.where)]
            return self._threshold(req.credits, terms), sum(c for c, lit in terms if lit != FALSE)
        parts = [self._encode(child, rule, unfounded) for child in req.of]
        lits = [lit for lit, _ in parts]
        if isinstance(req, All):
            return self._all(lits), sum(c for _, c in parts)
        if isinstance(req, Any_):
            # an assignment may fill every slot of an ``any``, and all of them count toward credits
            return self._any(lits), sum(c for _, c in parts)
        if isinstance(req, AtLeast):
            return self._at_least(req.k, lits), sum(c for _, c in parts)
        assert isinstance(req, CreditsOf)
        return self._threshold(req.credits, [(c, lit) for lit, c in parts]), sum(c for _, c in parts)

    def _all(self, lits: list[int]) -> int:
        if FALSE in lits:
            return FALSE
        rest = sorted({lit for lit in lits if lit != TRUE})
        if not rest:
            return TRUE
        if len(rest) == 1:
            return rest[0]
        m = self._var()
        for lit in rest:
            self._imply(m, lit)
        self._defs[m] = (float(len(rest)), [(1.0, lit) for lit in rest])
        return m

    def _any(self, lits: list[int]) -> int:
        if TRUE in lits:
            return TRUE
        rest = sorted({lit for lit in lits if lit != FALSE})
        if not rest:
            return FALSE
        if len(rest) == 1:
            return rest[0]
        m = self._var()
        self._row([(m, 1.0)] + [(lit, -1.0) for lit in rest], -np.inf, 0.0)
        self._defs[m] = (1.0, [(1.0, lit) for lit in rest])
        return m

    def _at_least(self, k: int, lits: list[int]) -> int:
        need = k - lits.count(TRUE)
        rest = [lit for lit in lits if lit not in (TRUE, FALSE)]
        if need <= 0:
            return TRUE
        if need > len(rest):
            return FALSE
        if need == 1:
            return self._any(rest)
        m = self._var()
        self._row([(m, float(need))] + [(lit, -1.0) for lit in rest], -np.inf, 0.0)
        self._defs[m] = (float(need), [(1.0, lit) for lit in rest])
        return m

    def _threshold(self, credits: float, terms: list[tuple[float, int]]) -> int:
        """The literal "the credits of the met terms add up to ``credits``"."""
        have = sum(c for c, lit in terms if lit == TRUE)
        rest = [(c, lit) for c, lit in terms if lit not in (TRUE, FALSE) and c > 0]
        if have >= credits - _EPS:
            return TRUE
        if have + sum(c for c, _ in rest) < credits - _EPS:
            return FALSE
        m = self._var()
        self._row([(m, credits - have)] + [(lit, -c) for c, lit in rest], -np.inf, 0.0)
        self._defs[m] = (credits - have, rest)
        return m

    # -- cuts and solving --------------------------------------------------------------------

    def exclude_exactly(self, items: Iterable[str]) -> None:
        """Cut off the one candidate set ``items`` (it failed verification)."""
        chosen = set(items)
        terms = [(var, -1.0 if n in chosen else 1.0) for n, var in self.x.items()]
        self._row(terms, 1.0 - len(chosen), np.inf)

    def exclude_subsets(self, items: Iterable[str]) -> None:
        """Cut off ``items`` and every subset of it (the target is not held even with all of them taken)."""
        chosen = set(items)
        self._row([(var, 1.0) for n, var in self.x.items() if n not in chosen], 1.0, np.inf)

    def exclude_supersets(self, items: Iterable[str]) -> None:
        """Cut off ``items`` and every superset of it (an accepted plan: the next one must differ)."""
        chosen = [n for n in items if n in self.x]
        self._row([(self.x[n], 1.0) for n in chosen], -np.inf, len(chosen) - 1.0)

    @property
    def size(self) -> tuple[int, int]:
        """Variables and rows of the program as it stands."""
        return len(self._lb), len(self._rows)

    def solve(self, *, above: float = np.inf) -> tuple[frozenset[str], float] | None:
        """The cheapest candidate set the relaxation allows, with its total, or ``None`` when there is none.

        First the linear relaxation is solved, each time with the loop rows of the sets its
        solution holds without a grounded derivation (a row is valid whatever solution showed
        it, and solving the linear program costs little next to the branching it spares); then
        the integer program, again with the loop rows of the unfounded sets found, until the
        solution holds the target and the taken candidates' prerequisites through grounded
        derivations. When a solve's optimum already exceeds ``above`` (a relaxation's optimum is
        a lower bound on every plan), that bound is returned at once, with the items of the
        integer solution or none for the linear one: the caller only needs to know that nothing
        fits within ``above``.
        """
        if not self.reachable:
            return None
        slack = _LP_SLACK * max(1.0, abs(above)) if above < np.inf else 0.0
        for _ in range(MAX_LP_ROUNDS):
            values = self._solve_once(relax=True)
            if values is None:
                return None
            total = float(np.dot(self._cost, values))
            if total > above + slack:
                return frozenset(), total
            # a fractional solution is read at several thresholds: what is held above each, and grounded by
            # what is taken above it
            shown = {loop for at in _LP_THRESHOLDS for loop in self._unfounded(values, at)}
            if not shown:
                break
            self.add_loops(sorted(shown, key=sorted))
        while True:
            values = self._solve_once()
            if values is None:
                return None
            items = frozenset(node for node, var in self.x.items() if values[var] > 0.5)
            total = sum(self.weights[node] for node in items)
            if total > above + slack:
                return items, total
            unfounded = self._unfounded(values)
            if not unfounded:
                return items, total
            self.add_loops(unfounded)

    def add_loops(self, loops: Iterable[frozenset[str]]) -> None:
        """Write the loop rows of ``loops`` (sets of nodes, for instance found by a narrower program of the same question).

        A loop row is valid for any set of derivable nodes, so rows found for one program hold in a wider one.
        """
        for loop in loops:
            inside = frozenset(n for n in loop if n in self.y)
            if inside:
                self.loops.append(inside)
                self._loop_row(inside)

    def _value(self, lit: int, on: set[int], memo: dict[int, bool]) -> bool:
        """Whether literal ``lit`` is met when exactly the variables in ``on`` (taken, held) are 1."""
        if lit == TRUE or lit == FALSE:
            return lit == TRUE
        found = memo.get(lit)
        if found is None:
            definition = self._defs.get(lit)
            if definition is None:
                found = lit in on
            else:
                need, terms = definition
                found = sum(c for c, child in terms if self._value(child, on, memo)) >= need - _EPS
            memo[lit] = found
        return found

    def _grounded(self, values: np.ndarray, at: float = 0.5) -> set[int]:
        """The variables of the least fixpoint from the candidates taken in ``values`` (above ``at``): what they derive.

        A node joins when it is taken or one of its rules is met by what joined before; a node
        is looked at again only when something its rules mention joins.
        """
        on = {var for var in self.x.values() if values[var] > at}
        queue = [n for n, var in self.x.items() if var in on]
        queue += [n for n, lits in self._support.items() if TRUE in lits]
        for n in queue:
            if n in self.y:
                on.add(self.y[n])
        while queue:
            m = queue.pop()
            for n in self._dependents.get(m, ()):
                var = self.y[n]
                if var not in on and any(self._value(lit, on, {}) for lit in self._support[n]):
                    on.add(var)
                    queue.append(n)
        return on

    def _unfounded(self, values: np.ndarray, at: float = 0.5) -> list[frozenset[str]]:
        """Sets of nodes held in ``values`` only through each other (empty when the solution is grounded).

        When what the taken candidates derive (:meth:`_grounded`) holds the target and the taken
        candidates' prerequisites, the solution stands. Otherwise the nodes held but not derived
        are split into strongly connected components (an edge m -> n when a rule granting n
        mentions m); a component none of whose rules is met from outside it is unfounded (one
        that nothing else held feeds always is), and its loop row cuts the solution off.
        """
        on = self._grounded(values, at)
        memo: dict[int, bool] = {}
        taken = [n for n, var in self.x.items() if var in on]
        if self._value(self._goal, on, memo) and all(self._value(self._prerequisite.get(n, TRUE), on, memo) for n in taken):
            return []
        ungrounded = {n for n, var in self.y.items() if values[var] > at and var not in on}
        graph = nx.DiGraph()
        graph.add_nodes_from(ungrounded)
        for n in ungrounded:
            for rule_id in self._granted_by.get(n, ()):
                graph.add_edges_from((m, n) for m in self._uses[rule_id] if m in ungrounded)
        loops: list[frozenset[str]] = []
        for component in nx.strongly_connected_components(graph):
            inside = {self.y[n] for n in ungrounded - component}
            memo = {}
            if not any(self._value(lit, on | inside, memo) for n in component for lit in self._support.get(n, ())):
                loops.append(frozenset(component))
        return loops

    def _loop_row(self, loop: frozenset[str]) -> None:
        """A node of ``loop`` is held only when some node of it is taken or granted by a rule met without any of them.

        Valid for every plan: the first node of ``loop`` its evaluation derives is taken or derived
        from holdings outside ``loop`` (holdings already held that fill the leaf count as met).
        """
        self.loop_cuts += 1
        outside: set[int] = set()
        for n in sorted(loop):
            if n in self.x:
                outside.add(self.x[n])
            for rule_id in self._granted_by.get(n, ()):
                rule = self.rules[rule_id]
                if self._uses[rule_id] & loop:
                    lit, _ = self._encode(rule.requires, rule, loop)
                else:
                    lit = self._roots[rule_id]
                outside.add(self._touched(rule_id, loop) if lit == TRUE and n in self.held else lit)
        if TRUE in outside:
            return
        outside.discard(FALSE)
        some = self._var(integral=False)
        self._row([(some, 1.0)] + [(lit, -1.0) for lit in sorted(outside)], -np.inf, 0.0)
        for n in sorted(loop):
            self._imply(self.y[n], some)

    def _solve_once(self, *, relax: bool = False) -> np.ndarray | None:
        """One HiGHS solve of the program as it stands (its linear relaxation when ``relax``): the values of its
        variables, ``None`` when infeasible."""
        if relax:
            self.lp_solves += 1
        else:
            self.solves += 1
        n = len(self._lb)
        if self._rows:
            rows, cols, vals = [], [], []
            for i, row in enumerate(self._rows):
                for var, c in row.coefs.items():
                    rows.append(i)
                    cols.append(var)
                    vals.append(c)
            matrix = coo_array((vals, (rows, cols)), shape=(len(self._rows), n)).tocsr()
            constraints = [LinearConstraint(matrix, [r.lo for r in self._rows], [r.hi for r in self._rows])]
        else:
            constraints = []
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._unproven()
        with quiet_stdout():
            res = milp(
                np.array(self._cost),
                integrality=np.zeros(n) if relax else np.array(self._integral),
                bounds=Bounds(np.array(self._lb), np.array(self._ub)),
                constraints=constraints,
                options={"mip_rel_gap": 0.0, "presolve": PRESOLVE, "time_limit": remaining},
            )
        if res.status == 2:
            return None
        if res.status == 1:
            raise self._unproven()
        if not res.success or res.x is None:
            raise RuntimeError(f"the planner's integer program failed: {res.message}")
        return np.asarray(res.x)

    def _unproven(self) -> PlanUnproven:
        return PlanUnproven(
            f"the plan toward {self.target} was not proven optimal within {self.time_limit:g} s "
            f"({len(self.x)} candidates, {len(self._lb)} variables)"
        )
