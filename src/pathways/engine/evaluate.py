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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput, Problem
from ..model import BadgeClaim, EvaluationRequest, Holding, Requirement, requirement_unit
from ..model.grades import FAIL
from .antirequisites import losers as anti_losers
from .attempts import rank_attempts
from .averages import averaged_progress
from .deadline import NEVER, Deadline, active
from .holdings import HoldingState, node_id, synthetic_holdings, years_before
from .candidates import Candidate
from .index import LEAF, POOL, CompiledRule, Engine, compile_shape
from .loose import FlatPlan, flat_outlook
from .matching import Progress
from .progress import best_progress, bounded
from .ranking import NOTHING, Contender, Outlook, ProgressEntry, ProgressFocus, missing_credits, outlook, relaxed_outlook, top_progress
from .rounds import Run

__all__ = [
    "SKIP_REASONS",
    "Evaluation",
    "HoldingState",
    "NoCredit",
    "ProgressEntry",
    "ProgressFocus",
    "Recognized",
    "Skipped",
    "evaluate",
    "requirement_progress",
    "synthetic_holdings",
    "years_before",
]

SKIP_REASONS: tuple[str, ...] = ("pilot", "outside_window", "expired", "limits", "below_min_grade", "excluded")
"""Why a rule did not fire, in the order SPEC checks them (``below_min_grade``: a held node's
letter grade is below a leaf's ``min_grade``; ``excluded``: its ``unless`` is met, or it needs
a node that lost to an anti-requisite at the rule's institution)."""


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
    :func:`~pathways.engine.holdings.copy_key` (``"UNBC:HIST-1ST 2"``).

    ``progress`` is every partly met rule by rule id, or, under a ``focus``, those of interest
    ranked and cut (:mod:`pathways.engine.ranking`); ``progress_total`` counts them before the cut.
    """

    as_of: dt.date
    held: dict[str, HoldingState]
    granted: list[HoldingState]
    no_credit: list[NoCredit] = field(default_factory=list)
    progress: list[ProgressEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)
    recognized: list[Recognized] = field(default_factory=list)
    progress_total: int = 0
    focus: ProgressFocus | None = None

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
    deadline: Deadline = NEVER,
    focus: ProgressFocus | None = None,
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
        deadline: checked once per rule matched; past it the evaluation stops.
        focus: when given, ``progress`` holds only the entries it admits, ranked and cut to its
            limit, and only the progress that can make the cut is computed (``progress_total``
            stays the count of every entry admitted): an answer's shape, decided here so that
            the rest is never computed.

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
    losers: dict[str, str] = {}
    with active(deadline):
        while True:
            run = Run(engine, as_of, request.include_pilot, deadline=deadline, excluded=excluded, losers=losers)
            for node, attempts in ranked.items():
                if len(attempts) > 1:
                    run.attempts[node] = attempts
                run.add(attempts[0])
            granted = run.rounds()
            more = _excluded(run, granted)
            lost = {n: inst for n, inst in anti_losers(engine, run.held, run.attempts).items() if n not in losers}
            if not more and not lost:
                break
            excluded |= more
            # a node once found losing stays so (as a rule switched off stays off): passes end
            losers = {**losers, **lost}
        result = Evaluation(as_of=as_of, held=dict(run.held), granted=granted, unrecognized=sorted(set(unrecognized)),
                            recognized=recognized)
        if report:
            _report(run, result, focus)
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


def _report(run: Run, result: Evaluation, focus: ProgressFocus | None) -> None:
    """Fill ``progress`` and ``skipped`` from the final holdings.

    One-to-one rules never show progress (their fraction is 0 or 1) and were decided as
    their node arrived: only those remembered in ``run.pending`` can be skipped. Every other
    rule a held node touches is matched again, with each condition lifted in turn. Under a
    ``focus``, the rules of interest are contenders for :func:`~pathways.engine.ranking.top_progress`,
    which computes the progress of those that can make the cut.
    """
    engine = run.engine
    fired = result.fired
    skipped = [Skipped(lr[2], reason) for lr, node in run.pending if (reason := run.pending_reason(lr, node)) is not None]
    skipped += [Skipped(r, "excluded") for r in run.excluded if not all(node in run.held for node, _ in engine.compiled[r].grants)]
    touched = sorted(set().union(*run.touched))
    progress = _Progress(run)
    compiled, nodes, graded, held, excluded = engine.compiled, engine.nodes, engine.graded, run.held, run.excluded
    include_pilot, benching = run.include_pilot, run.benching
    every = focus is not None and focus.targets is None and focus.institutions is None
    for rule_id in touched:
        run.deadline.check("evaluation")
        rule = compiled[rule_id]
        if not rule.grants:
            if run.applicable(rule) and (a := run.match(rule)) is not None:
                result.no_credit.append(NoCredit(rule_id, rule.granted_by, tuple(map(node_id, a.uses))))
            continue
        if rule_id in fired:
            continue
        for target, _ in rule.grants:  # the entry's target: the first grant not held
            if target not in held:
                break
        else:
            continue
        if rule_id in excluded:
            continue
        reason = None
        status = rule.status
        applicable = status == "approved" or (status == "pilot" and include_pilot)
        if status == "pilot" and not include_pilot:
            if run.match(rule) is not None:
                reason = "pilot"
        elif applicable:
            # lifting a condition the rule does not have changes nothing: its last match, against
            # every candidate it has now, failed
            windowed = rule.valid_from is not None or rule.valid_to is not None
            if windowed and run.match(rule, window=False) is not None:
                reason = "outside_window"
            elif rule.max_age_years is not None and run.match(rule, age=False) is not None:
                reason = "expired"
            elif rule.limits and run.match(rule, limits=False) is not None:
                reason = "limits"
            elif rule_id in graded and run.match(rule, grades=False) is not None:
                reason = "below_min_grade"
            elif rule.granted_by in benching and run.match(rule, excludes=False) is not None:
                reason = "excluded"  # but for a node that lost to an anti-requisite at the rule's institution
        if reason is not None:
            skipped.append(Skipped(rule_id, reason))
        if not applicable:
            continue
        if focus is None:
            entry = progress.entry(rule_id)
            if entry is not None:
                result.progress.append(entry)
            continue
        if every or focus.admits(target, nodes[target].institution):
            progress.contend(rule)
    if focus is None:
        result.progress_total = len(result.progress)
    else:
        result.progress, result.progress_total = top_progress(progress.contenders, focus.limit, refine=progress.refine,
                                                                 exact=progress.exact)
        result.focus = focus
    result.skipped = sorted(skipped, key=lambda s: s.rule)


class _Progress:
    """The progress of the rules :func:`_report` looks at, each computed once.

    A rule's candidates follow from its slots and dates: rules alike in both (one degree at
    several institutions) have the same candidates, outlook and progress, shared here.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.contenders: list[Contender] = []
        self.cands: dict[tuple[Any, ...], list[Candidate]] = {}
        self.outlooks: dict[tuple[Any, ...], Outlook] = {}
        self.loose: dict[tuple[Any, ...], Outlook] = {}
        self.held_together: float | None = None
        self.advancing: dict[tuple[Any, ...], bool | None] = {}
        self.made: dict[tuple[Any, ...], Progress] = {}
        nodes = run.engine.nodes
        self.credits = lambda n: float(nodes[n].credits) if n in nodes else None

    def target(self, rule: CompiledRule) -> str:
        """The node ``rule`` would grant that is not held yet (the entry's ``target``)."""
        return next(node for node, _ in rule.grants if node not in self.run.held)

    def _alike(self, rule: CompiledRule) -> tuple[Any, ...]:
        # at an institution where an anti-requisite lost, the rule's candidates leave the loser out;
        # equal trees are one object in the engine: keyed by identity, no tree is hashed
        run = self.run
        return (id(rule.tree), run.bounds(rule), rule.granted_by if rule.granted_by in run.benching else None)

    def _candidates(self, rule: CompiledRule, alike: tuple[Any, ...]) -> list[Candidate]:
        cands = self.cands.get(alike)
        if cands is None:
            cands = self.cands[alike] = self.run.stand_ins(rule)
        return cands

    def contend(self, rule: CompiledRule) -> None:
        """Add ``rule`` to :attr:`contenders`, with the outlook of what its slots could hold
        (:meth:`Run.slot_state <pathways.engine.rounds.Run.slot_state>`, dates ignored), or, for a
        rule of hours, its own. A held node that is surely a candidate for a slot it fills surely
        advances a rule without ``credits ... of`` (:meth:`_advanced`)."""
        run = self.run
        rule_id = rule.id
        if rule.averages:
            # an average is one more part of the rule's fraction, which no outlook reads: computed when it may make the cut
            contender = Contender(rule_id, Outlook(1.0, 0.0, False))
        elif rule.unit != "credits":
            contender = self.refine(Contender(rule_id, NOTHING, refined=False))
        else:
            # what the outlook reads of the rule: rules alike in it share one
            alike = (id(rule.tree), run.bounds(rule), rule.kind == "transfer", rule.pass_counts_as,
                     rule.granted_by if rule.granted_by in run.benching else None)
            loose = self.loose.get(alike)
            if loose is None:
                loose = self.loose[alike] = self._loose(rule, run.engine.flat_plans.get(rule_id))
            contender = Contender(rule_id, loose, refined=False)
        if contender.outlook.bound > 0.0:
            self.contenders.append(contender)

    def _loose(self, rule: CompiledRule, plan: FlatPlan | None) -> Outlook:
        state, filled = self.run.slot_state(rule)
        if not filled:
            return NOTHING
        if plan is None:
            loose = relaxed_outlook(rule.tree, state, credits=self.credits, advances=True, shared=self._together)
        else:
            bound, needed = flat_outlook(plan, state, self._together(()) if len(plan.pools) > 1 else 0.0)
            loose = Outlook(bound, needed, bound < 1.0 - _PARTIAL)
        # partial only if some held node surely advances the rule, looked for only then; a node that
        # lost to an anti-requisite is no candidate at its institution: left to the candidates there
        if not loose.partial:
            return loose
        if rule.bounded and rule.granted_by not in self.run.benching:
            advanced = self._advanced(rule, filled)
            if advanced:
                return loose
            if advanced is not None:
                # no held node is a candidate that adds anything: no progress at all (and none
                # through ``credits ... of``, which a bounded rule has not)
                return NOTHING
        return Outlook(loose.bound, loose.needed, False)

    def _together(self, pools: tuple[int, ...]) -> float:
        """The most any pools can hold together: each holding placed once, and holdings sharing a
        lineage holding (grouped by the smallest) exclude one another, so per group the largest
        credits held."""
        if self.held_together is None:
            largest: dict[str, float] = {}
            for h in self.run.held.values():
                group = min(h.lineage)
                if h.credits > largest.get(group, 0.0):
                    largest[group] = h.credits
            self.held_together = sum(largest.values())
        return self.held_together

    def _advanced(self, rule: CompiledRule, filled: list[int]) -> bool | None:
        """Whether a held node is surely a candidate of ``rule`` for a filled slot (with credits,
        for a pool): one inside the rule's dates, transfer credit aside for a ``transfer`` rule
        (:meth:`Run.candidates <pathways.engine.rounds.Run.candidates>`). A leaf is filled by its
        node graded as the leaf needs; a node presented more than once, or a repeatable node's
        copies, are left to the candidates: ``None`` when one of them might be. ``False`` means
        no candidate adds anything (an empty slot has no candidate with credits either).
        A pool's answer depends on its filter, the dates and ``transfer`` only: rules alike in
        those (a degree's pools at one institution) share it."""
        run = self.run
        lo, hi = run.bounds(rule)
        at_origin = rule.kind == "transfer"
        known: bool | None = False
        for s in filled:
            spec = rule.slots[s]
            if spec[0] == POOL:
                key = (id(spec[3]), lo, hi, at_origin)
                if key in self.advancing:
                    advances = self.advancing[key]
                else:
                    advances = self.advancing[key] = self._fits(run.in_pool(spec[3]), lo, hi, at_origin, credited=True)
            elif spec[0] == LEAF:
                advances = self._fits((spec[2],), lo, hi, at_origin, credited=False)
                if not advances and spec[2] in run.copies:  # another copy may be inside the dates
                    advances = None
            else:
                advances = self._fits(run.holders.get(spec[2], ()), lo, hi, at_origin, credited=False)
            if advances:
                return True
            if advances is None:
                known = None
        return known

    def _fits(self, keys: Iterable[str], lo: dt.date | None, hi: dt.date | None, at_origin: bool, *,
              credited: bool) -> bool | None:
        """Whether one of the holdings held under ``keys`` (with credits, when ``credited``), not
        presented more than once, is inside ``lo``..``hi`` (and no transfer credit, ``at_origin``);
        ``None`` instead of ``False`` when one presented more than once was left out."""
        held, attempts = self.run.held, self.run.attempts
        out: bool | None = False
        for n in keys:
            h = held[n]
            if credited and not h.credits > 0:
                continue
            if n in attempts:
                out = None
            elif not (at_origin and h.kind == "transfer") and (lo is None or h.earned >= lo) and (hi is None or h.earned <= hi):
                return True
        return out

    def refine(self, contender: Contender) -> Contender:
        """``contender`` with the outlook of its own candidates."""
        rule = self.run.engine.compiled[contender.rule]
        alike = self._alike(rule)
        known = self.outlooks.get(alike)
        if known is None:
            known = self.outlooks[alike] = outlook(rule.tree, rule.slots, cands=self._candidates(rule, alike),
                                                        credits=self.credits, plan=self.run.engine.flat_plans.get(rule.id))
        return Contender(contender.rule, known)

    def exact(self, contender: Contender) -> ProgressEntry | None:
        """:meth:`entry` of a contender."""
        return self.entry(contender.rule)

    def entry(self, rule_id: str) -> ProgressEntry | None:
        """The progress entry of ``rule_id``, ``None`` unless it is partly met."""
        rule = self.run.engine.compiled[rule_id]
        alike = self._alike(rule)
        if rule.shape is not None:  # what it reads depends on which averages are met: not shared
            run, pass_as = self.run, rule.pass_counts_as
            p = averaged_progress(rule.shape, rule.slots, self._candidates(rule, alike), lambda avg: run.average(avg, pass_as))
        else:
            made = self.made.get(alike)
            if made is None:
                cands = self._candidates(rule, alike)
                made = self.made[alike] = best_progress(rule.tree, rule.slots, cands) if cands else _NONE
            p = made
        if not 0.0 < p.fraction < 1.0 - _PARTIAL:
            return None
        needed = missing_credits(p.missing, self.credits)
        return ProgressEntry(rule_id, self.target(rule), rule.kind, p.fraction, tuple(map(node_id, p.uses)), p.missing, needed)


_PARTIAL = 1e-9
"""A fraction this close to 1 is met, not partly met."""


def requirement_progress(engine: Engine, requirement: Requirement | str, held: Mapping[str, HoldingState]) -> Progress:
    """How far ``held`` goes toward a requirement (or a rule's, by rule id), ignoring dates.

    For the planner and for reach. Returns the best :class:`~pathways.engine.matching.Progress`:
    ``fraction`` 1.0 means met with pairwise disjoint lineages, and ``missing`` is the
    requirement reduced to what is still needed (``None`` when met).
    """
    pass_as = None
    if isinstance(requirement, str):
        compiled = engine.compiled[requirement]
        shape, slots, pass_as = compiled.shape or compiled.tree, compiled.slots, compiled.pass_counts_as
    else:
        shape, slots = compile_shape(requirement)
    unit = engine.compiled[requirement].unit if isinstance(requirement, str) else requirement_unit(requirement)
    rule = CompiledRule("", "stack", "", "approved", shape, slots, (), None, None, None, (), unit=unit)
    run = Run(engine, dt.date.max, True)
    for key, h in held.items():
        run.add(h, key=key)
    return averaged_progress(shape, slots, run.candidates(rule), lambda avg: run.average(avg, pass_as))
