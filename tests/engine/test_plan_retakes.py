"""The planner and the second edition: retakes of old or low attempts, exclusions never planned together."""

from __future__ import annotations

import pytest

from pathways.engine import plan
from pathways.io.openbadges import badge_claims
from pathways.engine.plan_model import PlanModel
from pathways.model import PlanRequest

from .test_plan import AS_OF, course, graph, node, plans, rule, run


def test_an_attempt_too_old_for_the_rule_is_retaken_as_a_planned_item() -> None:
    # A taken in 2015 is too old for R (max_age_years 5): retaking A (4 h) is cheaper than B (9 h).
    engine = graph([course("A", hours=4), course("B", hours=9)],
                   [rule("R", node("A"), max_age_years=5), rule("RB", node("B"))])
    result = run(engine, holdings=[{"node": "U:A", "grade": "A", "earned": "2015-05-01"}])
    assert plans(result) == [(["U:A"], 4)] and result.plans[0].retakes == ("U:A",)
    assert result.to_json()["plans"][0]["retakes"] == ["U:A"]
    # a recent attempt serves: nothing to take
    assert plans(run(engine, holdings=[{"node": "U:A", "grade": "A", "earned": "2024-05-01"}])) == [([], 0)]


def test_an_attempt_below_the_min_grade_or_failed_is_retaken() -> None:
    engine = graph([course("A", hours=4), course("B", hours=9)],
                   [rule("R", {"node": "U:A", "min_grade": "B"}), rule("RB", node("B"))])
    for grade in ("C", "F"):
        result = run(engine, holdings=[{"node": "U:A", "grade": grade, "earned": "2025-05-01"}])
        assert plans(result) == [(["U:A"], 4)] and result.plans[0].retakes == ("U:A",)


def test_a_retake_is_no_plan_when_the_rule_s_window_excludes_as_of() -> None:
    # the agreement ended in 2020: a new attempt of A, earned on as_of, is outside it
    engine = graph([course("A", hours=4), course("B", hours=9)],
                   [rule("R", {"node": "U:A", "min_grade": "B"}, valid_to="2020-12-31"), rule("RB", node("B"))])
    assert plans(run(engine, holdings=[{"node": "U:A", "grade": "C", "earned": "2019-05-01"}])) == [(["U:B"], 9)]


def test_a_derived_holding_too_old_for_the_next_rule_is_renewed_by_retaking_its_course() -> None:
    # A (2015) gives M by R1, earned 2015; R2 takes M only five years back. Retaking A gives M on as_of.
    m = {"id": "U:M", "kind": "credential", "institution": "U", "title": "M"}
    engine = graph([course("A", hours=4), course("B", hours=9), m],
                   [rule("R1", node("A"), grants="U:M"), rule("R2", node("M"), max_age_years=5), rule("RB", node("B"))])
    result = run(engine, holdings=[{"node": "U:A", "grade": "A", "earned": "2015-05-01"}])
    assert plans(result) == [(["U:A"], 4)] and result.plans[0].retakes == ("U:A",)
    assert [(h.node, h.earned.isoformat()) for h in result.plans[0].granted] == [("U:M", AS_OF), ("U:T", AS_OF)]


def test_an_expired_badge_is_renewed() -> None:
    # a presented micro-credential whose badge expired is not held: planning it again is a retake too
    engine = graph([{**course("A", hours=4), "kind": "micro_credential", "identifiers": ["urn:badge:a"]}, course("B", hours=9)],
                   [rule("R", node("A")), rule("RB", node("B"))])
    badge = {"type": ["VerifiableCredential", "OpenBadgeCredential"], "validFrom": "2020-01-01T00:00:00Z",
             "validUntil": "2023-01-01T00:00:00Z",
             "credentialSubject": {"achievement": {"id": "urn:badge:a", "name": "A"}}}  # fmt: skip
    result = plan(engine, PlanRequest.model_validate({"target": "U:T", "as_of": AS_OF}), badges=badge_claims([badge]))
    assert plans(result) == [(["U:A"], 4)] and result.plans[0].retakes == ("U:A",)


