"""Property test: the engine agrees with a brute-force oracle on small random graphs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine import Engine, evaluate
from pathways.model import EvaluationRequest, parse_document

from .oracle import in_hours_pools, oracle_evaluate

AS_OF = dt.date(2026, 6, 1)
NODES = ["U:A", "U:B", "U:C", "V:D", "V:E", "U:F"]
GRADES = ["A+", "A", "B", "C", "D+", "D", "D-", "F", "P", "P", None, None, "B"]


def _node(i: int, ident: str, credits: int, subject: str, level: int, comp: bool, hours: int | None = None) -> dict[str, Any]:
    return {"id": ident, "kind": "course", "institution": ident.split(":")[0], "title": ident,
            "credits": credits, "subject": subject, "level": level,
            **({"competencies": ["CMP:X"]} if comp else {}), **({"hours": hours} if hours is not None else {})}


averages = st.one_of(
    st.builds(lambda g, ns: {"average": g, "of": [{"node": n} for n in ns]}, st.sampled_from(["A", "B+", "B", "C+", "C", "D-"]),
              st.lists(st.sampled_from(NODES), min_size=1, max_size=3)),
    st.builds(lambda g, w, last: {"average": g, "where": w, **({"last_credits": last} if last else {})},
              st.sampled_from(["A", "B+", "B", "C+", "C", "D-"]),
              st.sampled_from([{"institution": "U"}, {"institution": "V"}, {"subject": "S"}, {"level_min": 2}]),
              st.sampled_from([None, 1, 2, 3, 4.5])),
)
"""Averages (amendment 7): drawn wherever a requirement may stand but inside a credits pool, and
added under a rule's top-level ``all``."""


@st.composite
def requirements(draw: st.DrawFn, depth: int = 0, averaged: bool = False) -> dict[str, Any]:
    """A requirement; with ``averaged``, averages among its leaves (none inside a credits pool)."""
    leaf = st.one_of(
        st.builds(lambda n: {"node": n}, st.sampled_from(NODES)),
        st.builds(lambda n, g: {"node": n, "min_grade": g}, st.sampled_from(NODES), st.sampled_from(["A", "B", "C"])),
        st.builds(lambda n, g: {"node": n, "max_grade": g}, st.sampled_from(NODES), st.sampled_from(["B", "C", "D"])),
        st.just({"competency": "CMP:X"}),
        st.builds(lambda c, w: {"credits": c, "where": w}, st.integers(1, 5),
                  st.sampled_from([{"institution": "U"}, {"subject": "S"}, {"level_min": 2}, {"kind": "course"}])),
    )
    if averaged:
        leaf = st.one_of(leaf, averages)
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return draw(leaf)
    shape = draw(st.sampled_from(["all", "any", "at_least", "credits"]))
    children = draw(st.lists(requirements(depth + 1, averaged and shape != "credits"), min_size=1, max_size=3 if depth == 0 else 2))
    if shape == "all":
        return {"all": children}
    if shape == "any":
        return {"any": children}
    if shape == "at_least":
        return {"at_least": draw(st.integers(1, len(children))), "of": children}
    return {"credits": draw(st.integers(1, 5)), "of": children}


def _count_slots(req: dict[str, Any]) -> int:
    if "average" in req:
        return 0
    kids = req.get("all") or req.get("any") or req.get("of")
    return sum(_count_slots(k) for k in kids) if isinstance(kids, list) else 1


dates = st.dates(dt.date(2019, 1, 1), AS_OF)


