"""Route planning (SPEC section 5): the cheapest set of courses that, added to what a learner holds, earns a target.

:func:`plan` answers "what is the cheapest / shortest route from what I hold to that
credential?". Candidates are active ``course`` and ``micro_credential`` nodes not held by
derivation, whose objective attribute is known, within ``institutions`` and not in
``exclude``; one held directly is a *retake* (a new attempt, for an attempt too old, too low
or outside a window). A plan is a set S of them such that evaluating holdings + S (each
earned on ``as_of`` with grade ``A+``) grants the target, and S can be taken in steps, each
step's prerequisites met by the holdings, the earlier steps and what they derive.

The optimum is proven, not guessed. First a lower bound (:class:`~.plan_bound.PlanBound`):
no plan costs less than ``lb(target)``; the candidates of the derivation that realizes it are
evaluated (with the prerequisites they miss added), and when they form a plan of exactly that
total, or of the second bound ``lb_total(target)`` that also counts the items' prerequisites,
it is the answer (the common case, no solver involved). Otherwise "relax, verify, cut": :class:`~.plan_model.PlanModel`
is a logic program of which every plan is an answer set, solved to a proven optimum by the
answer-set solver clingo; its optimum is checked with :func:`~.evaluate.evaluate` (a full
evaluation: a few milliseconds at BC scale). A set that passes is a plan of
the least possible total (nothing cheaper passes the relaxation); one that fails is cut off
(with all its subsets that keep its retakes when it does not even earn the target: fewer new
nodes derive no more; only itself when the graph has an ``unless``) and the program solved
again. Each accepted plan is made minimal (an item whose removal keeps it a plan is dropped)
and then cut off with all its supersets, so the next solve yields the next best distinct
minimal plan. The program is restricted to the nodes whose ``lb_total`` does not
exceed a *level* (no plan of total at most the level holds a dearer node), first
``lb_total(target)``; an optimum above the level proves only that no plan fits within it, so
the program is rebuilt at that optimum (at most the total of a plan already verified), the
cuts so far carried over. It has the constraint "total >= lb_total(target)". When the question
(bound, programs, solves) exceeds :data:`~.plan_model.TIME_LIMIT` or
:data:`MAX_CUTS` sets fail verification, :class:`~pathways.errors.PlanUnproven` is raised:
an unproven answer is never returned. When the target depends on a node whose holding may
change non-monotonically (an anti-requisite, an ``unless``, copies of a repeatable node) the
bound is no bound: the program alone is the relaxation there (see :meth:`_Planner.search`).

Example:
    >>> from pathways.model import Document, PlanRequest
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h}
    ...               for c, h in (("A", 10), ("B", 20), ("C", 5))]
    ...            + [{"id": "U:T", "kind": "credential", "institution": "U", "title": "T"}],
    ...     "rules": [{"id": "R", "kind": "stack", "granted_by": "U",
    ...                "requires": {"at_least": 2, "of": [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:C"}]},
    ...                "grants": [{"node": "U:T"}]}]})
    >>> result = plan(Engine(doc), PlanRequest(target="U:T", as_of="2026-01-10", alternatives=2))
    >>> [(p["items"], p["total"]) for p in result.to_json()["plans"]]
    [(['U:A', 'U:C'], 15), (['U:B', 'U:C'], 25)]
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ..errors import NotFound, PlanUnproven
from ..model import BadgeClaim, PlanRequest, Requirement, requirement_to_json
from . import plan_model
from .deadline import NEVER, Deadline
from .evaluate import Evaluation, HoldingState, evaluate, requirement_progress, synthetic_holdings
from .holdings import number
from .index import Engine
from .plan_bound import INF, PlanBound
from .plan_index import plan_index
from .plan_model import PlanModel

__all__ = ["MAX_CUTS", "Plan", "PlanResult", "plan"]

MAX_CUTS = 500
"""How many candidate sets that fail verification the planner cuts off before it gives up (raising PlanUnproven)."""

_PREREQUISITE_ROUNDS = 10
"""How many times a certificate that misses prerequisites is completed before the planner stops trying."""

_MINIMAL_BY_SUBSETS = 10
"""Up to how many free items a plan is made minimal by trying every subset of them (where evaluation is not monotone)."""

_PLANNABLE = ("course", "micro_credential")


@dataclass(frozen=True, slots=True)
class Plan:
    """One route: the items to take, their total, the steps to take them in, and the derivation of the target."""

    items: tuple[str, ...]
    total: float
    sequence: tuple[tuple[str, ...], ...]
    granted: tuple[HoldingState, ...]
    retakes: tuple[str, ...] = ()
    """The items the learner presented before (held attempts, a failed one, an expired badge): taken again."""

    def to_json(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "total": number(self.total),
            "sequence": [list(step) for step in self.sequence],
            "granted": [h.to_json() for h in self.granted],
            "retakes": list(self.retakes),
        }

    def counts_toward(self, item: str) -> list[str]:
        """The granted nodes (in derivation order) whose lineage includes ``item``."""
        return [h.node for h in self.granted if item in h.lineage]


@dataclass(frozen=True, slots=True)
class PlanResult:
    """The answer of :func:`plan`: SPEC section 5's JSON, best plan first."""

    target: str
    objective: str
    feasible: bool
    reason: str | None
    plans: tuple[Plan, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "objective": self.objective,
            "feasible": self.feasible,
            "reason": self.reason,
            "plans": [p.to_json() for p in self.plans],
        }


