"""The program's count bounds (engine/shortfall.py), its deepening cap and the ceiling shortcut.

:class:`Shortfall` must never count more holdings than a completion needs (else the deepening
cap of ``fewest_assignment`` and the anchor pruning would drop the answer); ``_fullest`` (progress
that reaches the requirement's ceiling, found as a firing match) must give what the progress
program gives, and the brute force.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine.exact import fewest_placements
from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate, Progress, interchangeable_pruned
from pathways.engine.progress import _fullest, _progress, _Progress, best_progress, fewest_assignment
from pathways.model import parse_requirement

from .sources import from_source
from .test_progress import agrees_with_oracle
from .test_progress_bound import _after, _bound_for, pool_cases

FLAT_PARTS = [
    {"credits": 6, "where": {"subject": "ENGL"}},
    {"credits": 9, "where": {"subject": "S", "level_min": 3}},
    {"credits": 12, "where": {"kind": "course"}},
    {"node": "U:A"},
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases(), st.data())
def test_counts_never_exceed_what_a_completion_needs(case: tuple[dict[str, Any], list[Candidate]], data: st.DataObject) -> None:
    req, cands = case
    search, bound, moves, state = _bound_for(req, cands)
    g = data.draw(st.integers(0, len(moves)))
    size = 0
    for ms in moves[:g]:  # a state the program can reach before group g
        pick = data.draw(st.sampled_from([None, *ms]))
        if pick is not None and (after := _after(search, state, pick)) is not None:
            state, size = after, size + 1
    fraction = _progress(search.tree, state)[0]
    fewest_met, fewest_gain = float("inf"), {}
    for picks in itertools.product(*[[None, *ms] for ms in moves[g:]]):
        now: tuple[float, ...] | None = state
        for pick in picks:
            if pick is not None and now is not None:
                now = _after(search, now, pick)
        if now is None:
            continue
        added = sum(p is not None for p in picks)
        reached, met, _ = _progress(search.tree, now)
        if met:
            fewest_met = min(fewest_met, added)
        gain = round(reached - fraction, 9)
        fewest_gain[gain] = min(fewest_gain.get(gain, added), added)
    assert bound.counts.to_meet(state, g) <= fewest_met
    for gain, added in fewest_gain.items():
        assert bound.counts.to_gain(gain, g) <= added


@st.composite
def flat_cases(draw: st.DrawFn) -> tuple[dict[str, Any], list[Candidate]]:
    """An ``all`` of pools and a leaf, often out of reach, and up to 8 candidates (now and then
    one with two holdings in its lineage)."""
    parts = draw(st.lists(st.sampled_from(FLAT_PARTS), min_size=2, max_size=4, unique_by=str))
    req = {"all": parts}
    _, slots = compile_requirement(parse_requirement(req))
    names = draw(st.permutations([f"{letter}{i}" for i, letter in enumerate("PQRSTUVWXY")]))
    cands = []
    for i in range(draw(st.integers(1, 8))):
        size = 2 if draw(st.integers(0, 6)) == 0 else 1
        lineage = frozenset(draw(st.lists(st.sampled_from("abcdefgh"), min_size=size, max_size=size, unique=True)))
        fits = draw(st.lists(st.sampled_from(range(len(slots))), min_size=1, max_size=2, unique=True))
        credits = float(draw(st.sampled_from([1, 1.5, 3, 4, 6])))
        cands.append(Candidate(names[i], lineage, credits, tuple(sorted(fits))))
    return req, cands


def _programmed(tree: Any, slots: Any, cands: list[Candidate]) -> Progress:
    """The progress program alone (no ceiling shortcut), as ``best_progress`` ran it before."""
    search = _Progress(tree, slots, interchangeable_pruned(cands))
    search.program()
    return Progress(fraction=max(0.0, search.best_fraction), uses=search.best_key[2], missing=search.best_missing)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat_cases())
def test_ceiling_shortcut_matches_the_program_and_brute_force(case: tuple[dict[str, Any], list[Candidate]]) -> None:
    req, cands = case
    tree, slots = compile_requirement(parse_requirement(req))
    got = _fullest(tree, slots, interchangeable_pruned(cands))
    if got is not None:
        assert got == _programmed(tree, slots, cands)
    agrees_with_oracle(req, cands)


def test_ceiling_shortcut_answers_when_a_pool_is_out_of_reach() -> None:
    # no ENGL holding: the ceiling is 2/3 (S and course met); the smallest assignment reaching
    # it takes the 6-credit S course and the two smallest holdings that fill the course pool
    req = {"all": [{"credits": 6, "where": {"subject": "ENGL"}}, {"credits": 6, "where": {"subject": "S"}},
                   {"credits": 6, "where": {"kind": "course"}}]}  # fmt: skip
    tree, slots = compile_requirement(parse_requirement(req))
    cands = [Candidate("U:a", frozenset("a"), 3.0, (1, 2)), Candidate("U:b", frozenset("b"), 3.0, (2,)),
             Candidate("U:c", frozenset("c"), 6.0, (1, 2)), Candidate("U:d", frozenset("d"), 3.0, (1, 2))]  # fmt: skip
    got = _fullest(tree, slots, cands)
    assert got is not None
    assert (round(got.fraction, 9), got.uses, got.missing) == (round(2 / 3, 9), ("U:a", "U:b", "U:c"), {"credits": 6, "where": {"subject": "ENGL"}})
    assert got == best_progress(tree, slots, cands) == _programmed(tree, slots, cands)


def _degree_case(seed: int, n: int) -> tuple[Any, Any, list[Candidate]]:
    """A degree's three pools (as the BC shape's) and ``n`` one-holding candidates."""
    req = {"all": [{"credits": 30, "where": {"subject": "S", "level_min": 3}}, {"credits": 6, "where": {"subject": "ENGL"}},
                   {"credits": 84, "where": {"kind": "course"}}]}  # fmt: skip
    tree, slots = compile_requirement(parse_requirement(req))
    rng = random.Random(seed)
    cands = []
    for i in range(n):
        fits = rng.choices([(2,), (0, 2), (1, 2)], [70, 20, 10])[0]
        cands.append(Candidate(f"U:{i:03d}", frozenset({f"h{i:03d}"}), float(rng.choice([1, 3, 3, 3, 4, 6])), fits))
    return tree, slots, cands


def test_deepening_keeps_few_states_on_a_degree() -> None:
    # before the first met state turns up, the program has nothing to compare a state's key
    # against; the deepening cap drops every state needing more holdings than the cap
    tree, slots, cands = _degree_case(7, 150)
    seen: list[int] = []
    with from_source() as modules:  # a compiled class's method cannot be spied on
        bound_class = modules["pathways.engine.progress_bound"]._Bound
        original = bound_class.pruned

        def counting(self: Any, states: dict[Any, Any], g: int) -> dict[Any, Any]:
            seen.append(len(states))
            return original(self, states, g)

        bound_class.pruned = counting
        try:
            got = modules["pathways.engine.progress"].fewest_assignment(tree, slots, cands)
        finally:
            bound_class.pruned = original
    placed = fewest_placements(tree, slots, cands)
    assert got is not None and placed is not None
    assert got.uses == tuple(sorted(c.node for c, _ in placed))
    assert max(seen) < 300


def test_deepening_matches_the_integer_program_on_degrees() -> None:
    for seed in range(6):
        tree, slots, cands = _degree_case(seed, 60)
        got = fewest_assignment(tree, slots, cands)
        placed = fewest_placements(tree, slots, cands)
        assert (got is None) == (placed is None)
        if got is not None and placed is not None:
            assert got.uses == tuple(sorted(c.node for c, _ in placed))