def _with_average(req: dict[str, Any], avg: dict[str, Any]) -> dict[str, Any]:
    return {"all": [*req["all"], avg]} if "all" in req else {"all": [req, avg]}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    nodes = [_node(i, n, draw(st.integers(0, 3)), draw(st.sampled_from(["S", "T"])), draw(st.integers(1, 3)), draw(st.booleans()),
                   draw(st.sampled_from([None, 0, 10, 20, 30])))
             for i, n in enumerate(NODES)]
    for node in nodes:  # repeatable nodes (amendment 4): granted once per disjoint lineage
        if draw(st.integers(0, 2)) == 0:
            node["repeatable"] = True
    for node in nodes:  # anti-requisites (amendment 5): drawn one way, read both ways
        if draw(st.integers(0, 2)) == 0:
            node["excludes"] = draw(st.lists(st.sampled_from([n for n in NODES if n != node["id"]]), min_size=1, max_size=2, unique=True))
    nodes.append({"id": "CMP:X", "kind": "competency", "title": "X"})
    has_limits = draw(st.booleans())
    nodes.append({"id": "U:CRED", "kind": "credential", "institution": "U", "title": "Cred", "credits": draw(st.integers(0, 6)),
                  **({"limits": {"max_recognized_credits": draw(st.integers(0, 4)),
                                 "min_residency_credits": draw(st.integers(0, 3))}} if has_limits else {})})
    rules = []
    for r in range(draw(st.integers(2, 5))):
        req = draw(requirements(averaged=True))
        if _count_slots(req) > 4:
            req = {"node": draw(st.sampled_from(NODES))}
        if draw(st.integers(0, 3)) == 0:  # hours pools (amendment 8): a node's hours, not its credits
            req = in_hours_pools(req)
        if draw(st.booleans()):
            req = _with_average(req, draw(averages))
        grants = [{"node": draw(st.sampled_from(["U:C", "V:D", "V:E", "V:E", "U:F", "U:F", "U:CRED"]))}]
        if draw(st.booleans()):
            grants[0]["credits"] = draw(st.integers(0, 3))
        if draw(st.integers(0, 4)) == 0:  # a second grant: repeatable and not, granted together
            second = draw(st.sampled_from(["U:C", "V:E", "U:F"]))
            if second != grants[0]["node"]:
                grants.append({"node": second})
        lo = draw(st.one_of(st.none(), st.none(), dates))
        hi = draw(st.one_of(st.none(), st.none(), dates))
        if lo and hi and lo > hi:
            lo, hi = hi, lo
        rules.append({"id": f"R{r}", "kind": draw(st.sampled_from(["stack", "ladder", "plar", "transfer", "admission"])),
                      "granted_by": draw(st.sampled_from(["U", "U", "V"])), "requires": req, "grants": grants, "valid_from": lo and lo.isoformat(),
                      "valid_to": hi and hi.isoformat(), "max_age_years": draw(st.one_of(st.none(), st.none(), st.integers(1, 5))),
                      "status": draw(st.sampled_from(["approved", "approved", "approved", "pilot", "proposed"])),
                      "priority": draw(st.sampled_from([None, None, None, 1, 2])),
                      "pass_counts_as": draw(st.sampled_from([None, None, "C", "A"])),
                      "unless": draw(st.sampled_from([None, None, None, *({"node": n} for n in NODES)]))})
    doc = {"format": "pathways/1", "institutions": [{"id": "U", "name": "U"}, {"id": "V", "name": "V"}],
           "nodes": nodes, "rules": rules}
    # a node drawn twice is two attempts (different grades and dates)
    held = draw(st.lists(st.sampled_from(NODES[:4]), min_size=2, max_size=5))
    holdings = [{"node": n, "grade": draw(st.sampled_from(GRADES)), "earned": draw(dates).isoformat()} for n in held]
    return doc, holdings, draw(st.booleans())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_agrees_with_brute_force_oracle(scenario: tuple[dict[str, Any], list[dict[str, Any]], bool]) -> None:
    raw, holdings, include_pilot = scenario
    doc = parse_document(raw)
    request = EvaluationRequest.from_json({"holdings": holdings, "as_of": AS_OF.isoformat(), "include_pilot": include_pilot})
    result = evaluate(Engine(doc), request)
    expected, fired = oracle_evaluate(
        doc, [(h["node"], h["grade"], dt.date.fromisoformat(h["earned"])) for h in holdings], AS_OF, include_pilot
    )
    assert result.to_json()["granted"] == expected
    assert result.fired == fired
