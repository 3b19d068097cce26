"""Matches the fast methods give up on, whose answer is worked out here by hand.

Each of these used to end in a depth-first search cut off after a step budget, which kept the
best assignment found so far (or none): a rule that fires was reported as not firing, or with
a larger lineage than SPEC's choice. Now the integer program of engine/exact.py decides them.
"""

from __future__ import annotations

from pathways.engine.exact import fullest_placements
from pathways.engine.index import compile_requirement
from pathways.engine.matching import Candidate, best_assignment
from pathways.engine.progress import best_progress
from pathways.model import parse_requirement

POOL_60 = compile_requirement(parse_requirement({"credits": 60, "where": {"institution": "U"}}))


def _recognized_and_resident() -> list[Candidate]:
    """40 transferred courses of 3 credits (recognized) and 30 home courses of 1 credit (resident)."""
    transferred = [Candidate(f"T{i:02}", frozenset({f"a{i:02}"}), 3.0, (0,), recognized=True) for i in range(40)]
    home = [Candidate(f"H{i:02}", frozenset({f"b{i:02}"}), 1.0, (0,), resident_of="U") for i in range(30)]
    return [*home, *transferred]


def test_limits_with_many_candidates_needs_a_residency_top_up() -> None:
    # At most 45 recognized credits: r transferred courses (r <= 15) and s home ones with
    # 3r + s >= 60 and s >= 15, so r + s >= 60 - 2r >= 30, with equality only at r = s = 15.
    # The smallest sorted lineage of 30 then takes the 15 smallest of each ("a.." < "b..").
    tree, slots = POOL_60
    got = best_assignment(tree, slots, _recognized_and_resident(), (("U", 45.0, 15.0),))
    assert got is not None
    assert got.lineage == (*(f"a{i:02}" for i in range(15)), *(f"b{i:02}" for i in range(15)))
    assert got.uses == (*(f"H{i:02}" for i in range(15)), *(f"T{i:02}" for i in range(15)))


def test_limits_that_cannot_be_met_are_proven_so() -> None:
    # at most 42 recognized credits, no residency minimum: r <= 14 and s >= 60 - 3r, so
    # r + s >= 60 - 2r >= 32, only at r = 14, s = 18; with at most 29 (r <= 9) the 30 home
    # credits fall short of 60 - 27 = 33: the rule does not fire
    tree, slots = POOL_60
    cands = _recognized_and_resident()
    got = best_assignment(tree, slots, cands, (("U", 42.0, None),))
    assert got is not None and len(got.uses) == 32
    assert got.lineage == (*(f"a{i:02}" for i in range(14)), *(f"b{i:02}" for i in range(18)))
    assert best_assignment(tree, slots, cands, (("U", 29.0, None),)) is None


def _blocks_and_halves() -> list[Candidate]:
    """20 block transfers of 6 credits over two holdings each (p_i, q_i), and each of those 40
    holdings alone worth 2 credits: more multi-holding placements than the dynamic program takes."""
    blocks = [Candidate(f"B{i:02}", frozenset({f"p{i:02}", f"q{i:02}"}), 6.0, (0,)) for i in range(20)]
    halves = [Candidate(f"C{i:02}{h}", frozenset({f"{h}{i:02}"}), 2.0, (0,)) for i in range(20) for h in "pq"]
    return [*halves, *blocks]


def test_many_multi_holding_candidates() -> None:
    # 3 credits per lineage holding from a block, 2 from a half: 30 credits need at least 10
    # holdings, only five whole blocks have them; the smallest sorted lineage is p00-p04, q00-q04
    tree, slots = compile_requirement(parse_requirement({"credits": 30, "where": {"subject": "MATH"}}))
    got = best_assignment(tree, slots, _blocks_and_halves())
    assert got is not None
    assert got.uses == tuple(f"B{i:02}" for i in range(5))
    assert got.lineage == (*(f"p{i:02}" for i in range(5)), *(f"q{i:02}" for i in range(5)))


def test_progress_with_many_multi_holding_candidates() -> None:
    # at most 120 credits with disjoint lineages (every block, 6 > 2 + 2 for its halves) of 200
    tree, slots = compile_requirement(parse_requirement({"credits": 200, "where": {"subject": "MATH"}}))
    got = best_progress(tree, slots, _blocks_and_halves())
    assert got.fraction == 0.6
    assert got.uses == tuple(f"B{i:02}" for i in range(20))
    assert got.missing == {"credits": 80, "where": {"subject": "MATH"}}


def test_tie_that_highs_presolve_got_wrong() -> None:
    # both 0.5 through one branch or the other; the smallest lineage is {"a"}: N1 in the first
    # leaf. With presolve, HiGHS reported placing N0 as optimal for the lexicographic question.
    tree, slots = compile_requirement(parse_requirement(
        {"any": [{"all": [{"node": "U:A"}, {"competency": "CMP:X"}]}, {"all": [{"competency": "CMP:X"}, {"node": "U:A"}]}]}))
    cands = [Candidate("N0", frozenset({"b"}), 0.0, (0, 2, 3)), Candidate("N1", frozenset({"a"}), 0.0, (0,))]
    assert sorted((c.node, s) for c, s in fullest_placements(tree, slots, cands)) == [("N1", 0)]
