"""SPEC section 4, second edition: each amendment on a small hand-built graph (docs/evaluation.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pathways.engine import Engine, evaluate
from pathways.model import Document, EvaluationRequest

from .test_evaluate import course, engine, leaves, rule, run

CHAIN = [course("U:A", 3), course("V:B", 3), course("W:C", 3), course("V:D", 3), course("V:E", 6)]


def _granted(out: dict[str, object]) -> list[str]:
    return [g["node"] for g in out["granted"]]  # type: ignore[attr-defined, index]


def test_transfer_credit_is_assessed_at_its_origin_not_transferred_again() -> None:
    eng = engine(CHAIN, [rule("U-V", {"node": "U:A"}, "V:B", kind="transfer"),
                         rule("V-W", {"node": "V:B"}, "W:C", kind="transfer"),
                         rule("V-W-POOL", {"credits": 3, "where": {"institution": "V"}}, "W:C", kind="transfer")])
    assert _granted(run(eng, [{"node": "U:A"}])) == ["V:B"]
    # the learning itself, presented at V, transfers on
    assert _granted(run(eng, [{"node": "V:B"}])) == ["W:C"]


def test_the_receiving_institution_uses_transfer_credit_as_before() -> None:
    eng = engine(CHAIN, [rule("U-V", {"node": "U:A"}, "V:B", kind="transfer"),
                         rule("V-LADDER", {"node": "V:B"}, "V:D", kind="ladder"),
                         rule("V-STACK", {"credits": 3, "where": {"institution": "V"}}, "V:E"),
                         rule("V-E-W", {"node": "V:E"}, "W:C", kind="transfer")])
    out = run(eng, [{"node": "U:A"}])
    # V:E is stacked at V from transfer credit: a stack, so it transfers on
    assert _granted(out) == ["V:B", "V:D", "V:E", "W:C"]


@pytest.fixture(scope="module")
def seed(seed_document: Document) -> Engine:
    return Engine(seed_document)


def seed_run(eng: Engine, holdings: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return evaluate(eng, EvaluationRequest.from_json({"holdings": holdings, "as_of": "2026-11-22", **extra})).to_json()


def test_seed_an_ended_agreement_honours_learning_completed_while_it_was_in_force(seed: Engine) -> None:
    # CAMOSUN-UVIC-HIST120 ended 2020-08-31 (what DELETE /rules/CAMOSUN-UVIC-HIST120?date=2020-08-31 leaves)
    assert _granted(seed_run(seed, [{"node": "CAMOSUN:HIST-120", "earned": "2019-12-15"}])) == ["UVIC:HIST-1XX"]
    late = seed_run(seed, [{"node": "CAMOSUN:HIST-120", "earned": "2023-04-30"}])
    assert late["granted"] == [] and late["skipped"] == [{"rule": "CAMOSUN-UVIC-HIST120", "reason": "outside_window"}]


def test_seed_transfer_credit_does_not_transfer_on(seed: Engine) -> None:
    cluster = [{"node": "CAMOSUN:BIOL-150A", "earned": "2023-04-30"}, {"node": "CAMOSUN:BIOL-150B", "earned": "2023-04-30"}]
    assert _granted(seed_run(seed, cluster)) == ["UVIC:BIOL-184"]
    assert _granted(seed_run(seed, [{"node": "UVIC:BIOL-184", "earned": "2023-04-30"}])) == ["OKANAGAN:BIOL-1XX"]


def test_a_repeated_attempt_inside_the_window_grants_when_the_better_one_is_outside() -> None:
    eng = engine(CHAIN, [rule("R", {"node": "U:A"}, "V:B", kind="transfer", valid_from="2005-09-01"),
                         rule("P", {"all": [{"node": "U:A"}, {"node": "V:D"}]}, "V:E", valid_from="2005-09-01")])
    attempts = [{"node": "U:A", "grade": "A", "earned": "2004-04-30"}, {"node": "U:A", "grade": "C", "earned": "2006-04-30"},
                {"node": "V:D", "grade": "B", "earned": "2006-01-30"}]
    out = run(eng, attempts)
    assert [(g["node"], g["grade"], g["earned"], g["uses"]) for g in out["granted"]] == [
        ("V:B", "C", "2006-04-30", ["U:A"]), ("V:E", "C", "2006-04-30", ["U:A", "V:D"])]


def test_attempts_meet_a_min_grade_one_at_a_time_and_count_once_in_a_pool() -> None:
    eng = engine(CHAIN, [rule("R", {"node": "U:A", "min_grade": "B"}, "V:B", kind="transfer", max_age_years=5),
                         rule("POOL", {"credits": 6, "where": {"institution": "U"}}, "V:E")])
    out = run(eng, [{"node": "U:A", "grade": "A", "earned": "2015-04-30"}, {"node": "U:A", "grade": "D", "earned": "2024-04-30"}])
    assert out["granted"] == []
    assert out["skipped"] == [{"rule": "R", "reason": "expired"}]
    assert [(p["rule"], p["fraction"]) for p in out["progress"]] == [("POOL", 0.5)]


def test_seed_a_course_repeated_after_an_agreement_ended_keeps_the_attempt_made_while_it_was_in_force(seed: Engine) -> None:
    attempts = [{"node": "CAMOSUN:HIST-120", "grade": "C", "earned": "2019-12-15"},
                {"node": "CAMOSUN:HIST-120", "grade": "A", "earned": "2021-04-30"}]
    (granted,) = seed_run(seed, attempts)["granted"]
    assert (granted["node"], granted["grade"], granted["earned"]) == ("UVIC:HIST-1XX", "C", "2019-12-15")


TIERS = [course("U:DIP", 60, kind="credential"), course("V:BLOCK", 0), course("V:X", 3), course("V:Y", 3)]


def _tiers(**extra: Any) -> Engine:
    return engine(TIERS, [{**rule("A-TIER", {"node": "U:DIP"}, "V:BLOCK", kind="transfer"), "grants": [{"node": "V:BLOCK", "credits": 30}]},
                          {**rule("B-BLOCK", {"node": "U:DIP", "min_grade": "A-"}, ["V:BLOCK", "V:X"], kind="transfer"),
                           "grants": [{"node": "V:BLOCK", "credits": 60}, {"node": "V:X"}], **extra}])


def test_among_rules_granting_one_node_the_derivation_granting_more_credits_wins() -> None:
    # Algoma: an A- diploma gets the 60-credit block, not the 30-credit tier (which the rule id would pick)
    out = run(_tiers(), [{"node": "U:DIP", "grade": "A-"}])
    assert [(g["node"], g["credits"], g["rule"]) for g in out["granted"]] == [("V:BLOCK", 60, "B-BLOCK"), ("V:X", 3, "B-BLOCK")]
    assert [(g["node"], g["credits"]) for g in run(_tiers(), [{"node": "U:DIP", "grade": "B"}])["granted"]] == [("V:BLOCK", 30)]


def test_a_higher_priority_decides_before_credits_and_lineage() -> None:
    eng = engine(TIERS, [{**rule("A-TIER", {"node": "U:DIP"}, "V:BLOCK", kind="transfer", priority=2),
                          "grants": [{"node": "V:BLOCK", "credits": 30}]},
                         {**rule("B-POOL", {"credits": 3, "where": {"institution": "U"}}, "V:BLOCK", priority=1),
                          "grants": [{"node": "V:BLOCK", "credits": 60}]}])
    assert [g["rule"] for g in run(eng, [{"node": "U:DIP", "grade": "A-"}])["granted"]] == ["A-TIER"]


def test_max_grade_takes_the_grades_below_a_threshold() -> None:
    # CUNY: "C or better -> MATH 115, below C -> blanket credit"
    eng = engine(TIERS, [rule("HIGH", {"node": "U:DIP", "min_grade": "C"}, "V:X", kind="transfer"),
                         rule("LOW", {"all": [{"node": "U:DIP", "max_grade": "C-"}]}, "V:Y", kind="transfer")])
    assert _granted(run(eng, [{"node": "U:DIP", "grade": "D"}])) == ["V:Y"]
    assert _granted(run(eng, [{"node": "U:DIP", "grade": "B"}])) == ["V:X"]
    assert _granted(run(eng, [{"node": "U:DIP", "grade": "P"}])) == []
    attempts = [{"node": "U:DIP", "grade": "B", "earned": "2024-01-10"}, {"node": "U:DIP", "grade": "D", "earned": "2023-01-10"}]
    assert [(g["node"], g["grade"]) for g in run(eng, attempts)["granted"]] == [("V:X", "B"), ("V:Y", "D")]


def test_a_grade_range_and_a_priority_are_validated_naming_the_field() -> None:
    from pathways.errors import InvalidInput
    from pathways.model import parse_document

    bad = {"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}], "nodes": [course("U:A"), course("U:B")],
           "rules": [rule("R", {"node": "U:A", "min_grade": "A", "max_grade": "B"}, "U:B", priority="high"),
                     rule("S", {"node": "U:A", "max_grade": "P"}, "U:B")]}
    with pytest.raises(InvalidInput) as err:
        parse_document(bad)
    messages = {p.path: p.message for p in err.value.problems}
    assert messages["rules[0].requires.max_grade"] == "B is below min_grade A: no grade meets both"
    assert "rules[0].priority" in messages
    assert messages["rules[1].requires.max_grade"].startswith("unknown grade 'P'")


def test_seed_tiered_block_transfer_and_grade_range(seed: Engine) -> None:
    high = seed_run(seed, [{"node": "CAMOSUN:DIP-BADM", "grade": "B", "earned": "2024-04-30"}])
    assert [(g["node"], g["credits"], g["rule"]) for g in high["granted"]][:2] == [
        ("UVIC:BCOM-BLOCK", 30, "CAMOSUN-UVIC-BADM-BLOCK"), ("UVIC:BCOM-Y3", 0, "CAMOSUN-UVIC-BADM-BLOCK")]
    low = seed_run(seed, [{"node": "CAMOSUN:DIP-BADM", "grade": "C", "earned": "2024-04-30"}])
    assert [(g["node"], g["credits"]) for g in low["granted"]][:1] == [("UVIC:BCOM-BLOCK", 15)]
    assert "UVIC:BCOM-Y3" not in _granted(low)
    below_c = seed_run(seed, [{"node": "CAMOSUN:ENGL-151", "grade": "D", "earned": "2024-04-30"}])
    assert "UVIC:ENGL-1XX" in _granted(below_c) and "UVIC:ENGL-135" not in _granted(below_c)


def test_a_rule_does_not_fire_when_the_final_holdings_meet_its_unless() -> None:
    # BC Transfer Guide: "no credit if taken with"; the excluding course may itself be derived later
    eng = engine(CHAIN, [rule("R", {"node": "U:A"}, "V:B", kind="transfer", unless={"node": "V:D"}),
                         rule("S", {"node": "W:C"}, "V:D", kind="transfer")])
    assert _granted(run(eng, [{"node": "U:A"}])) == ["V:B"]
    out = run(eng, [{"node": "U:A"}, {"node": "W:C"}])
    assert _granted(out) == ["V:D"]
    assert out["skipped"] == [{"rule": "R", "reason": "excluded"}]


def test_not_both_credits_one_of_two_courses() -> None:
    # Bellevue: "POLS 201 or PHIL 201, not both" toward one node
    eng = engine(CHAIN, [rule("POLS", {"node": "U:A"}, "V:B", kind="transfer", unless={"node": "V:D"}),
                         rule("PHIL", {"node": "V:D"}, "V:E")])
    assert _granted(run(eng, [{"node": "U:A"}, {"node": "V:D"}])) == ["V:E"]


def test_an_explicit_no_credit_agreement_is_listed_under_no_credit() -> None:
    eng = engine(CHAIN, [{**rule("NC", {"node": "U:A"}, "V:B", kind="transfer"), "grants": []}])
    out = run(eng, [{"node": "U:A", "earned": "2025-01-10"}])
    assert out["granted"] == [] and out["skipped"] == [] and out["progress"] == []
    assert out["no_credit"] == [{"rule": "NC", "granted_by": "U", "uses": ["U:A"]}]


def test_only_a_transfer_rule_may_grant_nothing_and_an_unless_is_checked_like_requires() -> None:
    from pathways.errors import InvalidInput
    from pathways.model import parse_document

    bad = {"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}], "nodes": [course("U:A")],
           "rules": [{**rule("R", {"node": "U:A"}, "U:A"), "grants": []},
                     rule("S", {"node": "U:A"}, "U:A", kind="transfer", unless={"at_least": 2, "of": [{"node": "U:A"}]})]}
    with pytest.raises(InvalidInput) as err:
        parse_document(bad)
    messages = {p.path: p.message for p in err.value.problems}
    assert messages == {"rules[0].grants": "a stack rule must grant at least one node (only a transfer rule may grant none: no credit)",
                        "rules[1].unless.at_least": "must be between 1 and 1 (the number of children), got 2"}


def test_seed_no_credit_if_taken_with_and_an_explicit_no_credit(seed: Engine) -> None:
    one = seed_run(seed, [{"node": "OKANAGAN:ENGL-100", "earned": "2024-04-30"}])
    assert "UVIC:ENGL-1XX" in _granted(one)
    both = seed_run(seed, [{"node": "OKANAGAN:ENGL-100", "earned": "2024-04-30"}, {"node": "CAMOSUN:ENGL-151", "grade": "B", "earned": "2024-04-30"}])
    assert "UVIC:ENGL-1XX" not in _granted(both) and "UVIC:ENGL-135" in _granted(both)
    assert {"rule": "OKANAGAN-UVIC-ENGL100", "reason": "excluded"} in both["skipped"]
    none = seed_run(seed, [{"node": "CAMOSUN:BSW-L1", "earned": "2024-04-30"}])
    assert none["no_credit"] == [{"rule": "CAMOSUN-UVIC-BSW-L1-NONE", "granted_by": "UVIC", "uses": ["CAMOSUN:BSW-L1"]}]


def test_skipped_says_a_held_node_is_below_the_rule_s_grade() -> None:
    eng = engine(CHAIN, [rule("ONE", {"node": "U:A", "min_grade": "C"}, "V:B", kind="transfer"),
                         rule("TWO", {"all": [{"node": "U:A", "min_grade": "B"}, {"node": "V:D"}]}, "V:E"),
                         rule("OLD", {"node": "U:A", "min_grade": "C"}, "W:C", kind="transfer", valid_to="2020-01-01")])
    out = run(eng, [{"node": "U:A", "grade": "D", "earned": "2024-01-10"}, {"node": "V:D", "grade": "A", "earned": "2024-01-10"}])
    assert out["granted"] == []
    assert out["skipped"] == [{"rule": "ONE", "reason": "below_min_grade"}, {"rule": "TWO", "reason": "below_min_grade"}]
    # a pass or no grade is no letter below the rule's: not reported
    assert run(eng, [{"node": "U:A", "grade": "P", "earned": "2024-01-10"}])["skipped"] == []


def test_a_presented_badge_says_what_it_was_recognized_as_and_an_expired_one_is_not_held() -> None:
    from pathways.model import BadgeClaim

    eng = engine([course("U:A", identifiers=["https://badges.example/a"]), course("V:B")],
                 [rule("R", {"node": "U:A"}, "V:B", kind="transfer")])
    fresh = BadgeClaim(("https://badges.example/a",), dt.date(2025, 1, 10), "credentials[0]", dt.date(2030, 1, 1))
    stale = BadgeClaim(("https://badges.example/a",), dt.date(2019, 1, 10), "credentials[0]", dt.date(2022, 1, 1))
    request = EvaluationRequest.from_json({"as_of": "2026-06-01"})
    out = evaluate(eng, request, badges=[fresh]).to_json()
    assert _granted(out) == ["V:B"]
    assert out["recognized"] == [{"input": "https://badges.example/a", "node": "U:A", "expired": False}]
    expired = evaluate(eng, request, badges=[stale]).to_json()
    assert expired["granted"] == [] and expired["recognized"] == [{"input": "https://badges.example/a", "node": "U:A", "expired": True}]


def test_reach_keeps_min_grades_in_also_needs_and_stops_transfer_chains() -> None:
    from pathways.engine import reach

    eng = engine(CHAIN, [rule("ONE", {"node": "U:A", "min_grade": "C"}, "V:B", kind="transfer"),
                         rule("TWO", {"node": "V:B"}, "W:C", kind="transfer"),
                         rule("NONE", {"node": "U:A"}, "V:B", kind="transfer") | {"grants": []}])
    out = reach(eng, "U:A").to_json()
    assert [(t["node"], t["paths"][0][-1]["also_needs"]) for t in out["targets"]] == [("V:B", {"node": "U:A", "min_grade": "C"})]
    assert out["no_credit"] == [{"rule": "NONE", "granted_by": "U"}]


def test_d_plus_and_d_minus_and_a_pass_counting_as_a_letter_where_the_rule_says_so() -> None:
    eng = engine(CHAIN, [rule("D", {"node": "U:A", "min_grade": "D"}, "V:B", kind="transfer"),
                         rule("PASS", {"node": "V:D", "min_grade": "C"}, "V:E", pass_counts_as="C"),
                         rule("NOPASS", {"node": "V:D", "min_grade": "C"}, "W:C", kind="transfer")])
    assert _granted(run(eng, [{"node": "U:A", "grade": "D+"}])) == ["V:B"]
    assert _granted(run(eng, [{"node": "U:A", "grade": "D-"}])) == []
    assert _granted(run(eng, [{"node": "V:D", "grade": "P"}])) == ["V:E"]
