"""The round loop's shortcuts (engine/rounds.py) against plain computations.

A :class:`Run` files each new holding into the pools of the filters it passes
(:meth:`Engine.pool_filters`) instead of each pool scanning the holdings, and turns a rule
down on the first empty :attr:`CompiledRule.necessary` slot before its bound. Random graphs
with pools of every shape (``tests/engine/test_report.py``), holdings added in two batches,
check that each pool has exactly the members and credits a plain scan gives, and that no rule
an exact match fires is turned down.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings

from pathways.engine import Engine, requirement_progress
from pathways.engine.holdings import HoldingState
from pathways.engine.index import POOL, compile_requirement, filter_matches, necessary_slots
from pathways.engine.matching import best_assignment
from pathways.engine.rounds import Run
from pathways.model import Filter, parse_document, parse_requirement

from .test_report import AS_OF, graphs


def _plain_most(run: Run, members: list[str]) -> float:
    """Each one-holding lineage counted once at its largest credits, other holdings in full."""
    largest: dict[str, float] = {}
    total = 0.0
    for n in members:
        h = run.held[n]
        if len(h.lineage) == 1:
            (one,) = h.lineage
            largest[one] = max(largest.get(one, 0.0), h.credits)
        else:
            total += h.credits
    return total + sum(largest.values())


def _check_pools(run: Run, engine: Engine) -> None:
    filters = {spec[3] for rule in engine.compiled.values() for spec in rule.slots if spec[0] == POOL}
    for where in filters:
        plain = [n for n in run.order if filter_matches(where, engine.nodes[n])]
        assert run.in_pool(where) == plain
        assert abs(run.pool_most(where) - _plain_most(run, plain)) < 1e-9


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_pools_and_the_first_check_agree_with_plain_computations(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    raw, holdings = case
    engine = Engine(parse_document(raw))
    run = Run(engine, AS_OF, False)
    half = len(holdings) // 2
    for batch in (holdings[:half], holdings[half:]):  # pools read between batches must catch up
        for h in batch:
            node = h["node"]
            run.add(HoldingState(node, float(engine.nodes[node].credits), dt.date.fromisoformat(h["earned"]), None, frozenset((node,))))
        run.rounds()
        _check_pools(run, engine)
        for rule in engine.compiled.values():
            if rule.tree[0] == POOL or rule.necessary:
                fires = best_assignment(rule.tree, rule.slots, run.candidates(rule, window=False, age=False)) is not None
                assert run.may_fire(rule) or not fires, rule.id
                ungraded = list(run._grown(rule, False, False, grades=False).cands)  # min_grade lifted, as for skipped
                assert run.may_fire(rule, grades=False) or best_assignment(rule.tree, rule.slots, ungraded) is None, rule.id


def test_necessary_slots_are_those_no_assignment_meets_the_requirement_without() -> None:
    def slots(raw: dict[str, Any]) -> tuple[int, ...]:
        return necessary_slots(compile_requirement(parse_requirement(raw))[0])

    a, b, c = {"node": "U:A"}, {"node": "U:B"}, {"credits": 6, "where": {"subject": "S"}}
    assert slots({"all": [a, {"all": [b, c]}]}) == (0, 1, 2)
    assert slots({"at_least": 2, "of": [a, b]}) == (0, 1)
    assert slots({"at_least": 1, "of": [a, b]}) == ()
    assert slots({"any": [{"all": [a, c]}]}) == (0, 1)
    assert slots({"all": [a, {"any": [b, c]}]}) == (0,)
    assert slots({"credits": 3, "of": [a, b]}) == ()


def _certificate_of_six_credits(subjects: str) -> Engine:
    """Courses ``U:S1``, ``U:S2`` (and the same for each other subject letter), 3 credits each,
    and ``U:CERT`` for 6 credits of subject S."""
    courses = [{"id": f"U:{s}{i}", "kind": "course", "institution": "U", "title": f"{s}{i}", "credits": 3, "subject": s, "level": 1}
               for s in subjects for i in (1, 2)]  # fmt: skip
    return Engine(parse_document({
        "format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
        "nodes": [*courses, {"id": "U:CERT", "kind": "credential", "institution": "U", "title": "Cert", "credits": 0}],
        "rules": [{"id": "R", "kind": "stack", "granted_by": "U", "requires": {"credits": 6, "where": {"subject": "S"}},
                   "grants": [{"node": "U:CERT"}]}],
    }))  # fmt: skip


def test_a_pool_whose_filter_no_rule_has_scans_the_holdings() -> None:
    """A prerequisite's or a planner's requirement may name a filter no rule of the graph has:
    no holding is filed into its pool, so it reads them itself, and catches up later."""
    engine = _certificate_of_six_credits("ST")
    assert engine.knows_filter(Filter(subject="S")) and not engine.knows_filter(Filter(subject="T"))
    run = Run(engine, AS_OF, False)
    earned = dt.date(2025, 1, 1)
    run.add(HoldingState("U:S1", 3.0, earned, None, frozenset({"U:S1"})))
    run.add(HoldingState("U:T1", 3.0, earned, None, frozenset({"U:T1"})))
    assert run.in_pool(Filter(subject="S")) == ["U:S1"] and run.in_pool(Filter(subject="T")) == ["U:T1"]
    run.add(HoldingState("U:T2", 3.0, earned, None, frozenset({"U:T2"})))
    assert run.in_pool(Filter(subject="T")) == ["U:T1", "U:T2"] and run.pool_most(Filter(subject="T")) == 6.0
    progress = requirement_progress(engine, parse_requirement({"credits": 12, "where": {"subject": "T"}}), run.held)
    assert progress.fraction == 0.5 and progress.uses == ("U:T1", "U:T2")


def test_what_a_run_keeps_per_rule_and_per_filter_catches_up_with_new_holdings() -> None:
    """A pool found by its filter object, and a rule's slot bound and first check, are kept
    between calls: each must follow the holdings added since."""
    engine = _certificate_of_six_credits("S")
    rule = engine.compiled["R"]
    where = rule.slots[0][3]
    run = Run(engine, AS_OF, False)
    earned = dt.date(2025, 1, 1)
    run.add(HoldingState("U:S1", 3.0, earned, None, frozenset({"U:S1"})))
    assert run.in_pool(where) == ["U:S1"] and not run.may_fire(rule) and run.slot_most(rule)[0][0] < 3.1
    run.add(HoldingState("U:S2", 3.0, earned, None, frozenset({"U:S2"})))
    assert run.in_pool(where) == run.in_pool(Filter(subject="S")) == ["U:S1", "U:S2"]
    assert run.may_fire(rule) and run.slot_most(rule)[0][0] > 5.9


def test_a_rule_s_filter_finds_its_pool_by_identity_and_an_equal_one_by_value() -> None:
    """Every filter object of the compiled rules maps to the one filter the pool indexes use
    (:meth:`Engine.pool_key`), so a run files holdings and finds pools without hashing filters;
    an equal filter made elsewhere (a planner's requirement) finds the same pool, and one no
    rule has, none."""
    engine = Engine(parse_document({
        "format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": "U:S1", "kind": "course", "institution": "U", "title": "S1", "credits": 3, "subject": "S", "level": 1},
                  {"id": "U:CERT", "kind": "credential", "institution": "U", "title": "Cert", "credits": 0},
                  {"id": "U:DIP", "kind": "credential", "institution": "U", "title": "Dip", "credits": 0}],
        "rules": [{"id": "R", "kind": "stack", "granted_by": "U", "requires": {"credits": 6, "where": {"subject": "S"}},
                   "grants": [{"node": "U:CERT"}]},
                  {"id": "Q", "kind": "stack", "granted_by": "U", "requires": {"credits": 9, "where": {"subject": "S"}},
                   "grants": [{"node": "U:DIP"}]}],
    }))  # fmt: skip
    r, q = engine.compiled["R"].slots[0][3], engine.compiled["Q"].slots[0][3]
    assert r is not q and engine.pool_key(r) is engine.pool_key(q)
    assert engine.pool_filters("U:S1") == (engine.pool_key(r),)
    assert engine.pool_key(Filter(subject="S")) is engine.pool_key(r) and engine.pool_key(Filter(subject="T")) is None
    run = Run(engine, AS_OF, False)
    run.add(HoldingState("U:S1", 3.0, dt.date(2025, 1, 1), None, frozenset({"U:S1"})))
    assert run.in_pool(r) is run.in_pool(q) is run.in_pool(Filter(subject="S")) and run.in_pool(r) == ["U:S1"]
