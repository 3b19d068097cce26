"""Top-k progress (engine/ranking.py): the bound is sound, a focused evaluation is the full one ranked and cut,
and the credits still needed (the ranking's second key) are the cheapest way to meet what is missing.

A focused evaluation computes exact progress only for the rules whose bound can still make the
cut, and counts the rest from their bounds. Its answer must be the full evaluation's progress,
filtered, ranked and cut, with the full count: checked on the random graphs of the oracle test
(requirements of every shape) and of the report test (credit pools, copies at several
institutions, rules alike). The bound itself is checked against the exact progress on random
requirements and candidates: an unsound bound fails there first.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine import Engine, ProgressEntry, ProgressFocus, evaluate
from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate
from pathways.engine.progress import best_progress, bounded
from pathways.engine.ranking import Contender, Outlook, missing_credits, outlook, top_progress
from pathways.model import EvaluationRequest, parse_document, parse_requirement

from . import test_oracle, test_repeatable, test_report
from .sources import from_source


HOLDINGS = ["a", "b", "c", "d", "e"]


CREDITS = {node: float(i % 4) * 1.5 for i, node in enumerate(test_oracle.NODES)}


@st.composite
def matches(draw: st.DrawFn) -> tuple[Any, tuple[Any, ...], list[Candidate]]:
    """A requirement of any shape and candidates for it: lineages of one or two holdings
    (shared between candidates), any credits, any slots."""
    tree, slots = compile_requirement(parse_requirement(draw(test_oracle.requirements())))
    cands = []
    for i in range(draw(st.integers(0, 6))):
        lineage = frozenset(draw(st.lists(st.sampled_from(HOLDINGS), min_size=1, max_size=2, unique=True)))
        fits = draw(st.lists(st.integers(0, len(slots) - 1), min_size=1, max_size=len(slots), unique=True))
        cands.append(Candidate(f"N{i}", lineage, float(draw(st.sampled_from([0, 1, 1.5, 3, 4, 6]))), tuple(sorted(fits))))
    return tree, slots, sorted(cands, key=lambda c: (sorted(c.lineage), c.node))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matches())
def test_the_outlook_never_promises_less_than_the_best_progress(case: tuple[Any, tuple[Any, ...], list[Candidate]]) -> None:
    _check_outlook(*case)


def _check_outlook(tree: Any, slots: tuple[Any, ...], cands: list[Candidate]) -> None:
    seen = outlook(tree, slots, cands=cands, credits=CREDITS.get)
    if not cands:
        assert seen == Outlook(0.0, 0.0, False)
        return
    best = best_progress(tree, slots, cands)
    assert seen.bound >= best.fraction - 1e-12
    assert seen.needed <= missing_credits(best.missing, CREDITS.get) + 1e-6
    if seen.partial:
        assert 0.0 < best.fraction < 1.0 - 1e-9


@st.composite
def pooled_matches(draw: st.DrawFn) -> tuple[Any, tuple[Any, ...], list[Candidate]]:
    """Credit pools of several needs under an ``all`` (some nested, some beside a leaf), and
    more candidates than they need together, each fitting several pools: the shape of a
    degree's requirement, where the pools compete for the same holdings."""
    pools = [{"credits": draw(st.sampled_from([1, 2, 3, 6, 9, 12])), "where": {"subject": f"S{i}"}}
             for i in range(draw(st.integers(2, 4)))]
    parts: list[dict[str, Any]] = list(pools)
    if draw(st.booleans()):
        parts.append({"node": "U:A"})
    if draw(st.booleans()):
        parts = [{"any": [{"all": parts}, {"credits": 30, "where": {}}]}]
    tree, slots = compile_requirement(parse_requirement({"all": parts}))
    cands = []
    for i in range(draw(st.integers(1, 8))):
        fits = draw(st.lists(st.integers(0, len(slots) - 1), min_size=1, max_size=len(slots), unique=True))
        cands.append(Candidate(f"N{i}", frozenset({HOLDINGS[i % len(HOLDINGS)]} if draw(st.booleans()) else {f"h{i}"}),
                               float(draw(st.sampled_from([1, 1.5, 3, 4, 6]))), tuple(sorted(fits))))
    return tree, slots, sorted(cands, key=lambda c: (sorted(c.lineage), c.node))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled_matches())
def test_the_outlook_of_pools_competing_for_holdings(case: tuple[Any, tuple[Any, ...], list[Candidate]]) -> None:
    _check_outlook(*case)


