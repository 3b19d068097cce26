"""Benchmark: plan latency for targets one, two and three rule-hops away from a learner's holdings.

On a synthetic graph (:mod:`benchmarks.synthetic`, BC shape by default) the engine is built
once; then, for each of ``learners`` transcripts of 10 holdings, a target is drawn at each
distance: a node not held that a rule touching the holdings grants (one hop), that a rule
touching such a node grants (two hops), and so on (node and competency leaves, as ``reach``
follows them). ``plan`` (objective hours, one plan) is timed on each; the figures are the
latency percentiles per distance, the planner's own share (the time outside ``evaluate``,
which verification calls), the share of feasible targets, the share the planner could not
prove within its time limit (``PlanUnproven``, timed up to the limit) and the mean plan size.

``python -m benchmarks.bench_plan --shape bc --scale 1.0`` prints the figures and the machine
(``--alternatives K`` asks for the K best plans);
``--questions FILE`` also writes one JSON line per question (how it was answered, the
programs' sizes and solves: where the tail comes from).
The target (BC scale 1.0, this project's 2-core reference machine) is in :data:`TARGETS`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pathways.engine import Engine, evaluate, plan
from pathways.errors import PlanUnproven
from pathways.model import EvaluationRequest, PlanRequest

from .bench_evaluate import Figure, percentile
from .machine import describe, machine_line
from .synthetic import Shape, generate, transcripts

__all__ = ["TARGETS", "main", "run", "targets_at"]

TARGETS: dict[str, tuple[float, str]] = {"plan p50, 3 hops": (200.0, "ms")}
"""Upper bounds at BC scale 1.0 on the reference machine."""

HOPS = (1, 2, 3)


@contextmanager
def _timed_evaluations(spent: list[float]) -> Iterator[None]:
    """Add the time the planner spends inside ``evaluate`` to ``spent``: the rest is the planner's own."""
    module = sys.modules["pathways.engine.plan"]
    original = module.evaluate  # type: ignore[attr-defined]

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - t) * 1000)

    module.evaluate = timed  # type: ignore[attr-defined]
    try:
        yield
    finally:
        module.evaluate = original  # type: ignore[attr-defined]


