"""Evaluation ("count toward", SPEC section 4): forward chaining in rounds to a fixpoint.

:func:`evaluate` turns a learner's holdings (and presented badges, already reduced to
:class:`~pathways.model.BadgeClaim` by :mod:`pathways.io.openbadges`) into every derived
holding, round by round, then reports the rules partly met (``progress``) and the rules that
one lifted condition would fire (``skipped``). Only rules a held node touches are ever
matched: the engine's indexes hand them over.

Example:
    >>> from pathways.model import Document, EvaluationRequest
    >>> from .index import Engine
    >>> doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
    ...     "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "credits": 1} for c in "ABC"]
    ...            + [{"id": "U:D", "kind": "course", "institution": "U", "title": "D", "credits": 3}],
    ...     "rules": [{"id": "R", "kind": "plar", "granted_by": "U",
    ...                "requires": {"all": [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:C"}]},
    ...                "grants": [{"node": "U:D"}]}]})
    >>> request = EvaluationRequest.from_json({"holdings": [{"node": "U:A"}, {"node": "U:B"}], "as_of": "2026-01-10"})
    >>> evaluate(Engine(doc), request).to_json()["progress"][0]["missing"]
    {'node': 'U:C'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput, Problem
from ..model import BadgeClaim, EvaluationRequest, Holding, Requirement, requirement_unit
from ..model.grades import FAIL
from .attempts import rank_attempts
from .deadline import NEVER, Deadline, active
from .holdings import HoldingState, node_id, synthetic_holdings, years_before
from .index import LEAF, CompiledRule, Engine, compile_requirement
from .matching import Progress
from .progress import best_progress
from .rounds import Run

__all__ = [
    "SKIP_REASONS",
    "Evaluation",
    "HoldingState",
    "NoCredit",
    "ProgressEntry",
    "Recognized",
    "Skipped",
    "evaluate",
    "requirement_progress",
    "synthetic_holdings",
    "years_before",
]

SKIP_REASONS: tuple[str, ...] = ("pilot", "outside_window", "expired", "limits", "below_min_grade", "excluded")
"""Why a rule did not fire, in the order SPEC checks them (``below_min_grade``: a held node's
letter grade is below a leaf's ``min_grade``; ``excluded``: its ``unless`` is met)."""


@dataclass(frozen=True, slots=True)
class Recognized:
    """A presented Open Badges credential and the node it was recognized as; an ``expired`` one
    (past its validUntil on as_of) is recognized but not held."""

    input: str
    node: str
    expired: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "node": self.node, "expired": self.expired}


@dataclass(frozen=True, slots=True)
class NoCredit:
    """An explicit "no credit" agreement met: what the learner holds (``uses``) that the
    receiving institution (``granted_by``) has assessed and does not credit."""

    rule: str
    granted_by: str
    uses: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "granted_by": self.granted_by, "uses": list(self.uses)}


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    """A rule partly met by the final holdings: how far (fraction), with what, what is missing."""

    rule: str
    target: str
    kind: str
    fraction: float
    uses: tuple[str, ...]
    missing: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "target": self.target,
            "kind": self.kind,
            "fraction": round(self.fraction, 3),
            "uses": list(self.uses),
            "missing": self.missing,
        }


@dataclass(frozen=True, slots=True)
class Skipped:
    """A rule that would fire if one condition were lifted; ``reason`` is one of :data:`SKIP_REASONS`."""

    rule: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "reason": self.reason}


@dataclass
class Evaluation:
    """The result of :func:`evaluate`; ``held`` maps every node held at the end (direct and
    derived) to its holding, and a repeatable node's further copies by their
    :func:`~pathways.engine.holdings.copy_key` (``"UNBC:HIST-1ST 2"``)."""

    as_of: dt.date
    held: dict[str, HoldingState]
    granted: list[HoldingState]
    no_credit: list[NoCredit] = field(default_factory=list)
    progress: list[ProgressEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)
    recognized: list[Recognized] = field(default_factory=list)

    @property
    def fired(self) -> set[str]:
        """Ids of the rules whose derivations were granted."""
        return {h.rule for h in self.granted if h.rule is not None}

    def to_json(self) -> dict[str, Any]:
        """SPEC section 4's output, with ``no_credit`` and ``recognized`` (second edition, amendments 5 and 10)."""
        return {
            "as_of": self.as_of.isoformat(),
            "granted": [h.to_json() for h in self.granted],
            "no_credit": [n.to_json() for n in self.no_credit],
            "progress": [p.to_json() for p in self.progress],
            "skipped": [s.to_json() for s in self.skipped],
            "unrecognized": list(self.unrecognized),
            "recognized": [r.to_json() for r in self.recognized],
        }


