"""The planner's program: a relaxation of "holdings + S grant the target" over candidates S, solved by clingo.

:class:`PlanModel` restricts the graph to what can matter for one target (the rules that can
grant it, transitively, and every node their requirements can use), then writes it as a logic
program for the answer-set solver clingo (https://potassco.org, through its ``Backend``
interface: no text is parsed): one *choice* atom per candidate (``x``: the plan takes it), one
atom per node that a rule could derive (``y``: held at the end) and per composite requirement
(met), each defined by rules. A rule's requirement is met when its parts are (``all`` a rule,
``any`` one rule per part, ``at_least k`` and credit requirements weight rules, each holding
counted at the most credits it can carry); a node is held when it is taken or one of its rules
is met; a candidate is taken only if its prerequisites are met (a constraint), and the target
must be held (a constraint). A ``#minimize`` over the taken candidates' objective values
makes clingo return the cheapest choice and prove that nothing cheaper exists.

Every true plan is an answer set (the model is a *relaxation*): what it ignores (lineage
disjointness, credential limits, which derivation wins a round, the order of prerequisites)
can only let it accept more. Its optimum is therefore a lower bound on the best plan; the
planner verifies the optimum with the real evaluation and, when it is not a plan, cuts that
set off (a constraint added to the same solver, which keeps what it learned) and solves again.
Rules whose window excludes ``as_of`` can use only holdings already held (plan items are
earned on ``as_of``). A node the learner holds directly may be taken again (a retake: a new
attempt): a leaf its attempts do not fill, or one that a holding derived from it does not
fill, is met by its ``x`` (see ``_renewed``).

Why an answer-set solver: courses and their transfer equivalents at a dozen institutions grant
one another, in cycles. Under answer-set semantics an atom is true only when it has a
derivation that does not go through itself (its support is *founded*), exactly what an
evaluation derives from the taken candidates; clingo enforces it while it searches (unfounded
set checking). The integer program used before had to add such "loop rows" one solve at a time,
and on BC-scale graphs, where cycles of equivalents interlock through two-course agreements,
it ran out of time (docs/planning.md).

Three optional inputs from :mod:`.plan_bound` keep the program small and its search short:
``keep`` and ``rules`` (only these nodes may be held and these rules fire: the planner passes
those whose lower bound does not exceed a known plan's total, so every plan at most that dear
stays an answer set) and
``floor`` (a constraint "total >= floor", from a lower bound that counts what the program
ignores: a plan found at the floor needs no further search). One question gets
:data:`TIME_LIMIT` seconds (the planner's deadline, passed in, covers its bound too; building
the program and all solves count); past it :class:`~pathways.errors.PlanUnproven` is raised
rather than an unproven answer returned.

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
import functools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from fractions import Fraction

import clingo

from ..errors import PlanUnproven
from ..model import (
    All,
    Any_,
    AtLeast,
    Average,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    NodeLeaf,
    Requirement,
    Rule,
    meets_min_grade,
    requirement_unit,
)
from .evaluate import HoldingState
from .holdings import disjoint_credits, in_window
from .index import Engine
from .plan_index import plan_index

__all__ = ["FALSE", "SOLVER_OPTIONS", "TIME_LIMIT", "TRUE", "PlanModel", "integral_weights"]

TRUE = -1
"""A literal that is always met (a holding already held); never handed to clingo."""
FALSE = -2
"""A literal that can never be met (nothing can supply it); never handed to clingo."""

TIME_LIMIT = 20.0
"""Seconds one planning question may take, bound, program and all solves together, before the planner
gives up (a service worker must not hang)."""

SOLVER_OPTIONS = ("--opt-mode=opt", "--opt-strategy=usc", "--parallel-mode=1")
"""clingo's options: find an optimal answer set and prove it optimal, by unsatisfiable cores (``usc``: on BC 1.0 it
proved in 0.8 s a question that branch and bound left unproven at 20 s); one thread (a service worker's share)."""

_MAX_WEIGHT = 2**31 - 1  # clingo's weights are 32-bit
_DENOMINATOR = 10**4  # objective values and credits are read to four decimals


def integral_weights(values: Sequence[float]) -> tuple[list[int], int]:
    """``values`` scaled to integers (clingo weighs with integers) and the scale, exact to four decimals.

    >>> integral_weights([19.5, 13, 0.25])
    ([78, 52, 1], 4)

    Raises:
        PlanUnproven: when the scaled values do not fit clingo's 32-bit weights.
    """
    distinct = {v: _exact(v) for v in set(values)}  # a pool of 60,000 courses has a handful of credit values
    scale = math.lcm(1, *(f.denominator for f in distinct.values()))
    scaled = {v: int(f * scale) for v, f in distinct.items()}
    if any(abs(s) > _MAX_WEIGHT for s in scaled.values()):
        raise PlanUnproven(f"objective values or credits too large or too fine to weigh exactly (scale {scale})")
    return [scaled[v] for v in values], scale


@functools.lru_cache(maxsize=4096)
def _exact(value: float) -> Fraction:
    return Fraction(value).limit_denominator(_DENOMINATOR)


def _silent(code: clingo.MessageCode, message: str) -> None:
    """clingo's messages (informational only for a program built through the backend) are not printed."""


class PlanModel:
    """The logic program for one planning question; :meth:`solve` again after each cut.

    Parameters:
        engine: the graph.
        target: the node to reach.
        held: the learner's final holdings before any plan item (an evaluation's ``held``).
        weight: a node's objective value when it is a candidate, else ``None``.
        as_of: the date plan items are earned.
        include_pilot: whether pilot rules apply.
        keep: when given, the only nodes that may be held or taken (the others count as unreachable).
        rules: when given, the only rules written (the others count as never met).
        floor: a lower bound on the total of every plan, added as a constraint.
        unstable: the nodes whose holding plan items may change other than by deriving them anew
            (:meth:`~.plan_index.PlanIndex.unstable`), given when the target depends on one. The program
            then stays a relaxation where evaluation is not monotone: it walks also to the nodes an
            ``unless`` or an anti-requisite names (an item may serve by switching a rule off or by making a
            node lose), a held unstable node may hold anew freely (a choice), and a window that excludes
            ``as_of`` does not rule out an unstable node (it may come from holdings already there).
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
        rules: Collection[str] | None = None,
        floor: float = 0.0,
        unstable: frozenset[str] = frozenset(),
        time_limit: float | None = None,
        deadline: float | None = None,
    ) -> None:
        self.engine = engine
        self.keep = keep
        self.only = rules
        self.unstable = unstable
        self.time_limit = TIME_LIMIT if time_limit is None else time_limit
        self.deadline = time.monotonic() + self.time_limit if deadline is None else deadline
        self.index = plan_index(engine)
        self.target = target
        self.held = held
        self._copies: dict[str, list[HoldingState]] = {}
        if engine.repeatable:
            for h in held.values():
                if h.node in engine.repeatable:
                    self._copies.setdefault(h.node, []).append(h)
        self.as_of = as_of
        self.include_pilot = include_pilot
        self.weights: dict[str, float] = {}
        self.rules: dict[str, Rule] = {}
        self.nodes: set[str] = set()
        self._weight = weight
        self.x: dict[str, int] = {}
        self.y: dict[str, int] = {}
        self.origin: dict[str, int] = {}
        self._candidate: dict[clingo.Symbol, str] = {}
        self._retakes: set[str] = set()
        self._retaken: set[str] = set()
        self._scaled: dict[str, int] = {}
        self._scale = 1
        self._defined: dict[tuple[object, ...], int] = {}
        self._mentions: dict[str, frozenset[str]] = {}
        self._atoms = 0
        self._rules = 0
        self.solves = 0
        self._control = clingo.Control(list(SOLVER_OPTIONS), logger=_silent)
        self._control.configuration.solve.models = 0  # type: ignore[union-attr]  # every better model, to the optimum
        self._relevance()
        with self._control.backend() as backend:
            self._backend = backend
            self._build(floor)

    # -- the relevant part of the graph ----------------------------------------------------

    def applicable(self, rule: Rule) -> bool:
        """Whether a rule applies at all (approved, or pilot when pilots are included)."""
        return rule.status == "approved" or (rule.status == "pilot" and self.include_pilot)

    def candidate_weight(self, node: str) -> float | None:
        """The objective value of ``node`` as a plan item, or ``None`` when it is no candidate (a node
        held by derivation never is; one held directly may be retaken)."""
        h = self.held.get(node)
        if (h is not None and not h.direct) or node not in self.engine.nodes:
            return None
        return self._weight(node)

    def _relevance(self) -> None:
        """Walk back from the target through the rules that grant each node and the candidates' prerequisites."""
        stack = [self.target]
        while stack:
            n = stack.pop()
            if n in self.nodes or n not in self.engine.nodes or (self.keep is not None and n not in self.keep):
                continue
            self.nodes.add(n)
            if self.unstable:  # an anti-requisite may serve by making n lose (or win)
                stack.extend(self.engine.excludes.get(n, ()))
            h = self.held.get(n)
            # held directly: no rule derives it (but a further copy of a repeatable one); a retake may renew it
            if h is not None and h.direct and n not in self.engine.repeatable:
                stack.extend(self._add_candidate(n))
                continue
            if h is not None and not h.direct:  # a retake of the learning it stands on renews it
                stack.extend(h.lineage)
            # A derived holding stays relevant: plan items can derive it again with another
            # lineage, which can decide whether a later rule finds disjoint lineages.
            for rule_id in self.index.granting.get(n, ()):
                rule = self.engine.rules[rule_id]
                if rule_id not in self.rules and self.applicable(rule) and (self.only is None or rule_id in self.only):
                    self.rules[rule_id] = rule
                    stack.extend(self.index.mentions(self.engine, rule.requires))
                    if self.unstable and rule.unless is not None:  # an item may serve by switching the rule off
                        stack.extend(self.index.mentions(self.engine, rule.unless))
            stack.extend(self._add_candidate(n))

    def _add_candidate(self, n: str) -> list[str]:
        """Record ``n``'s weight when it is a candidate; the nodes its prerequisites mention, to walk to."""
        w = self.candidate_weight(n)
        if w is None:
            return []
        self.weights[n] = float(w)
        prerequisites = self.engine.nodes[n].prerequisites
        return [] if prerequisites is None else self.index.mentions(self.engine, prerequisites)

    # -- atoms and rules ----------------------------------------------------------------------

    def _atom(self, symbol: clingo.Symbol | None = None) -> int:
        self._atoms += 1
        return int(self._backend.add_atom(symbol))

    def _rule(self, head: list[int], body: list[int], *, choice: bool = False) -> None:
        self._rules += 1
        self._backend.add_rule(head, body, choice)

    def _build(self, floor: float) -> None:
        if time.monotonic() > self.deadline:
            raise self._unproven()
        ordered = sorted(self.weights)
        scaled, self._scale = integral_weights([self.weights[n] for n in ordered])
        self._scaled = dict(zip(ordered, scaled, strict=True))
        # a node held directly is a retake: its atom is made only where a leaf it does not fill asks for it
        self._retakes = {n for n in ordered if n in self.held}
        self._choose([n for n in ordered if n not in self._retakes])
        derivable = defaultdict(list)
        for rule in self.rules.values():
            for grant in rule.grants:
                if self._derivable(grant.node):  # a derived holding, or a further copy, can be derived anew (see _leaf)
                    derivable[grant.node].append(rule)
        for n in sorted(derivable):
            self.y[n] = self._atom()
            if any(rule.kind != "transfer" for rule in derivable[n]):
                self.origin[n] = self._atom()
        free = sorted(atoms[n] for atoms in (self.y, self.origin) for n in self.unstable & atoms.keys() if n in self.held)
        if free:  # its holding may change with what counts, however its rules are met
            self._rule(free, [], choice=True)
        support: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for rule_id in sorted(self.rules):
            if time.monotonic() > self.deadline:  # a program over most of the graph: building it is a solve's time too
                raise self._unproven()
            rule = self.rules[rule_id]
            root, _ = self._encode(rule.requires, rule, requirement_unit(rule.requires))
            for g in rule.grants:
                if g.node in self.y:
                    support[g.node].append((rule_id, root))
        for n, var in self.y.items():
            for rule_id, lit in support.get(n, ()):
                if lit == TRUE and n in self.held:  # met by the holdings alone: makes n anew only through a change upstream
                    lit = self._touched(rule_id)
                if lit != FALSE:
                    self._rule([var], [] if lit == TRUE else [lit])
                    if n in self.origin and self.rules[rule_id].kind != "transfer":
                        self._rule([self.origin[n]], [] if lit == TRUE else [lit])
            if n in self.x:
                self._rule([var], [self.x[n]])
        if not self.engine.monotone:  # a retake may change what counts (a rule's unless, an anti-requisite, copies)
            for n in sorted(self._retakes):
                self._retake(n)
        done: set[str] = set()
        while len(done) < len(self.x):  # a prerequisite may ask for a retake, which may have prerequisites
            for n in sorted(set(self.x) - done):
                done.add(n)
                prerequisites = self.engine.nodes[n].prerequisites
                if prerequisites is not None:
                    if time.monotonic() > self.deadline:
                        raise self._unproven()
                    lit, _ = self._encode(prerequisites, None, requirement_unit(prerequisites))
                    if lit != TRUE:
                        self._rule([], [self.x[n]] if lit == FALSE else [self.x[n], -lit])
        self._choose(sorted(self._retaken))
        if self.x and floor > 0:  # a bound computed in floats: lowered by a hair, so that a plan of exactly that total stays
            terms = [(var, self._scaled[n]) for n, var in self.x.items()]
            enough = self._weighted(math.ceil((floor - 1e-9 * max(1.0, floor)) * self._scale), terms)
            self._rule([], [-enough])
        self.reachable = True
        goal = self.node_literal(self.target)
        if goal == FALSE:
            self.reachable = False
        elif goal != TRUE:
            self._rule([], [-goal])

    def _choose(self, nodes: list[str]) -> None:
        """The choice atoms of ``nodes`` and their terms of the objective (one scale for all)."""
        if not nodes:
            return
        for n in nodes:
            if n not in self.x:
                self.x[n] = self._candidate_atom(n)
        self._rule(sorted(self.x[n] for n in nodes), [], choice=True)
        self._backend.add_minimize(0, [(self.x[n], self._scaled[n]) for n in nodes])

    def _candidate_atom(self, n: str) -> int:
        symbol = clingo.Function("x", [clingo.Number(len(self._candidate))])
        self._candidate[symbol] = n
        return self._atom(symbol)

    def _retake(self, n: str) -> int:
        """The atom "``n``, held directly, is retaken", made on first use (its choice comes at the end of the build)."""
        found = self.x.get(n)
        if found is None:
            found = self.x[n] = self._candidate_atom(n)
            self._retaken.add(n)
        return found

    def _touched(self, rule_id: str) -> int:
        """For a rule met by the holdings alone: the literal "a node it mentions holds anew".

        The rule grants a node held by derivation. With plan items, that node's holding changes
        (another holding, another round, or none) only when the holding of a node that one of
        its rules mentions changes: a node not held before is now held, or one held by derivation
        holds anew (its ``y``), recursively. (A retake of a direct holding renews the holdings
        standing on it with the same lineage: :meth:`_renewed`, for the leaves they do not fill;
        a pool gains no credits by it.) A rule that needs a
        node not held is met only through that node, which its own literal says; this one says it
        for the rules met without plan items, which would otherwise make the node free (the
        learner's C- counted as a C).
        """
        lits: list[int] = []
        for m in self._mentioned(rule_id):
            if self._derivable(m):
                lits.extend(lit for lit in (self.x.get(m), self.y.get(m)) if lit is not None)
        return self._any(lits)

    def _mentioned(self, rule_id: str) -> frozenset[str]:
        found = self._mentions.get(rule_id)
        if found is None:
            found = self._mentions[rule_id] = frozenset(self.index.mentions(self.engine, self.rules[rule_id].requires))
        return found

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

    def origin_literal(self, n: str) -> int:
        """The literal "``n``, not held yet, is held at its origin at the end": taken, or granted by a rule
        not of kind ``transfer`` (transfer credit is assessed at its origin: a transfer rule uses no other)."""
        return self._any([lit for lit in (self.x.get(n), self.origin.get(n)) if lit is not None])

    def _leaf(self, n: str, min_grade: str | None, rule: Rule | None) -> int:
        h = self.held.get(n)
        at_origin = rule is not None and rule.kind == "transfer"
        if h is not None:
            # transfer credit fills no leaf of a transfer rule: only a derivation anew at its origin does
            usable = [c for c in self._holdings(n) if not (at_origin and c.kind == "transfer")]
            if not usable:
                return self._anew(n, rule)
            if any(meets_min_grade(c.grade, min_grade) and (rule is None or self.in_window(rule, c.earned))
                   for c in usable):  # fmt: skip
                return TRUE
            # one that does not fill the leaf (grade, date) may be derived anew or renewed by a retake
            return self._renewed(n, rule)
        if rule is not None and not self.in_window(rule, self.as_of) and n not in self.unstable:
            return FALSE
        return self.origin_literal(n) if at_origin else self.node_literal(n)

    def _renewed(self, n: str, rule: Rule | None) -> int:
        """The literal "``n``, held, gets a new holding through plan items, earned on as_of": derived anew, or a
        direct holding of its lineage retaken (a new attempt graded A+, which the rules standing on it use)."""
        if rule is not None and not self.in_window(rule, self.as_of) and n not in self.unstable:
            return FALSE
        lineages = {m for h in self._holdings(n) for m in h.lineage}
        lits = [self._retake(m) for m in sorted(lineages) if m in self._retakes]
        return self._any([*lits, self._anew(n, rule)])

    def _anew(self, n: str, rule: Rule | None) -> int:
        """The literal "``n``, held by derivation (or a repeatable node held at all), is derived anew through plan
        items (earned on as_of)"; for a ``transfer`` rule, by a rule of another kind (transfer credit is assessed
        at its origin)."""
        if not self._derivable(n) or (rule is not None and not self.in_window(rule, self.as_of) and n not in self.unstable):
            return FALSE
        if rule is not None and rule.kind == "transfer":
            return self.origin.get(n, FALSE)
        return self.y.get(n, FALSE)

    def _derivable(self, n: str) -> bool:
        """Whether a rule may derive ``n`` anew: not held directly, or repeatable (a further copy)."""
        h = self.held.get(n)
        return h is None or not h.direct or n in self.engine.repeatable

    def _holdings(self, n: str) -> list[HoldingState]:
        """The holdings of ``n`` held before any plan item: several copies of a repeatable node."""
        if n in self._copies:
            return self._copies[n]
        return [self.held[n]]

    def _credits(self, n: str, unit: str = "credits") -> float:
        if unit == "hours":
            return float(self.engine.nodes[n].hours or 0)
        h = self.held.get(n)
        if h is not None and h.direct:
            return h.credits
        best = self.index.max_credits.get(n, 0.0)
        return max(best, h.credits) if h is not None else best

    def _encode(self, req: Requirement, rule: Rule | None, unit: str) -> tuple[int, float]:
        """The literal "``req`` is met" and the most credits (or, with ``unit`` ``"hours"``, hours)
        the holdings it uses can carry."""
        if isinstance(req, Average):  # a condition on grades the program does not see: taken as met (a relaxation)
            return TRUE, 0.0
        if isinstance(req, NodeLeaf):
            return self._leaf(req.node, req.min_grade, rule), self._credits(req.node, unit)
        if isinstance(req, CompetencyLeaf):
            nodes = [req.competency, *self.index.demonstrating.get(req.competency, ())]
            nodes = [n for n in nodes if n in self.engine.nodes]
            lits = [self._leaf(n, None, rule) for n in nodes]
            return self._any(lits), max((self._credits(n, unit) for n in nodes), default=0.0)
        if isinstance(req, CreditsWhere):
            # holdings already held that fill the leaf bring their credits once per lineage (disjoint_credits); each
            # of them also counts when derived anew by plan items
            members = [(n, self._leaf(n, None, rule)) for n in self.index.matching(self.engine, req.where)]
            if unit == "hours":  # each held member's hours, lineages aside: no less than the evaluation's
                free = sum(self._credits(n, unit) * len(self._holdings(n)) for n, lit in members if lit == TRUE)
            else:
                free = disjoint_credits(h for n, lit in members if lit == TRUE for h in self._holdings(n))
            # a repeatable node, once held, may bring any number of copies (one per disjoint lineage,
            # each dated by its own lineage): counted as enough alone
            repeatable = self.engine.repeatable
            terms = [
                (req.credits, self.node_literal(n)) if n in repeatable
                else (self._credits(n, unit), self._anew(n, rule) if lit == TRUE else lit)
                for n, lit in members
            ]
            return self._threshold(req.credits, terms, free), free + sum(c for c, lit in terms if lit != FALSE)
        parts = [self._encode(child, rule, unit) for child in req.of]
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
        key = ("all", *rest)
        m = self._defined.get(key)
        if m is None:
            m = self._defined[key] = self._atom()
            self._rule([m], rest)
        return m

    def _any(self, lits: list[int]) -> int:
        if TRUE in lits:
            return TRUE
        rest = sorted({lit for lit in lits if lit != FALSE})
        if not rest:
            return FALSE
        if len(rest) == 1:
            return rest[0]
        key = ("any", *rest)
        m = self._defined.get(key)
        if m is None:
            m = self._defined[key] = self._atom()
            for lit in rest:
                self._rule([m], [lit])
        return m

    def _at_least(self, k: int, lits: list[int]) -> int:
        need = k - lits.count(TRUE)
        rest = sorted(lit for lit in lits if lit not in (TRUE, FALSE))
        if need <= 0:
            return TRUE
        if need > len(rest):
            return FALSE
        if need == 1:
            return self._any(rest)
        if need == len(rest):
            return self._all(rest)
        return self._weighted(need, [(lit, 1) for lit in rest])

    def _threshold(self, credits: float, terms: list[tuple[float, int]], free: float = 0.0) -> int:
        """The literal "``free`` and the credits of the met terms add up to ``credits``" (exact to four decimals)."""
        have = free + sum(c for c, lit in terms if lit == TRUE)
        rest = [(c, lit) for c, lit in terms if lit not in (TRUE, FALSE) and c > 0]
        if have >= credits - 1e-9:
            return TRUE
        if have + sum(c for c, _ in rest) < credits - 1e-9:
            return FALSE
        scaled, _ = integral_weights([credits - have, *(c for c, _ in rest)])
        return self._weighted(scaled[0], sorted((lit, w) for (_, lit), w in zip(rest, scaled[1:], strict=True)))

    def _weighted(self, need: int, terms: list[tuple[int, int]]) -> int:
        """The atom "the weights of the true literals of ``terms`` add up to ``need``"."""
        key = ("weight", need, *terms)
        m = self._defined.get(key)
        if m is None:
            m = self._defined[key] = self._atom()
            self._rules += 1
            self._backend.add_weight_rule([m], need, terms)
        return m

    # -- cuts and solving --------------------------------------------------------------------

    def _constraint(self, body: list[int]) -> None:
        """Add the constraint ``:- body`` to the solver, which keeps what it learned in earlier solves."""
        with self._control.backend() as backend:
            self._rules += 1
            backend.add_rule([], body)

    def exclude_exactly(self, items: Iterable[str]) -> None:
        """Cut off the one candidate set ``items`` (it failed verification)."""
        chosen = set(items)
        self._constraint([var if n in chosen else -var for n, var in self.x.items()])

    def exclude_subsets(self, items: Iterable[str], keeping: Iterable[str] = ()) -> None:
        """Cut off ``items`` and every subset of it that keeps ``keeping`` (the target is not held even with all of
        them taken; ``keeping``: the retakes, whose attempts can lose a derivation that fewer holdings keep)."""
        chosen = set(items)
        kept = [self.x[n] for n in sorted(set(keeping)) if n in self.x]
        self._constraint(kept + [-var for n, var in self.x.items() if n not in chosen])

    def exclude_supersets(self, items: Iterable[str]) -> None:
        """Cut off ``items`` and every superset of it (an accepted plan: the next one must differ)."""
        self._constraint([self.x[n] for n in items if n in self.x])

    @property
    def size(self) -> tuple[int, int]:
        """Atoms and rules of the program as it stands."""
        return self._atoms, self._rules

    def solve(self) -> tuple[frozenset[str], float] | None:
        """The cheapest candidate set the relaxation allows, with its total, or ``None`` when there is none.

        clingo searches for answer sets of ever lower total until none is left: the last one
        is optimal. Past the question's deadline :class:`~pathways.errors.PlanUnproven` is raised.
        """
        if not self.reachable:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._unproven()
        self.solves += 1
        best: list[frozenset[str]] = []

        def on_model(model: clingo.Model) -> None:
            best.append(frozenset(self._candidate[s] for s in model.symbols(atoms=True)))

        with self._control.solve(on_model=on_model, async_=True) as handle:
            if not handle.wait(remaining):
                handle.cancel()
                raise self._unproven()
            result = handle.get()
        if result.unsatisfiable:
            return None
        if not result.exhausted or not best:
            raise self._unproven()
        items = best[-1]
        return items, sum(self.weights[n] for n in items)

    def _unproven(self) -> PlanUnproven:
        return PlanUnproven(
            f"the plan toward {self.target} was not proven optimal within {self.time_limit:g} s "
            f"({len(self.x)} candidates, {self._atoms} atoms)"
        )