def plan(engine: Engine, request: PlanRequest, *, today: dt.date | None = None, badges: Sequence[BadgeClaim] = (),
         deadline: Deadline = NEVER) -> PlanResult:
    """The ``request.alternatives`` best minimal plans that earn ``request.target`` (SPEC section 5).

    Parameters:
        engine: the graph snapshot.
        request: holdings, as_of, include_pilot, target, objective, institutions, exclude, alternatives.
        today: the date ``as_of`` defaults to.
        badges: presented Open Badges, already reduced to claims (as for :func:`evaluate`).
        deadline: the caller's: the planner's own limit ends no later, and every evaluation
            it makes checks it.

    Returns:
        A :class:`PlanResult`; ``feasible`` false with a ``reason`` naming the requirement no
        candidate can meet when there is no plan; one plan with no items when the holdings
        already earn the target.

    Raises:
        NotFound: the target is not a node of the graph.
        InvalidInput: a holding dated after ``as_of``.
        PlanUnproven: the question hit its time limit, or :data:`MAX_CUTS` sets failed verification.
        DeadlineExceeded: ``deadline`` passed (or was cancelled) during an evaluation.
    """
    if request.target not in engine.nodes:
        raise NotFound("node", request.target)
    try:
        return _Planner(engine, request, today, badges, deadline).run()
    except PlanUnproven:
        deadline.check("plan")  # the caller's deadline ended it, not the planner's own limit
        raise


