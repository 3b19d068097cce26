"""Dominance among candidates (engine/candidates.py ``interchangeable_pruned``): the quick
path for one-holding lineages against the general one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.engine.candidates import Candidate, interchangeable_pruned

BLOCK = Candidate("Z:BLOCK", frozenset({"y1", "y2"}), 3.0, (0,))
"""A block transfer over holdings no other candidate has: it sends the others down the general
path and dominates none of them, nor is dominated."""


@st.composite
def alone(draw: st.DrawFn) -> list[Candidate]:
    """Candidates of one holding each, few holdings and ids (copies, ties, repeats)."""
    cands = []
    for _ in range(draw(st.integers(0, 9))):
        if cands and draw(st.integers(0, 6)) == 0:
            cands.append(draw(st.sampled_from(cands)))  # the same candidate twice
            continue
        cands.append(
            Candidate(
                draw(st.sampled_from(["U:A", "U:B", "V:A", "V:C"])),
                frozenset({draw(st.sampled_from(["a", "b", "c"]))}),
                float(draw(st.sampled_from([0, 2, 3, 4]))),
                tuple(sorted(draw(st.sets(st.integers(0, 2), min_size=1, max_size=3)))),
                recognized=draw(st.booleans()),
                resident_of=draw(st.sampled_from([None, "U", "V"])),
                held_credits=draw(st.sampled_from([None, 3.0])),
            )
        )
    return cands


@settings(max_examples=500, deadline=None)
@given(alone(), st.booleans(), st.booleans())
def test_one_holding_lineages_drop_what_the_general_path_drops(cands: list[Candidate], max_recognized: bool, residency: bool) -> None:
    quick = interchangeable_pruned(cands, max_recognized=max_recognized, residency=residency)
    general = interchangeable_pruned([*cands, BLOCK], max_recognized=max_recognized, residency=residency)
    assert BLOCK in general
    assert [id(c) for c in quick] == [id(c) for c in general if c is not BLOCK]
