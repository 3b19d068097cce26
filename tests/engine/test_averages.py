"""Second edition, amendment 7: grade-point averages (docs/evaluation.md, section 7)."""

from __future__ import annotations

from typing import Any

import pytest

from pathways.engine import Engine, evaluate, requirement_progress
from pathways.errors import InvalidInput
from pathways.model import EvaluationRequest, KnownIds, check_references, parse_document, parse_requirement

from .test_evaluate import course, engine, rule, run

NODES = [course("U:A", 3), course("U:B", 3), course("U:C", 6), course("U:D", 3), course("U:M", 0),
         course("V:X", 3), course("V:Y", 3), course("V:ADMIT", 0, kind="admission")]


def _admission(avg: dict[str, Any], pool: float = 6, **extra: Any) -> Engine:
    """Admission to V on an average beside a pool of U credits."""
    return engine(NODES, [rule("ADM", {"all": [avg, {"credits": pool, "where": {"institution": "U"}}]}, "V:ADMIT",
                               kind="admission", **extra)])


def _granted(out: dict[str, Any]) -> list[str]:
    return [g["node"] for g in out["granted"]]


def test_a_rule_fires_when_the_credit_weighted_average_reaches_the_grade() -> None:
    eng = _admission({"average": "B", "where": {"institution": "U"}})
    # A (4.0) over 3 credits and C+ (2.33) over 3: 3.165 >= B (3.0)
    assert _granted(run(eng, [{"node": "U:A", "grade": "A"}, {"node": "U:B", "grade": "C+"}])) == ["V:ADMIT"]
    # B (3.0) over 3 and C+ (2.33) over 6: 2.553 < 3.0, though each grade alone would do for C+
    out = run(eng, [{"node": "U:A", "grade": "B"}, {"node": "U:C", "grade": "C+"}])
    assert out["granted"] == []
    (p,) = out["progress"]
    # the pool is met, the average is 2.553 / 3.0 of the way: (1 + 0.851) / 2
    assert p["fraction"] == pytest.approx(0.926, abs=1e-3)
    assert p["missing"] == {"average": "B", "where": {"institution": "U"}}
    assert p["uses"] == ["U:C"]


