"""Benchmark: ``POST /impact``'s computation, the latency a registrar's save waits for.

On a synthetic graph (:mod:`benchmarks.synthetic`) the engine is built once, then
:func:`~pathways.engine.impact.impact` runs for a sample of rules in two ways a registrar
uses it: *ending* the rule on a date, and *upserting* it with its grants moved to another
node of the same institution. The first call also builds the engine's
:class:`~pathways.engine.impact.ImpactIndex` (kept per snapshot by the service); it is timed
apart, and the percentiles are over the calls after it.

Each call runs as ``POST /impact`` runs it: lists cut to ``PATHWAYS_IMPACT_MAX_LISTED``'s
default (1,000) beside exact totals, under the request time limit's default (30 s). A call
stopped by the deadline is timed as it stopped and counted in ``stopped at the deadline``.

``python -m benchmarks.bench_impact --shape bc --scale 1.0`` prints the figures and the machine.
The target is in :data:`TARGETS` (BC scale 1.0, the 2-core reference machine).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from typing import Any

from pathways.engine import Deadline, Engine
from pathways.engine.impact import ImpactIndex, impact, parse_change
from pathways.errors import DeadlineExceeded
from pathways.heap import gc_paused
from pathways.settings import Settings

from .bench_evaluate import Figure, percentile, report
from .machine import peak_rss_mib
from .synthetic import Shape, generate

__all__ = ["TARGETS", "main", "run"]

TARGETS: dict[str, tuple[float, str]] = {
    "impact p50, end a rule": (1000.0, "ms"),
    "impact p50, upsert a rule": (1000.0, "ms"),
}
"""Upper bounds at BC scale 1.0 on the reference machine (every registrar save runs one)."""


def run(*, shape: Shape = "bc", scale: float = 1.0, seed: int = 0, samples: int = 200) -> list[Figure]:
    """Build the engine, then time ``samples`` impacts of each kind on rules drawn at random."""
    figures: list[Figure] = []

    def fig(metric: str, value: float, unit: str) -> None:
        target = TARGETS.get(metric, (None, unit))[0] if shape == "bc" else None
        figures.append({"benchmark": "impact", "shape": shape, "scale": scale, "metric": metric, "value": value, "unit": unit,
                        "target": target})  # fmt: skip

    doc = generate(scale, seed=seed, shape=shape)
    with gc_paused():
        engine = Engine(doc)
    index = ImpactIndex(engine)
    rng = random.Random(f"impact/{seed}")
    rules = [r for r in doc.rules if r.status == "approved"]
    by_institution: dict[str | None, list[str]] = {}
    for node in doc.nodes:
        by_institution.setdefault(node.institution, []).append(node.id)
    t = time.perf_counter()
    impact(engine, parse_change(engine, {"end": rules[0].id, "date": "2026-12-01"}), index=index)
    fig("first impact (builds the index)", (time.perf_counter() - t) * 1000, "ms")
    sizes: list[int] = []
    service = Settings()
    for kind in ("end", "upsert"):
        spent: list[float] = []
        stopped = 0
        for rule in rng.sample(rules, min(samples, len(rules))):
            if kind == "end":
                body: dict[str, Any] = {"end": rule.id, "date": "2026-12-01"}
            else:
                target = rng.choice(by_institution[engine.nodes[rule.grants[0].node].institution])
                body = {"rule": rule.to_json() | {"grants": [{"node": target}]}, "date": "2026-12-01"}
            t = time.perf_counter()
            try:
                result = impact(engine, parse_change(engine, body), index=index, max_listed=service.impact_max_listed,
                                deadline=Deadline.after(service.request_time_limit))
                sizes.append(result.lost_pairs_total + result.gained_pairs_total)
            except DeadlineExceeded:
                stopped += 1
            spent.append((time.perf_counter() - t) * 1000)
        label = "end a rule" if kind == "end" else "upsert a rule"
        fig(f"stopped at the deadline, {label}", float(stopped), "")
        fig(f"impact p50, {label}", percentile(spent, 50), "ms")
        fig(f"impact p90, {label}", percentile(spent, 90), "ms")
        fig(f"impact max, {label}", max(spent), "ms")
    fig("rules", float(len(doc.rules)), "")
    fig("mean reach pairs changed (answered)", sum(sizes) / max(1, len(sizes)), "")
    fig("peak RSS", peak_rss_mib(), "MiB")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_impact", description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("bc", "cuny"), default="bc")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=200, help="rules timed per kind of change (default: 200)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report(run(shape=args.shape, scale=args.scale, seed=args.seed, samples=args.samples), as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
