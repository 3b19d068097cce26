"""The planner on small hand-built graphs: objectives, alternatives, prerequisites, windows, cycles, reasons."""

from __future__ import annotations

from typing import Any

import pytest

from pathways.engine import Engine, PlanResult, evaluate, plan
from pathways.errors import InvalidInput, NotFound
from pathways.model import Document, EvaluationRequest, Holding, PlanRequest

AS_OF = "2026-01-10"


def course(code: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"U:{code}", "kind": "course", "institution": fields.pop("institution", "U"), "title": code, **fields}


def graph(nodes: list[dict[str, Any]], rules: list[dict[str, Any]]) -> Engine:
    nodes = nodes + [{"id": "U:T", "kind": "credential", "institution": "U", "title": "Target"}]
    return Engine(Document.model_validate({"institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}],
                                           "nodes": nodes, "rules": rules}))


def rule(rule_id: str, requires: dict[str, Any], grants: str = "U:T", **fields: Any) -> dict[str, Any]:
    return {"id": rule_id, "kind": "stack", "granted_by": "U", "requires": requires, "grants": [{"node": grants}], **fields}


def node(code: str) -> dict[str, str]:
    return {"node": f"U:{code}"}


def run(engine: Engine, **fields: Any) -> PlanResult:
    fields.setdefault("target", "U:T")
    result = plan(engine, PlanRequest.model_validate({"as_of": AS_OF, **fields}))
    for p in result.plans:  # every returned plan is re-checked by the real evaluation
        holdings = [Holding.model_validate(h) for h in fields.get("holdings", [])]
        extra = [Holding(node=n, grade="A+") for n in p.items]
        ev = evaluate(engine, EvaluationRequest(holdings=holdings + extra, as_of=AS_OF, include_pilot=fields.get("include_pilot", False)))
        assert fields["target"] in ev.held
    return result


def plans(result: PlanResult) -> list[tuple[list[str], int | float]]:
    return [(p["items"], p["total"]) for p in result.to_json()["plans"]]


THREE = graph([course("A", hours=10, cost=300), course("B", hours=20, cost=100), course("C", hours=5, cost=900)],
              [rule("R", {"at_least": 2, "of": [node("A"), node("B"), node("C")]})])


@pytest.mark.parametrize(("objective", "best"), [("hours", (["U:A", "U:C"], 15)), ("cost", (["U:A", "U:B"], 400))])
def test_each_objective_picks_its_own_cheapest(objective: str, best: tuple[list[str], int]) -> None:
    assert plans(run(THREE, objective=objective))[0] == best


def test_items_counts_one_each_and_ties_are_all_offered() -> None:
    found = plans(run(THREE, objective="items", alternatives=10))
    assert sorted(found) == [(["U:A", "U:B"], 2), (["U:A", "U:C"], 2), (["U:B", "U:C"], 2)]


def test_alternatives_are_distinct_minimal_and_best_first() -> None:
    assert plans(run(THREE, alternatives=5)) == [(["U:A", "U:C"], 15), (["U:B", "U:C"], 25), (["U:A", "U:B"], 30)]


def test_holdings_reduce_the_plan_and_a_held_target_needs_nothing() -> None:
    assert plans(run(THREE, holdings=[{"node": "U:B"}])) == [(["U:C"], 5)]
    done = run(THREE, holdings=[{"node": "U:B"}, {"node": "U:A"}])
    assert done.feasible and plans(done) == [([], 0)]
    assert done.plans[0].granted[0].node == "U:T"


def test_output_has_exactly_the_spec_fields() -> None:
    data = run(THREE).to_json()
    assert list(data) == ["target", "objective", "feasible", "reason", "plans"]
    assert list(data["plans"][0]) == ["items", "total", "sequence", "granted", "retakes"]
    assert data["plans"][0]["granted"][0]["rule"] == "R" and data["plans"][0]["granted"][0]["uses"] == ["U:A", "U:C"]


def test_exclude_institutions_and_unknown_attribute_restrict_candidates() -> None:
    engine = graph([course("A", hours=10), course("B", hours=20), course("C"), course("D", hours=1, institution="V")],
                   [rule("R", {"at_least": 2, "of": [node("A"), node("B"), node("C"), node("D")]})])
    assert plans(run(engine)) == [(["U:A", "U:D"], 11)]  # C has no hours: not a candidate
    assert plans(run(engine, institutions=["U"])) == [(["U:A", "U:B"], 30)]
    assert plans(run(engine, exclude=["U:D"])) == [(["U:A", "U:B"], 30)]
    assert plans(run(engine, objective="items", exclude=["U:A", "U:B"])) == [(["U:C", "U:D"], 2)]


