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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput, Problem
from ..model import BadgeClaim, EvaluationRequest, Holding, Requirement, lowest_letter, meets_min_grade
from ..model.grades import FAIL, LETTERS
from .index import COMPETENCY, LEAF, CompiledRule, Engine, compile_requirement
from .matching import Assignment, Candidate, Progress, best_assignment, best_progress, number

__all__ = [
    "SKIP_REASONS",
    "Evaluation",
    "HoldingState",
    "ProgressEntry",
    "Skipped",
    "evaluate",
    "requirement_progress",
    "synthetic_holdings",
    "years_before",
]

SKIP_REASONS: tuple[str, ...] = ("pilot", "outside_window", "expired", "limits")
"""Why a rule did not fire, in the order SPEC checks them."""


@dataclass(frozen=True, slots=True)
class HoldingState:
    """A holding in an evaluation: direct (``rule`` is ``None``) or derived by a rule.

    ``lineage`` is the set of direct holdings it stands on; ``uses`` the holdings its rule
    used; ``round`` the derivation round (0 for direct holdings).
    """

    node: str
    credits: float
    earned: dt.date
    grade: str | None
    lineage: frozenset[str]
    rule: str | None = None
    kind: str | None = None
    granted_by: str | None = None
    uses: tuple[str, ...] = ()
    round: int = 0

    @property
    def direct(self) -> bool:
        """Whether the learner presented this holding (rather than a rule deriving it)."""
        return self.rule is None

    def to_json(self) -> dict[str, Any]:
        """A ``granted`` entry of SPEC section 4 (meaningful for derived holdings)."""
        return {
            "node": self.node,
            "credits": number(self.credits),
            "rule": self.rule,
            "kind": self.kind,
            "granted_by": self.granted_by,
            "earned": self.earned.isoformat(),
            "grade": self.grade,
            "uses": list(self.uses),
            "lineage": sorted(self.lineage),
        }


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
    """The result of :func:`evaluate`; ``held`` maps every node held at the end (direct and derived)."""

    as_of: dt.date
    held: dict[str, HoldingState]
    granted: list[HoldingState]
    progress: list[ProgressEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unrecognized: list[str] = field(default_factory=list)

    @property
    def fired(self) -> set[str]:
        """Ids of the rules whose derivations were granted."""
        return {h.rule for h in self.granted if h.rule is not None}

    def to_json(self) -> dict[str, Any]:
        """Exactly SPEC section 4's output."""
        return {
            "as_of": self.as_of.isoformat(),
            "granted": [h.to_json() for h in self.granted],
            "progress": [p.to_json() for p in self.progress],
            "skipped": [s.to_json() for s in self.skipped],
            "unrecognized": list(self.unrecognized),
        }


def years_before(day: dt.date, years: float) -> dt.date:
    """``day`` minus ``years`` (calendar years; a fraction of a year as days of 365.2425).

    >>> years_before(dt.date(2024, 2, 29), 1), years_before(dt.date(2026, 1, 1), 0.5)
    (datetime.date(2023, 2, 28), datetime.date(2025, 7, 2))
    """
    whole = int(years)
    try:
        out = day.replace(year=day.year - whole)
    except ValueError:  # 29 February in a year that has none
        out = day.replace(year=day.year - whole, day=28)
    return out - dt.timedelta(days=round((years - whole) * 365.2425))


def synthetic_holdings(nodes: Iterable[str], as_of: dt.date) -> list[Holding]:
    """Holdings the planner adds: each node earned on ``as_of`` with grade ``A+`` (meets every min_grade)."""
    return [Holding(node=n, grade="A+", earned=as_of) for n in nodes]


_RANK = {letter: len(LETTERS) - i for i, letter in enumerate(LETTERS)}


class _Run:
    """One evaluation: the held holdings and the competency holders index, grown round by round."""

    def __init__(self, engine: Engine, as_of: dt.date, include_pilot: bool) -> None:
        self.engine = engine
        self.as_of = as_of
        self.include_pilot = include_pilot
        self.held: dict[str, HoldingState] = {}
        self.holders: dict[str, list[str]] = defaultdict(list)

    def add(self, h: HoldingState) -> None:
        self.held[h.node] = h
        for comp in self.engine.demonstrates(h.node):
            self.holders[comp].append(h.node)

    def applicable(self, rule: CompiledRule) -> bool:
        return rule.status == "approved" or (rule.status == "pilot" and self.include_pilot)

    def candidates(self, rule: CompiledRule, *, window: bool = True, age: bool = True) -> list[Candidate]:
        """Holdings that fit some slot of ``rule`` and meet condition 1 (unless lifted)."""
        lo = rule.valid_from if window else None
        hi = rule.valid_to if window else None
        oldest = years_before(self.as_of, rule.max_age_years) if age and rule.max_age_years is not None else None
        if oldest is not None and (lo is None or oldest > lo):
            lo = oldest
        fits: dict[str, list[int]] = {}

        def fit(h: HoldingState | None, slot: int) -> None:
            if h is None or (lo is not None and h.earned < lo) or (hi is not None and h.earned > hi):
                return
            fits.setdefault(h.node, []).append(slot)

        held = self.held
        for spec in rule.slots:
            tag, slot = spec[0], spec[1]
            if tag == LEAF:
                h = held.get(spec[2])
                if h is not None and meets_min_grade(h.grade, spec[3]):
                    fit(h, slot)
            elif tag == COMPETENCY:
                for n in self.holders.get(spec[2], ()):
                    fit(held[n], slot)
            else:
                where = spec[3]
                in_pool = self.engine.in_pool
                for n, h in held.items():
                    if in_pool(where, n):
                        fit(h, slot)
        out = []
        for n, slots in fits.items():
            h = held[n]
            resident = h.rule is None or h.kind in ("stack", "ladder")
            out.append(
                Candidate(
                    node=n,
                    lineage=h.lineage,
                    credits=h.credits,
                    slots=tuple(slots),
                    recognized=h.kind in ("plar", "transfer"),
                    resident_of=self.engine.nodes[n].institution if resident else None,
                )
            )
        return out

    def match(self, rule: CompiledRule, *, window: bool = True, age: bool = True, limits: bool = True) -> Assignment | None:
        """The assignment that fires ``rule`` against the holdings now held, or ``None``."""
        if rule.tree[0] == LEAF and not (limits and rule.limits):
            cands = self.candidates(rule, window=window, age=age)
            if not cands:
                return None
            lineage = tuple(sorted(cands[0].lineage))
            return Assignment(uses=(cands[0].node,), lineage=lineage)
        cands = self.candidates(rule, window=window, age=age)
        if not cands:
            return None
        return best_assignment(rule.tree, rule.slots, cands, rule.limits if limits else ())

    def derive(self, rule: CompiledRule, a: Assignment, round_no: int) -> list[HoldingState]:
        used = [self.held[n] for n in a.uses]
        earned = max(h.earned for h in used)
        grade = lowest_letter([h.grade for h in used])
        lineage = frozenset(a.lineage)
        return [
            HoldingState(node, credits, earned, grade, lineage, rule.id, rule.kind, rule.granted_by, a.uses, round_no)
            for node, credits in rule.grants
            if node not in self.held
        ]


def _better(a: HoldingState, b: HoldingState) -> bool:
    """Between two presented holdings of one node: the better grade, then the later date."""
    ra, rb = _RANK.get(a.grade or "", 0), _RANK.get(b.grade or "", 0)
    return (ra, a.earned) > (rb, b.earned)


def evaluate(
    engine: Engine,
    request: EvaluationRequest,
    *,
    today: dt.date | None = None,
    extra_holdings: Sequence[Holding] = (),
    badges: Sequence[BadgeClaim] = (),
    report: bool = True,
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

    Raises:
        InvalidInput: a holding or badge dated after ``as_of`` (path ``holdings[i].earned``).
    """
    as_of = request.resolved_as_of(today)
    request.check_dates(as_of)
    run = _Run(engine, as_of, request.include_pilot)
    unrecognized: list[str] = []
    presented: dict[str, HoldingState] = {}
    problems: list[Problem] = []

    def present(node: str, grade: str | None, earned: dt.date | None) -> None:
        if node not in engine.nodes:
            unrecognized.append(node)
            return
        if grade == FAIL:
            return
        h = HoldingState(node, float(engine.nodes[node].credits), earned or as_of, grade, frozenset((node,)))
        if node not in presented or _better(h, presented[node]):
            presented[node] = h

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
        present(node, None, claim.earned)
    if problems:
        raise InvalidInput(problems)
    for node in sorted(presented):
        run.add(presented[node])

    granted: list[HoldingState] = []
    dirty = {r for n in run.held for r in engine.rules_touching(n)}
    round_no = 0
    while dirty:
        round_no += 1
        best: dict[str, tuple[tuple[int, tuple[str, ...], str], HoldingState]] = {}
        for rule_id in dirty:
            rule = engine.compiled[rule_id]
            if not run.applicable(rule) or all(node in run.held for node, _ in rule.grants):
                continue
            a = run.match(rule)
            if a is None:
                continue
            key = (len(a.lineage), a.lineage, rule.id)
            for h in run.derive(rule, a, round_no):
                if h.node not in best or key < best[h.node][0]:
                    best[h.node] = (key, h)
        winners = [best[n][1] for n in sorted(best)]
        for h in winners:
            run.add(h)
        granted.extend(winners)
        dirty = {r for h in winners for r in engine.rules_touching(h.node)}

    result = Evaluation(as_of=as_of, held=dict(run.held), granted=granted, unrecognized=sorted(set(unrecognized)))
    if report:
        _report(run, result)
    return result


def _report(run: _Run, result: Evaluation) -> None:
    """Fill ``progress`` and ``skipped`` from the final holdings."""
    engine = run.engine
    fired = result.fired
    touched = sorted({r for n in run.held for r in engine.rules_touching(n)})
    for rule_id in touched:
        rule = engine.compiled[rule_id]
        if rule_id in fired or all(node in run.held for node, _ in rule.grants):
            continue
        reason = None
        if rule.status == "pilot" and not run.include_pilot:
            if run.match(rule) is not None:
                reason = "pilot"
        elif run.applicable(rule):
            if run.match(rule, window=False) is not None:
                reason = "outside_window"
            elif run.match(rule, age=False) is not None:
                reason = "expired"
            elif rule.limits and run.match(rule, limits=False) is not None:
                reason = "limits"
        if reason is not None:
            result.skipped.append(Skipped(rule_id, reason))
        if not run.applicable(rule):
            continue
        cands = run.candidates(rule)
        if not cands:
            continue
        p = best_progress(rule.tree, rule.slots, cands)
        if 0.0 < p.fraction < 1.0 - 1e-9:
            target = next(node for node, _ in rule.grants if node not in run.held)
            result.progress.append(ProgressEntry(rule_id, target, rule.kind, p.fraction, p.uses, p.missing))


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
    rule = CompiledRule("", "stack", "", "approved", tree, slots, (), None, None, None, ())
    run = _Run(engine, dt.date.max, True)
    for h in held.values():
        run.add(h)
    return best_progress(tree, slots, run.candidates(rule))
