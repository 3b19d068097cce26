"""Node ``excludes`` (anti-requisites, second edition amendment 5): credit for only one of them
counts in the rules of its institution (docs/evaluation.md, section 5)."""

from __future__ import annotations

from typing import Any

import pytest

from pathways.engine import Engine, evaluate, plan
from pathways.errors import InvalidInput
from pathways.model import Document, EvaluationRequest, PlanRequest, parse_document

from .test_evaluate import course, engine, rule, run

# U:M100 and U:M102 are anti-requisites ("credit for only one of MATH 100 and MATH 102")
PAIR = [course("U:M100", 3, excludes=["U:M102"]), course("U:M102", 1.5), course("U:DEG", 6, kind="credential"),
        course("U:X", 3), course("V:M1XX", 3), course("V:CERT", 3, kind="credential"), course("U:Y", 3)]
POOL = rule("DEG", {"credits": 6, "where": {"institution": "U", "kind": "course"}}, "U:DEG")


def _granted(out: dict[str, Any]) -> list[str]:
    return [g["node"] for g in out["granted"]]


def test_only_the_first_earned_counts_in_a_pool_of_its_institution() -> None:
    eng = engine(PAIR, [POOL])
    both = [{"node": "U:M100", "earned": "2024-04-30"}, {"node": "U:M102", "earned": "2023-12-15"}, {"node": "U:X", "earned": "2024-04-30"}]
    out = run(eng, both)
    # M102 was earned first: it counts, M100 (though worth more) does not: 1.5 + 3 of 6
    assert out["granted"] == []
    assert [(p["rule"], p["fraction"], p["uses"]) for p in out["progress"]] == [("DEG", 0.75, ["U:M102", "U:X"])]
    assert out["skipped"] == [{"rule": "DEG", "reason": "excluded"}]
    # without the anti-requisite the same holdings give the degree (3 + 1.5 + 3)
    free = engine([{**n, "excludes": []} for n in PAIR], [POOL])
    assert _granted(run(free, both)) == ["U:DEG"]


def test_on_the_same_date_the_higher_credits_then_the_smaller_id_win() -> None:
    eng = engine(PAIR, [rule("A", {"node": "U:M100"}, "U:X"), rule("B", {"node": "U:M102"}, "U:Y")])
    same = [{"node": "U:M100", "earned": "2024-04-30"}, {"node": "U:M102", "earned": "2024-04-30"}]
    out = run(eng, same)
    assert _granted(out) == ["U:X"] and out["skipped"] == [{"rule": "B", "reason": "excluded"}]
    equal = engine([course("U:P", 3, excludes=["U:Q"]), course("U:Q", 3), course("U:X", 3), course("U:Y", 3)],
                   [rule("A", {"node": "U:P"}, "U:X"), rule("B", {"node": "U:Q"}, "U:Y")])
    assert _granted(run(equal, [{"node": "U:Q", "earned": "2024-04-30"}, {"node": "U:P", "earned": "2024-04-30"}])) == ["U:X"]


def test_the_relation_is_symmetric_and_the_loser_counts_at_other_institutions() -> None:
    # M102 lists nothing, M100 lists M102: M100 (later) loses at U, yet V's transfer rule uses it
    rules = [rule("A", {"node": "U:M100"}, "U:X"), {**rule("U-V", {"node": "U:M100"}, "V:M1XX", kind="transfer"), "granted_by": "V"}]
    out = run(engine(PAIR, rules), [{"node": "U:M102", "earned": "2023-12-15"}, {"node": "U:M100", "earned": "2024-04-30"}])
    assert _granted(out) == ["V:M1XX"]
    assert out["skipped"] == [{"rule": "A", "reason": "excluded"}]


def test_a_derived_holding_takes_part_and_may_lose() -> None:
    # V:M1XX transfers to U as U:M100 (earned 2022): it wins over M102 presented (2023)
    rules = [rule("V-U", {"node": "V:M1XX"}, "U:M100", kind="transfer"), POOL, rule("B", {"node": "U:M102"}, "U:Y")]
    out = run(engine(PAIR, rules), [{"node": "V:M1XX", "earned": "2022-04-30"}, {"node": "U:M102", "earned": "2023-04-30"},
                                    {"node": "U:X", "earned": "2023-04-30"}])
    assert _granted(out) == ["U:M100", "U:DEG"]
    assert out["granted"][1]["uses"] == ["U:M100", "U:X"]
    assert out["skipped"] == [{"rule": "B", "reason": "excluded"}]


def test_derived_holdings_of_another_institution_built_on_the_loser_count_at_its_institution() -> None:
    # M102 loses at U; V stacks it into a certificate (V's credit), which U's ladder takes
    rules = [{**rule("V-CERT", {"node": "U:M102"}, "V:CERT"), "granted_by": "V"},
             rule("LADDER", {"all": [{"node": "V:CERT"}, {"node": "U:M100"}]}, "U:DEG", kind="ladder"),
             rule("B", {"node": "U:M102"}, "U:Y")]
    out = run(engine(PAIR, rules), [{"node": "U:M100", "earned": "2023-04-30"}, {"node": "U:M102", "earned": "2024-04-30"}])
    assert _granted(out) == ["V:CERT", "U:DEG"]
    assert out["skipped"] == [{"rule": "B", "reason": "excluded"}]


