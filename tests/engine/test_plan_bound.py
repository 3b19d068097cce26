"""The planner's lower bound: never above the brute-force optimum, certificate, pruning, and its limits."""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from pathways.engine import Engine, plan, plan_bound, plan_model
from pathways.engine.plan import _Planner
from pathways.engine.plan_bound import INF, PlanBound
from pathways.engine.plan_index import plan_index
from pathways.engine.plan_model import PlanModel
from pathways.errors import PlanUnproven
from pathways.model import Document, PlanRequest

from .test_plan_property import Oracle, cyclic_problems, problems

AS_OF = dt.date(2026, 1, 10)
PLAN_MODULE = sys.modules["pathways.engine.plan"]  # the package exports the function under the module's name


def bound_of(engine: Engine, request: PlanRequest) -> tuple[_Planner, PlanBound]:
    planner = _Planner(engine, request, None, ())
    bound = PlanBound(engine, target=request.target, held=planner.base.held, weight=planner.weight, as_of=planner.as_of,
                      include_pilot=request.include_pilot)  # fmt: skip
    return planner, bound


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems() | cyclic_problems())
def test_bound_never_exceeds_the_brute_force_optimum(problem: tuple[Engine, PlanRequest]) -> None:
    engine, request = problem
    oracle = Oracle(engine, request)
    planner, bound = bound_of(engine, request)
    if request.target in planner.base.held:
        return
    lb = bound.lb(request.target)
    if not oracle.valid or not plan_index(engine).unstable(engine).isdisjoint(bound.nodes):
        return  # toward an unstable node (an anti-requisite, an unless, copies) the planner uses no bound
    best = min(map(oracle.total, oracle.valid))
    assert lb <= bound.lb_total(request.target) <= best + 1e-9
    for s in oracle.valid:  # every node a plan's evaluation holds is within the bounds of the plan's total
        held = oracle.evaluation(s).held  # (a node only transfer rules ask for: when the plan holds it at its origin)
        assert all(bound.lb_total(n) <= oracle.total(s) + 1e-9 for n, h in held.items()
                   if n in bound.nodes and n not in planner.base.held and (n not in bound.at_origin or h.kind != "transfer"))  # fmt: skip
    certificate = bound.certificate()
    if certificate is not None and certificate in oracle.valid and oracle.total(certificate) <= lb + 1e-9:
        assert abs(oracle.total(certificate) - best) < 1e-9  # the fast path's answer is the optimum


def graph(nodes: list[tuple[str, float, dict[str, Any]]], rules: list[tuple[str, dict[str, Any], str]]) -> Engine:
    return Engine(Document.model_validate({
        "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h, **extra} for c, h, extra in nodes]
                 + [{"id": f"U:{m}", "kind": "credential", "institution": "U", "title": m} for m in ("T", "X", "Y")],
        "rules": [{"id": r, "kind": "stack", "granted_by": "U", "requires": req, "grants": [{"node": f"U:{g}"}]} for r, req, g in rules],
    }))  # fmt: skip


def leaf(c: str) -> dict[str, str]:
    return {"node": f"U:{c}"}


# A (10 h) needs P (20 h) first; B (25 h) needs nothing: the bound (10, prerequisites aside) is no certificate.
PREREQUISITE = graph([("A", 10, {"prerequisites": leaf("P")}), ("P", 20, {}), ("B", 25, {}), ("D", 50, {})],
                     [("R", {"any": [leaf("A"), leaf("B"), {"all": [leaf("D"), leaf("P")]}]}, "T")])


def test_certificate_proves_the_optimum_without_a_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = graph([("A", 10, {}), ("B", 4, {}), ("C", 7, {})], [("R", {"all": [leaf("A"), {"any": [leaf("B"), leaf("C")]}]}, "T")])
    monkeypatch.setattr(PLAN_MODULE, "PlanModel", None)  # building any program would fail
    result = plan(engine, PlanRequest(target="U:T", as_of=AS_OF))
    assert [(p.items, p.total) for p in result.plans] == [(("U:A", "U:B"), 14.0)]


def test_prerequisites_raise_the_bound_so_the_certificate_settles_without_a_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    # T from A (10 h, needs P: 20 h) or D (35 h): the bound without prerequisites (10) proves nothing about
    # the certificate {A} completed with P (30 h); counting A's prerequisite, no plan costs less than 30.
    engine = graph([("A", 10, {"prerequisites": leaf("P")}), ("P", 20, {}), ("D", 35, {})], [("R", {"any": [leaf("A"), leaf("D")]}, "T")])
    request = PlanRequest(target="U:T", as_of=AS_OF)
    _, bound = bound_of(engine, request)
    assert (bound.lb("U:T"), bound.lb_total("U:T"), bound.lb_total("U:A")) == (10.0, 30.0, 30.0)
    monkeypatch.setattr(PLAN_MODULE, "PlanModel", None)  # building any program would fail
    assert [(p.items, p.total, p.sequence) for p in plan(engine, request).plans] == [(("U:A", "U:P"), 30.0, (("U:P",), ("U:A",)))]


