"""SPEC section 4, second edition: each amendment on a small hand-built graph (docs/evaluation.md)."""

from __future__ import annotations

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
    assert _granted(seed_run(seed, [{"node": "CAMOSUN:HIST-110", "earned": "2023-04-30"}])) == ["UVIC:HIST-111"]
    assert _granted(seed_run(seed, [{"node": "UVIC:HIST-111", "earned": "2023-04-30"}])) == ["OKANAGAN:HIST-1XX"]


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