def test_a_loser_is_excluded_from_competency_leaves_and_one_to_one_rules_with_attempts() -> None:
    nodes = [course("U:M100", 3, excludes=["U:M102"], competencies=["CMP:C"]), course("U:M102", 1.5), course("U:X", 3),
             {"id": "CMP:C", "kind": "competency", "title": "C"}]
    eng = engine(nodes, [rule("COMP", {"competency": "CMP:C"}, "U:X")])
    # M100 taken twice, first in 2024: M102 (2023) wins, and M100 counts for nothing at U
    out = run(eng, [{"node": "U:M100", "grade": "C", "earned": "2024-04-30"}, {"node": "U:M100", "grade": "A", "earned": "2025-04-30"},
                    {"node": "U:M102", "earned": "2023-04-30"}])
    assert out["granted"] == [] and out["skipped"] == [{"rule": "COMP", "reason": "excluded"}]


def test_greedy_order_a_loser_does_not_knock_out_a_third_node() -> None:
    # A excludes B, B excludes C, A and C compatible: A and C count, B loses
    nodes = [course("U:A", 1, excludes=["U:B"]), course("U:B", 1, excludes=["U:C"]), course("U:C", 1), course("U:X", 3)]
    out = run(engine(nodes, [rule("P", {"credits": 3, "where": {"institution": "U"}}, "U:X")]),
              [{"node": "U:A", "earned": "2022-01-10"}, {"node": "U:B", "earned": "2023-01-10"}, {"node": "U:C", "earned": "2024-01-10"}])
    assert out["progress"][0]["uses"] == ["U:A", "U:C"]


def test_excludes_are_validated_naming_the_field() -> None:
    doc = {"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
           "nodes": [course("U:A", excludes=["U:A"]), course("U:B", excludes=["U:C", "U:C"]),
                     {"id": "CMP:C", "kind": "competency", "title": "C", "excludes": ["U:A"]}]}
    with pytest.raises(InvalidInput) as err:
        parse_document(doc)
    assert {p.path: p.message for p in err.value.problems} == {
        "nodes[0].excludes": "a node cannot exclude itself",
        "nodes[1].excludes": "lists a node more than once",
        "nodes[2].excludes": "a competency node has no institution to count at: it cannot exclude anything",
    }
    from pathways.model import KnownIds, reference_problems

    refs = parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
                           "nodes": [course("U:A", excludes=["U:Z", "CMP:C"]), {"id": "CMP:C", "kind": "competency", "title": "C"}]})
    assert [str(p) for p in reference_problems(refs, KnownIds())] == [
        'nodes[0].excludes[0]: unknown node "U:Z"',
        'nodes[0].excludes[1]: "CMP:C" is a competency: only nodes with an institution exclude each other',
    ]


UVIC_FIRST_YEAR = ["UVIC:HIST-111", "UVIC:ENGL-135", "UVIC:PHIL-100", "UVIC:ECON-103", "UVIC:PSYC-100A", "UVIC:SOCI-100A"]


def test_seed_uvic_math_100_and_102_count_once_toward_second_year(seed_document: Document) -> None:
    eng = Engine(seed_document)
    holdings = [{"node": n, "earned": "2024-04-30"} for n in UVIC_FIRST_YEAR]
    holdings += [{"node": "UVIC:MATH-100", "earned": "2023-12-15"}, {"node": "UVIC:MATH-102", "earned": "2024-04-30"}]
    out = evaluate(eng, EvaluationRequest.from_json({"holdings": holdings, "as_of": "2026-11-22"})).to_json()
    # 8 courses of 1.5 units make 12, but MATH 102 (the later) does not count at UVic: 10.5 of 12
    assert "UVIC:BA-Y2" not in _granted(out)
    assert {"rule": "UVIC-BA-Y2-ADMISSION", "reason": "excluded"} in out["skipped"]
    progress = next(p for p in out["progress"] if p["rule"] == "UVIC-BA-Y2-ADMISSION")
    assert progress["fraction"] == 0.875 and "UVIC:MATH-102" not in progress["uses"]


def test_seed_the_planner_never_plans_an_anti_requisite_of_a_held_course(seed_document: Document) -> None:
    eng = Engine(seed_document)
    holdings = [{"node": n, "earned": "2024-04-30"} for n in [*UVIC_FIRST_YEAR, "UVIC:MATH-100"]]
    result = plan(eng, PlanRequest.model_validate({"holdings": holdings, "target": "UVIC:BA-Y2", "as_of": "2026-11-22",
                                                   "objective": "items", "alternatives": 7}))
    assert result.feasible and len(result.plans) == 7  # without the exclusion, MATH 102 alone is the seventh
    assert all(p.items != ("UVIC:MATH-102",) and "UVIC:MATH-102" not in p.items for p in result.plans)