def test_prerequisite_chain_joins_the_plan_in_steps() -> None:
    engine = graph([course("A", hours=3), course("B", hours=3, prerequisites=node("A")),
                    course("C", hours=3, prerequisites={"all": [node("B"), {"node": "U:X", "min_grade": "B"}]}),
                    course("X", hours=1), course("D", hours=20)],
                   [rule("R", {"any": [node("C"), node("D")]})])
    result = run(engine)
    assert result.plans[0].items == ("U:A", "U:B", "U:C", "U:X")
    assert result.plans[0].sequence == (("U:A", "U:X"), ("U:B",), ("U:C",))
    # a held prerequisite with too low a grade does not count: X is retaken (1 h), cheaper than D
    held = run(engine, holdings=[{"node": "U:A"}, {"node": "U:B"}, {"node": "U:X", "grade": "C"}])
    assert plans(held) == [(["U:C", "U:X"], 4)]
    assert held.plans[0].sequence == (("U:X",), ("U:C",)) and held.plans[0].retakes == ("U:X",)
    # when X cannot be taken again, D is the way
    low_x = [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:X", "grade": "C"}]
    assert plans(run(engine, holdings=low_x, exclude=["U:X"])) == [(["U:D"], 20)]


def test_prerequisite_met_by_a_derived_holding() -> None:
    engine = graph([course("A", hours=1), course("B", hours=1), course("G", hours=50), course("C", hours=2, prerequisites=node("G"))],
                   [rule("P", {"all": [node("A"), node("B")]}, grants="U:G", kind="plar"), rule("R", node("C"))])
    result = run(engine)
    assert result.plans[0].items == ("U:A", "U:B", "U:C")
    assert result.plans[0].sequence == (("U:A", "U:B"), ("U:C",))


def test_rule_whose_window_excludes_as_of_is_not_planned_on() -> None:
    engine = graph([course("A", hours=1), course("B", hours=9)],
                   [rule("OLD", node("A"), valid_to="2020-12-31"), rule("NEW", node("B"), valid_from="2021-01-01")])
    assert plans(run(engine)) == [(["U:B"], 9)]
    # A earned inside the old window still counts: nothing to take
    assert plans(run(engine, holdings=[{"node": "U:A", "earned": "2019-05-01"}])) == [([], 0)]


def test_pilot_rules_only_with_include_pilot() -> None:
    engine = graph([course("A", hours=1), course("B", hours=9)], [rule("P", node("A"), status="pilot"), rule("Q", node("B"))])
    assert plans(run(engine)) == [(["U:B"], 9)]
    assert plans(run(engine, include_pilot=True)) == [(["U:A"], 1)]


def test_cycle_of_rules_is_no_free_support() -> None:
    engine = graph([course("A", hours=4), course("B", hours=7), course("E", hours=6)],
                   [rule("AB", node("A"), grants="U:B", kind="transfer"), rule("BA", node("B"), grants="U:A", kind="transfer"),
                    rule("R", {"all": [node("B"), node("E")]})])
    assert plans(run(engine)) == [(["U:A", "U:E"], 10)]


def test_same_learning_never_counts_twice_in_a_pool() -> None:
    # three 1-credit micro-courses convert into a 3-credit course; a 4-credit pool cannot count both
    micro = [course(c, hours=1, credits=1, subject="DM") for c in "PQR"]
    engine = graph(micro + [course("G", hours=40, credits=3, subject="DM"), course("S", hours=10, credits=1, subject="DM")],
                   [rule("CONV", {"all": [node("P"), node("Q"), node("R")]}, grants="U:G", kind="plar"),
                    rule("R4", {"credits": 4, "where": {"subject": "DM"}})])
    first, second = plans(run(engine, alternatives=2))
    assert first == (["U:P", "U:Q", "U:R", "U:S"], 13)
    assert second[1] == 41 and second[0][0] == "U:G" and len(second[0]) == 2  # G plus one micro-course


def test_infeasible_target_names_the_requirement_no_candidate_meets() -> None:
    engine = graph([course("A", hours=1), {"id": "U:M", "kind": "admission", "institution": "U", "title": "M"}],
                   [rule("R", {"all": [node("A"), node("M")]})])
    result = run(engine)
    assert not result.feasible and result.plans == ()
    assert result.reason is not None and "U:M" in result.reason and "no applicable rule grants it" in result.reason
    excluded = run(engine, exclude=["U:A"])
    assert excluded.reason is not None and "U:A is not a candidate (excluded)" in excluded.reason


def test_infeasible_because_of_prerequisites() -> None:
    engine = graph([course("A", hours=1, prerequisites={"node": "U:Z"}), {"id": "U:Z", "kind": "admission", "institution": "U", "title": "Z"}],
                   [rule("R", node("A"))])
    result = run(engine)
    assert not result.feasible and result.reason is not None and "U:A needs" in result.reason and "U:Z" in result.reason


def test_unknown_target_and_bad_dates_are_errors() -> None:
    with pytest.raises(NotFound):
        run(THREE, target="U:NOPE")
    with pytest.raises(InvalidInput):
        run(THREE, holdings=[{"node": "U:A", "earned": "2030-01-01"}])
