"""Progress: best_progress (dynamic program, dominance pruning) against the brute-force oracle."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate, Progress, interchangeable_pruned
from pathways.engine.search import SearchState
from pathways.engine.progress import best_progress
from pathways.model import parse_requirement

from .oracle import oracle_progress
from .test_exact import Limits, cases


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_best_progress_matches_brute_force(case: tuple[dict[str, Any], list[Candidate], Limits]) -> None:
    req, cands, _ = case
    got = agrees_with_oracle(req, cands)
    # the pruned candidates lose nothing either
    tree, slots = compile_requirement(parse_requirement(req))
    assert best_progress(tree, slots, interchangeable_pruned(cands)) == got


def agrees_with_oracle(req: dict[str, Any], cands: list[Candidate]) -> Progress:
    """``best_progress`` of ``req`` over ``cands``, asserted equal to the brute force's: the
    fraction, the holdings used, and ``missing`` as the oracle's placements leave it."""
    tree, slots = compile_requirement(parse_requirement(req))
    fraction, expected = oracle_progress(parse_requirement(req), cands)
    got = best_progress(tree, slots, cands)
    assert abs(got.fraction - fraction) < 1e-9
    assert got.uses == tuple(sorted(n for n, _ in expected))
    state = SearchState(tree, slots, cands)
    index = {c.node: i for i, c in enumerate(state.cands)}
    for node, s in expected:
        state.place(index[node], s)
    assert got.missing == state.missing(tree)
    return got