def test_an_average_is_a_condition_it_does_not_use_up_the_holdings() -> None:
    # the same courses are averaged and fill the pool, and the grant's uses and lineage are the pool's
    eng = _admission({"average": "C", "of": [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:D"}]}, pool=3)
    (g,) = run(eng, [{"node": "U:A", "grade": "B"}, {"node": "U:B", "grade": "A"}, {"node": "U:D", "grade": "D"}])["granted"]
    assert (g["uses"], g["lineage"], g["grade"]) == (["U:A"], ["U:A"], "B")


def test_last_credits_takes_the_most_recent_graded_holdings_until_their_credits_reach_n() -> None:
    eng = _admission({"average": "B", "where": {"institution": "U"}, "last_credits": 6})
    record = [{"node": "U:A", "grade": "D", "earned": "2020-04-30"},  # old and poor: left out
              {"node": "U:B", "grade": "A", "earned": "2025-04-30"},
              {"node": "U:D", "grade": "C+", "earned": "2025-04-30"},
              {"node": "U:M", "grade": "F", "earned": "2025-12-01"}]  # F: never held
    assert _granted(run(eng, record)) == ["V:ADMIT"]  # (4.0 + 2.33) / 2 = 3.165
    # ties by earned date go by node id: with 3 credits asked, U:B (A) alone
    eng = _admission({"average": "A", "where": {"institution": "U"}, "last_credits": 3})
    assert _granted(run(eng, record)) == ["V:ADMIT"]
    # the holding that brings the sum to n counts in full: 4 credits take U:B and U:D
    eng = _admission({"average": "A", "where": {"institution": "U"}, "last_credits": 4})
    assert _granted(run(eng, record)) == []
    # fewer graded credits than n: all of them
    eng = _admission({"average": "B", "where": {"institution": "U"}, "last_credits": 60})
    assert _granted(run(eng, record[1:])) == ["V:ADMIT"]


def test_pass_and_no_grade_are_left_out_unless_the_rule_counts_a_pass_as_a_letter() -> None:
    record = [{"node": "U:A", "grade": "A"}, {"node": "U:B", "grade": "P"}, {"node": "U:D"}]
    eng = _admission({"average": "A", "where": {"institution": "U"}})
    assert _granted(run(eng, record)) == ["V:ADMIT"]  # the A alone
    eng = _admission({"average": "A", "where": {"institution": "U"}}, pass_counts_as="C")
    assert _granted(run(eng, record)) == []  # (4.0 + 2.0) / 2
    # nothing graded: no average, not met, and no share of progress
    out = run(_admission({"average": "C", "where": {"institution": "U"}}), [{"node": "U:B", "grade": "P"}])
    assert out["granted"] == [] and out["progress"][0]["fraction"] == 0.25


def test_transfer_credit_carries_the_grades_of_what_it_was_derived_from() -> None:
    rules = [rule("U-V", {"node": "U:A"}, "V:X", kind="transfer"),
             rule("U-V2", {"all": [{"node": "U:B"}, {"node": "U:D"}]}, "V:Y", kind="transfer"),
             rule("ADM", {"all": [{"average": "B+", "where": {"institution": "V"}}, {"credits": 3, "where": {"institution": "V"}}]},
                  "V:ADMIT", kind="admission")]
    eng = engine(NODES, rules)
    # V:X stands on U:A (A, 3 credits), V:Y on U:B (B-, 3) and U:D (B, 3): (4.0 + 2.67 + 3.0) / 3 = 3.223 < B+ (3.33)
    out = run(eng, [{"node": "U:A", "grade": "A"}, {"node": "U:B", "grade": "B-"}, {"node": "U:D", "grade": "B"}])
    assert _granted(out) == ["V:X", "V:Y"]
    # without the second transfer the average is U:A's alone, met as soon as V:X arrives
    assert _granted(run(eng, [{"node": "U:A", "grade": "A"}, {"node": "U:B", "grade": "B-"}])) == ["V:X", "V:ADMIT"]


def test_a_derived_holding_arriving_later_raises_the_average_and_the_rule_fires_then() -> None:
    rules = [rule("U-V", {"node": "U:A"}, "V:X", kind="transfer"),
             rule("ADM", {"all": [{"average": "B", "where": {"institution": "V"}}, {"node": "V:Y"}]}, "V:ADMIT", kind="admission")]
    out = run(engine(NODES, rules), [{"node": "V:Y", "grade": "C"}, {"node": "U:A", "grade": "A+"}])
    # round 0: V:Y alone averages C; round 1 brings V:X (from an A+): (2.0 + 4.33) / 2 = 3.165
    assert [(g["node"], g["uses"]) for g in out["granted"]] == [("V:X", ["U:A"]), ("V:ADMIT", ["V:Y"])]


def test_a_repeated_course_counts_its_best_attempt() -> None:
    eng = _admission({"average": "B", "where": {"institution": "U"}}, pool=3)
    attempts = [{"node": "U:A", "grade": "D", "earned": "2023-04-30"}, {"node": "U:A", "grade": "B", "earned": "2024-04-30"}]
    assert _granted(run(eng, attempts)) == ["V:ADMIT"]


def test_missing_and_requirement_progress_write_the_average_back() -> None:
    eng = _admission({"average": "B", "where": {"institution": "U"}, "last_credits": 30})
    doc_req = {"all": [{"average": "B", "where": {"institution": "U"}, "last_credits": 30}, {"node": "U:A"}, {"node": "U:B"}]}
    out = evaluate(eng, EvaluationRequest.from_json({"holdings": [{"node": "U:A", "grade": "C"}], "as_of": "2026-06-01"}))
    p = requirement_progress(eng, parse_requirement(doc_req), out.held)
    # U:A placed, U:B not, the average C over B: (2.0 / 3.0 + 1 + 0) / 3
    assert p.fraction == pytest.approx((2 / 3 + 1) / 3)
    assert p.missing == {"all": [{"node": "U:B"}, {"average": "B", "where": {"institution": "U"}, "last_credits": 30}]}
    assert requirement_progress(eng, "ADM", out.held).missing == {
        "all": [{"credits": 3, "where": {"institution": "U"}}, {"average": "B", "where": {"institution": "U"}, "last_credits": 30}]}


def test_an_unless_may_name_an_average() -> None:
    rules = [rule("R", {"node": "U:A"}, "V:X", kind="transfer",
                  unless={"all": [{"average": "A", "of": [{"node": "U:A"}]}, {"node": "U:A"}]})]
    eng = engine(NODES, rules)
    assert _granted(run(eng, [{"node": "U:A", "grade": "B"}])) == ["V:X"]
    out = run(eng, [{"node": "U:A", "grade": "A"}])
    assert out["granted"] == [] and out["skipped"] == [{"rule": "R", "reason": "excluded"}]


def test_an_average_alone_is_a_whole_requirement_and_the_grant_rests_on_the_learning_averaged() -> None:
    # admission on a B average over the last 6 credits at U: U:A is too old to count, U:M has no grade
    eng = engine(NODES, [rule("ADM", {"average": "B", "where": {"institution": "U"}, "last_credits": 6}, "V:ADMIT",
                              kind="admission")])
    record = [{"node": "U:A", "grade": "D", "earned": "2020-04-30"}, {"node": "U:B", "grade": "A", "earned": "2025-04-30"},
              {"node": "U:D", "grade": "C+", "earned": "2025-01-30"}, {"node": "U:M", "grade": "P", "earned": "2025-05-30"}]
    (g,) = run(eng, record)["granted"]
    assert (g["node"], g["uses"], g["lineage"], g["grade"], g["earned"]) == ("V:ADMIT", ["U:B", "U:D"], ["U:B", "U:D"], "C+",
                                                                            "2025-04-30")
    # short of it: progress is the average's points over B's, and it is what is missing
    out = run(eng, [{"node": "U:B", "grade": "C", "earned": "2025-04-30"}])
    assert out["granted"] == []
    (p,) = out["progress"]
    assert p["fraction"] == pytest.approx(2.0 / 3.0, abs=1e-3) and p["uses"] == []
    assert p["missing"] == {"average": "B", "where": {"institution": "U"}, "last_credits": 6}
    # over nothing graded: not met, no progress
    assert run(eng, [{"node": "U:M", "grade": "P"}])["granted"] == []


def test_transfer_credit_resting_on_an_average_carries_the_lineage_of_its_origin() -> None:
    rules = [rule("U-V", {"node": "U:A"}, "V:X", kind="transfer"),
             rule("ADM", {"all": [{"average": "B", "where": {"institution": "V"}}]}, "V:ADMIT", kind="admission")]
    out = run(engine(NODES, rules), [{"node": "U:A", "grade": "A"}])
    assert [(g["node"], g["uses"], g["lineage"]) for g in out["granted"]] == [("V:X", ["U:A"], ["U:A"]),
                                                                             ("V:ADMIT", ["V:X"], ["U:A"])]


def test_a_credential_resting_on_an_average_counts_residency_on_the_learning_averaged() -> None:
    cert = course("U:CERT", 6, kind="credential", limits={"min_residency_credits": 6})
    rules = [rule("U-V", {"node": "U:A"}, "V:X", kind="transfer"),
             rule("CERT", {"average": "B", "where": {"institution": "V"}}, "U:CERT")]
    eng = engine([*NODES, cert], rules)
    # V:X stands on U:A (3 credits at U), V:Y was earned at V: 3 resident credits, short of 6
    out = run(eng, [{"node": "U:A", "grade": "A"}, {"node": "V:Y", "grade": "A"}])
    assert _granted(out) == ["V:X"]
    # with U:B behind a second transfer credit, 6 credits of the learning averaged are U's
    eng = engine([*NODES, cert], [*rules, rule("U-V2", {"node": "U:B"}, "V:Y", kind="transfer")])
    out = run(eng, [{"node": "U:A", "grade": "A"}, {"node": "U:B", "grade": "B"}])
    assert [(g["node"], g["uses"], g["lineage"]) for g in out["granted"]][-1] == ("U:CERT", ["V:X", "V:Y"], ["U:A", "U:B"])


def test_under_any_an_average_met_meets_it_with_no_holdings_else_another_branch_does() -> None:
    eng = engine(NODES, [rule("ADM", {"any": [{"average": "B", "of": [{"node": "U:A"}, {"node": "U:B"}]},
                                              {"all": [{"node": "U:C"}, {"node": "U:D"}]}]}, "V:ADMIT", kind="admission")])
    # the average met: the any rests on it alone
    (g,) = run(eng, [{"node": "U:A", "grade": "A"}, {"node": "U:B", "grade": "C+"}])["granted"]
    assert g["uses"] == ["U:A", "U:B"]
    # not met (2.5): the other branch meets it
    (g,) = run(eng, [{"node": "U:A", "grade": "B"}, {"node": "U:B", "grade": "C"}, {"node": "U:C", "grade": "D"},
                     {"node": "U:D", "grade": "D"}])["granted"]
    assert g["uses"] == ["U:C", "U:D"]
    # neither: progress is the better of the two, the average's (2.5 of 3.0) over half the other branch,
    # and missing names both ways
    out = run(eng, [{"node": "U:A", "grade": "B"}, {"node": "U:B", "grade": "C"}, {"node": "U:C", "grade": "D"}])
    (p,) = out["progress"]
    assert out["granted"] == [] and p["fraction"] == pytest.approx(0.833, abs=1e-3) and p["uses"] == []
    assert p["missing"] == {"any": [{"average": "B", "of": [{"node": "U:A"}, {"node": "U:B"}]}, {"node": "U:D"}]}
    out = run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:B", "grade": "D"}, {"node": "U:C", "grade": "D"}])
    (p,) = out["progress"]
    assert (p["fraction"], p["uses"]) == (0.5, [])  # the average's (C and D: 1.5 of 3.0) ties: no holdings used


def test_beside_holdings_under_any_a_met_average_leaves_the_rest_of_the_requirement() -> None:
    # {"all": [U:A, {"any": [average, U:B]}]}: with the average met, U:A alone is used
    eng = engine(NODES, [rule("R", {"all": [{"node": "U:A"}, {"any": [{"average": "B", "of": [{"node": "U:D"}]},
                                                                           {"node": "U:B"}]}]}, "V:X")])
    (g,) = run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "A"}])["granted"]
    assert (g["uses"], g["lineage"]) == (["U:A"], ["U:A"])
    (g,) = run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "C"}, {"node": "U:B", "grade": "C"}])["granted"]
    assert g["uses"] == ["U:A", "U:B"]
    assert run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "C"}])["granted"] == []