def test_nodes_beyond_a_known_plan_are_pruned_from_the_program() -> None:
    request = PlanRequest(target="U:T", as_of=AS_OF)
    planner, bound = bound_of(PREREQUISITE, request)
    assert bound.lb("U:T") == 10.0 and bound.lb("U:D") == 50.0
    keep = bound.relevant(30.0)  # {A, P} is a plan of 30 hours
    assert "U:D" not in keep and {"U:A", "U:B", "U:P"} <= keep
    model = PlanModel(PREREQUISITE, target="U:T", held=planner.base.held, weight=planner.weight, as_of=AS_OF,
                      include_pilot=False, keep=keep, floor=bound.lb("U:T"))  # fmt: skip
    assert "U:D" not in model.x and set(model.x) == {"U:A", "U:B", "U:P"}
    assert plan(PREREQUISITE, request).plans[0].items == ("U:B",)


def test_a_program_within_the_bound_widens_when_its_optimum_exceeds_the_bound() -> None:
    # T from A and B (5 h each, both need P: 3 h) or D (12 h). No plan costs less than 10 (A and B, their
    # prerequisite shared), so the first program holds only nodes within 10: D is left out. Its optimum,
    # {A, B, P} at 13, exceeds 10, so it proves nothing; the program within 13 finds D.
    engine = graph([("A", 5, {"prerequisites": leaf("P")}), ("B", 5, {"prerequisites": leaf("P")}), ("P", 3, {}), ("D", 12, {})],
                   [("R", {"any": [{"all": [leaf("A"), leaf("B")]}, leaf("D")]}, "T")])  # fmt: skip
    request = PlanRequest(target="U:T", as_of=AS_OF)
    _, bound = bound_of(engine, request)
    assert bound.lb_total("U:T") == 10.0 and "U:D" not in bound.relevant(10.0)
    assert [(p.items, p.total) for p in plan(engine, request).plans] == [(("U:D",), 12.0)]


def test_a_target_whose_every_route_needs_an_unmet_prerequisite_has_no_total_bound() -> None:
    engine = graph([("A", 10, {"prerequisites": leaf("X")})], [("R", leaf("A"), "T")])  # nothing grants X
    request = PlanRequest(target="U:T", as_of=AS_OF)
    _, bound = bound_of(engine, request)
    assert bound.lb("U:T") == 10.0 and bound.lb_total("U:T") == INF
    result = plan(engine, request)
    assert not result.feasible and result.reason is not None and "U:A needs" in result.reason


def test_a_node_nothing_derives_has_no_bound() -> None:
    engine = graph([("A", 10, {"status": "retired"})], [("R", leaf("A"), "T")])
    _, bound = bound_of(engine, PlanRequest(target="U:T", as_of=AS_OF))
    assert bound.lb("U:T") == INF and bound.certificate() is None
    assert not plan(engine, PlanRequest(target="U:T", as_of=AS_OF)).feasible


def test_the_time_limit_raises_instead_of_answering_unproven(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_model, "TIME_LIMIT", 0.0)
    with pytest.raises(PlanUnproven, match="within"):
        plan(PREREQUISITE, PlanRequest(target="U:T", as_of=AS_OF))
    planner, _ = bound_of(PREREQUISITE, PlanRequest(target="U:T", as_of=AS_OF))
    with pytest.raises(PlanUnproven, match="not proven optimal within 0 s"):  # building it counts too
        PlanModel(PREREQUISITE, target="U:T", held=planner.base.held, weight=planner.weight, as_of=AS_OF,
                  include_pilot=False, time_limit=0.0).solve()  # fmt: skip


def test_the_bound_counts_against_the_question_s_time_limit() -> None:
    # A block transfer's pool over thousands of courses kept the bound's fixpoint busy for minutes
    # at BC 1.0, outside any limit: it now stops at the question's deadline.
    planner = _Planner(PREREQUISITE, PlanRequest(target="U:T", as_of=AS_OF), None, ())
    with pytest.raises(PlanUnproven, match="no lower bound toward U:T within the question's time limit"):
        PlanBound(PREREQUISITE, target="U:T", held=planner.base.held, weight=planner.weight, as_of=AS_OF,
                  include_pilot=False, deadline=time.monotonic() - 1.0)  # fmt: skip


