"""Progress: the dynamic program agrees with the exhaustive depth-first search it replaces."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate, interchangeable_pruned
from pathways.engine.progress import _Progress, best_progress
from pathways.model import parse_requirement

from .test_oracle import requirements

ELEMENTS = ["a", "b", "c", "d", "e"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, object], list[Candidate]]:
    req = draw(requirements())
    _, slots = compile_requirement(parse_requirement(req))
    cands = []
    for n in range(draw(st.integers(0, 7))):
        lineage = frozenset(
            draw(st.lists(st.sampled_from(ELEMENTS), min_size=1, max_size=2 if draw(st.integers(0, 3)) == 0 else 1))
        )
        fits = draw(st.lists(st.sampled_from(range(len(slots))), min_size=1, max_size=len(slots), unique=True))
        cands.append(Candidate(f"N{n}", lineage, float(draw(st.integers(0, 4))), tuple(sorted(fits))))
    return req, cands


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_dynamic_program_matches_the_exhaustive_search(case: tuple[dict[str, object], list[Candidate]]) -> None:
    req, cands = case
    tree, slots = compile_requirement(parse_requirement(req))
    got = best_progress(tree, slots, cands)
    search = _Progress(tree, slots, cands)
    search.search(0, 0)
    assert abs(got.fraction - max(0.0, search.best_fraction)) < 1e-9
    assert got.uses == search.best_key[2]
    assert got.missing == search.best_missing
    # the pruned candidates lose nothing either
    assert best_progress(tree, slots, interchangeable_pruned(cands)) == got