def test_under_at_least_a_met_average_counts_as_one_met_child() -> None:
    three = [{"average": "B", "of": [{"node": "U:D"}]}, {"node": "U:A"}, {"node": "U:B"}]
    eng = engine(NODES, [rule("R", {"at_least": 2, "of": three}, "V:X")])
    (g,) = run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "A"}])["granted"]
    assert g["uses"] == ["U:A"]
    assert run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "C"}])["granted"] == []
    (g,) = run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "C"}, {"node": "U:B", "grade": "C"}])["granted"]
    assert g["uses"] == ["U:A", "U:B"]
    # two averages met, the at_least rests on them (the first two)
    eng = engine(NODES, [rule("R", {"at_least": 2, "of": [{"average": "B", "of": [{"node": "U:D"}]},
                                                          {"average": "C", "of": [{"node": "U:B"}]}, {"node": "U:A"}]}, "V:X")])
    (g,) = run(eng, [{"node": "U:A", "grade": "C"}, {"node": "U:D", "grade": "A"}, {"node": "U:B", "grade": "C"}])["granted"]
    assert g["uses"] == ["U:B", "U:D"]


def test_a_later_holding_raising_a_nested_average_fires_the_rule_then() -> None:
    rules = [rule("U-V", {"node": "U:A"}, "V:X", kind="transfer"),
             rule("R", {"all": [{"node": "U:B"}, {"any": [{"average": "B", "where": {"institution": "V"}}, {"node": "U:C"}]}]},
                  "V:ADMIT", kind="admission")]
    out = run(engine(NODES, rules), [{"node": "V:Y", "grade": "C"}, {"node": "U:B", "grade": "C"}, {"node": "U:A", "grade": "A+"}])
    assert [(g["node"], g["uses"]) for g in out["granted"]] == [("V:X", ["U:A"]), ("V:ADMIT", ["U:B"])]


