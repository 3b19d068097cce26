"""Evaluation clause by clause (SPEC section 4), on small hand-built graphs."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from pathways.engine import Engine, HoldingState, evaluate, requirement_progress, synthetic_holdings
from pathways.errors import InvalidInput
from pathways.model import BadgeClaim, EvaluationRequest, parse_document, parse_requirement

AS_OF = "2026-06-01"


def course(ident: str, credits: float = 1, **extra: Any) -> dict[str, Any]:
    return {"id": ident, "kind": extra.pop("kind", "course"), "institution": ident.split(":")[0], "title": ident,
            "credits": credits, **extra}


def rule(ident: str, requires: dict[str, Any], grants: str | list[str], kind: str = "stack", **extra: Any) -> dict[str, Any]:
    grant_list = [grants] if isinstance(grants, str) else grants
    return {"id": ident, "kind": kind, "granted_by": "U", "requires": requires,
            "grants": [{"node": g} for g in grant_list], **extra}


def engine(nodes: list[dict[str, Any]], rules: list[dict[str, Any]]) -> Engine:
    return Engine(parse_document({"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}],
                                  "nodes": nodes, "rules": rules}))


def run(eng: Engine, holdings: list[Any], **extra: Any) -> dict[str, Any]:
    return evaluate(eng, EvaluationRequest.from_json({"holdings": holdings, "as_of": AS_OF, **extra})).to_json()


def leaves(*ids: str) -> list[dict[str, str]]:
    return [{"node": i} for i in ids]


MICRO = [course("U:M1"), course("U:M2"), course("U:M3"), course("U:C", 3)]


def test_three_micro_courses_grant_a_course_with_dates_grade_and_lineage() -> None:
    eng = engine(MICRO, [rule("R", {"all": leaves("U:M1", "U:M2", "U:M3")}, "U:C", kind="plar")])
    out = run(eng, [{"node": "U:M1", "grade": "A", "earned": "2025-01-10"},
                    {"node": "U:M2", "grade": "B-", "earned": "2025-04-30"},
                    {"node": "U:M3", "earned": "2024-12-01"}])
    assert out["granted"] == [{"node": "U:C", "credits": 3, "rule": "R", "kind": "plar", "granted_by": "U",
                               "earned": "2025-04-30", "grade": "B-", "uses": ["U:M1", "U:M2", "U:M3"],
                               "lineage": ["U:M1", "U:M2", "U:M3"], "not_applied": 0}]
    assert out["progress"] == [] and out["skipped"] == [] and out["unrecognized"] == []


def test_grade_is_p_when_no_used_holding_has_a_letter_and_grant_credits_override() -> None:
    eng = engine(MICRO, [{**rule("R", {"node": "U:M1"}, "U:C"), "grants": [{"node": "U:C", "credits": 1.5}]}])
    out = run(eng, [{"node": "U:M1", "grade": "P"}])
    assert out["granted"][0]["grade"] == "P" and out["granted"][0]["credits"] == 1.5
    assert out["granted"][0]["earned"] == AS_OF  # earned defaults to as_of


def test_progress_fraction_and_missing_reduce_counts() -> None:
    electives = [f"U:E{i}" for i in range(1, 9)]
    eng = engine([course("U:C1"), course("U:C2"), *[course(e) for e in electives], course("U:CAF", 3)],
                 [rule("CAF", {"all": [{"all": leaves("U:C1", "U:C2")}, {"at_least": 2, "of": leaves(*electives)}]}, "U:CAF")])
    out = run(eng, ["U:C1", "U:C2", "U:E3"] and [{"node": n} for n in ("U:C1", "U:C2", "U:E3")])
    assert out["progress"] == [{"rule": "CAF", "target": "U:CAF", "kind": "stack", "fraction": 0.75,
                                "uses": ["U:C1", "U:C2", "U:E3"],
                                "missing": {"at_least": 1, "of": leaves(*[e for e in electives if e != "U:E3"])}}]


def test_progress_credit_pools_and_thirds() -> None:
    eng = engine([course("U:A", 2), course("U:B", 1), course("U:D", 3), course("U:X", 6)],
                 [rule("P", {"credits": 6, "where": {"institution": "U", "level_min": 1}}, "U:X"),
                  rule("T", {"all": leaves("U:A", "U:B", "U:D")}, "U:X")])
    nodes = [course("U:A", 2, level=1), course("U:B", 1, level=1), course("U:D", 3), course("U:X", 6)]
    eng = engine(nodes, [rule("P", {"credits": 6, "where": {"institution": "U", "level_min": 1}}, "U:X"),
                         rule("T", {"all": leaves("U:A", "U:B", "U:D")}, "U:X")])
    out = run(eng, [{"node": "U:A"}])
    assert [(p["rule"], p["fraction"], p["missing"]) for p in out["progress"]] == [
        ("P", 0.333, {"credits": 4, "where": {"institution": "U", "level_min": 1}}),
        ("T", 0.333, {"all": leaves("U:B", "U:D")}),
    ]


def test_pilot_rule_is_skipped_unless_include_pilot() -> None:
    eng = engine(MICRO, [rule("PILOT", {"node": "U:M1"}, "U:C", kind="ladder", status="pilot"),
                         rule("PROPOSED", {"node": "U:M1"}, "U:M2", status="proposed")])
    out = run(eng, [{"node": "U:M1"}])
    assert out["granted"] == [] and out["skipped"] == [{"rule": "PILOT", "reason": "pilot"}]
    out = run(eng, [{"node": "U:M1"}], include_pilot=True)
    assert [g["node"] for g in out["granted"]] == ["U:C"] and out["skipped"] == []


def test_holding_earned_outside_the_agreement_window_does_not_transfer() -> None:
    eng = engine(MICRO, [rule("T", {"node": "U:M1"}, "U:C", kind="transfer", valid_from="2020-09-01", valid_to="2022-08-31")])
    assert run(eng, [{"node": "U:M1", "earned": "2020-08-31"}])["skipped"] == [{"rule": "T", "reason": "outside_window"}]
    assert run(eng, [{"node": "U:M1", "earned": "2022-09-01"}])["granted"] == []
    assert [g["rule"] for g in run(eng, [{"node": "U:M1", "earned": "2022-08-31"}])["granted"]] == ["T"]


def test_agreement_starting_after_as_of_never_counts() -> None:
    eng = engine(MICRO, [rule("T", {"node": "U:M1"}, "U:C", kind="transfer", valid_from="2027-01-01")])
    out = run(eng, [{"node": "U:M1"}])
    assert out["granted"] == [] and out["skipped"] == [{"rule": "T", "reason": "outside_window"}]


def test_expired_holding_is_skipped_as_expired() -> None:
    eng = engine(MICRO, [rule("A", {"node": "U:M1"}, "U:C", kind="admission", max_age_years=5)])
    assert run(eng, [{"node": "U:M1", "earned": "2021-05-31"}])["skipped"] == [{"rule": "A", "reason": "expired"}]
    assert run(eng, [{"node": "U:M1", "earned": "2021-06-01"}])["granted"][0]["rule"] == "A"


def test_chain_micro_courses_course_transfer_credential_with_derived_dates_checked() -> None:
    nodes = [*MICRO, course("V:T", 3), course("V:CERT", 12, kind="credential")]
    rules = [rule("STACK", {"all": leaves("U:M1", "U:M2", "U:M3")}, "U:C"),
             rule("XFER", {"node": "U:C"}, "V:T", kind="transfer", valid_from="2025-01-01"),
             rule("CERT", {"credits": 3, "where": {"institution": "V"}}, "V:CERT", kind="ladder")]
    eng = engine(nodes, rules)
    held = [{"node": "U:M1", "earned": "2024-03-01"}, {"node": "U:M2", "earned": "2024-04-01"}, {"node": "U:M3", "earned": "2025-02-01"}]
    out = run(eng, held)
    assert [(g["node"], g["rule"], g["earned"], g["lineage"]) for g in out["granted"]] == [
        ("U:C", "STACK", "2025-02-01", ["U:M1", "U:M2", "U:M3"]),
        ("V:T", "XFER", "2025-02-01", ["U:M1", "U:M2", "U:M3"]),
        ("V:CERT", "CERT", "2025-02-01", ["U:M1", "U:M2", "U:M3"]),
    ]
    # the derived course is dated by its latest micro-course: 2024 is outside the transfer window
    held[2]["earned"] = "2024-05-01"
    out = run(eng, held)
    assert [g["node"] for g in out["granted"]] == ["U:C"]
    assert out["skipped"] == [{"rule": "XFER", "reason": "outside_window"}]


def test_cycle_terminates_and_a_held_node_is_not_granted_again() -> None:
    eng = engine([course("U:A"), course("V:B")],
                 [rule("AB", {"node": "U:A"}, "V:B", kind="transfer"), rule("BA", {"node": "V:B"}, "U:A", kind="transfer")])
    out = run(eng, [{"node": "U:A"}])
    assert [(g["node"], g["rule"]) for g in out["granted"]] == [("V:B", "AB")]
    assert out["skipped"] == [] and out["progress"] == []


def test_same_learning_never_fills_two_slots_of_one_rule() -> None:
    nodes = [*MICRO, course("U:BIG", 6)]
    rules = [rule("STACK", {"all": leaves("U:M1", "U:M2", "U:M3")}, "U:C"),
             rule("SIX", {"credits": 6, "of": leaves("U:M1", "U:M2", "U:M3", "U:C")}, "U:BIG")]
    out = run(engine(nodes, rules), [{"node": n} for n in ("U:M1", "U:M2", "U:M3")])
    assert [g["node"] for g in out["granted"]] == ["U:C"]
    assert out["progress"][0]["rule"] == "SIX" and out["progress"][0]["fraction"] == 0.5


def test_among_equal_lineages_the_smallest_sorted_uses_is_reported() -> None:
    nodes = [*MICRO, course("U:BIG", 3)]
    rules = [rule("STACK", {"all": leaves("U:M1", "U:M2", "U:M3")}, "U:C"),
             rule("THREE", {"credits": 3, "of": leaves("U:C", "U:M1", "U:M2", "U:M3")}, "U:BIG")]
    out = run(engine(nodes, rules), [{"node": n} for n in ("U:M1", "U:M2", "U:M3")])
    big = out["granted"][0]  # both fire in round 1 on the micro-courses
    assert big["node"] == "U:BIG" and big["uses"] == ["U:M1", "U:M2", "U:M3"]


def test_matching_is_a_search_not_a_greedy_pass() -> None:
    nodes = [course("U:A"), course("U:B"), course("U:X"), {"id": "CMP:K", "kind": "competency", "title": "K"}]
    nodes[1]["competencies"] = ["CMP:K"]
    nodes[0]["competencies"] = ["CMP:K"]
    rules = [rule("R", {"all": [{"competency": "CMP:K"}, {"node": "U:A"}]}, "U:X")]
    out = run(engine(nodes, rules), [{"node": "U:A"}, {"node": "U:B"}])
    assert out["granted"][0]["uses"] == ["U:A", "U:B"]
    assert run(engine(nodes, rules), [{"node": "U:A"}])["granted"] == []


def test_competing_derivations_smallest_lineage_then_rule_id() -> None:
    nodes = [*MICRO, course("U:Z", 3)]
    rules = [rule("R2", {"node": "U:M3"}, "U:Z"), rule("R1", {"node": "U:M2"}, "U:Z"),
             rule("R0", {"all": leaves("U:M1", "U:M2")}, "U:Z")]
    out = run(engine(nodes, rules), [{"node": n} for n in ("U:M1", "U:M2", "U:M3")])
    assert [(g["node"], g["rule"]) for g in out["granted"]] == [("U:Z", "R1")]


def test_limits_cap_recognized_credit_and_require_residency() -> None:
    nodes = [course("V:A", 3), course("V:B", 3), course("U:A", 3), course("U:B", 3), course("U:R", 3),
             course("U:DEG", 0, kind="credential", limits={"max_recognized_credits": 3, "min_residency_credits": 3})]
    rules = [rule("XA", {"node": "V:A"}, "U:A", kind="transfer"), rule("XB", {"node": "V:B"}, "U:B", kind="transfer"),
             rule("DEG", {"credits": 6, "where": {"institution": "U"}}, "U:DEG")]
    eng = engine(nodes, rules)
    out = run(eng, [{"node": "V:A"}, {"node": "V:B"}])
    assert [g["node"] for g in out["granted"]] == ["U:A", "U:B"]
    assert out["skipped"] == [{"rule": "DEG", "reason": "limits"}]
    out = run(eng, [{"node": "V:A"}, {"node": "V:B"}, {"node": "U:R"}])
    deg = out["granted"][-1]
    assert deg["node"] == "U:DEG" and deg["uses"] == ["U:A", "U:R"]


def test_residency_can_need_more_holdings_than_the_minimum() -> None:
    nodes = [course("V:A", 6), course("U:A", 6), course("U:R1", 1), course("U:R2", 1),
             course("U:DEG", 0, kind="credential", limits={"min_residency_credits": 2})]
    rules = [rule("XA", {"node": "V:A"}, "U:A", kind="transfer"),
             rule("DEG", {"credits": 6, "where": {"institution": "U"}}, "U:DEG")]
    out = run(engine(nodes, rules), [{"node": n} for n in ("V:A", "U:R1", "U:R2")])
    assert out["granted"][-1]["uses"] == ["U:A", "U:R1", "U:R2"]


def test_failed_holding_is_not_held_and_grades_meet_min_grade() -> None:
    eng = engine(MICRO, [rule("R", {"node": "U:M1", "min_grade": "B"}, "U:C")])
    assert run(eng, [{"node": "U:M1", "grade": "F"}])["progress"] == []
    assert run(eng, [{"node": "U:M1", "grade": "P"}])["granted"] == []
    assert run(eng, [{"node": "U:M1", "grade": "B-"}])["granted"] == []
    assert run(eng, [{"node": "U:M1", "grade": "B+"}])["granted"][0]["grade"] == "B+"
    # a duplicate holding: the better grade counts
    assert run(eng, [{"node": "U:M1", "grade": "C"}, {"node": "U:M1", "grade": "A"}])["granted"][0]["grade"] == "A"


def test_unrecognized_nodes_and_badges() -> None:
    eng = engine([course("U:M1", identifiers=["https://b.example/m1"]), course("U:C")], [rule("R", {"node": "U:M1"}, "U:C")])
    request = EvaluationRequest.from_json({"holdings": [{"node": "XYZ:UNKNOWN"}], "as_of": AS_OF})
    badges = [BadgeClaim(("https://b.example/m1",), dt.date(2025, 5, 1), "credentials[0]"),
              BadgeClaim(("https://b.example/other", "https://x"), None, "credentials[1]")]
    out = evaluate(eng, request, badges=badges).to_json()
    assert out["unrecognized"] == ["XYZ:UNKNOWN", "https://b.example/other"]
    assert out["granted"][0]["earned"] == "2025-05-01"


def test_holding_or_badge_after_as_of_is_invalid_input_with_its_path() -> None:
    eng = engine(MICRO, [])
    with pytest.raises(InvalidInput) as err:
        run(eng, [{"node": "U:M1"}, {"node": "U:M2", "earned": "2026-06-02"}])
    assert err.value.problems[0].path == "holdings[1].earned"
    request = EvaluationRequest.from_json({"as_of": AS_OF})
    with pytest.raises(InvalidInput) as err:
        evaluate(eng, request, badges=[BadgeClaim(("x",), dt.date(2027, 1, 1), "credentials[0]")])
    assert err.value.problems[0].path == "credentials[0].validFrom"


def test_as_of_defaults_to_today() -> None:
    eng = engine(MICRO, [])
    out = evaluate(eng, EvaluationRequest.from_json([]), today=dt.date(2030, 1, 2)).to_json()
    assert out["as_of"] == "2030-01-02"


def test_synthetic_holdings_and_requirement_progress_for_the_planner() -> None:
    eng = engine(MICRO, [rule("R", {"all": [{"node": "U:M1", "min_grade": "A"}, {"node": "U:M2"}]}, "U:C")])
    request = EvaluationRequest.from_json({"as_of": AS_OF})
    result = evaluate(eng, request, extra_holdings=synthetic_holdings(["U:M1", "U:M2"], dt.date(2026, 6, 1)), report=False)
    assert "U:C" in result.held and result.held["U:C"].rule == "R"
    held = {"U:M1": HoldingState("U:M1", 1, dt.date(2026, 1, 1), "A", frozenset({"U:M1"}))}
    p = requirement_progress(eng, parse_requirement({"all": leaves("U:M1", "U:M2", "U:M3")}), held)
    assert (round(p.fraction, 3), p.uses, p.missing) == (0.333, ("U:M1",), {"all": leaves("U:M2", "U:M3")})
    assert requirement_progress(eng, "R", held).missing == {"node": "U:M2"}


def test_large_credit_pool_against_a_transcript_is_fast() -> None:
    nodes = [course(f"U:C{i:02}", 3 + (i % 2), subject="S") for i in range(45)] + [course("U:DEG", 0, kind="credential")]
    eng = engine(nodes, [rule("DEG", {"credits": 120, "where": {"institution": "U", "subject": "S"}}, "U:DEG")])
    start = time.perf_counter()
    out = run(eng, [{"node": f"U:C{i:02}"} for i in range(45)])
    elapsed = time.perf_counter() - start
    assert out["granted"][0]["node"] == "U:DEG"
    assert len(out["granted"][0]["uses"]) == 33  # 22 four-credit + 11 three-credit courses: the fewest that reach 120
    assert elapsed < 2.0