def evaluate(
    engine: Engine,
    request: EvaluationRequest,
    *,
    today: dt.date | None = None,
    extra_holdings: Sequence[Holding] = (),
    badges: Sequence[BadgeClaim] = (),
    report: bool = True,
    only: Collection[str] | None = None,
    deadline: Deadline = NEVER,
) -> Evaluation:
    """Evaluate holdings against the graph (SPEC section 4).

    Parameters:
        engine: the graph snapshot.
        request: holdings, as_of (default ``today``), include_pilot. Its ``credentials`` are
            not read here: convert them with :func:`pathways.io.openbadges.badge_claims` and
            pass ``badges``.
        today: the date ``as_of`` defaults to (today's date when ``None``).
        extra_holdings: more direct holdings (the planner's candidates, see :func:`synthetic_holdings`).
        badges: presented Open Badges; an unrecognized one's first identifier is reported.
        report: when false, ``progress`` and ``skipped`` are not computed (the planner's fast path).
        only: when given, the only rules matched besides one-to-one rules. The planner passes the
            rules that can grant a node its target depends on (every rule granting such a node, the
            nodes their requirements mention, and so on): every such node is then held exactly as
            in a full evaluation, since no other rule feeds it; the rest may be missing.
        deadline: checked once per rule matched; past it the evaluation stops.

    Raises:
        InvalidInput: a holding or badge dated after ``as_of`` (path ``holdings[i].earned``).
        DeadlineExceeded: ``deadline`` passed (or was cancelled) before the answer was complete.
    """
    as_of = request.resolved_as_of(today)
    request.check_dates(as_of)
    unrecognized: list[str] = []
    recognized: list[Recognized] = []
    presented: dict[str, list[HoldingState]] = {}
    problems: list[Problem] = []

    def present(node: str, grade: str | None, earned: dt.date | None) -> None:
        if node not in engine.nodes:
            unrecognized.append(node)
            return
        if grade == FAIL:
            return
        h = HoldingState(node, float(engine.nodes[node].credits), earned or as_of, grade, frozenset((node,)))
        presented.setdefault(node, []).append(h)

    for holding in request.holdings:
        present(holding.node, holding.grade, holding.earned)
    for i, holding in enumerate(extra_holdings):
        if holding.earned is not None and holding.earned > as_of:
            problems.append(Problem(f"extra_holdings[{i}].earned", f"{holding.earned} is after as_of {as_of}"))
        present(holding.node, holding.grade, holding.earned)
    for claim in badges:
        if claim.earned is not None and claim.earned > as_of:
            problems.append(Problem(f"{claim.path}.validFrom", f"{claim.earned} is after as_of {as_of}"))
        node = next((n for ident in claim.identifiers if (n := engine.node_for_identifier(ident)) is not None), None)
        if node is None:
            if claim.identifiers:
                unrecognized.append(claim.identifiers[0])
            continue
        expired = claim.valid_until is not None and claim.valid_until < as_of
        recognized.append(Recognized(claim.identifiers[0], node, expired))
        if not expired:
            present(node, None, claim.earned)
    if problems:
        raise InvalidInput(problems)
    ranked = {node: rank_attempts(presented[node]) for node in sorted(presented)}
    excluded: frozenset[str] = frozenset()
    with active(deadline):
        while True:
            run = Run(engine, as_of, request.include_pilot, only, deadline=deadline, excluded=excluded)
            for node, attempts in ranked.items():
                if len(attempts) > 1:
                    run.attempts[node] = attempts
                run.add(attempts[0])
            granted = run.rounds()
            more = _excluded(run, granted)
            if not more:
                break
            excluded |= more
        result = Evaluation(as_of=as_of, held=dict(run.held), granted=granted, unrecognized=sorted(set(unrecognized)),
                            recognized=recognized)
        if report:
            _report(run, result)
    return result


def _excluded(run: Run, granted: Sequence[HoldingState]) -> frozenset[str]:
    """The rules that fired although the final holdings meet their ``unless`` (none, mostly:
    only rules with an ``unless`` are looked at)."""
    rules = run.engine.rules
    fired = {h.rule for h in granted if h.rule is not None and rules[h.rule].unless is not None}
    return frozenset(r for r in fired if _meets(run, rules[r].unless))  # type: ignore[arg-type]


