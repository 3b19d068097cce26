"""The planner's program, tightened: held derivations that need a change upstream, cycles that closed rules join."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pathways.engine import Engine, plan
from pathways.engine.plan import _Planner
from pathways.engine.plan_model import PlanModel
from pathways.model import Document, PlanRequest

AS_OF = dt.date(2026, 1, 10)


def graph(courses: dict[str, float], rules: list[tuple[str, dict[str, Any], str, dict[str, Any]]]) -> Engine:
    return Engine(Document.model_validate({
        "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h} for c, h in courses.items()]
                 + [{"id": f"U:{c}", "kind": "credential", "institution": "U", "title": c} for c in ("B", "T")],
        # T is stacked at U: a transfer rule would not use transfer credit (assessed at its origin)
        "rules": [{"id": r, "kind": "stack" if g == "T" else "transfer", "granted_by": "U", "requires": req,
                   "grants": [{"node": f"U:{g}"}], **extra}
                  for r, req, g, extra in rules],
    }))  # fmt: skip


def model_of(engine: Engine, request: PlanRequest) -> PlanModel:
    planner = _Planner(engine, request, None, ())
    return PlanModel(engine, target=request.target, held=planner.base.held, weight=planner.weight, as_of=AS_OF,
                     include_pilot=False)  # fmt: skip


# The learner holds M with a C-; M transfers to B, so B is held with a C-, short of T's "B with at least a C".
# Taking B2 derives B again, from a lineage that wins the round (["U:B2"] sorts before ["U:M"]), graded A+.
GRADE = graph({"M": 10, "B2": 20, "Q": 10, "D": 50},
              [("RM", {"node": "U:M"}, "B", {}), ("RB2", {"node": "U:B2"}, "B", {}),
               ("RT", {"all": [{"node": "U:B", "min_grade": "C"}, {"node": "U:Q"}]}, "T", {}),
               ("RD", {"node": "U:D"}, "T", {})])  # fmt: skip
# M itself is not retaken here (excluded): see the retake tests below.
GRADE_REQUEST = PlanRequest.model_validate({"holdings": [{"node": "U:M", "grade": "C-", "earned": "2025-05-01"}],
                                            "target": "U:T", "as_of": AS_OF.isoformat(), "exclude": ["U:M"]})  # fmt: skip
RETAKE_REQUEST = GRADE_REQUEST.model_copy(update={"exclude": []})


def test_a_held_derivation_short_of_a_grade_is_renewed_only_through_a_change_upstream() -> None:
    # Before, RM (met by the holdings alone) let the program hold B anew for free: its optimum {Q} failed
    # evaluation and was cut. Now B anew needs a node RM or RB2 mentions to hold anew: B2 is taken.
    model = model_of(GRADE, GRADE_REQUEST)
    assert model.solve() == (frozenset({"U:B2", "U:Q"}), 30.0) and model.solves == 1
    assert [(p.items, p.total) for p in plan(GRADE, GRADE_REQUEST).plans] == [(("U:B2", "U:Q"), 30.0)]


def test_a_held_derivation_that_nothing_upstream_can_change_is_never_renewed() -> None:
    # Without B2's rule nothing can change B's holding: only D earns T.
    engine = graph({"M": 10, "B2": 20, "Q": 10, "D": 50},
                   [("RM", {"node": "U:M"}, "B", {}), ("RT", {"all": [{"node": "U:B", "min_grade": "C"}, {"node": "U:Q"}]}, "T", {}),
                    ("RD", {"node": "U:D"}, "T", {})])  # fmt: skip
    model = model_of(engine, GRADE_REQUEST)
    assert model.solve() == (frozenset({"U:D"}), 50.0) and model.solves == 1


def test_a_held_derivation_short_of_a_grade_is_renewed_by_retaking_the_course_it_stands_on() -> None:
    # Retaking M (10 h, graded A+ on as_of) gives B again from M's new attempt, graded A+: M + Q beats B2 + Q.
    model = model_of(GRADE, RETAKE_REQUEST)
    assert model.solve() == (frozenset({"U:M", "U:Q"}), 20.0) and model.solves == 1
    [best] = plan(GRADE, RETAKE_REQUEST).plans
    assert (best.items, best.total, best.retakes) == (("U:M", "U:Q"), 20.0, ("U:M",))
    assert [h.grade for h in best.granted if h.node == "U:B"] == ["A+"]


def test_a_retake_renews_a_held_derivation_without_counting_its_credits_again() -> None:
    # A pool member held by derivation and renewed by a retake keeps its lineage: it brings no more credits. The
    # learner's M (3 credits, transferred to B) fills 3 of T's 6; retaking M adds nothing, Q (3 credits) is needed.
    engine = Engine(Document.model_validate({
        "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h, "credits": 3, "subject": "X"}
                  for c, h in (("M", 1), ("Q", 10))]
                 + [{"id": "U:B", "kind": "course", "institution": "U", "title": "B", "credits": 3, "subject": "X"},
                    {"id": "U:T", "kind": "credential", "institution": "U", "title": "T"}],
        "rules": [{"id": "RM", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:M"}, "grants": [{"node": "U:B"}]},
                  {"id": "RT", "kind": "stack", "granted_by": "U", "requires": {"credits": 6, "where": {"subject": "X"}},
                   "grants": [{"node": "U:T"}]}],
    }))  # fmt: skip
    request = PlanRequest.model_validate({"holdings": [{"node": "U:M", "grade": "A", "earned": "2025-05-01"}],
                                          "target": "U:T", "as_of": AS_OF.isoformat()})  # fmt: skip
    model = model_of(engine, request)
    assert model.solve() == (frozenset({"U:Q"}), 10.0) and model.solves == 1


# Two rings of equivalents, E1 <-> E2 and E3 <-> E4, joined by transfers whose window closed before as_of.
# T needs E2 and E4; E1 and E3 can be taken.
CLOSED = {"valid_to": "2020-01-01"}
RINGS = graph({"E1": 10, "E2": 30, "E3": 12, "E4": 30},
              [("X12", {"node": "U:E1"}, "E2", {}), ("X21", {"node": "U:E2"}, "E1", {}),
               ("X34", {"node": "U:E3"}, "E4", {}), ("X43", {"node": "U:E4"}, "E3", {}),
               ("X23", {"node": "U:E2"}, "E3", CLOSED), ("X41", {"node": "U:E4"}, "E1", CLOSED),
               ("RT", {"all": [{"node": "U:E2"}, {"node": "U:E4"}]}, "T", {})])  # fmt: skip


def test_rules_that_can_never_be_met_found_nothing() -> None:
    # The closed transfers join the two rings into one cycle; they can never be met, so each ring is entered
    # only through a course of its own taken.
    model = model_of(RINGS, PlanRequest(target="U:T", as_of=AS_OF))
    assert model.solve() == (frozenset({"U:E1", "U:E3"}), 22.0)
    assert model.solves == 1


def test_transfer_credit_held_fills_no_leaf_of_a_transfer_in_the_program() -> None:
    # The learner's M transfers to B; B's transfer to C would not use it (transfer credit is assessed at its
    # origin), so C is taken. Before, the program met RC with the held B and offered T for nothing, which
    # evaluation refused.
    engine = graph({"M": 10, "C": 30}, [("RM", {"node": "U:M"}, "B", {}), ("RC", {"node": "U:B"}, "C", {}),
                                        ("RT", {"node": "U:C"}, "T", {})])  # fmt: skip
    request = PlanRequest.model_validate({"holdings": [{"node": "U:M", "grade": "A", "earned": "2025-05-01"}],
                                          "target": "U:T", "as_of": AS_OF.isoformat()})  # fmt: skip
    model = model_of(engine, request)
    assert model.solve() == (frozenset({"U:C"}), 30.0) and model.solves == 1