def test_items_that_switch_off_a_rule_are_never_planned_together() -> None:
    # Bellevue's "A or B, not both": R gives T for A unless B is held, RB for B and C. {A} is best; {B, C} second;
    # {A, B, C} would earn T by RB but is no minimal plan.
    engine = graph([course("A", hours=4), course("B", hours=3), course("C", hours=3)],
                   [rule("R", node("A"), unless=node("B")), rule("RB", {"all": [node("B"), node("C")]})])
    assert plans(run(engine, alternatives=3)) == [(["U:A"], 4), (["U:B", "U:C"], 6)]
    # holding B, taking A earns nothing: C completes RB
    assert plans(run(engine, holdings=[{"node": "U:B"}])) == [(["U:C"], 3)]


def _solved_first_as(monkeypatch: pytest.MonkeyPatch, items: frozenset[str], total: float) -> list[tuple[frozenset[str], float] | None]:
    """Make the program's first solve return ``(items, total)`` (a tie a solver may break that way), the
    later ones solve for real; the list returned fills with every answer given."""
    real = PlanModel.solve
    answers: list[tuple[frozenset[str], float] | None] = []

    def tie_broken_the_other_way(self: PlanModel) -> tuple[frozenset[str], float] | None:
        found = (items, total) if not answers else real(self)
        answers.append(found)
        return found

    monkeypatch.setattr(PlanModel, "solve", tie_broken_the_other_way)
    return answers


def test_with_an_unless_a_failing_set_is_ruled_out_alone_not_with_its_subsets(monkeypatch: pytest.MonkeyPatch) -> None:
    # Z is free and switches R off (RB needs it with B). The program ignores unless, so {A, Z} ties with {A} at
    # 4 h: a solver may return it first. It fails evaluation; cutting its subsets too would cut {A}, the optimum.
    engine = graph([course("A", hours=4), course("B", hours=9), course("Z", hours=0)],
                   [rule("R", node("A"), unless=node("Z")), rule("RB", {"all": [node("B"), node("Z")]})])
    answers = _solved_first_as(monkeypatch, frozenset({"U:A", "U:Z"}), 4.0)
    # two alternatives: the program is solved (one would be answered by the bound's certificate)
    result = plan(engine, PlanRequest.model_validate({"target": "U:T", "as_of": AS_OF, "alternatives": 2}))
    assert plans(result) == [(["U:A"], 4), (["U:B", "U:Z"], 9)]
    assert answers[0] == (frozenset({"U:A", "U:Z"}), 4.0)


def test_a_failing_set_with_a_retake_is_cut_with_only_the_subsets_keeping_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # A (B in 2019) gives M, earned 2019, inside R2's window (to 2020), which gives N. Retaking A (free) gives M on
    # as_of, outside it: {A, X} fails where {X} earns T. RQ (A with an A, and B) puts A's retake in the program.
    # A solver may return {A, X} first (a tie); its cut must spare {X}: evaluation is not monotone in retakes.
    engine = graph([course("A", hours=0), course("X", hours=5), course("B", hours=9),
                    {"id": "U:M", "kind": "credential", "institution": "U", "title": "M"},
                    {"id": "U:N", "kind": "credential", "institution": "U", "title": "N"}],
                   [rule("R1", node("A"), grants="U:M"), rule("R2", node("M"), grants="U:N", valid_to="2020-12-31"),
                    rule("RT", {"all": [node("N"), node("X")]}),
                    rule("RQ", {"all": [{"node": "U:A", "min_grade": "A"}, node("B")]})])  # fmt: skip
    answers = _solved_first_as(monkeypatch, frozenset({"U:A", "U:X"}), 5.0)
    request = PlanRequest.model_validate({"holdings": [{"node": "U:A", "grade": "B", "earned": "2019-05-01"}],
                                          "target": "U:T", "as_of": AS_OF, "alternatives": 2})  # fmt: skip
    assert plans(plan(engine, request)) == [(["U:X"], 5), (["U:A", "U:B"], 9)]
    assert answers[0] == (frozenset({"U:A", "U:X"}), 5.0)