def test_the_outlook_is_tight_for_a_pool_filled_by_separate_holdings() -> None:
    tree, slots = compile_requirement(parse_requirement({"all": [{"credits": 6, "where": {}}, {"node": "A"}]}))
    cands = [Candidate("X", frozenset({"x"}), 3.0, (0,)), Candidate("Y", frozenset({"x"}), 4.5, (0,)),
             Candidate("Z", frozenset({"z"}), 1.5, (0,))]
    # one of X and Y (they share a holding) and Z: 6 of 6 at most, the leaf empty
    assert outlook(tree, slots, cands=cands, credits={"A": 3.0}.get) == Outlook(0.5, 3.0, True)
    assert best_progress(tree, slots, cands).fraction == 0.5


def _focuses(institutions: list[str], targets: list[str]) -> st.SearchStrategy[ProgressFocus]:
    some = st.one_of(st.none(), st.lists(st.sampled_from(institutions), max_size=3).map(frozenset))
    wanted = st.one_of(st.none(), st.lists(st.sampled_from(targets), max_size=3).map(frozenset))
    return st.builds(ProgressFocus, limit=st.one_of(st.none(), st.integers(0, 4)), institutions=some, targets=wanted)


def _plainly(engine: Engine, entries: list[ProgressEntry], focus: ProgressFocus) -> tuple[list[ProgressEntry], int]:
    """The full progress filtered, sorted and cut, as an answer shows it, written out plainly."""
    def credits(node: str) -> float | None:
        return float(engine.nodes[node].credits) if node in engine.nodes else None

    kept = [e for e in entries
            if (focus.targets is None or e.target in focus.targets)
            and (focus.institutions is None or engine.nodes[e.target].institution in focus.institutions)]
    kept.sort(key=lambda e: (-round(e.fraction, 3), round(missing_credits(e.missing, credits), 6), e.rule))
    return kept if focus.limit is None else kept[: focus.limit], len(kept)


def _agrees(raw: dict[str, Any], body: dict[str, Any], focus: ProgressFocus) -> None:
    engine = Engine(parse_document(raw))
    request = EvaluationRequest.from_json(body)
    full = evaluate(engine, request)
    top = evaluate(engine, request, focus=focus)
    entries, total = _plainly(engine, full.progress, focus)
    assert top.progress == entries
    assert top.progress_total == total
    assert full.progress_total == len(full.progress)
    assert (top.granted, top.skipped, top.no_credit) == (full.granted, full.skipped, full.no_credit)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(test_oracle.scenarios(), st.data())
def test_top_k_is_the_full_progress_ranked_and_cut(scenario: tuple[dict[str, Any], list[dict[str, Any]], bool],
                                                   data: st.DataObject) -> None:
    raw, holdings, include_pilot = scenario
    focus = data.draw(_focuses(["U", "V", "W"], ["U:C", "V:D", "V:E", "U:F", "U:CRED"]))
    _agrees(raw, {"holdings": holdings, "as_of": test_oracle.AS_OF.isoformat(), "include_pilot": include_pilot}, focus)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(test_report.graphs(), st.data())
def test_top_k_over_rules_alike_and_copies(case: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject) -> None:
    raw, holdings = case
    targets = sorted({g["node"] for r in raw["rules"] for g in r["grants"]})
    focus = data.draw(_focuses(["V", "W", "X", "Y"], targets))
    _agrees(raw, {"holdings": holdings, "as_of": test_report.AS_OF.isoformat()}, focus)


NAMED = [f"U:{c}" for c in "ABCDEFG"]


@st.composite
def missing_trees(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, float]]:
    """A requirement over distinct nodes (each named at most once) and each node's credits."""
    credits = {n: float(draw(st.integers(0, 6))) for n in NAMED}
    pool = list(NAMED)
    draw(st.randoms()).shuffle(pool)

    def build(depth: int) -> dict[str, Any]:
        if depth == 0 or len(pool) < 2 or draw(st.booleans()):
            return {"node": pool.pop()}
        n = draw(st.integers(1, min(3, len(pool))))
        children = [build(depth - 1) for _ in range(n) if pool]
        shape = draw(st.sampled_from(["all", "any", "at_least"]))
        if shape == "at_least":
            return {"at_least": draw(st.integers(1, len(children))), "of": children}
        return {shape: children}

    return build(3), credits


def _met(req: dict[str, Any], held: set[str]) -> bool:
    if "node" in req:
        return req["node"] in held
    if "all" in req:
        return all(_met(r, held) for r in req["all"])
    if "any" in req:
        return any(_met(r, held) for r in req["any"])
    return sum(_met(r, held) for r in req["of"]) >= req["at_least"]


