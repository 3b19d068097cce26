"""Benchmark: POST /evaluate over HTTP on loopback, one and two ``pathways serve`` workers.

1. generate the BC-shaped synthetic graph (:func:`benchmarks.synthetic.generate`) and import
   it into a fresh SQLite store file;
2. draw transcripts of 10 holdings (:func:`benchmarks.synthetic.transcripts`) and write them
   into a wrk Lua script that cycles through them;
3. for each worker count and each answer, start ``pathways serve --workers N --no-access-log``
   on a free port, wait for ``/health`` (a worker answers once its engine is built, at startup),
   warm up, then run ``wrk --latency`` against ``POST /evaluate`` and read requests/s and
   p50/p99 latency. The answers: ``shaped``, the default answer (progress ranked and cut to
   20 entries, node titles beside ids), and ``full`` (``"progress_limit": null``: every
   progress entry, as SPEC section 4's answer had them).

Needs ``wrk`` (Debian: ``apt-get install -y wrk``). The load generator shares the machine
with the server, as a loopback benchmark must; ``--threads`` keeps it small.

``--repeat N`` measures N windows after one warm-up and prints their median too: the shared
reference machine's speed moves by a quarter from one window to the next, so one window
decides nothing. ``python -m benchmarks.bench_http --scale 1.0`` prints the figures and the machine. The
targets (two workers, 10-holding transcripts, this project's 2-core machine) are in :data:`TARGETS`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from pathways.store import open_store

from .machine import describe, machine_line, spent, worker_cpu_s
from .synthetic import Shape, add_transcript_arguments, generate, transcripts

__all__ = ["TARGETS", "lua_script", "main", "parse_wrk", "run"]

TARGETS: dict[str, tuple[str, float]] = {
    "requests/s, 2 workers": (">=", 300.0),
    "p99 ms, 2 workers": ("<=", 50.0),
}
"""On the shaped (default) answer."""

ANSWERS: dict[str, dict[str, Any]] = {"shaped": {}, "full": {"progress_limit": None}}
"""What each answer adds to a transcript's body."""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def lua_script(bodies: Sequence[str]) -> str:
    """A wrk script that POSTs the ``bodies`` to /evaluate in turn.

    >>> "wrk.format" in lua_script(['{"holdings": []}'])
    True
    """
    items = ",\n".join(f"[==[{b}]==]" for b in bodies)
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"local bodies = {{\n{items}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        '  return wrk.format(nil, "/evaluate", nil, bodies[i])\n'
        "end\n"
    )


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p50/p90/p99 latency in ms, and error counts from ``wrk --latency`` output.

    >>> parse_wrk("  Latency Distribution\\n     50%  1.50ms\\n     90%  3.00ms\\n     99%  10.00ms\\n"
    ...           "  1000 requests in 2.00s, 1.00MB read\\nRequests/sec:    500.00\\n")
    {'requests_per_s': 500.0, 'requests': 1000.0, 'p50_ms': 1.5, 'p90_ms': 3.0, 'p99_ms': 10.0, 'errors': 0.0}
    """
    out: dict[str, float] = {}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    out["requests_per_s"] = float(rps.group(1)) if rps else 0.0
    out["requests"] = float(total.group(1)) if total else 0.0
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        out[f"p{pct}_ms"] = round(float(m.group(1)) * _UNITS[m.group(2)], 3) if m else float("nan")
    errors = 0.0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?timeout (\d+)"):
        m = re.search(pattern, output)
        errors += float(m.group(1)) if m else 0.0
    out["errors"] = errors
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(db: str, workers: int) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    env = os.environ | {"PATHWAYS_STORE": f"sqlite:///{db}"}
    env.pop("PATHWAYS_TOKENS_FILE", None)
    cmd = [sys.executable, "-c", "from pathways.cli import main; raise SystemExit(main())",
           "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    # its own session, so that stopping it also stops uvicorn's worker processes; its messages go to a
    # file (a pipe nobody reads fills up and then blocks the server at its next message)
    errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        try:
            httpx.get(f"{base}/health", timeout=5)
            return proc, base
        except httpx.TransportError:
            if proc.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"pathways serve exited: {errors.read()[-2000:]}") from None
            if time.monotonic() > deadline:
                raise RuntimeError("pathways serve did not start in 600 s") from None
            time.sleep(0.5)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Stop a server started by :func:`_serve` and its workers: SIGINT, then SIGKILL to its process group."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _wrk(base: str, script: Path, *, threads: int, connections: int, duration: int) -> str:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", "-s", str(script), base]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def run(*, shape: Shape = "bc", scale: float = 1.0, seed: int = 0, holdings: int = 10, workers: Sequence[int] = (1, 2),
        connections: int = 8, threads: int = 1, duration: int = 20, warmup: int = 10,
        answers: Sequence[str] = ("shaped", "full"), repeat: int = 1) -> list[dict[str, Any]]:
    """Measure each worker count and answer, ``repeat`` windows of ``duration`` seconds after one
    warm-up; returns one record per window with the wrk figures."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench_http needs wrk: apt-get install -y wrk")
    results = []
    with tempfile.TemporaryDirectory(prefix="pathways-bench-http-") as tmp:
        db = str(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        doc = generate(scale, seed=seed, shape=shape)
        store = open_store(f"sqlite:///{db}")
        store.import_document(doc, actor="benchmark", action="load")
        store.close()
        bodies = [r.model_dump(mode="json", exclude_none=True) for r in transcripts(doc, holdings, 500, seed=seed)]
        graph = {"nodes": len(doc.nodes), "rules": len(doc.rules), "prepare_s": round(time.perf_counter() - t0, 1)}
        del doc
        scripts = {}
        for answer in answers:
            scripts[answer] = Path(tmp) / f"evaluate-{answer}.lua"
            scripts[answer].write_text(lua_script([json.dumps(b | ANSWERS[answer]) for b in bodies]), encoding="utf-8")
        for n in workers:
            proc, base = _serve(db, n)
            try:
                for answer in answers:
                    t1 = time.perf_counter()
                    _wrk(base, scripts[answer], threads=threads, connections=max(connections, 2 * n), duration=warmup)
                    ready_s = time.perf_counter() - t1
                    for window in range(1, repeat + 1):
                        before = worker_cpu_s(proc.pid)
                        figures = parse_wrk(_wrk(base, scripts[answer], threads=threads, connections=connections, duration=duration))
                        results.append({"workers": n, "answer": answer, "window": window, "connections": connections,
                                        "duration_s": duration, "holdings": holdings, "shape": shape, "scale": scale,
                                        "warmup_s": round(ready_s, 1), **graph, **figures,
                                        "worker_cpu_s": spent(before, worker_cpu_s(proc.pid))})
            finally:
                _stop(proc)
    return results


def medians(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per worker count and answer, the median of its windows' requests/s and latencies (the
    machine's speed moves between windows: the median is the figure to quote).

    >>> medians([{"workers": 2, "answer": "shaped", "requests_per_s": r, "p50_ms": 1.0, "p90_ms": 2.0, "p99_ms": p}
    ...          for r, p in ((300.0, 40.0), (200.0, 60.0), (250.0, 50.0))])
    [{'workers': 2, 'answer': 'shaped', 'windows': 3, 'requests_per_s': 250.0, 'p50_ms': 1.0, 'p90_ms': 2.0, 'p99_ms': 50.0}]
    """
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["workers"], r["answer"]), []).append(r)
    return [{"workers": n, "answer": answer, "windows": len(rs),
             **{k: statistics.median(r[k] for r in rs) for k in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms")}}
            for (n, answer), rs in groups.items()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_http", description=__doc__.split("\n\n")[0])
    add_transcript_arguments(parser)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--duration", type=int, default=20, help="seconds of measured load per worker count")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of unmeasured load first")
    parser.add_argument("--answers", nargs="+", choices=tuple(ANSWERS), default=list(ANSWERS),
                        help="answers to measure: shaped (the default answer) and full (every progress entry)")
    parser.add_argument("--repeat", type=int, default=1, help="measured windows per worker count and answer (the median is kept)")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    args = parser.parse_args(argv)
    results = run(shape=args.shape, scale=args.scale, seed=args.seed, holdings=args.holdings, workers=args.workers, connections=args.connections,
                  threads=args.threads, duration=args.duration, warmup=args.warmup, answers=args.answers, repeat=args.repeat)
    summary = medians(results)
    if args.json:
        print(json.dumps({"machine": describe(), "results": results, "medians": summary}, indent=2))
        return 0
    first = results[0]
    print(f"POST /evaluate, {first['shape']} shape scale {first['scale']} ({first['nodes']} nodes, {first['rules']} rules), "
          f"{first['holdings']}-holding transcripts, wrk -t{args.threads} -c{args.connections} -d{args.duration}s on loopback")
    print(f"{'workers':>7} {'answer':>7} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}  CPU s per worker")
    for r in results:
        print(f"{r['workers']:>7} {r['answer']:>7} {r['requests_per_s']:>9.1f} {r['p50_ms']:>8.2f} {r['p90_ms']:>8.2f} {r['p99_ms']:>8.2f}"
              f" {int(r['errors']):>7}  {' / '.join(f'{c:.1f}' for c in r['worker_cpu_s'])}")
    if args.repeat > 1:
        for m in summary:
            print(f"{m['workers']:>7} {m['answer']:>7} {m['requests_per_s']:>9.1f} {m['p50_ms']:>8.2f} {m['p90_ms']:>8.2f} {m['p99_ms']:>8.2f}"
                  f"  median of {m['windows']} windows")
    two = [m for m in summary if m["workers"] == 2 and m["answer"] == "shaped"]
    if two:
        ok = two[0]["requests_per_s"] >= TARGETS["requests/s, 2 workers"][1] and two[0]["p99_ms"] <= TARGETS["p99 ms, 2 workers"][1]
        print(f"target (shaped answer, 2 workers: >= 300 req/s, p99 <= 50 ms; the median): {'met' if ok else 'NOT met'}")
    print(f"machine: {machine_line(describe())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