@contextmanager
def _recorded_programs(programs: list[Any]) -> Iterator[None]:
    """Append every program the planner builds to ``programs`` (their sizes and solves)."""
    module = sys.modules["pathways.engine.plan"]
    original = module.PlanModel  # type: ignore[attr-defined]

    class Recorded(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            programs.append(self)

    module.PlanModel = Recorded  # type: ignore[attr-defined]
    try:
        yield
    finally:
        module.PlanModel = original  # type: ignore[attr-defined]


def targets_at(engine: Engine, request: EvaluationRequest, hops: int) -> list[str]:
    """Nodes not held that are exactly ``hops`` rule steps from the holdings, sorted."""
    held = set(evaluate(engine, request, report=False).held)
    seen = set(held)
    frontier = held
    for _ in range(hops):
        nxt = set()
        for n in frontier:
            for rule_id in engine.rules_touching(n, pools=False):
                rule = engine.compiled[rule_id]
                if rule.status == "approved":
                    nxt.update(g for g, _ in rule.grants if g not in seen)
        seen |= nxt
        frontier = nxt
    return sorted(frontier)


def run(*, shape: Shape = "bc", scale: float = 1.0, seed: int = 0, learners: int = 60, holdings: int = 10,
        alternatives: int = 1, questions: list[dict[str, Any]] | None = None) -> list[Figure]:  # fmt: skip
    """Build the engine, then time ``plan`` (``alternatives`` best plans) toward targets at each distance; return the figures.

    ``questions``, when given, receives one record per question: distance, learner, target,
    milliseconds, outcome (``bound``: proven without a solver; ``program``; ``infeasible``;
    ``unproven``), and for the programs built: their number, the last one's atoms and rules, and
    the solves.
    """
    figures: list[Figure] = []

    def fig(metric: str, value: float, unit: str) -> None:
        target = TARGETS.get(metric, (None, unit))[0] if shape == "bc" else None
        figures.append({"benchmark": "plan", "shape": shape, "scale": scale, "metric": metric, "value": value, "unit": unit,
                        "target": target})  # fmt: skip

    doc = generate(scale, seed=seed, shape=shape)
    engine = Engine(doc)
    rng = random.Random(f"plan/{seed}")
    requests = transcripts(doc, holdings, learners, seed=seed)
    plan(engine, PlanRequest(**requests[0].model_dump(), target=doc.nodes[0].id))  # warm-up: the planner's index
    for hops in HOPS:
        samples: list[float] = []
        own: list[float] = []
        feasible = 0
        unproven = 0
        sizes: list[int] = []
        for learner, req in enumerate(requests):
            found = targets_at(engine, req, hops)
            if not found:
                continue
            target = rng.choice(found)
            question = PlanRequest(**req.model_dump(), target=target, alternatives=alternatives)
            spent: list[float] = []
            programs: list[Any] = []
            with _timed_evaluations(spent), _recorded_programs(programs):
                t = time.perf_counter()
                try:
                    result = plan(engine, question)
                except PlanUnproven:
                    result = None
                    unproven += 1
                samples.append((time.perf_counter() - t) * 1000)
            if questions is not None:
                outcome = "unproven" if result is None else "infeasible" if not result.feasible else "program" if programs else "bound"
                questions.append({"hops": hops, "learner": learner, "target": target, "ms": round(samples[-1]), "outcome": outcome,
                                  "plans": 0 if result is None else len(result.plans),
                                  "programs": len(programs), "size": programs[-1].size if programs else None,
                                  "solves": sum(p.solves for p in programs)})  # fmt: skip
            own.append(samples[-1] - sum(spent))
            if result is not None and result.feasible:
                feasible += 1
                sizes.append(len(result.plans[0].items))
        if not samples:
            continue
        fig(f"plan p50, {hops} hop{'s' if hops > 1 else ''}", percentile(samples, 50), "ms")
        fig(f"plan p90, {hops} hop{'s' if hops > 1 else ''}", percentile(samples, 90), "ms")
        fig(f"plan max, {hops} hop{'s' if hops > 1 else ''}", max(samples), "ms")
        fig(f"planner's own p50, {hops} hop{'s' if hops > 1 else ''}", percentile(own, 50), "ms")
        fig(f"targets planned, {hops} hop{'s' if hops > 1 else ''}", len(samples), "")
        fig(f"feasible share, {hops} hop{'s' if hops > 1 else ''}", feasible / len(samples), "")
        fig(f"unproven share, {hops} hop{'s' if hops > 1 else ''}", unproven / len(samples), "")
        fig(f"mean plan items, {hops} hop{'s' if hops > 1 else ''}", statistics.fmean(sizes) if sizes else 0.0, "")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_plan", description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("bc", "cuny"), default="bc")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learners", type=int, default=60, help="transcripts, one target per distance each (default: 60)")
    parser.add_argument("--holdings", type=int, default=10, help="holdings per transcript (default: 10)")
    parser.add_argument("--alternatives", type=int, default=1, help="plans asked for per question (default: 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--questions", metavar="FILE", help="write one JSON line per question to FILE (outcome, programs, solves)")
    args = parser.parse_args(argv)
    questions: list[dict[str, Any]] | None = [] if args.questions else None
    figures = run(shape=args.shape, scale=args.scale, seed=args.seed, learners=args.learners, holdings=args.holdings,
                  alternatives=args.alternatives, questions=questions)  # fmt: skip
    if questions is not None:
        with open(args.questions, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(q) + "\n" for q in questions)
    if args.json:
        print(json.dumps({"machine": describe(), "figures": figures}, indent=2))
        return 0
    print(machine_line())
    for f in figures:
        value = f"{f['value']:.{2 if not f['unit'] else 1}f}" if isinstance(f["value"], float) else str(f["value"])
        target = f"  (target <= {f['target']:g} {f['unit']})" if f["target"] is not None else ""
        print(f"{f['metric']:<28} {value:>10} {f['unit']}{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