@pytest.mark.parametrize(("requires", "path", "start"), [
    ({"all": [{"node": "U:A"}, {"credits": 3, "of": [{"average": "B", "of": [{"node": "U:A"}]}, {"node": "U:B"}]}]},
     "rules[0].requires.all[1].of[0]", 'an average adds no credits, so a "credits ... of" cannot count it'),
    ({"hours": 30, "of": [{"any": [{"average": "B", "of": [{"node": "U:A"}]}, {"node": "U:B"}]}]},
     "rules[0].requires.of[0].any[0]", 'an average adds no hours, so a "hours ... of" cannot count it'),
    ({"all": [{"average": "F", "of": [{"node": "U:A"}]}, {"node": "U:A"}]}, "rules[0].requires.all[0].average", "unknown grade 'F'"),
    ({"all": [{"average": "B", "of": [{"node": "U:A", "min_grade": "C"}]}, {"node": "U:A"}]}, "rules[0].requires.all[0].of[0]",
     "an average is taken over nodes"),
    ({"all": [{"average": "B", "where": {"institution": "U"}, "last_credits": 0}, {"node": "U:A"}]},
     "rules[0].requires.all[0].last_credits", "must be a finite number > 0"),
    ({"all": [{"average": "B", "of": [{"node": "U:NOPE"}]}, {"node": "U:A"}]}, "rules[0].requires.all[0].of[0].node",
     "unknown node"),
])
def test_an_average_is_validated_naming_the_field(requires: dict[str, Any], path: str, start: str) -> None:
    bad = {"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}], "nodes": NODES,
           "rules": [rule("R", requires, "V:X")]}
    with pytest.raises(InvalidInput) as err:
        check_references(parse_document(bad), KnownIds())
    messages = {p.path: p.message for p in err.value.problems}
    assert path in messages, messages
    assert messages[path].startswith(start), messages[path]