@settings(max_examples=200, deadline=None)
@given(missing_trees())
def test_missing_credits_is_the_cheapest_set_of_nodes_that_meets_the_requirement(case: tuple[dict[str, Any], dict[str, float]]) -> None:
    req, credits = case
    cheapest = min(sum(credits[n] for n in subset)
                   for k in range(len(NAMED) + 1) for subset in itertools.combinations(NAMED, k) if _met(req, set(subset)))
    assert missing_credits(req, credits.get) == cheapest


def test_a_credit_pool_needs_its_credits_and_a_competency_none() -> None:
    assert missing_credits({"all": [{"credits": 6, "where": {"subject": "HIST"}}, {"competency": "CMP:X"}]}, {}.get) == 6


def _entry(rule: str, fraction: float, needed: float = 0.0) -> ProgressEntry:
    return ProgressEntry(rule, "T", "stack", fraction, (), None, needed)


def _refined(c: Contender) -> Contender:
    raise AssertionError(f"{c.rule} is refined already")


def test_only_what_can_make_the_cut_is_computed() -> None:
    fractions = {f"R{i:02}": 0.9 - i / 100 for i in range(50)}
    computed = []

    def exact(c: Contender) -> ProgressEntry:
        computed.append(c.rule)
        return _entry(c.rule, fractions[c.rule])

    contenders = [Contender(rule, Outlook(f, 0.0, True)) for rule, f in fractions.items()]
    entries, total = top_progress(contenders, 3, refine=_refined, exact=exact)
    assert [e.rule for e in entries] == ["R00", "R01", "R02"] and total == 50
    assert computed == ["R00", "R01", "R02"]


def test_a_tie_at_the_cut_is_computed_unless_it_needs_more_credits() -> None:
    # R2's bound ties with the last kept fraction as shown: it may rank before it (fewer credits);
    # R5's too, but it needs more credits than R1 does
    computed = []
    exact_of = {"R1": _entry("R1", 0.5, 3.0), "R2": _entry("R2", 0.5, 3.0), "R3": None, "R4": None}

    def exact(c: Contender) -> ProgressEntry | None:
        computed.append(c.rule)
        return exact_of[c.rule]

    contenders = [Contender("R1", Outlook(0.6, 0.0, True)), Contender("R2", Outlook(0.5004, 1.0, True)),
                  Contender("R3", Outlook(1.0, 0.0, False)), Contender("R4", Outlook(0.2, 0.0, False)),
                  Contender("R5", Outlook(0.5004, 4.5, True))]
    entries, total = top_progress(contenders, 1, refine=_refined, exact=exact)
    assert [e.rule for e in entries] == ["R1"] and total == 3
    # R3 (bound 1: perhaps met) is computed before the cut; R4 (not surely partial) after it
    assert computed == ["R3", "R1", "R2", "R4"]


def test_a_loose_outlook_is_refined_before_anything_is_computed() -> None:
    refined = {"R1": Contender("R1", Outlook(0.2, 0.0, True)), "R2": Contender("R2", Outlook(0.4, 0.0, True))}
    steps = []

    def refine(c: Contender) -> Contender:
        steps.append(f"refine {c.rule}")
        return refined[c.rule]

    def exact(c: Contender) -> ProgressEntry:
        steps.append(f"exact {c.rule}")
        return _entry(c.rule, c.outlook.bound)

    loose = [Contender("R1", Outlook(0.9, 0.0, True), refined=False), Contender("R2", Outlook(0.9, 0.0, True), refined=False),
             Contender("R3", Outlook(0.3, 0.0, True), refined=False)]
    entries, total = top_progress(loose, 1, refine=refine, exact=exact)
    # R3, surely partly met and below R2 even at best, counts on its loose outlook
    assert [e.rule for e in entries] == ["R2"] and total == 3
    assert steps == ["refine R1", "refine R2", "exact R2"]


def test_a_limit_of_zero_computes_only_the_count() -> None:
    contenders = [Contender(f"R{i}", Outlook(0.5, 0.0, i % 2 == 0)) for i in range(6)]
    computed = []

    def exact(c: Contender) -> ProgressEntry | None:
        computed.append(c.rule)
        return None

    assert top_progress(contenders, 0, refine=_refined, exact=exact) == ([], 3)
    assert computed == ["R1", "R3", "R5"]


def test_entries_rank_by_fraction_as_shown_then_credits_needed() -> None:
    close = {r: _entry(r, f, c) for r, f, c in [("R1", 0.5, 6.0), ("R2", 0.5001, 3.0), ("R3", 0.6, 9.0), ("R0", 0.5, 3.0)]}
    for limit in (None, 2):
        entries, total = top_progress([Contender(e.rule, Outlook(e.fraction, 0.0, True)) for e in close.values()], limit,
                                      refine=_refined, exact=lambda c: close[c.rule])
        assert [e.rule for e in entries] == ["R3", "R0", "R2", "R1"][:limit] and total == 4


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(test_oracle.scenarios())
def test_a_compiled_rule_knows_whether_its_progress_is_bounded(scenario: tuple[dict[str, Any], list[dict[str, Any]], bool]) -> None:
    """The outlooks read :attr:`CompiledRule.bounded`, kept at engine build, for :func:`bounded` of the tree."""
    engine = Engine(parse_document(scenario[0]))
    for rule in engine.compiled.values():
        assert rule.bounded == bounded(rule.tree)


