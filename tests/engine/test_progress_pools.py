"""The program for an ``all`` of pools and leaves (engine/progress_pools.py) against the
general progress program: the same answer to the last bit (fraction, holdings, ``missing``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine.deadline import Deadline, active
from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate, Progress, interchangeable_pruned
from pathways.engine.progress import _Progress, best_progress
from pathways.engine.progress_pools import pooled_progress
from pathways.errors import DeadlineExceeded
from pathways.model import parse_requirement

from .sources import from_source

ELEMENTS = ["a", "b", "c", "d", "e", "f", "g"]
FILTERS = [{"subject": "ENGL"}, {"subject": "S", "level_min": 2}, {"kind": "course"}, {"institution": "U"}]


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], list[Candidate]]:
    """An ``all`` of 1-4 pools and leaves, and up to 10 candidates of one holding each, some
    sharing it (a course and its copies), each fitting one to three slots."""
    children: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 4)) == 0:
            children.append({"node": f"U:{'ABCD'[len(children)]}"})
        else:
            children.append({"credits": draw(st.sampled_from([1, 2, 3, 4.5, 6, 9])), "where": draw(st.sampled_from(FILTERS))})
    req = {"all": children}
    _, slots = compile_requirement(parse_requirement(req))
    names = draw(st.permutations([f"{letter}{i}" for i, letter in enumerate("PQRSTUVWXYZ")]))
    cands = []
    for i in range(draw(st.integers(0, 10))):
        lineage = frozenset({draw(st.sampled_from(ELEMENTS))})
        fits = draw(st.lists(st.sampled_from(range(len(slots))), min_size=1, max_size=min(3, len(slots)), unique=True))
        credits = float(draw(st.sampled_from([0, 1, 1.5, 2, 3, 4, 4.5])))
        cands.append(Candidate(names[i], lineage, credits, tuple(sorted(fits))))
    return req, cands


def general(tree: Any, slots: Any, cands: list[Candidate]) -> Progress:
    """The general program's answer (what best_progress gave before pooled_progress)."""
    search = _Progress(tree, slots, cands)
    search.program()
    return Progress(fraction=max(0.0, search.best_fraction), uses=search.best_key[2], missing=search.best_missing)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_pooled_progress_is_the_general_program(case: tuple[dict[str, Any], list[Candidate]]) -> None:
    req, cands = case
    tree, slots = compile_requirement(parse_requirement(req))
    kept = interchangeable_pruned(cands)
    got = pooled_progress(tree, slots, kept)
    assert got is not None
    expected = general(tree, slots, kept)
    assert (got.fraction, got.uses, got.missing) == (expected.fraction, expected.uses, expected.missing)


def test_other_shapes_are_left_to_the_general_program() -> None:
    x = frozenset({"X"})
    tree, slots = compile_requirement(parse_requirement({"any": [{"credits": 3, "where": {"subject": "S"}}, {"node": "U:A"}]}))
    assert pooled_progress(tree, slots, [Candidate("A", x, 3.0, (0,))]) is None
    pools = {"all": [{"credits": 3, "where": {"subject": "S"}}, {"credits": 6, "where": {"kind": "course"}}]}
    tree, slots = compile_requirement(parse_requirement(pools))
    assert pooled_progress(tree, slots, [Candidate("A", frozenset({"X", "Y"}), 3.0, (0,))]) is None  # a block transfer
    assert pooled_progress(tree, slots, [Candidate("A", x, 3.0, (0, 1))]) is not None


def test_best_progress_answers_a_degree_s_pools_without_the_general_program(monkeypatch: pytest.MonkeyPatch) -> None:
    # 6 of ENGL, 18 of SOC at level 2, 36 in all: the shape of most rules a transcript advances
    req = {"all": [{"credits": 6, "where": {"subject": "ENGL"}}, {"credits": 18, "where": {"subject": "SOC", "level_min": 2}},
                   {"credits": 36, "where": {"kind": "course"}}]}  # fmt: skip
    tree, slots = compile_requirement(parse_requirement(req))
    cands = [Candidate("U:ENGL-1", frozenset({"e1"}), 3.0, (0, 2)), Candidate("V:ENGL-1", frozenset({"e1"}), 4.0, (0, 2)),
             Candidate("U:SOC-2", frozenset({"s2"}), 3.0, (1, 2)), Candidate("U:MATH-1", frozenset({"m1"}), 3.0, (2,))]  # fmt: skip
    expected = general(tree, slots, interchangeable_pruned(cands))

    def refused(self: _Progress) -> None:
        raise AssertionError("the general program ran")

    with from_source() as modules:  # a compiled class's method cannot be replaced
        progress = modules["pathways.engine.progress"]
        monkeypatch.setattr(progress._Progress, "program", refused)
        got = progress.best_progress(tree, slots, cands)
    assert (got.fraction, got.uses, got.missing) == (expected.fraction, expected.uses, expected.missing)
    assert got.uses == ("U:MATH-1", "U:SOC-2", "V:ENGL-1")
    assert got.missing == {"all": [{"credits": 2, "where": {"subject": "ENGL"}}, {"credits": 15, "where": {"subject": "SOC", "level_min": 2}},
                                   {"credits": 33, "where": {"kind": "course"}}]}  # fmt: skip


def test_key_pruning_keeps_a_smaller_lineage_still_short() -> None:
    # {b, c} fills the pool first; {a} is short of it, but {a, d} fills it too, with the same
    # size and a smaller lineage: {a} must not be cut
    tree, slots = compile_requirement(parse_requirement({"all": [{"credits": 6, "where": {"subject": "S"}}]}))
    cands = [Candidate(f"U:{e.upper()}", frozenset({e}), credits, (0,)) for e, credits in zip("abcd", [2.0, 3.0, 3.0, 4.0], strict=True)]
    got = pooled_progress(tree, slots, cands)
    assert got is not None and (got.fraction, got.uses, got.missing) == (1.0, ("U:A", "U:D"), None)


def test_a_passed_deadline_stops_the_program() -> None:
    tree, slots = compile_requirement(parse_requirement({"all": [{"credits": 6, "where": {"subject": "S"}}]}))
    cands = [Candidate(f"U:{e.upper()}", frozenset({e}), 3.0, (0,)) for e in "abc"]
    passed = Deadline.after(60)
    passed.cancel()
    with active(passed), pytest.raises(DeadlineExceeded):
        pooled_progress(tree, slots, cands)