def test_the_walk_for_the_program_counts_against_the_question_s_time_limit() -> None:
    planner = _Planner(PREREQUISITE, PlanRequest(target="U:T", as_of=AS_OF), None, ())
    bound = PlanBound(PREREQUISITE, target="U:T", held=planner.base.held, weight=planner.weight, as_of=AS_OF,
                      include_pilot=False, deadline=time.monotonic() + 60.0)  # fmt: skip
    assert bound.relevant(30.0) >= {"U:A", "U:P"}
    bound.deadline = time.monotonic() - 1.0  # a block transfer's walk went on for seconds past the limit
    with pytest.raises(PlanUnproven, match="no program toward U:T within the question's time limit"):
        bound.useful(31.0)


def test_verifying_counts_against_the_question_s_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # The evaluations that complete a certificate and verify solutions were outside the limit: a block
    # transfer's certificate of many courses kept a question busy for a minute at BC 1.0.
    class SlowBound(PlanBound):
        def certificate(self) -> frozenset[str] | None:
            time.sleep(0.3)  # the question's time runs out while the certificate is picked
            return super().certificate()

    monkeypatch.setattr(plan_model, "TIME_LIMIT", 0.2)
    monkeypatch.setattr(PLAN_MODULE, "PlanBound", SlowBound)
    with pytest.raises(PlanUnproven, match="verification"):
        plan(PREREQUISITE, PlanRequest(target="U:T", as_of=AS_OF))


def test_max_cuts_raises_instead_of_a_wrong_infeasible(monkeypatch: pytest.MonkeyPatch) -> None:
    # X and Y both come from A; Y also from B, but A's derivation wins the round (lineage ["U:A"] sorts first),
    # so {A, B} does not earn T (X and Y share A): the program's first optimum fails evaluation.
    engine = graph([("A", 10, {}), ("B", 5, {}), ("C", 100, {})],
                   [("RX", leaf("A"), "X"), ("RY", leaf("A"), "Y"), ("RY2", leaf("B"), "Y"),
                    ("RT", {"all": [leaf("X"), leaf("Y")]}, "T"), ("RC", leaf("C"), "T")])  # fmt: skip
    request = PlanRequest(target="U:T", as_of=AS_OF)
    assert [p.items for p in plan(engine, request).plans] == [("U:C",)]
    monkeypatch.setattr(PLAN_MODULE, "MAX_CUTS", 0)
    with pytest.raises(PlanUnproven, match="ruling out 0 candidate sets"):
        plan(engine, request)


def test_a_total_bound_out_of_time_falls_back_on_the_plain_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # As in the certificate test above, but with no time for lb_total's fixpoint: it answers lb (10, not 30),
    # and the program, not the bound, proves the same optimum.
    engine = graph([("A", 10, {"prerequisites": leaf("P")}), ("P", 20, {}), ("D", 35, {})], [("R", {"any": [leaf("A"), leaf("D")]}, "T")])
    request = PlanRequest(target="U:T", as_of=AS_OF)
    monkeypatch.setattr(plan_bound, "TOTAL_BOUND_LIMIT", -1.0)
    _, bound = bound_of(engine, request)
    assert (bound.lb("U:T"), bound.lb_total("U:T"), bound.lb_total("U:A")) == (10.0, 10.0, 10.0)
    assert [(p.items, p.total) for p in plan(engine, request).plans] == [(("U:A", "U:P"), 30.0)]


def transfers() -> Engine:
    """A (5 h) transfers to B (8 h), B to C (30 h); T is stacked on C."""
    rules = [{"id": "RA", "kind": "transfer", "requires": leaf("A"), "grants": "B"},
             {"id": "RB", "kind": "transfer", "requires": leaf("B"), "grants": "C"},
             {"id": "RT", "kind": "stack", "requires": leaf("C"), "grants": "T"}]  # fmt: skip
    return Engine(Document.model_validate({
        "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c, "hours": h}
                  for c, h in (("A", 5), ("B", 8), ("C", 30))]
                 + [{"id": "U:T", "kind": "credential", "institution": "U", "title": "T"}],
        "rules": [{**r, "granted_by": "U", "grants": [{"node": f"U:{r['grants']}"}]} for r in rules],
    }))  # fmt: skip


def test_the_bound_assesses_transfer_credit_at_its_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    # A -> B -> C chains two transfers, which evaluation refuses (transfer credit is assessed at its origin): C is held
    # only from B taken, so the bound is 8 h and its certificate {B} the plan, without a solver. Before, the bound was
    # 5 h and its certificate {A} failed verification.
    engine = transfers()
    request = PlanRequest(target="U:T", as_of=AS_OF)
    _, bound = bound_of(engine, request)
    assert (bound.lb("U:T"), bound.certificate()) == (8.0, frozenset({"U:B"}))
    assert sorted(bound.rules) == ["RB", "RT"]  # B is needed at its origin only: RA, a transfer granting it, is not walked
    assert bound.at_origin == {"U:B"}
    monkeypatch.setattr(PLAN_MODULE, "PlanModel", None)  # building any program would fail
    assert [(p.items, p.total) for p in plan(engine, request).plans] == [(("U:B",), 8.0)]
