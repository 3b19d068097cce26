"""The planner where evaluation is not monotone (anti-requisites, ``unless``, repeatable nodes): counterexamples
the brute-force property test found, each kept as a small case; and an hours pool's bound."""

from __future__ import annotations

from typing import Any

from pathways.engine.plan import _Planner
from pathways.engine.plan_index import plan_index
from pathways.model import PlanRequest

from .test_plan import AS_OF, course, graph, node, plans, rule, run


def _excluding_c0(**fields: Any) -> list[dict[str, Any]]:
    """C2 and C4 exclude C0; C4 carries more credits, so C4 wins over a C0 earned the same day."""
    return [course("C0", cost=0, credits=0, **fields), course("C2", cost=0, credits=0, excludes=["U:C0"], **fields),
            course("C4", cost=0, credits=1, excludes=["U:C0"], **fields)]  # fmt: skip


# R1: C2 earns the target. R2: C2 also gives C0, unless C0 is held: C0 (derived) then beats C2 (same day, same
# credits, smaller id), and C2 stays losing when R2 is switched off. C4, which no requirement names, beats C0 and so
# frees C2: {C2, C4} is the only plan.
_FREED = [rule("R1", node("C2")), rule("R2", node("C2"), grants="U:C0", unless=node("C0"))]


def test_an_item_no_requirement_names_is_planned_when_it_makes_an_anti_requisite_lose() -> None:
    for repeatable in ({}, {"repeatable": True}):
        result = run(graph(_excluding_c0(**repeatable), _FREED), objective="cost")
        assert plans(result) == [(["U:C2", "U:C4"], 0)]


def test_alternatives_include_a_plan_through_an_item_no_requirement_names() -> None:
    result = run(graph(_excluding_c0(), [*_FREED, rule("R0", node("C0"))]), objective="cost", alternatives=2)
    assert sorted(p for p, _ in plans(result)) == [["U:C0"], ["U:C2", "U:C4"]]


def test_two_free_courses_of_2_and_8_hours_fill_a_10_hour_pool() -> None:
    # an hours pool's second bound (lb_total) reads no credits: 0-credit members once made it "no way"
    engine = graph([course("A", hours=2, credits=0, subject="X"), course("B", hours=8, credits=0, subject="X")],
                   [rule("R", {"hours": 10, "where": {"subject": "X"}})])
    for alternatives in (1, 2):
        assert plans(run(engine, objective="hours", alternatives=alternatives)) == [(["U:A", "U:B"], 10)]


def test_a_course_taken_to_pre_empt_a_derivation_that_would_beat_a_held_one() -> None:
    # C1 (2019) gives C0 by R4, dated 2019 too; C0 and C1 exclude each other and C0 (smaller id) wins, so C1
    # counts for nothing and R2 cannot use it. Taking C0 itself (earned on as_of, losing to C1) keeps R4 from
    # deriving it: C1 counts, and R2, closed since 2020, takes it. The bound thought no plan possible.
    engine = graph([course("C0", hours=0, credits=0, excludes=["U:C1"]), course("C1", hours=0, credits=0)],
                   [rule("R2", node("C1"), valid_to="2020-12-31"),
                    rule("R4", node("C1"), grants="U:C0", valid_to="2020-12-31")])  # fmt: skip
    result = run(engine, holdings=[{"node": "U:C1", "grade": "A", "earned": "2019-05-01"}])
    assert plans(result) == [(["U:C0"], 0)]


def test_an_item_that_loses_at_the_end_may_serve_a_prerequisite_through_what_it_derived_before() -> None:
    # C2 gives M0, C1's prerequisite; taken after C2, C1 beats it (same day, same credits, smaller id), so at the end
    # C2 counts for nothing and M0 is gone, but C1 was taken when M0 was held
    m0 = {"id": "U:M0", "kind": "credential", "institution": "U", "title": "M0"}
    c1 = course("C1", hours=0, credits=0, prerequisites=node("M0"))
    engine = graph([c1, course("C2", hours=0, credits=0, excludes=["U:C1"]), m0],
                   [rule("R0", node("C1")), rule("R2", node("C2"), grants="U:M0")])  # fmt: skip
    result = run(engine)
    assert plans(result) == [(["U:C1", "U:C2"], 0)] and result.plans[0].sequence == (("U:C2",), ("U:C1",))


def test_a_plan_is_made_minimal_over_subsets_of_its_free_items_not_only_single_drops() -> None:
    # R1 takes X unless F1 or F2 is held; R2 takes X, F1 and F2 together. {X} is a plan, and so is {X, F1, F2}, but
    # neither {X, F1} nor {X, F2}: dropping one free item at a time would keep all three.
    engine = graph([course("X", hours=1), course("F1", hours=0), course("F2", hours=0)],
                   [rule("R1", node("X"), unless={"any": [node("F1"), node("F2")]}),
                    rule("R2", {"all": [node("X"), node("F1"), node("F2")]})])  # fmt: skip
    planner = _Planner(engine, PlanRequest.model_validate({"target": "U:T", "as_of": AS_OF}), None, ())
    assert planner.is_plan(frozenset({"U:X", "U:F1", "U:F2"})) and not planner.is_plan(frozenset({"U:X", "U:F1"}))
    assert planner.minimal(frozenset({"U:X", "U:F1", "U:F2"})) == frozenset({"U:X"})


def test_a_rule_whose_average_weighs_an_unstable_node_grants_an_unstable_node() -> None:
    # C1 is granted by a rule with an unless (an item may switch it off, and with it the average over C1): the
    # target resting on that average may be lost by adding items, so the planner searches for it without a bound
    engine = graph([course("C0", credits=3), course("C1", credits=3), course("C2", credits=3), course("C5", credits=3)],
                   [rule("R1", {"all": [node("C5"), {"average": "B", "of": [node("C1")]}]}),
                    rule("R2", node("C0"), grants="U:C1", unless=node("C2"))])  # fmt: skip
    unstable = plan_index(engine).unstable(engine)
    assert {"U:C1", "U:T"} <= unstable
    assert "U:C5" not in unstable
