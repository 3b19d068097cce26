"""The planner on the seed graph's worked examples (DOMAIN.md)."""

from __future__ import annotations

from typing import Any

import pytest

from pathways.engine import Engine, PlanResult, evaluate, plan
from pathways.model import Document, EvaluationRequest, Holding, PlanRequest

AS_OF = "2026-11-22"


@pytest.fixture(scope="module")
def engine(seed_document: Document) -> Engine:
    return Engine(seed_document)


def run(engine: Engine, target: str, held: list[str], **fields: Any) -> PlanResult:
    holdings = [{"node": n, "earned": "2025-04-30"} for n in held]
    result = plan(engine, PlanRequest.model_validate({"holdings": holdings, "target": target, "as_of": AS_OF, **fields}))
    for p in result.plans:
        request = EvaluationRequest(holdings=[Holding.model_validate(h) for h in holdings], as_of=AS_OF)
        ev = evaluate(engine, request, extra_holdings=[Holding(node=n, grade="A+", earned=request.as_of) for n in p.items])
        assert target in ev.held
    return result


def test_ufv_digital_marketing_from_three_held_micro_courses(engine: Engine) -> None:
    result = run(engine, "UFV:DIGMKT", ["UFV:PS-ESS", "UFV:IL-GD", "UFV:PS-GD"], objective="cost")
    best = result.plans[0]
    assert best.items == ("UFV:CAPSTONE", "UFV:CONTENT", "UFV:EMAIL", "UFV:SEO", "UFV:SMM", "UFV:WEB")
    assert best.total == 5 * 350 + 450
    # the capstone's prerequisites (PS-GD held, SEO and SMM planned) put it in a later step
    assert best.sequence == (("UFV:CONTENT", "UFV:EMAIL", "UFV:SEO", "UFV:SMM", "UFV:WEB"), ("UFV:CAPSTONE",))
    assert [h.node for h in best.granted] == ["UFV:DIGMKT"]


def test_rru_two_cheapest_electives_toward_the_ma_course(engine: Engine) -> None:
    result = run(engine, "RRU:MACAL-CRS", ["RRU:CAF-C1", "RRU:CAF-C2"], alternatives=3)
    electives = sorted((engine.nodes[f"RRU:CAF-E{i}"].hours or 0, f"RRU:CAF-E{i}") for i in range(1, 9))
    assert result.plans[0].items == tuple(sorted(n for _, n in electives[:2])) == ("RRU:CAF-E3", "RRU:CAF-E5")
    assert result.to_json()["plans"][0]["total"] == 40
    assert [p.total for p in result.plans] == [40, 42, 43]
    assert [h.node for h in result.plans[0].granted] == ["RRU:CAF", "RRU:MACAL-CRS"]
    assert result.plans[0].counts_toward("RRU:CAF-E3") == ["RRU:CAF", "RRU:MACAL-CRS"]


def test_prerequisite_chain_is_ordered_into_steps(engine: Engine) -> None:
    best = run(engine, "RRU:MACAL-CRS", []).plans[0]
    assert best.items == ("RRU:CAF-C1", "RRU:CAF-C2", "RRU:CAF-E3", "RRU:CAF-E5")
    assert best.sequence == (("RRU:CAF-C1", "RRU:CAF-E3", "RRU:CAF-E5"), ("RRU:CAF-C2",))
    ufv = run(engine, "UFV:DIGMKT", []).plans[0]
    assert len(ufv.sequence) == 3 and ufv.sequence[0][0] != "UFV:PS-GD"
    assert "UFV:PS-ESS" in ufv.sequence[0] and ufv.sequence[1] == ("UFV:PS-GD",) and ufv.sequence[2] == ("UFV:CAPSTONE",)


def test_cross_institution_food_safety_route(engine: Engine) -> None:
    result = run(engine, "UBCV:FSM-MC", [], alternatives=2)
    best, other = result.plans
    assert best.items == ("BCIT:FSM-1100", "BCIT:FSM-1200", "UBCV:FSM-101", "UBCV:FSM-102")
    assert {engine.nodes[n].institution for n in best.items} == {"UBCV", "BCIT"}
    assert other.items == ("BCIT:FSM-1100", "UBCV:FSM-101", "UBCV:FSM-102", "UBCV:FSM-201")
    assert (best.total, other.total) == (114, 120)
    only_ubcv_elective = run(engine, "UBCV:FSM-MC", ["UBCV:FSM-101", "UBCV:FSM-102"], exclude=["BCIT:FSM-1200"])
    assert only_ubcv_elective.plans[0].items == ("BCIT:FSM-1100", "UBCV:FSM-201")


def test_infeasible_target_is_explained(engine: Engine) -> None:
    result = run(engine, "UBCV:FSM-MC", [], institutions=["UBCV"])
    assert not result.feasible and result.plans == ()
    assert result.reason is not None
    assert "UBCV-BCIT-FSM-STACK" in result.reason and "BCIT:FSM-1100" in result.reason
    assert "outside the institutions given" in result.reason


def test_an_expired_food_safety_certificate_is_retaken_for_culinary_entry(engine: Engine) -> None:
    # FOODSAFE Level 1 from 2019 is past VCC's five years: the plan takes it again (8 h), a retake
    holdings = [{"node": "FOODSAFE:L1", "earned": "2019-06-01"}]
    result = plan(engine, PlanRequest.model_validate({"holdings": holdings, "target": "VCC:CULINARY-ENTRY", "as_of": AS_OF}))
    [best] = result.plans
    assert (best.items, best.total, best.retakes) == (("FOODSAFE:L1",), 8, ("FOODSAFE:L1",))
    granted = [(h.node, h.rule, h.earned.isoformat()) for h in best.granted]
    assert granted == [("VCC:CULINARY-ENTRY", "VCC-CULINARY-ADMISSION", AS_OF)]
