"""The integer-program matcher (engine/exact.py) against the brute-force oracle on random
requirements, candidates and limits; and best_assignment, whatever method decides, too."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine.exact import fewest_placements, fullest_placements
from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate, best_assignment
from pathways.engine.search import SearchState
from pathways.model import parse_requirement

from .oracle import oracle_assignment, oracle_progress
from .test_oracle import requirements

ELEMENTS = ["a", "b", "c", "d", "e"]

Limits = tuple[tuple[str | None, float | None, float | None], ...]


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], list[Candidate], Limits]:
    req = draw(requirements())
    _, slots = compile_requirement(parse_requirement(req))
    cands = []
    n = draw(st.integers(0, 6 if len(slots) <= 2 else 5))
    for i in range(n):
        lineage = frozenset(draw(st.lists(st.sampled_from(ELEMENTS), min_size=1, max_size=2 if draw(st.integers(0, 3)) == 0 else 1)))
        fits = draw(st.lists(st.sampled_from(range(len(slots))), min_size=1, max_size=min(3, len(slots)), unique=True))
        cands.append(Candidate(f"N{i}", lineage, float(draw(st.integers(0, 4))), tuple(sorted(fits)),
                               recognized=draw(st.booleans()), resident_of=draw(st.sampled_from([None, "U", "V"]))))
    limits = tuple(
        (draw(st.sampled_from(["U", "V", None])), draw(st.one_of(st.none(), st.integers(0, 6).map(float))),
         draw(st.one_of(st.none(), st.integers(0, 6).map(float))))
        for _ in range(draw(st.integers(0, 2)))
    )
    return req, cands, limits


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_exact_firing_matches_brute_force(case: tuple[dict[str, Any], list[Candidate], Limits]) -> None:
    req, cands, limits = case
    tree, slots = compile_requirement(parse_requirement(req))
    expected = oracle_assignment(parse_requirement(req), cands, limits)
    placed = fewest_placements(tree, slots, cands, limits=limits)
    if expected is None:
        assert placed is None
        return
    assert placed is not None
    assert tuple(sorted(c.node for c, _ in placed)) == expected[0]
    assert tuple(sorted(e for c, _ in placed for e in c.lineage)) == expected[1]
    found = best_assignment(tree, slots, cands, limits)
    assert found is not None and (found.uses, found.lineage) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_exact_progress_matches_brute_force(case: tuple[dict[str, Any], list[Candidate], Limits]) -> None:
    req, cands, _ = case
    tree, slots = compile_requirement(parse_requirement(req))
    fraction, expected = oracle_progress(parse_requirement(req), cands)
    placed = fullest_placements(tree, slots, cands)
    assert sorted((c.node, s) for c, s in placed) == expected
    state = SearchState(tree, slots, cands)
    index = {c.node: i for i, c in enumerate(state.cands)}
    for c, s in placed:
        state.place(index[c.node], s)
    assert abs(state.fraction(tree)[0] - fraction) < 1e-9
