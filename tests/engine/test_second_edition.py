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
