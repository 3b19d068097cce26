"""The benchmark generator: deterministic, valid pathways/1, and shaped like the published figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from benchmarks.synthetic import AS_OF, generate, transcripts
from pathways.model import (
    All,
    AtLeast,
    CompetencyLeaf,
    CreditsOf,
    CreditsWhere,
    Document,
    KnownIds,
    NodeLeaf,
    parse_document,
    reference_problems,
    walk,
)


@pytest.fixture(scope="module")
def cuny() -> Document:
    return generate(0.01, seed=3, shape="cuny")


@pytest.fixture(scope="module")
def bc() -> Document:
    return generate(0.02, seed=3, shape="bc")


def _one_to_one(doc: Document) -> float:
    return sum(isinstance(r.requires, NodeLeaf) and len(r.grants) == 1 for r in doc.rules) / len(doc.rules)


@pytest.mark.parametrize("shape", ["cuny", "bc"])
def test_same_seed_same_graph_other_seed_other_graph(shape: str) -> None:
    scale = 0.002 if shape == "cuny" else 0.005
    first = generate(scale, seed=7, shape=shape)  # type: ignore[arg-type]
    assert generate(scale, seed=7, shape=shape).to_json() == first.to_json()  # type: ignore[arg-type]
    assert generate(scale, seed=8, shape=shape).to_json() != first.to_json()  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["cuny", "bc"])
def test_generated_graph_is_a_valid_document_with_every_reference_resolved(name: str, request: pytest.FixtureRequest) -> None:
    doc: Document = request.getfixturevalue(name)
    data = doc.to_json()
    reparsed = parse_document(data)
    assert reference_problems(reparsed, KnownIds()) == []
    assert reparsed.to_json() == data
    for kind in ("institutions", "nodes", "rules"):
        ids = [e["id"] for e in data[kind]]
        assert len(ids) == len(set(ids)), f"duplicate {kind} ids"


def test_cuny_shape_has_the_published_proportions(cuny: Document) -> None:
    rules = cuny.rules
    assert len(cuny.institutions) == 21
    assert 0.9 * 14_858 <= len(rules) <= 1.1 * 14_858  # 1,485,770 at scale 1.0
    assert {r.kind for r in rules} == {"transfer"}
    assert 0.993 <= _one_to_one(cuny) <= 0.997
    blanket = {n.id for n in cuny.nodes if n.details.get("unassigned")}
    share = sum(all(g.node in blanket for g in r.grants) for r in rules) / len(rules)
    assert 0.89 <= share <= 0.93
    graded = sum(any(isinstance(x, NodeLeaf) and x.min_grade for x in walk(r.requires)) for r in rules) / len(rules)
    assert 0.3 <= graded <= 0.5
    competing = [r for r in rules if r.id.endswith("/2")]
    assert 0.004 * len(rules) <= len(competing) <= 0.01 * len(rules)
    assert all(r.valid_from is not None for r in rules)
    per_college = Counter(n.institution for n in cuny.nodes if n.kind == "course" and not n.details.get("unassigned"))
    assert min(per_college.values()) >= 30 and len(per_college) == 21


def test_bc_shape_has_every_credit_type_and_requirement_shape(bc: Document) -> None:
    assert len(bc.institutions) == 37
    by_kind = Counter(r.kind for r in bc.rules)
    assert set(by_kind) == {"transfer", "stack", "ladder", "plar", "admission"}
    blocks = [r for r in bc.rules if r.note == "block transfer"]
    course_agreements = by_kind["transfer"] - len(blocks)
    assert 0.9 * 4_780 <= course_agreements <= 1.1 * 4_780  # 239,000 at scale 1.0
    assert len(blocks) == 28 and by_kind["admission"] == 1  # 1,400 and 50 at scale 1.0
    assert all(g.credits in (30, 60) for r in blocks for g in r.grants)
    block_ids = {r.id for r in blocks}
    transfers = [r for r in bc.rules if r.kind == "transfer" and r.id not in block_ids]
    assert all(r.valid_from is not None for r in transfers)
    assert any(r.valid_to is not None for r in transfers)
    unassigned = {n.id for n in bc.nodes if n.details.get("unassigned")}
    kinds = Counter("cluster" if isinstance(r.requires, All) else "unassigned" if r.grants[0].node in unassigned else "assigned"
                    for r in transfers)  # fmt: skip
    assert 0.45 <= kinds["assigned"] / len(transfers) <= 0.65
    assert 0.25 <= kinds["unassigned"] / len(transfers) <= 0.45
    assert 0.05 <= kinds["cluster"] / len(transfers) <= 0.15
    shapes = {type(x) for r in bc.rules for x in walk(r.requires)}
    assert {All, AtLeast, CreditsOf, CreditsWhere, CompetencyLeaf, NodeLeaf} <= shapes
    node_kinds = Counter(n.kind for n in bc.nodes)
    assert {"course", "micro_credential", "credential", "competency", "admission"} == set(node_kinds)
    assert any(n.limits is not None for n in bc.nodes if n.kind == "credential")
    assert any(n.prerequisites is not None for n in bc.nodes)
    micro = [n for n in bc.nodes if n.details.get("format") == "micro-course"]
    assert micro and all(n.hours is not None and n.cost is not None for n in micro)
    assert all(n.hours is not None and n.hours < 288 for n in bc.nodes if n.kind == "micro_credential" and n.hours is not None)
    assert {r.status for r in bc.rules} >= {"approved", "pilot"}


def test_cuny_scale_multiplies_rules_not_colleges() -> None:
    small, larger = generate(0.002, shape="cuny"), generate(0.006, shape="cuny")
    assert len(small.institutions) == len(larger.institutions) == 21
    assert 2.5 <= len(larger.rules) / len(small.rules) <= 3.5


@pytest.mark.parametrize("bad", [{"scale": 0}, {"scale": -1}, {"scale": 0.01, "shape": "mit"}])
def test_bad_arguments_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        generate(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["cuny", "bc"])
def test_transcripts_hold_named_courses_dated_inside_a_window(name: str, request: pytest.FixtureRequest) -> None:
    doc: Document = request.getfixturevalue(name)
    requests = transcripts(doc, 10, 25, seed=2)
    assert transcripts(doc, 10, 25, seed=2) == requests
    assert len(requests) == 25 and all(len(r.holdings) == 10 for r in requests)
    nodes = {n.id: n for n in doc.nodes}
    windows: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for rule in doc.rules:
        for x in walk(rule.requires):
            if isinstance(x, NodeLeaf):
                windows.setdefault(x.node, []).append((rule.valid_from or dt.date.min, rule.valid_to or dt.date.max))
    for req in requests:
        assert req.as_of == AS_OF
        assert len({nodes[h.node].institution for h in req.holdings}) <= 2
        for h in req.holdings:
            assert h.earned is not None and h.earned <= AS_OF
            assert any(a <= h.earned <= b for a, b in windows[h.node]), h
        dates = sorted(h.earned for h in req.holdings if h.earned)
        assert (dates[-1] - dates[0]).days <= 5 * 365 + 1
    grades = Counter(h.grade for r in requests for h in r.holdings)
    assert grades["F"] < grades["A"] and len(grades) >= 8


@pytest.mark.parametrize(
    "module", ["benchmarks.machine", "benchmarks.catalogue", "benchmarks.cuny_shape", "benchmarks.bc_shape",
               "benchmarks.micro_stacks", "benchmarks.synthetic", "benchmarks.bench_evaluate", "benchmarks.answer_digest"],
)  # fmt: skip
def test_benchmark_module_examples_run(module: str) -> None:
    """The examples in the benchmarks' docstrings (pytest collects doctests under src/ only)."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_bench_evaluate_measures_every_phase_through_a_sqlite_store() -> None:
    from benchmarks.bench_evaluate import run, table

    figures = run(shape="cuny", scale=0.002, evaluations=20, store="sqlite", timeout_s=30)
    by_metric = {f["metric"]: f["value"] for f in figures}
    for metric in ("import into SQLite", "export (snapshot)", "engine index", "evaluate p50, 40 holdings", "peak RSS (serving process)"):
        assert by_metric[metric] > 0, metric
    assert by_metric["rules"] > 1000
    assert by_metric["evaluations measured, 10 holdings"] == by_metric["evaluations measured, 40 holdings"] == 20
    assert by_metric["evaluate p50, 40 holdings"] <= by_metric["evaluate p99, 40 holdings"] <= by_metric["evaluate max, 40 holdings"]
    assert by_metric["grants per evaluation, 40 holdings"] >= by_metric["grants per evaluation, 10 holdings"] > 0
    assert "| evaluate | cuny | 0.002 | rules |" in table(figures)


def test_bench_evaluate_abandons_an_evaluation_past_the_timeout_and_counts_it() -> None:
    from benchmarks.bench_evaluate import run

    figures = run(shape="cuny", scale=0.002, evaluations=10, store="none", timeout_s=1e-6, budget_s=5)
    by_metric = {f["metric"]: f["value"] for f in figures}
    assert by_metric["evaluations over 1e-06 s (abandoned, warm-up included), 40 holdings"] == 11
    assert by_metric["evaluations measured, 40 holdings"] == 10 and "grants per evaluation, 40 holdings" not in by_metric