def _meets(run: Run, requirement: Requirement) -> bool:
    """Whether the holdings of ``run`` meet ``requirement`` (dates aside, lineages disjoint)."""
    return requirement_progress(run.engine, requirement, run.held).fraction >= 1.0 - 1e-9


_NONE = Progress(fraction=0.0, uses=(), missing=None)
"""The progress of a rule without candidates (never reported)."""


def _report(run: Run, result: Evaluation) -> None:
    """Fill ``progress`` and ``skipped`` from the final holdings.

    One-to-one rules never show progress (their fraction is 0 or 1) and were decided as
    their node arrived: only those remembered in ``run.pending`` can be skipped. Every other
    rule a held node touches is matched again, with each condition lifted in turn.
    """
    engine = run.engine
    fired = result.fired
    skipped = [Skipped(lr[2], reason) for lr, node in run.pending if (reason := run.pending_reason(lr, node)) is not None]
    skipped += [Skipped(r, "excluded") for r in run.excluded if not all(node in run.held for node, _ in engine.compiled[r].grants)]
    touched = sorted(set().union(*run.touched))
    made: dict[tuple[Any, ...], Progress] = {}
    for rule_id in touched:
        run.deadline.check("evaluation")
        rule = engine.compiled[rule_id]
        if not rule.grants:
            if run.applicable(rule) and (a := run.match(rule)) is not None:
                result.no_credit.append(NoCredit(rule_id, rule.granted_by, tuple(map(node_id, a.uses))))
            continue
        if rule_id in fired or all(node in run.held for node, _ in rule.grants):
            continue
        if rule_id in run.excluded:
            continue
        reason = None
        if rule.status == "pilot" and not run.include_pilot:
            if run.match(rule) is not None:
                reason = "pilot"
        elif run.applicable(rule):
            # lifting a condition the rule does not have changes nothing: its last match, against
            # every candidate it has now, failed
            windowed = rule.valid_from is not None or rule.valid_to is not None
            if windowed and run.match(rule, window=False) is not None:
                reason = "outside_window"
            elif rule.max_age_years is not None and run.match(rule, age=False) is not None:
                reason = "expired"
            elif rule.limits and run.match(rule, limits=False) is not None:
                reason = "limits"
            elif any(s[0] == LEAF and s[3] is not None for s in rule.slots) and run.match(rule, grades=False) is not None:
                reason = "below_min_grade"
        if reason is not None:
            skipped.append(Skipped(rule_id, reason))
        if not run.applicable(rule):
            continue
        # a rule's candidates follow from its slots and dates: rules alike in both (one
        # degree at several institutions) make the same progress
        alike = (rule.tree, run.bounds(rule))
        p = made.get(alike)
        if p is None:
            cands = run.stand_ins(rule)
            p = made[alike] = best_progress(rule.tree, rule.slots, cands) if cands else _NONE
        if 0.0 < p.fraction < 1.0 - 1e-9:
            target = next(node for node, _ in rule.grants if node not in run.held)
            result.progress.append(ProgressEntry(rule_id, target, rule.kind, p.fraction, tuple(map(node_id, p.uses)), p.missing))
    result.skipped = sorted(skipped, key=lambda s: s.rule)


def requirement_progress(engine: Engine, requirement: Requirement | str, held: Mapping[str, HoldingState]) -> Progress:
    """How far ``held`` goes toward a requirement (or a rule's, by rule id), ignoring dates.

    For the planner and for reach. Returns the best :class:`~pathways.engine.matching.Progress`:
    ``fraction`` 1.0 means met with pairwise disjoint lineages, and ``missing`` is the
    requirement reduced to what is still needed (``None`` when met).
    """
    if isinstance(requirement, str):
        compiled = engine.compiled[requirement]
        tree, slots = compiled.tree, compiled.slots
    else:
        tree, slots = compile_requirement(requirement)
    unit = engine.compiled[requirement].unit if isinstance(requirement, str) else requirement_unit(requirement)
    rule = CompiledRule("", "stack", "", "approved", tree, slots, (), None, None, None, (), unit=unit)
    run = Run(engine, dt.date.max, True)
    for key, h in held.items():
        run.add(h, key=key)
    return best_progress(tree, slots, run.candidates(rule))