def test_rules_sharing_a_pool_are_surely_advanced_each_within_its_own_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a held node surely advances a pool is shared by rules with the same filter and
    dates: a rule whose window starts after the only holding is not partly met, although a rule
    without a window, with the same pool, is (and counts without computing). No held node is a
    candidate of the first: it is never refined."""
    doc = parse_document({
        "format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": "U:S1", "kind": "course", "institution": "U", "title": "S1", "credits": 3, "subject": "S"},
                  {"id": "U:A", "kind": "credential", "institution": "U", "title": "A", "credits": 0},
                  {"id": "U:B", "kind": "credential", "institution": "U", "title": "B", "credits": 0}],
        "rules": [{"id": "A", "kind": "stack", "granted_by": "U", "requires": {"all": [
                       {"credits": 6, "where": {"subject": "S"}}, {"credits": 3, "where": {"institution": "U"}}]},
                   "grants": [{"node": "U:A"}]},
                  {"id": "B", "kind": "stack", "granted_by": "U", "requires": {"all": [
                       {"credits": 6, "where": {"subject": "S"}}, {"credits": 3, "where": {"institution": "U"}}]},
                   "grants": [{"node": "U:B"}], "valid_from": "2025-01-01"}],
    })  # fmt: skip
    request = EvaluationRequest.from_json({"holdings": [{"node": "U:S1", "earned": "2024-05-01"}], "as_of": "2026-01-10"})
    full = evaluate(Engine(doc), request)
    assert [p.rule for p in full.progress] == ["A"]
    refined = []
    with from_source() as modules:  # a compiled class's method cannot be spied on
        source = modules["pathways.engine.evaluate"]
        refine = source._Progress.refine

        def spy(self: Any, contender: Contender) -> Contender:
            refined.append(contender.rule)
            return refine(self, contender)

        monkeypatch.setattr(source._Progress, "refine", spy)
        assert source.evaluate(Engine(doc), request, focus=ProgressFocus(limit=0)).progress_total == 1
    assert refined == []


def _focused_is_full(raw: dict[str, Any], holdings: list[dict[str, Any]]) -> list[str]:
    engine = Engine(parse_document(raw))
    request = EvaluationRequest.from_json({"holdings": holdings, "as_of": "2026-06-01"})
    full = evaluate(engine, request)
    focused = evaluate(engine, request, focus=ProgressFocus(limit=5))
    assert [(p.rule, p.fraction) for p in focused.progress] == [(p.rule, p.fraction) for p in full.progress]
    assert focused.progress_total == len(full.progress)
    return [p.rule for p in full.progress]


def test_an_attempt_inside_the_dates_advances_a_rule_the_best_attempt_falls_outside_of() -> None:
    """The best attempt (an A in 2023) is before the rule's window, the other (a C in 2024)
    inside it: the rule is partly met, although no held holding is inside its dates."""
    raw = test_repeatable._doc([{**test_repeatable._POOL, "valid_from": "2024-01-01"}], repeatable=False)
    holdings = [{"node": "U:HIST-1ST", "grade": "A", "earned": "2023-01-10"}, {"node": "U:HIST-1ST", "grade": "C", "earned": "2024-05-01"}]
    assert _focused_is_full(raw, holdings) == ["U-CERT"]


def test_a_copy_inside_the_dates_advances_a_rule_the_first_copy_falls_outside_of() -> None:
    """A repeatable node's first copy (from a 2023 course) is before the rule's window, its second
    (from a 2024 one) inside it: the leaf naming the node is filled, and the rule partly met."""
    rule = {"id": "U-CERT", "kind": "stack", "granted_by": "U", "valid_from": "2024-01-01",
            "requires": {"all": [{"node": "U:HIST-1ST"}, {"node": "C:HIST-130"}]}, "grants": [{"node": "U:CERT"}]}
    raw = test_repeatable._doc([test_repeatable._transfer(110), test_repeatable._transfer(120), rule])
    holdings = [{"node": "C:HIST-110", "earned": "2023-01-10"}, {"node": "C:HIST-120", "earned": "2024-05-01"}]
    assert _focused_is_full(raw, holdings) == ["U-CERT"]