def test_the_planner_takes_an_average_as_met_and_its_plans_are_verified_by_evaluation() -> None:
    from pathways.engine import plan
    from pathways.model import PlanRequest

    nodes = [*NODES, course("U:T", 0, kind="credential")]
    three = {"at_least": 2, "of": [{"node": "U:A"}, {"node": "U:B"}, {"node": "U:D"}]}

    def planned(avg: dict[str, Any]) -> dict[str, Any]:
        eng = engine(nodes, [rule("R", {"all": [avg, three]}, "U:T")])
        request = {"target": "U:T", "objective": "items", "as_of": "2026-06-01", "holdings": [{"node": "U:A", "grade": "D"}]}
        return plan(eng, PlanRequest.model_validate(request)).to_json()

    # planned items are graded A+: with two of them the U average is (1.0 + 2 * 4.33) / 3 = 3.22, a B
    out = planned({"average": "B", "where": {"institution": "U"}})
    assert out["feasible"] and [p["items"] for p in out["plans"]] == [["U:B", "U:D"]]
    # an average over the D alone no plan raises (a held course is never retaken): no plan, no error
    out = planned({"average": "B", "of": [{"node": "U:A"}]})
    assert not out["feasible"] and out["plans"] == []


def test_graph_checks_and_exporters_read_an_average() -> None:
    import io

    from pathways.engine.checks import check_graph
    from pathways.io.csv_export import write_agreements
    from pathways.io.ctdl import ctdl_document, read_ctdl

    requires = {"all": [{"average": "B", "of": [{"node": "U:A"}]}, {"node": "U:A"}]}
    doc = parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}],
                          "nodes": NODES, "rules": [rule("R", requires, "V:X", kind="transfer")]})
    assert check_graph(doc) == []
    # CTDL carries the requirement whole; the transfer-guide table cannot say an average: the rule is left out
    assert read_ctdl(ctdl_document(doc)).rules[0].requires == doc.rules[0].requires
    assert write_agreements(doc, "U", io.StringIO()) == (0, 1)


def test_the_planner_takes_another_branch_when_an_average_under_any_falls_short() -> None:
    from pathways.engine import plan
    from pathways.model import PlanRequest

    nodes = [*NODES, course("U:T", 0, kind="credential")]
    requires = {"any": [{"average": "B", "of": [{"node": "U:A"}]}, {"all": [{"node": "U:B"}, {"node": "U:D"}]}]}
    eng = engine(nodes, [rule("R", requires, "U:T")])

    def planned(grade: str) -> dict[str, Any]:
        request = {"target": "U:T", "objective": "items", "as_of": "2026-06-01", "holdings": [{"node": "U:A", "grade": grade}]}
        return plan(eng, PlanRequest.model_validate(request)).to_json()

    assert [p["items"] for p in planned("A")["plans"]] == [[]]  # the target is derived already: nothing to plan
    out = planned("D")  # the average cannot be raised: the other branch
    assert out["feasible"] and [p["items"] for p in out["plans"]] == [["U:B", "U:D"]]
