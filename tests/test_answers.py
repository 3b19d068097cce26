"""pathways.answers: the credits still needed against a brute-force oracle, and the BC Transfer Guide label."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.answers import label, missing_credits

NODES = [f"U:{c}" for c in "ABCDEFG"]


@st.composite
def trees(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, float]]:
    """A requirement over distinct nodes (each named at most once) and each node's credits."""
    credits = {n: float(draw(st.integers(0, 6))) for n in NODES}
    pool = list(NODES)
    draw(st.randoms()).shuffle(pool)

    def build(depth: int) -> dict[str, Any]:
        if depth == 0 or len(pool) < 2 or draw(st.booleans()):
            return {"node": pool.pop()}
        n = draw(st.integers(1, min(3, len(pool))))
        children = [build(depth - 1) for _ in range(n) if pool]
        shape = draw(st.sampled_from(["all", "any", "at_least"]))
        if shape == "at_least":
            return {"at_least": draw(st.integers(1, len(children))), "of": children}
        return {shape: children}

    return build(3), credits


def _met(req: dict[str, Any], held: set[str]) -> bool:
    if "node" in req:
        return req["node"] in held
    if "all" in req:
        return all(_met(r, held) for r in req["all"])
    if "any" in req:
        return any(_met(r, held) for r in req["any"])
    return sum(_met(r, held) for r in req["of"]) >= req["at_least"]


@settings(max_examples=200, deadline=None)
@given(trees())
def test_missing_credits_is_the_cheapest_set_of_nodes_that_meets_the_requirement(case: tuple[dict[str, Any], dict[str, float]]) -> None:
    req, credits = case
    cheapest = min(sum(credits[n] for n in subset)
                   for k in range(len(NODES) + 1) for subset in itertools.combinations(NODES, k) if _met(req, set(subset)))
    assert missing_credits(req, credits.get) == cheapest


def test_a_credit_pool_needs_its_credits_and_a_competency_none() -> None:
    assert missing_credits({"all": [{"credits": 6, "where": {"subject": "HIST"}}, {"competency": "CMP:X"}]}, {}.get) == 6


def test_labels_follow_the_bc_transfer_guide() -> None:
    assert label({"id": "SFU:MATH-1XX", "credits": 3}) == "SFU MATH 1XX (3)"
    assert label({"id": "UVIC:HIST-111", "credits": 1.5}) == "UVIC HIST 111 (1.5)"
    assert label({"id": "RRU:CAF", "credits": 0}) == "RRU CAF"
