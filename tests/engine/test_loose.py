"""Flat plans (engine/loose.py): the loose outlook read from a plan is the relaxed outlook of the
tree, bit for bit, for every ``all`` of leaves, competencies and pools and every state, and so
is the outlook from a rule's candidates; rules alike share one tree and one plan."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pathways.engine import Engine
from pathways.engine.index import compile_requirement
from pathways.engine.loose import flat_outlook, flat_plan
from pathways.engine.matching import Candidate
from pathways.engine.ranking import outlook, relaxed_outlook
from pathways.model import parse_document, parse_requirement

from . import test_ranking

CREDITS = {"U:A": 3.0, "U:B": 1.5, "U:C": 0.0}
"""Node credits; ``U:D`` is unknown (a missing leaf of it needs nothing)."""

_AMOUNTS = st.sampled_from([0.0, 1e-6, 0.5, 1, 1.5, 2.999999, 3, 4.5, 6, 12.0])


@st.composite
def flat_cases(draw: st.DrawFn) -> tuple[Any, list[float], float]:
    """An ``all`` of leaves, competencies, pools (of credits or hours) and groups of leaves
    (``any``, ``at_least``), what each slot holds
    (a leaf or competency: -1 or credits) and what the pools hold together."""
    parts: list[dict[str, Any]] = []
    unit = draw(st.sampled_from(["credits", "hours"]))  # one requirement's pools add one of them
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["node", "competency", "pool", "pool", "any", "at_least"]))
        if kind == "node":
            parts.append({"node": draw(st.sampled_from(["U:A", "U:B", "U:C", "U:D"]))})
        elif kind == "competency":
            parts.append({"competency": "U:K"})
        elif kind in ("any", "at_least"):
            leaves = draw(st.lists(st.sampled_from([{"node": n} for n in ("U:A", "U:B", "U:C", "U:D")] + [{"competency": "U:K"}]),
                                   min_size=1, max_size=5))
            k = draw(st.integers(1, len(leaves)))
            parts.append({"any": leaves} if kind == "any" else {"at_least": k, "of": leaves})
        else:
            parts.append({unit: draw(st.sampled_from([1, 1.5, 3, 6, 9, 12])), "where": {"subject": f"S{len(parts)}"}})
    tree, slots = compile_requirement(parse_requirement({"all": parts}))
    state = [draw(_AMOUNTS) if spec[0] == 2 else draw(st.sampled_from([-1.0, 0.0, 1.5, 3.0])) for spec in slots]
    return tree, state, draw(_AMOUNTS)


@settings(max_examples=500, deadline=None)
@given(flat_cases())
def test_a_flat_plan_gives_the_relaxed_outlook(case: tuple[Any, list[float], float]) -> None:
    tree, state, together = case
    plan = flat_plan(tree, CREDITS.get)
    assert plan is not None
    relaxed = relaxed_outlook(tree, state, credits=CREDITS.get, advances=True, shared=lambda pools: together)
    assert flat_outlook(plan, state, together) == (relaxed.bound, relaxed.needed)


def test_only_an_all_of_leaves_competencies_pools_and_groups_of_leaves_has_a_plan() -> None:
    def plan(req: dict[str, Any]) -> object:
        return flat_plan(compile_requirement(parse_requirement(req))[0], CREDITS.get)

    assert plan({"all": [{"node": "U:A"}, {"credits": 3, "where": {}}]}) is not None
    assert plan({"any": [{"node": "U:A"}, {"node": "U:B"}]}) is None
    assert plan({"all": [{"node": "U:A"}, {"any": [{"node": "U:B"}, {"node": "U:C"}]}]}) is not None
    assert plan({"all": [{"node": "U:A"}, {"any": [{"node": "U:B"}, {"credits": 3, "where": {}}]}]}) is None
    assert plan({"all": [{"node": "U:A"}, {"credits": 3, "of": [{"node": "U:B"}, {"node": "U:C"}]}]}) is None
    assert plan({"node": "U:A"}) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(test_ranking.pooled_matches())
def test_an_outlook_from_candidates_is_the_same_with_the_plan(case: tuple[Any, tuple[Any, ...], list[Candidate]]) -> None:
    tree, slots, cands = case
    plan = flat_plan(tree, CREDITS.get)
    assume(plan is not None)
    assert outlook(tree, slots, cands=cands, credits=CREDITS.get, plan=plan) == outlook(tree, slots, cands=cands, credits=CREDITS.get)


def test_rules_with_equal_requirements_share_one_tree_its_slots_and_one_plan() -> None:
    """Rules alike share what an evaluation computes for one of them, keyed by the tree's identity."""
    pools = {"all": [{"credits": 6, "where": {"subject": "S"}}, {"credits": 3, "where": {"level_min": 2}}]}
    engine = Engine(parse_document({
        "format": "pathways/1", "institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}],
        "nodes": [{"id": f"{i}:CERT", "kind": "credential", "institution": i, "title": "Cert", "credits": 0} for i in "UV"],
        "rules": [{"id": f"{i}-CERT", "kind": "stack", "granted_by": i, "requires": pools, "grants": [{"node": f"{i}:CERT"}]}
                  for i in "UV"],
    }))  # fmt: skip
    u, v = engine.compiled["U-CERT"], engine.compiled["V-CERT"]
    assert u.tree is v.tree and u.slots is v.slots and engine.flat_plans["U-CERT"] is engine.flat_plans["V-CERT"]


def test_one_leaf_rules_matched_in_full_share_one_tree_too() -> None:
    """A one-leaf rule that is matched in full (here: it reads a pass as a letter) is keyed by its
    tree's identity like the others; one-to-one rules, decided in the round loop, are left alone."""
    engine = Engine(parse_document({
        "format": "pathways/1", "institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{n}", "kind": "course", "institution": "U", "title": n, "credits": 3} for n in ("A", "B", "C")],
        "rules": [{"id": f"R{i}", "kind": "plar", "granted_by": "U", "requires": {"node": "U:A"}, "grants": [{"node": f"U:{n}"}],
                   **({"pass_counts_as": "C"} if i < 2 else {})} for i, n in enumerate(("B", "C", "B"))],
    }))  # fmt: skip
    r0, r1, r2 = (engine.compiled[f"R{i}"] for i in range(3))
    assert r0.tree is r1.tree and r0.slots is r1.slots
    assert r2.tree is not r0.tree
