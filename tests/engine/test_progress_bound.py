"""The program's branch and bound (engine/progress.py ``_Bound``) against brute force.

``best_progress`` prunes states whose bound falls short of the best fraction found, and states
that cannot beat the best state's key when nothing beats its fraction. These tests draw
requirements made of credit pools and leaves under ``all``/``any``/``at_least`` (where the
bound applies) with many one-holding candidates, and check the answer against the oracle, the
bound against every completion, and that the pruning does prune.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate
from pathways.engine.progress import _beyond, _Bound, _fraction, _Progress, best_progress, fewest_assignment
from pathways.model import parse_requirement

from .oracle import oracle_assignment, oracle_progress
from .sources import from_source
from .test_progress import agrees_with_oracle

ELEMENTS = ["a", "b", "c", "d", "e", "f"]
FILTERS = [{"subject": "ENGL"}, {"subject": "S", "level_min": 2}, {"kind": "course"}, {"institution": "U"}]


@st.composite
def parts(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    if depth == 2 or draw(st.integers(0, 2)) > 0:
        if draw(st.integers(0, 3)) == 0:
            return {"node": draw(st.sampled_from(["U:A", "U:B"]))}
        return {"credits": draw(st.sampled_from([1, 2, 3, 4.5, 6])), "where": draw(st.sampled_from(FILTERS))}
    children = draw(st.lists(parts(depth + 1), min_size=1, max_size=3))
    shape = draw(st.sampled_from(["all", "any", "at_least"]))
    if shape == "at_least":
        return {"at_least": draw(st.integers(1, len(children))), "of": children}
    return {shape: children}


@st.composite
def pool_cases(draw: st.DrawFn) -> tuple[dict[str, Any], list[Candidate]]:
    """A requirement the bound applies to, and up to 7 candidates: mostly one holding each,
    several sharing one (a course and its copies), now and then a block of two."""
    req = {draw(st.sampled_from(["all", "any"])): draw(st.lists(parts(1), min_size=2, max_size=3))}
    _, slots = compile_requirement(parse_requirement(req))
    cands = []
    names = draw(st.permutations([f"{letter}{i}" for i, letter in enumerate("PQRSTUVWXYZ")]))
    for i in range(draw(st.integers(1, 7))):
        size = 2 if draw(st.integers(0, 5)) == 0 else 1
        lineage = frozenset(draw(st.lists(st.sampled_from(ELEMENTS), min_size=size, max_size=size, unique=True)))
        fits = draw(st.lists(st.sampled_from(range(len(slots))), min_size=1, max_size=min(2, len(slots)), unique=True))
        credits = float(draw(st.sampled_from([0, 1, 1.5, 2, 3, 4])))
        cands.append(Candidate(names[i], lineage, credits, tuple(sorted(fits))))
    return req, cands


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases())
def test_pruned_program_matches_brute_force(case: tuple[dict[str, Any], list[Candidate]]) -> None:
    agrees_with_oracle(*case)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases())
def test_pruned_firing_program_matches_brute_force(case: tuple[dict[str, Any], list[Candidate]]) -> None:
    # firing mode: states that cannot be met, and states whose met completions are larger
    # than the smallest met state, are dropped
    req, cands = case
    tree, slots = compile_requirement(parse_requirement(req))
    expected = oracle_assignment(parse_requirement(req), cands, ())
    got = fewest_assignment(tree, slots, cands)
    assert (None if got is None else (got.uses, got.lineage)) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases())
def test_pools_needing_more_than_the_candidates_hold_are_never_met(case: tuple[dict[str, Any], list[Candidate]]) -> None:
    # progress skips its search for an assignment reaching the ceiling when _beyond says none is met
    req, cands = case
    tree, _ = compile_requirement(parse_requirement(req))
    if _beyond(tree, cands):
        assert oracle_assignment(parse_requirement(req), cands, ()) is None


def _bound_for(req: dict[str, Any], cands: list[Candidate]) -> tuple[_Progress, _Bound, list[list[Any]], tuple[float, ...]]:
    tree, slots = compile_requirement(parse_requirement(req))
    search = _Progress(tree, slots, [c for c in cands if len(c.lineage) == 1])
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(search.cands):
        groups.setdefault(min(c.lineage), []).append(i)
    elements = sorted(groups)
    moves = [search.moves(groups[e]) for e in elements]
    assert search.weights is not None
    start = tuple(-1.0 if spec[0] != 2 else 0.0 for spec in slots)
    return search, _Bound(search, elements, moves), moves, start


def _after(search: _Progress, state: tuple[float, ...], move: Any) -> tuple[float, ...] | None:
    """The state a move reaches, as the program computes it (``None``: not allowed)."""
    s, credits, room, _, _ = move
    held = state[s]
    if room is None:
        if held >= 0:
            return None
        now = credits
    else:
        if held >= room - 1e-9:
            return None
        now = min(held + credits, room)
    return (*state[:s], now, *state[s + 1 :])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases(), st.data())
def test_bound_is_above_every_completion_and_greedy_below(case: tuple[dict[str, Any], list[Candidate]], data: st.DataObject) -> None:
    req, cands = case
    search, bound, moves, state = _bound_for(req, cands)
    g = data.draw(st.integers(0, len(moves)))
    for ms in moves[:g]:  # a state the program can reach before group g
        pick = data.draw(st.sampled_from([None, *ms]))
        if pick is not None:
            state = _after(search, state, pick) or state
    fraction = _fraction(search.tree, state)
    assert abs(bound.quick(state) - fraction) < 1e-12
    best = fraction
    for picks in itertools.product(*[[None, *ms] for ms in moves[g:]]):
        now: tuple[float, ...] | None = state
        for pick in picks:
            if pick is not None and now is not None:
                now = _after(search, now, pick)
        if now is not None:
            best = max(best, _fraction(search.tree, now))
    optimistic = fraction + min(bound.most[g], bound.room(state, bound.pools[g], bound.leaves[g]))
    assert optimistic >= best - 1e-12
    assert bound.greedy(state, g) <= best + 1e-12


def test_pruning_drops_states_and_keeps_the_answer() -> None:
    # no ENGL holding at all: the best fraction is 2/3, reached by many states; the anchor's key
    # then cuts every state that needs more holdings
    req = {"all": [{"credits": 6, "where": {"subject": "ENGL"}}, {"credits": 6, "where": {"subject": "S"}},
                   {"credits": 9, "where": {"kind": "course"}}]}  # fmt: skip
    cands = [Candidate(f"U:{e}", frozenset({e}), 3.0, (1, 2) if e < "c" else (2,)) for e in "abcdefg"]
    tree, slots = compile_requirement(parse_requirement(req))
    kept: list[int] = []
    seen: list[int] = []
    with from_source() as modules:  # a compiled class's method cannot be spied on
        progress = modules["pathways.engine.progress"]
        bound_class = modules["pathways.engine.progress_bound"]._Bound
        original = bound_class.pruned

        def counting(self: Any, states: dict[Any, Any], g: int) -> dict[Any, Any]:
            out = original(self, states, g)
            seen.append(len(states))
            kept.append(len(out))
            return out

        bound_class.pruned = counting
        try:  # the general program (best_progress leaves an ``all`` of pools to pooled_progress)
            search = progress._Progress(tree, slots, cands)
            search.program()
        finally:
            bound_class.pruned = original
    fraction, expected = oracle_progress(parse_requirement(req), cands)
    assert abs(search.best_fraction - fraction) < 1e-9 and abs(fraction - 2 / 3) < 1e-9
    assert search.best_key[2] == tuple(sorted(n for n, _ in expected)) == ("U:a", "U:b", "U:c", "U:d", "U:e")
    assert best_progress(tree, slots, cands).uses == search.best_key[2]
    assert sum(kept) < sum(seen)


def test_key_pruning_keeps_a_smaller_lineage_still_short() -> None:
    # the anchor {b, c} reaches the best fraction (1/2) first; {a} alone is short of it but
    # {a, d} reaches it with the same size and a smaller lineage: {a} must not be cut
    req = {"all": [{"at_least": 1, "of": [{"all": [{"node": "U:A"}, {"node": "U:D"}]},
                                          {"all": [{"node": "U:B"}, {"node": "U:C"}]}]},
                   {"node": "U:Z"}]}  # fmt: skip
    tree, slots = compile_requirement(parse_requirement(req))
    cands = [Candidate(f"U:{e.upper()}", frozenset({e}), 3.0, (i,)) for i, e in enumerate("adbc")]
    got = best_progress(tree, slots, cands)
    assert abs(got.fraction - 0.5) < 1e-12
    assert got.uses == ("U:A", "U:D")
    assert got.missing == {"node": "U:Z"}


def test_firing_key_pruning_keeps_a_smaller_lineage_still_unmet() -> None:
    # the anchor {b, c} is met first; {a} is not met yet, but {a, d} is, with the same size
    # and a smaller lineage: {a} must not be cut
    req = {"at_least": 1, "of": [{"all": [{"node": "U:A"}, {"node": "U:D"}]}, {"all": [{"node": "U:B"}, {"node": "U:C"}]}]}
    tree, slots = compile_requirement(parse_requirement(req))
    cands = [Candidate(f"U:{e.upper()}", frozenset({e}), 3.0, (i,)) for i, e in enumerate("adbc")]
    got = fewest_assignment(tree, slots, cands)
    assert got is not None and (got.uses, got.lineage) == (("U:A", "U:D"), ("a", "d"))
