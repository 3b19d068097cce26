"""The planner's credit pools: the learner's copies of one course, blocks that fill their own credential, kept bounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from pathways.engine import Engine, plan
from pathways.engine.plan import _Planner
from pathways.engine.plan_bound import PlanBound
from pathways.engine.plan_model import PlanModel
from pathways.engine.plan_pools import PoolBound
from pathways.model import Document, PlanRequest

from .test_plan_property import cyclic_problems, problems

AS_OF = dt.date(2026, 1, 10)


def graph(courses: dict[str, tuple[float | None, float, str]], rules: list[tuple[str, dict[str, Any], str, float | None]]) -> Engine:
    """Courses ``name: (hours, credits, subject)``, credentials C and T, rules ``(id, requires, grants, credits)``."""
    return Engine(Document.model_validate({
        "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "credits": cr, "subject": subject,
                   **({} if h is None else {"hours": h})} for c, (h, cr, subject) in courses.items()]
                 + [{"id": f"U:{c}", "kind": "credential", "institution": "U", "title": c} for c in ("C", "T")],
        # RC and RT are the institution's own stacks: a transfer rule would not use transfer credit (assessed at origin)
        "rules": [{"id": r, "kind": "stack" if r in ("RC", "RT") else "transfer", "granted_by": "U", "requires": req,
                   "grants": [{"node": f"U:{g}", **({} if credits is None else {"credits": credits})}]}
                  for r, req, g, credits in rules],
    }))  # fmt: skip


def bound_and_model(engine: Engine, request: PlanRequest) -> tuple[PlanBound, PlanModel]:
    planner = _Planner(engine, request, None, ())
    common: dict[str, Any] = {"target": request.target, "held": planner.base.held, "weight": planner.weight, "as_of": AS_OF,
                              "include_pilot": False}  # fmt: skip
    return PlanBound(engine, **common), PlanModel(engine, **common)


# The learner holds A (3 credits), transferred to B, C and D: four holdings of one lineage. T needs 12 credits of
# any course; E, F and G (10 h, 3 credits each) can be taken.
COPIES = graph({"A": (10, 3, "X"), "B": (None, 3, "X"), "C2": (None, 3, "X"), "D": (None, 3, "X"),
                "E": (10, 3, "X"), "F": (10, 3, "X"), "G": (10, 3, "X")},
               [("AB", {"node": "U:A"}, "B", None), ("AC", {"node": "U:A"}, "C2", None), ("AD", {"node": "U:A"}, "D", None),
                ("RT", {"credits": 12, "where": {"kind": "course"}}, "T", None)])  # fmt: skip
COPIES_REQUEST = PlanRequest.model_validate({"holdings": [{"node": "U:A", "grade": "A", "earned": "2025-05-01"}],
                                             "target": "U:T", "as_of": AS_OF.isoformat()})  # fmt: skip


def test_the_learner_s_copies_of_one_course_fill_a_pool_once() -> None:
    # A rule's holdings have disjoint lineages: A, B, C2 and D bring 3 credits, not 12. Counting each copy, the
    # bound was 0 and the program's optimum (take nothing) failed evaluation.
    bound, model = bound_and_model(COPIES, COPIES_REQUEST)
    assert bound.lb("U:T") == 30.0
    items, total = model.solve() or (frozenset(), 0.0)
    assert (len(items), total, model.solves) == (3, 30.0, 1)
    assert [p.total for p in plan(COPIES, COPIES_REQUEST).plans] == [30.0]


# Credential C needs 6 credits of subject X; K (10 h, 6 credits) gives them. C is also block-transferred to B,
# 60 credits of subject X, which could fill C's own pool ten times over.
BLOCK = graph({"K": (10, 6, "X"), "B": (None, 0, "X")},
              [("RC", {"credits": 6, "where": {"subject": "X"}}, "C", None), ("RB", {"node": "U:C"}, "B", 60.0),
               ("RT", {"node": "U:C"}, "T", None)])  # fmt: skip


def test_a_block_toward_its_own_credential_s_pool_gives_nothing_for_free() -> None:
    # Divided, the block's 60 credits made C cost a tenth of itself at each turn of the cycle: the bound went to 0.
    # A pool that needs credits takes one whole item at least.
    bound, _ = bound_and_model(BLOCK, PlanRequest(target="U:T", as_of=AS_OF))
    assert (bound.lb("U:C"), bound.lb("U:B"), bound.lb("U:T")) == (10.0, 10.0, 10.0)
    assert [(p.items, p.total) for p in plan(BLOCK, PlanRequest(target="U:T", as_of=AS_OF)).plans] == [(("U:K",), 10.0)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems() | cyclic_problems())
def test_pools_kept_up_to_date_give_what_a_fresh_scan_gives(problem: tuple[Engine, PlanRequest]) -> None:
    engine, request = problem
    planner = _Planner(engine, request, None, ())
    bound = PlanBound(engine, target=request.target, held=planner.base.held, weight=planner.weight, as_of=AS_OF,
                      include_pilot=False)  # fmt: skip
    for pool in list(bound._pools.values()):
        fresh = PoolBound(bound, pool.rule, pool.members)
        for need in (0.5, 2.0, 4.0):
            assert pool.bounds(need) == fresh.bounds(need)


def test_a_rule_no_plan_within_the_level_can_meet_brings_nothing_into_the_program() -> None:
    # T from A (10 h), or from 100 credits of subject Y, which K1-K3 (5 h, 3 credits each) cannot reach. The
    # K courses cost less than the level (10 h, A's certificate) but only that rule uses them: they stay out.
    engine = graph({"A": (10, 3, "X"), "K1": (5, 3, "Y"), "K2": (5, 3, "Y"), "K3": (5, 3, "Y")},
                   [("RA", {"node": "U:A"}, "T", None), ("RK", {"credits": 100, "where": {"subject": "Y"}}, "T", None)])  # fmt: skip
    request = PlanRequest(target="U:T", as_of=AS_OF)
    bound, _ = bound_and_model(engine, request)
    nodes, rules = bound.useful(10.0)
    assert nodes == {"U:T", "U:A"} and rules == {"RA"}
    planner = _Planner(engine, request, None, ())
    model = PlanModel(engine, target="U:T", held=planner.base.held, weight=planner.weight, as_of=AS_OF, include_pilot=False,
                      keep=nodes, rules=rules)  # fmt: skip
    assert set(model.x) == {"U:A"} and model.solve() == (frozenset({"U:A"}), 10.0)


def test_the_walk_for_the_program_looks_at_a_shared_pool_s_members_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Four rules share a pool of 3 credits of subject Y: K0 (5 h) meets it, K1-K5 (50 h) are dearer than the level.
    # Before, each rule pushed the pool's members again and each dear one had its bound looked up again (at BC
    # scale, millions of look-ups for a block transfer, and a question past its time limit).
    courses: dict[str, tuple[float | None, float, str]] = {f"K{i}": (5 if i == 0 else 50, 3, "Y") for i in range(6)}
    engine = graph(courses, [(f"R{j}", {"credits": 3, "where": {"subject": "Y"}}, "T", None) for j in range(4)])
    bound, _ = bound_and_model(engine, PlanRequest(target="U:T", as_of=AS_OF))
    bound.lb_total("U:T")  # the fixpoint behind lb_total, computed once
    looked: list[str] = []
    lb_total = bound.lb_total
    monkeypatch.setattr(bound, "lb_total", lambda n: looked.append(n) or lb_total(n))
    nodes, rules = bound.useful(10.0)
    assert nodes == {"U:T", "U:K0"} and rules == {"R0", "R1", "R2", "R3"}
    assert sorted(looked) == sorted(["U:T", *(f"U:K{i}" for i in range(6))])
