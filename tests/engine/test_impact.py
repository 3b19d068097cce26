"""Impact before a change: on the seed graph, and against a brute-force oracle (full reach before
and after, by reach's rule: transfer credit does not transfer again) on random small graphs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine import Deadline, Engine, reach
from pathways.engine.impact import CREDENTIAL_KINDS, ImpactIndex, ReachPair, Route, impact, parse_change
from pathways.errors import DeadlineExceeded, InvalidInput, NotFound
from pathways.model import Document, Rule
from pathways.model.requirements import CompetencyLeaf, NodeLeaf, walk

DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def seed(seed_document: Document) -> Engine:
    return Engine(seed_document)


def test_ending_camosun_to_uvic_hist_removes_exactly_the_routes_it_carried(seed: Engine) -> None:
    result = impact(seed, parse_change(seed, {"end": "CAMOSUN-UVIC-HIST110", "date": "2026-12-01"}))
    assert result.to_json() == {
        "change": {"end": "CAMOSUN-UVIC-HIST110", "date": "2026-12-01"},
        "reach": {"gained": [], "lost": [{"source": "CAMOSUN:HIST-110", "target": "UVIC:HIST-111"}], "gained_total": 0, "lost_total": 1},
        "routes": {"gained": [], "lost": [], "gained_total": 0, "lost_total": 0},
        "evaluations": {"stored": 0, "changed": 0},
    }
    assert result.lost_pairs == tuple(_oracle(seed, "CAMOSUN-UVIC-HIST110", _ended(seed, "CAMOSUN-UVIC-HIST110"), DAY)[0][0])


def test_ending_a_transfer_loses_the_credential_routes_downstream(seed: Engine) -> None:
    result = impact(seed, parse_change(seed, {"end": "KCTCS-UK-CIT105", "date": "2026-12-01"}))
    assert {(p.source, p.target) for p in result.lost_pairs} >= {("KCTCS:CIT-105", "UK:ICT-101"), ("KCTCS:CIT-105", "UK:UGCERT-ICT"),
                                                                   ("KCTCS:CIT-105A", "UK:UGCERT-ICT")}
    assert {r.source for r in result.lost_routes} == {"KCTCS:CIT-105", *(f"KCTCS:CIT-105{x}" for x in "ABCDE")}
    assert {(r.credential, r.rule) for r in result.lost_routes} == {("UK:UGCERT-ICT", "UK-UGCERT-ICT-STACK")}
    assert not result.gained_pairs and not result.gained_routes


def test_a_rule_already_closed_changes_nothing(seed: Engine) -> None:
    result = impact(seed, parse_change(seed, {"end": "CAMOSUN-UVIC-HIST120", "date": "2026-12-01"}))
    assert result.to_json()["reach"] == {"gained": [], "lost": [], "gained_total": 0, "lost_total": 0}


def test_a_proposed_rule_gains_what_it_would_carry(seed: Engine) -> None:
    rule = {"id": "CAMOSUN-UVIC-HIST120-NEW", "kind": "transfer", "granted_by": "UVIC",
            "requires": {"node": "CAMOSUN:HIST-120"}, "grants": [{"node": "UVIC:HIST-111"}]}
    out = impact(seed, parse_change(seed, {"rule": rule}, today=DAY)).to_json()
    assert out["change"] == {"rule": "CAMOSUN-UVIC-HIST120-NEW"}
    assert out["reach"] == {"gained": [{"source": "CAMOSUN:HIST-120", "target": "UVIC:HIST-111"}], "lost": [],
                            "gained_total": 1, "lost_total": 0}


def test_changing_a_rule_moves_its_target(seed: Engine) -> None:
    rule = seed.rules["CAMOSUN-UVIC-HIST110"].to_json() | {"grants": [{"node": "UVIC:HIST-2XX", "credits": 1.5}]}
    out = impact(seed, parse_change(seed, {"rule": rule}, today=DAY)).to_json()
    assert out["reach"] == {"gained": [{"source": "CAMOSUN:HIST-110", "target": "UVIC:HIST-2XX"}],
                            "lost": [{"source": "CAMOSUN:HIST-110", "target": "UVIC:HIST-111"}], "gained_total": 1, "lost_total": 1}


def test_a_bounded_answer_lists_the_first_items_beside_exact_totals(seed: Engine) -> None:
    change = parse_change(seed, {"end": "KCTCS-UK-CIT105", "date": "2026-12-01"})
    whole = impact(seed, change)
    cut = impact(seed, change, max_listed=2)
    assert len(whole.lost_pairs) > 2 and len(whole.lost_routes) > 2
    assert cut.lost_pairs == whole.lost_pairs[:2] and cut.lost_routes == whole.lost_routes[:2]
    assert cut.to_json()["reach"]["lost_total"] == len(whole.lost_pairs)
    assert cut.to_json()["routes"]["lost_total"] == len(whole.lost_routes)


def test_a_passed_deadline_stops_the_comparison(seed: Engine) -> None:
    deadline = Deadline.after(60)
    deadline.cancel()
    with pytest.raises(DeadlineExceeded, match="impact"):
        impact(seed, parse_change(seed, {"end": "KCTCS-UK-CIT105", "date": "2026-12-01"}), deadline=deadline)


@pytest.mark.parametrize(("body", "path"), [
    ({}, ""),
    ({"end": "CAMOSUN-UVIC-HIST110", "rule": {}}, "end"),
    ({"end": 3}, "end"),
    ({"end": "CAMOSUN-UVIC-HIST110", "date": "next year"}, "date"),
    ({"end": "CAMOSUN-UVIC-HIST110", "when": "2026-01-01"}, "when"),
    ({"rule": {"id": "X", "kind": "ladder", "granted_by": "UVIC", "requires": {"node": "CAMOSUN:HIST-110"}, "grants": []}}, "rule.grants"),
    ({"rule": {"id": "X", "kind": "transfer", "granted_by": "UVIC", "requires": {"node": "CAMOSUN:NOPE"},
               "grants": [{"node": "UVIC:HIST-111"}]}}, "rule.requires.node"),
    ({"rule": {"id": "X", "kind": "transfer", "granted_by": "NOWHERE", "requires": {"node": "CAMOSUN:HIST-110"},
               "grants": [{"node": "UVIC:HIST-111"}]}}, "rule.granted_by"),
])
def test_bad_bodies_name_the_field(seed: Engine, body: Any, path: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_change(seed, body)
    assert path in [p.path for p in err.value.problems]


def test_an_unknown_rule_is_not_found(seed: Engine) -> None:
    with pytest.raises(NotFound):
        parse_change(seed, {"end": "NO-SUCH-RULE"})


# The oracle: every node's full reach on each side, by search over the whole graph, following
# the rule `pathways reach` follows (engine/reach.py): a node granted by a transfer rule does not
# fill a leaf of another transfer rule; rules of the other kinds use it, and what they grant is
# held at its origin again.

def _counts(rule: Rule | None, day: dt.date) -> bool:
    return rule is not None and rule.status == "approved" and (rule.valid_to is None or rule.valid_to > day)


def _entries(engine: Engine, rule: Rule) -> set[str]:
    out: set[str] = set()
    for part in walk(rule.requires):
        if isinstance(part, NodeLeaf):
            out.add(part.node)
        elif isinstance(part, CompetencyLeaf):
            out.update(n for n, comps in engine.demonstrated.items() if part.competency in comps)
    return out


def _oracle(engine: Engine, rule_id: str, after: Rule, day: dt.date) -> tuple[tuple[list[ReachPair], list[ReachPair]], tuple[set[Route], set[Route]]]:
    sides = []
    for version in (engine.rules.get(rule_id), after):
        rules = [r for r in engine.rules.values() if r.id != rule_id] + ([version] if version is not None else [])
        live = [r for r in rules if _counts(r, day)]
        # (node, held as transfer credit) -> the states one rule leads to
        succ: dict[tuple[str, bool], set[tuple[str, bool]]] = {(n, t): set() for n in engine.nodes for t in (False, True)}
        for r in live:
            transfer = r.kind == "transfer"
            for e in _entries(engine, r):
                for held in (False, True) if not transfer else (False,):
                    succ[e, held].update((g.node, transfer) for g in r.grants)
        reached: dict[str, set[tuple[str, bool]]] = {}
        for n in engine.nodes:
            seen: set[tuple[str, bool]] = set()
            stack = list(succ[n, False])
            while stack:
                m = stack.pop()
                if m not in seen:
                    seen.add(m)
                    stack.extend(succ[m])
            reached[n] = seen
        pairs = {ReachPair(s, t) for s, ts in reached.items() for t, _ in ts if s != t}
        routes = {Route(g.node, r.id, s) for r in live for g in r.grants if engine.nodes[g.node].kind in CREDENTIAL_KINDS
                  for s in engine.nodes
                  if any(n in _entries(engine, r) and not (held and r.kind == "transfer") for n, held in {(s, False)} | reached[s])}
        sides.append((pairs, routes))
    (pb, rb), (pa, ra) = sides
    return (sorted(pb - pa), sorted(pa - pb)), (rb - ra, ra - rb)


KINDS = ("course", "course", "credential", "micro_credential")


@st.composite
def graphs(draw: Any) -> tuple[Engine, dict[str, Any]]:
    n = draw(st.integers(3, 8))
    ids = [f"U:N{i}" for i in range(n)]
    nodes: list[dict[str, Any]] = [{"id": i, "kind": draw(st.sampled_from(KINDS)), "institution": "U", "title": i} for i in ids]
    nodes.append({"id": "CMP:X", "kind": "competency", "title": "X"})
    for node in nodes[:-1]:
        if draw(st.booleans()) and draw(st.booleans()):
            node["competencies"] = ["CMP:X"]
    leaf = st.one_of(st.builds(lambda i: {"node": i}, st.sampled_from(ids)), st.just({"competency": "CMP:X"}))
    requirement = st.one_of(leaf, st.builds(lambda xs: {"all": xs}, st.lists(leaf, min_size=1, max_size=3)),
                            st.builds(lambda xs: {"any": xs}, st.lists(leaf, min_size=1, max_size=3)))
    status = st.sampled_from(("approved", "approved", "approved", "pilot", "retired"))
    valid_to = st.sampled_from((None, None, "2025-01-01", "2027-01-01"))
    kind = st.sampled_from(("transfer", "transfer", "transfer", "stack", "ladder", "plar", "admission"))
    def rule(i: int) -> dict[str, Any]:
        out = {"id": f"R{i}", "kind": draw(kind), "granted_by": "U", "requires": draw(requirement),
               "grants": [{"node": g} for g in draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))],
               "status": draw(status)}
        to = draw(valid_to)
        return out | ({"valid_to": to} if to else {})
    rules = [rule(i) for i in range(draw(st.integers(1, 9)))]
    doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}], "nodes": nodes, "rules": rules})
    engine = Engine(doc)
    if draw(st.booleans()):
        body: dict[str, Any] = {"end": draw(st.sampled_from([r["id"] for r in rules])), "date": "2026-12-01"}
    else:
        body = {"rule": rule(draw(st.integers(0, len(rules)))) | {"status": "approved"}, "date": "2026-12-01"}
    return engine, body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.one_of(st.none(), st.integers(1, 4)))
def test_impact_agrees_with_full_reach_before_and_after(case: tuple[Engine, dict[str, Any]], max_listed: int | None) -> None:
    engine, body = case
    change = parse_change(engine, body)
    result = impact(engine, change, index=ImpactIndex(engine), max_listed=max_listed)
    (lost, gained), (lost_routes, gained_routes) = _oracle(engine, change.rule, change.after, change.day)
    assert list(result.lost_pairs) == lost[:max_listed]
    assert list(result.gained_pairs) == gained[:max_listed]
    assert list(result.lost_routes) == sorted(lost_routes)[:max_listed]
    assert list(result.gained_routes) == sorted(gained_routes)[:max_listed]
    assert (result.lost_pairs_total, result.gained_pairs_total) == (len(lost), len(gained))
    assert (result.lost_routes_total, result.gained_routes_total) == (len(lost_routes), len(gained_routes))


def _ended(engine: Engine, rule_id: str) -> Rule:
    return engine.rules[rule_id].model_copy(update={"valid_to": DAY})



def test_transfer_credit_does_not_transfer_again_but_a_stack_uses_it() -> None:
    """A -T-> B -T-> C is no chain (reach gives B only); B -stack-> D -T-> E is, since D is the
    receiving institution's own credit. Ending the first transfer loses exactly A's pairs."""
    ids = "ABCDE"
    doc = Document.model_validate({"institutions": [{"id": "U", "name": "U"}],
        "nodes": [{"id": f"U:{c}", "kind": "course", "institution": "U", "title": c} for c in ids],
        "rules": [{"id": "T1", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:A"}, "grants": [{"node": "U:B"}]},
                  {"id": "T2", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:B"}, "grants": [{"node": "U:C"}]},
                  {"id": "S", "kind": "stack", "granted_by": "U", "requires": {"node": "U:B"}, "grants": [{"node": "U:D"}]},
                  {"id": "T3", "kind": "transfer", "granted_by": "U", "requires": {"node": "U:D"}, "grants": [{"node": "U:E"}]}]})
    engine = Engine(doc)
    assert {t["node"] for t in reach(engine, "U:A", depth=5).to_json()["targets"]} == {"U:B", "U:D", "U:E"}
    result = impact(engine, parse_change(engine, {"end": "T1", "date": "2026-12-01"}))
    assert [(p.source, p.target) for p in result.lost_pairs] == [("U:A", "U:B"), ("U:A", "U:D"), ("U:A", "U:E")]
