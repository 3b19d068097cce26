"""The ``progress`` report (engine/evaluate.py ``_report``) against progress computed plainly.

The report takes two shortcuts: a rule made of credit pools gets only one candidate per set of
holdings it cannot tell apart (so does a match without limits) (:meth:`Run.stand_ins`: a course's copies at several
institutions), and rules with the same requirement and dates share one answer. Random graphs
with copies (transfer rules, with windows), pool rules of every shape (some repeated under
other ids, some dated) check both against ``best_progress`` over every candidate, rule by rule,
and against the brute-force oracle where the candidates are few.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.engine import Engine, evaluate
from pathways.engine.candidates import interchangeable_pruned
from pathways.engine.index import POOL
from pathways.engine.matching import best_assignment
from pathways.engine.progress import best_progress
from pathways.engine.rounds import Run
from pathways.model import EvaluationRequest, parse_document

from .oracle import oracle_progress

AS_OF = dt.date(2026, 6, 1)
BASE = ["U:A", "U:B", "U:C", "U:D"]
FILTERS = [{"subject": "S"}, {"subject": "S", "level_min": 2}, {"kind": "course"}, {"institution": "V"}, {"level_max": 2},
           {"subject": "T", "institution": "W"}]  # fmt: skip
dates = st.dates(dt.date(2020, 1, 1), AS_OF)


def _course(ident: str, credits: float, subject: str, level: int) -> dict[str, Any]:
    return {"id": ident, "kind": "course", "institution": ident.split(":")[0], "title": ident, "credits": credits,
            "subject": subject, "level": level}  # fmt: skip


@st.composite
def graphs(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    subjects, levels, credits = st.sampled_from(["S", "T"]), st.integers(1, 3), st.sampled_from([1, 1.5, 3, 4])
    nodes, rules = [], []
    for base in BASE:
        made = (draw(credits), draw(subjects), draw(levels))
        nodes.append(_course(base, *made))
        for inst in ("V", "W", "X"):  # copies: same lineage, other institution, mostly alike otherwise
            copy = f"{inst}:{base[2:]}"
            nodes.append(_course(copy, *(draw(st.sampled_from([was, was, was, other])) for was, other in zip(made, (4, "T", 3)))))
            lo = draw(st.one_of(st.none(), st.none(), dates))
            rules.append({"id": f"{base}>{inst}", "kind": "transfer", "granted_by": inst, "requires": {"node": base},
                          "grants": [{"node": copy, **({"credits": draw(credits)} if draw(st.booleans()) else {})}],
                          "valid_from": lo and lo.isoformat()})  # fmt: skip
    nodes.append({"id": "Y:CRED", "kind": "credential", "institution": "Y", "title": "Cred", "credits": 0})
    for r in range(draw(st.integers(1, 4))):
        pools = [{"credits": draw(st.sampled_from([2, 3, 4.5, 6, 9])), "where": draw(st.sampled_from(FILTERS))}
                 for _ in range(draw(st.integers(1, 3)))]  # fmt: skip
        if draw(st.integers(0, 3)) == 0:
            pools.append({"node": draw(st.sampled_from(BASE))})
        shape = draw(st.sampled_from(["all", "any", "at_least", "credits"]))
        req: dict[str, Any] = (
            {"at_least": draw(st.integers(1, len(pools))), "of": pools} if shape == "at_least"
            else {"credits": draw(st.sampled_from([3, 6, 12])), "of": pools} if shape == "credits"
            else {shape: pools}
        )  # fmt: skip
        for copy in range(draw(st.integers(1, 3))):  # the same requirement under other ids, some dated
            lo = draw(st.one_of(st.none(), dates))
            rules.append({"id": f"R{r}-{copy}", "kind": "stack", "granted_by": "Y", "requires": req,
                          "grants": [{"node": "Y:CRED"}], "valid_from": lo and lo.isoformat(),
                          "max_age_years": draw(st.one_of(st.none(), st.integers(1, 5)))})  # fmt: skip
    doc = {"format": "pathways/1", "institutions": [{"id": i, "name": i} for i in "UVWXY"], "nodes": nodes, "rules": rules}
    held = draw(st.lists(st.sampled_from(BASE), min_size=1, max_size=4, unique=True))
    return doc, [{"node": n, "earned": draw(dates).isoformat()} for n in held]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_report_matches_plain_progress(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    raw, holdings = case
    doc = parse_document(raw)
    engine = Engine(doc)
    result = evaluate(engine, EvaluationRequest.from_json({"holdings": holdings, "as_of": AS_OF.isoformat()}))
    reported = {p.rule: p for p in result.progress}
    run = Run(engine, AS_OF, False)
    for h in result.held.values():
        run.add(h)
    fired = result.fired
    for rule_id, rule in engine.compiled.items():
        if not rule_id.startswith("R") or rule_id in fired or "Y:CRED" in result.held:
            continue
        cands = run.candidates(rule)
        stand_ins = run.stand_ins(rule)
        if all(spec[0] == POOL for spec in rule.slots):
            assert set(stand_ins) <= set(cands)
        # the stand-ins lose nothing the pruning keeps, in the same order, and a match without
        # limits (dates lifted or not) is the same with them
        assert interchangeable_pruned(stand_ins) == interchangeable_pruned(cands)
        assert best_assignment(rule.tree, rule.slots, stand_ins) == best_assignment(rule.tree, rule.slots, cands)
        lifted = run.candidates(rule, window=False, age=False)
        assert best_assignment(rule.tree, rule.slots, run.stand_ins(rule, window=False, age=False)) == best_assignment(
            rule.tree, rule.slots, lifted
        )
        plain = best_progress(rule.tree, rule.slots, cands) if cands else None
        if plain is None or not 0.0 < plain.fraction < 1.0 - 1e-9:
            assert rule_id not in reported
            continue
        got = reported[rule_id]
        assert (got.fraction, got.uses, got.missing) == (plain.fraction, plain.uses, plain.missing)
        if len(cands) <= 7:
            fraction, expected = oracle_progress(engine.rules[rule_id].requires, cands)
            assert abs(got.fraction - fraction) < 1e-9
            assert got.uses == tuple(sorted(n for n, _ in expected))