class _Planner:
    """One planning question: the baseline evaluation, the verifier's cache and the cut loop."""

    def __init__(self, engine: Engine, request: PlanRequest, today: dt.date | None, badges: Sequence[BadgeClaim],
                 caller_deadline: Deadline = NEVER) -> None:
        self.engine = engine
        self.caller_deadline = caller_deadline
        self.request = request
        self.today = today
        self.badges = badges
        self.as_of = request.resolved_as_of(today)
        self.institutions = None if request.institutions is None else set(request.institutions)
        self.exclude = set(request.exclude)
        self._evaluations: dict[frozenset[str], Evaluation] = {}
        self.deadline = math.inf  # once the question starts: one limit for all of it
        self.base = self.evaluation(frozenset())
        # what the learner presented, whatever became of it (an F, an expired badge): planned again, it is a retake
        self.direct = frozenset(n for n, h in self.base.held.items() if h.direct)
        self.presented = frozenset({h.node for h in request.holdings} | {r.node for r in self.base.recognized})

    # -- candidates ---------------------------------------------------------------------------

    def why_not_candidate(self, n: str) -> str | None:
        """Why node ``n`` cannot be a plan item, or ``None`` when it can.

        A node the learner holds by derivation is no candidate; one held directly is (a retake:
        a new attempt, earned on as_of with grade A+, beside the attempts presented).
        """
        node = self.engine.nodes[n]
        held = self.base.held.get(n)
        if held is not None and not held.direct:
            return "already held"
        if node.kind not in _PLANNABLE:
            return f"a {node.kind}, not a course or micro-credential"
        if node.status != "active":
            return "retired"
        if n in self.exclude:
            return "excluded"
        if self.institutions is not None and node.institution not in self.institutions:
            return f"offered by {node.institution}, outside the institutions given"
        if self.request.objective in ("hours", "cost") and getattr(node, self.request.objective) is None:
            return f"its {self.request.objective} are unknown" if self.request.objective == "hours" else "its cost is unknown"
        return None

    def weight(self, n: str) -> float | None:
        """The objective value of ``n`` as a plan item, or ``None`` when it is no candidate."""
        if self.why_not_candidate(n) is not None:
            return None
        node = self.engine.nodes[n]
        objective = self.request.objective
        if objective == "items":
            return 1.0
        value = node.credits if objective == "credits" else getattr(node, objective)
        return float(value)

    # -- verification -------------------------------------------------------------------------

    def evaluation(self, items: frozenset[str]) -> Evaluation:
        """The evaluation of the holdings plus ``items`` (earned on as_of, grade A+), cached."""
        found = self._evaluations.get(items)
        if found is None:
            if time.monotonic() > self.deadline:  # verifying and completing certificates count too
                raise PlanUnproven(f"the plan toward {self.request.target} was not proven optimal within "
                                   f"{plan_model.TIME_LIMIT:g} s (verification)")  # fmt: skip
            found = evaluate(
                self.engine,
                self.request,
                today=self.today,
                extra_holdings=synthetic_holdings(sorted(items), self.as_of),
                badges=self.badges,
                report=False,
                deadline=self.caller_deadline,
            )
            self._evaluations[items] = found
        return found

    def prerequisites_met(self, n: str, held: dict[str, HoldingState]) -> bool:
        prerequisites = self.engine.nodes[n].prerequisites
        return prerequisites is None or requirement_progress(self.engine, prerequisites, held).fraction >= 1.0 - 1e-9

    def sequence(self, items: frozenset[str]) -> tuple[tuple[str, ...], ...] | None:
        """``items`` in steps, each step's prerequisites met by what the steps before earn; ``None`` if impossible."""
        steps: list[tuple[str, ...]] = []
        taken: frozenset[str] = frozenset()
        remaining = set(items)
        while remaining:
            held = self.evaluation(taken).held
            step = tuple(sorted(n for n in remaining if self.prerequisites_met(n, held)))
            if not step:
                return None
            steps.append(step)
            taken |= set(step)
            remaining -= set(step)
        return tuple(steps)

    def is_plan(self, items: frozenset[str]) -> bool:
        return self.request.target in self.evaluation(items).held and self.sequence(items) is not None

    def minimal(self, items: frozenset[str]) -> frozenset[str]:
        """Drop zero-cost items while what remains is still a plan.

        ``items`` is optimal, so dropping an item that costs something cannot leave a plan
        (it would be cheaper than the relaxation's lower bound): only free items are tried, one
        at a time; where evaluation is not monotone, every subset of them (up to
        :data:`_MINIMAL_BY_SUBSETS` free items).
        """
        free = sorted(n for n in items if not self.weight(n))
        if not self.engine.monotone and len(free) <= _MINIMAL_BY_SUBSETS:
            # more holdings may derive less: a plan may be two drops away although neither drop alone is one;
            # the most dropped first, so what is returned has no smaller plan inside
            for k in range(len(free), 0, -1):
                for dropped in combinations(free, k):
                    if self.is_plan(trial := items - frozenset(dropped)):
                        return trial
            return items
        current = items
        while True:
            for n in sorted(n for n in current if not self.weight(n)):
                trial = current - {n}
                if self.is_plan(trial):
                    current = trial
                    break
            else:
                return current

    def make_plan(self, items: frozenset[str]) -> Plan:
        sequence = self.sequence(items)
        assert sequence is not None
        return Plan(
            items=tuple(sorted(items)),
            total=sum(self.weight(n) or 0.0 for n in items),
            sequence=sequence,
            granted=derivation(self.evaluation(items), self.request.target),
            retakes=tuple(sorted(items & self.presented)),
        )

    # -- the loop -------------------------------------------------------------------------------

    def total(self, items: frozenset[str]) -> float:
        return sum(self.weight(n) or 0.0 for n in items)

    def completed(self, bound: PlanBound, items: frozenset[str]) -> frozenset[str] | None:
        """``items`` with the cheapest derivations of the prerequisites they miss added, when that makes a plan."""
        for _ in range(_PREREQUISITE_ROUNDS):
            if self.is_plan(items):
                return items
            if self.request.target not in self.evaluation(items).held:
                return None
            added: set[str] = set()
            for n in sorted(items):
                prerequisites = self.engine.nodes[n].prerequisites
                if prerequisites is not None and not self.prerequisites_met(n, self.evaluation(items - {n}).held):
                    more = bound.certificate_for(prerequisites)
                    if more is None:
                        return None
                    added |= more - items
            if not added:
                return None
            items |= added
        return None

    def run(self) -> PlanResult:
        target = self.request.target
        if target in self.base.held:
            return self.result(True, None, [Plan((), 0.0, (), derivation(self.base, target))])
        # one limit for the whole question, bound included, ending no later than the caller's
        deadline = self.deadline = min(time.monotonic() + plan_model.TIME_LIMIT, self.caller_deadline.at)
        bound = PlanBound(
            self.engine, target=target, held=self.base.held, weight=self.weight, as_of=self.as_of,
            include_pilot=self.request.include_pilot, deadline=deadline,
        )
        unstable = plan_index(self.engine).unstable(self.engine)
        if not unstable.isdisjoint(bound.nodes):
            return self.search(bound, unstable)
        floor = bound.lb(target)
        if floor == INF:  # no derivation at all, even ignoring lineages and prerequisites
            return self.result(False, self.explain(bound), [])
        known = None
        certificate = bound.certificate()
        if certificate is not None:
            known = self.completed(bound, certificate)
        limit = INF
        if known is not None and self.request.alternatives == 1:
            if self.total(known) <= floor + 1e-9 * max(1.0, floor):  # as cheap as the lower bound: optimal
                return self.result(True, None, [self.make_plan(self.minimal(known))])
            floor = bound.lb_total(target)  # counts the items' prerequisites too: dearer to compute, rarely needed
            if self.total(known) <= floor + 1e-9 * max(1.0, floor):
                return self.result(True, None, [self.make_plan(self.minimal(known))])
            limit = self.total(known)
        else:
            floor = bound.lb_total(target)
            if floor == INF:  # every derivation needs a prerequisite nothing meets
                return self.result(False, self.explain(bound), [])
        return self.solve(bound, floor, min(floor, limit), limit)

    def search(self, bound: PlanBound, unstable: frozenset[str]) -> PlanResult:
        """The plans toward a target that depends on a node evaluation may change non-monotonically.

        There the bound is no bound (an item may free an anti-requisite's loser, switch a rule
        off, or leave a lineage to a copy, and so derive from holdings already there what the
        bound thought only plan items could) and may miss items that serve that way: the program,
        walked also through ``unless`` and anti-requisites and with the unstable nodes' holdings
        left free (``PlanModel(unstable=...)``), is the only relaxation, with no floor and no
        pruning; every answer is verified and a failing set ruled out alone.
        """
        return self.solve(bound, 0.0, INF, INF, unstable)

    def solve(self, bound: PlanBound, floor: float, level: float, limit: float,
              unstable: frozenset[str] = frozenset()) -> PlanResult:
        """Relax, verify, cut: the program within ``level`` (widened up to ``limit``), at least ``floor``."""
        target = self.request.target
        deadline = self.deadline
        model: PlanModel | None = None
        history: list[tuple[str, frozenset[str]]] = []  # the cuts so far, for a wider program
        plans: list[Plan] = []
        cuts = 0
        while len(plans) < self.request.alternatives:
            if model is None:
                model = PlanModel(
                    self.engine, target=target, held=self.base.held, weight=self.weight, as_of=self.as_of,
                    include_pilot=self.request.include_pilot, floor=floor, deadline=deadline, unstable=unstable,
                    keep=None if unstable else bound.relevant(level), rules=None if unstable else bound.useful(level)[1],
                )
                for cut, cut_items in history:
                    self.cut(model, cut, cut_items)
            found = model.solve()
            if found is None or found[1] > level + 1e-9 * max(1.0, level):
                if level >= limit:
                    break
                # no plan within `level`: widen the program to the nodes a plan of the optimum found may hold
                level = limit if found is None else min(limit, found[1])
                model = None
                continue
            items, _ = found
            if self.is_plan(items):
                best = self.minimal(items)
                plans.append(self.make_plan(best))
                history.append(("exclude_supersets", best))
                model.exclude_supersets(best)
                continue
            cuts += 1
            if cuts > MAX_CUTS:
                raise PlanUnproven(f"no plan toward {target} proven after ruling out {MAX_CUTS} candidate sets that fail evaluation")
            # only the order of prerequisites fails; or the target is not earned, and fewer new nodes derive no
            # more (unless a rule's unless or an anti-requisite can switch it off when more is held: then only
            # this set is ruled out; so too when copies of a repeatable node compete for lineages). A retake is no new node: its attempt can move what a rule derives to as_of,
            # out of a later rule's window, so the subsets cut keep this set's retakes.
            monotone = self.engine.monotone
            cut = "exclude_exactly" if target in self.evaluation(items).held or not monotone else "exclude_subsets"
            history.append((cut, items))
            self.cut(model, cut, items)
        if plans:
            plans.sort(key=lambda p: (p.total, len(p.items), p.items))
            return self.result(True, None, plans)
        return self.result(False, self.explain(bound), [])

    def cut(self, model: PlanModel, cut: str, items: frozenset[str]) -> None:
        """Rule ``items`` out of ``model``: ``exclude_exactly``, ``exclude_subsets`` (those keeping its retakes)
        or ``exclude_supersets``."""
        if cut == "exclude_subsets":
            model.exclude_subsets(items, keeping=items & self.direct)
        else:
            getattr(model, cut)(items)

    def result(self, feasible: bool, reason: str | None, plans: list[Plan]) -> PlanResult:
        return PlanResult(self.request.target, self.request.objective, feasible, reason, tuple(plans))

    # -- why there is no plan ---------------------------------------------------------------------

    def explain(self, bound: PlanBound) -> str:
        """Which requirement no candidate can meet, found with every relevant candidate taken."""
        everything = frozenset(bound.weights)
        full = self.evaluation(everything)
        target = self.request.target
        if target in full.held:
            return self.explain_prerequisites(everything, full)
        return self.explain_node(target, full, bound, set(), top=True) or f"no combination of candidates earns {target}"

    def explain_node(self, n: str, full: Evaluation, bound: PlanBound, seen: set[str], *, top: bool = False) -> str | None:
        if n in full.held or n in seen:
            return None
        seen.add(n)
        rules = [self.engine.rules[r] for r in sorted(bound.index.granting.get(n, ())) if r in bound.rules]
        why = self.why_not_candidate(n)
        if not rules:
            return f"{n} is not a candidate ({why}) and no applicable rule grants it"
        parts = []
        for rule in rules:
            progress = requirement_progress(self.engine, rule.requires, full.held)
            if progress.missing is None:
                lo = rule.valid_from.isoformat() if rule.valid_from else "any time"
                hi = rule.valid_to.isoformat() if rule.valid_to else "any time"
                parts.append(f"rule {rule.id} (grants {n}) does not fire even with every candidate taken: "
                             f"its window ({lo} to {hi}) or limits exclude the holdings")
                continue
            text = f"rule {rule.id} (grants {n}) still needs {_json(progress.missing)} with every candidate taken"
            deeper = [d for m in _missing_nodes(progress.missing) if (d := self.explain_node(m, full, bound, seen))]
            if deeper:
                text += ": " + "; ".join(deeper)
            parts.append(text)
        if top:
            return "; ".join(parts)
        head = f"{n} is not a candidate ({why})" if why else f"{n} cannot be earned"
        return head + "; " + "; ".join(parts)

    def explain_prerequisites(self, everything: frozenset[str], full: Evaluation) -> str:
        blocked = []
        for n in sorted(everything):
            prerequisites = self.engine.nodes[n].prerequisites
            if prerequisites is not None:
                progress = requirement_progress(self.engine, prerequisites, full.held)
                if progress.missing is not None:
                    blocked.append(f"{n} needs {_json(progress.missing)}")
        if blocked:
            return "every route needs a course whose prerequisites no candidate can meet: " + "; ".join(blocked)
        return f"no order of the candidates meets every prerequisite on a route to {self.request.target}"


def derivation(evaluation: Evaluation, target: str) -> tuple[HoldingState, ...]:
    """The derived holdings the target stands on (itself included), in the evaluation's order."""
    needed: set[str] = set()
    stack = [target]
    while stack:
        n = stack.pop()
        h = evaluation.held.get(n)
        if h is None or h.direct or n in needed:
            continue
        needed.add(n)
        stack.extend(h.used_keys)
    return tuple(h for h in evaluation.granted if h.node in needed)


def _missing_nodes(missing: dict[str, Any]) -> list[str]:
    """Node ids named by ``node`` leaves of a ``missing`` requirement, in order (an average's
    ``of`` names what it is taken over, nothing to take)."""
    if "average" in missing:
        return []
    if "node" in missing:
        return [missing["node"]]
    out: list[str] = []
    for key in ("all", "any", "of"):
        for child in missing.get(key, ()):
            out.extend(_missing_nodes(child))
    return out


def _json(req: dict[str, Any] | Requirement) -> str:
    data = req if isinstance(req, dict) else requirement_to_json(req)
    return json.dumps(data, separators=(", ", ": "))
