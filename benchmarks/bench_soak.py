"""Benchmark: a soak of mixed traffic against ``pathways serve --workers 2`` on loopback.

1. generate the BC-shaped synthetic graph (:func:`benchmarks.synthetic.generate`) and import
   it into a fresh SQLite store file;
2. start ``pathways serve --workers N --no-access-log`` on a free loopback port (the defaults
   of every limit and deadline in force) and note the resident memory of its processes;
3. for ``--duration`` seconds, ``--clients`` threads send a mix of requests, each drawn at
   random: ``POST /evaluate`` of a 10-holding transcript (40%), ``GET
   /nodes/{id}/counts-toward`` at depth 3 of one of its holdings (25%), ``POST /plan`` toward a
   target one rule step from its holdings (15%), and a GraphQL ``countToward`` + ``reach``
   (20%);
   Each request opens its own connection (no keep-alive): the kernel's ``SO_REUSEPORT`` hash
   places connections on workers, and a few long-lived ones can all land on one worker;
4. report, per kind and overall: requests, errors (a transport error or a status of 500 or
   more; a 503 past a deadline counts), p50 and p99 latency; the servers' resident memory
   at the start and the end (the sum over the supervisor and its workers, from /proc); and the
   CPU seconds each worker used, which shows whether the load was spread over them.

``python -m benchmarks.bench_soak --duration 600`` (the default) prints the figures and the
machine. Bounded in time, loopback only; the load generator shares the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from pathways.engine import Engine
from pathways.model import Document
from pathways.store import open_store

from .bench_evaluate import percentile
from .bench_http import _serve, _stop
from .bench_plan import targets_at
from .machine import machine_line, spent, worker_cpu_s
from .synthetic import generate, transcripts

__all__ = ["MIX", "main", "server_rss_mib"]

MIX: tuple[tuple[str, float], ...] = (("evaluate", 0.40), ("reach", 0.25), ("plan", 0.15), ("graphql", 0.20))
"""The kinds of request and their shares of the traffic."""


def server_rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` and its children (the workers), in MiB, from /proc."""
    pids = [pid]
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            pids.append(int(status.parent.name))
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _requests(doc: Document, count: int, seed: int) -> dict[str, list[tuple[str, str, Any]]]:
    """Each kind's requests: (method, path, JSON body), from ``count`` transcripts of 10 holdings;
    plan targets are one rule step from a transcript's holdings (as in :mod:`benchmarks.bench_plan`)."""
    out: dict[str, list[tuple[str, str, Any]]] = defaultdict(list)
    engine = Engine(doc)
    rng = random.Random(seed)
    for request in transcripts(doc, 10, count, seed=seed):
        body = request.model_dump(mode="json", exclude_none=True)
        out["evaluate"].append(("POST", "/evaluate", body))
        node = body["holdings"][0]["node"]
        out["reach"].append(("GET", f"/nodes/{node}/counts-toward?depth=3", None))
        holdings = ", ".join(f'{{node: "{h["node"]}"}}' for h in body["holdings"])
        query = (f'{{ countToward(holdings: [{holdings}], asOf: "{body["as_of"]}") {{ granted {{ node }} }} '
                 f'reach(node: "{node}", depth: 2) {{ targets {{ node }} }} }}')
        out["graphql"].append(("POST", "/graphql", {"query": query}))
        targets = targets_at(engine, request, 1)
        if targets:
            out["plan"].append(("POST", "/plan", {**body, "target": rng.choice(targets)}))
    return out


def _client(base: str, requests: dict[str, list[tuple[str, str, Any]]], until: float, seed: int,
            samples: dict[str, list[float]], errors: dict[str, int], lock: threading.Lock) -> None:
    rng = random.Random(seed)
    kinds = [k for k, _ in MIX if requests[k]]
    weights = [w for k, w in MIX if requests[k]]
    with httpx.Client(base_url=base, timeout=120, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            method, path, body = rng.choice(requests[kind])
            started = time.perf_counter()
            try:
                failed = client.request(method, path, json=body).status_code >= 500
            except httpx.TransportError:
                failed = True
            took = (time.perf_counter() - started) * 1000
            with lock:
                samples[kind].append(took)
                errors[kind] += failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="BC graph scale (default 1.0, the published size)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of traffic (default 600: ten minutes)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="pathways serve worker processes (default 2)")
    parser.add_argument("--transcripts", type=int, default=100, help="distinct 10-holding transcripts drawn (default 100)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pathways-soak-") as tmp:
        db = str(Path(tmp) / "soak.db")
        doc = generate(args.scale, seed=args.seed, shape="bc")
        store = open_store(f"sqlite:///{db}")
        store.import_document(doc, actor="benchmark", action="load")
        store.close()
        requests = _requests(doc, args.transcripts, args.seed)
        rules = len(doc.rules)
        del doc
        proc, base = _serve(db, args.workers)
        try:
            rss_start = server_rss_mib(proc.pid)
            cpu_start = worker_cpu_s(proc.pid)
            samples: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, int] = defaultdict(int)
            lock = threading.Lock()
            until = time.monotonic() + args.duration
            threads = [threading.Thread(target=_client, args=(base, requests, until, args.seed + i, samples, errors, lock))
                       for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rss_end = server_rss_mib(proc.pid)
            cpu = spent(cpu_start, worker_cpu_s(proc.pid))
        finally:
            _stop(proc)
    rows = []
    everything = [s for k in samples for s in samples[k]]
    for kind in [*(k for k, _ in MIX), "all"]:
        values = everything if kind == "all" else samples[kind]
        if values:
            rows.append({"kind": kind, "requests": len(values), "errors": sum(errors.values()) if kind == "all" else errors[kind],
                         "p50_ms": round(percentile(values, 50), 1), "p99_ms": round(percentile(values, 99), 1)})
    summary = {"scale": args.scale, "rules": rules, "workers": args.workers, "clients": args.clients,
               "duration_s": args.duration, "rss_start_mib": round(rss_start), "rss_end_mib": round(rss_end), "worker_cpu_s": cpu, "rows": rows,
               "machine": machine_line()}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"BC {args.scale:g} ({rules:,} rules), pathways serve --workers {args.workers}, {args.clients} clients, "
          f"{args.duration:g} s")
    print(f"{'kind':10} {'requests':>9} {'errors':>7} {'p50 ms':>9} {'p99 ms':>9}")
    for row in rows:
        print(f"{row['kind']:10} {row['requests']:>9} {row['errors']:>7} {row['p50_ms']:>9} {row['p99_ms']:>9}")
    print(f"server RSS (supervisor + workers): {rss_start:,.0f} MiB at the start, {rss_end:,.0f} MiB at the end")
    print(f"CPU seconds per worker: {' / '.join(f'{c:.0f}' for c in cpu)}")
    print(machine_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
