"""One smoke test against a real `pathways serve` process on a free port, with the seed graph loaded."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import seed_files

from .conftest import THREE_MICRO_COURSES, TOKENS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """A running `pathways serve`: its base URL, and (once stopped) what it printed."""

    port: int
    base: str
    pid: int = 0
    output: str = ""
    returncode: int | None = None


@contextmanager
def pathways_serve(directory: Path, tokens_file: Path, workers: int = 1, *, files: Sequence[Path] | None = None,
                   settings: Mapping[str, str] | None = None) -> Iterator[Served]:
    """Load the seed graph (or ``files``) into a SQLite file in ``directory`` and run `pathways serve`
    on it, with ``settings`` added to its environment, until exit. ``Served.pid`` is the serving process."""
    env = os.environ | {"PATHWAYS_STORE": f"sqlite:///{directory / 'serve.db'}", "PATHWAYS_TOKENS_FILE": str(tokens_file)}
    env |= settings or {}
    cli = [sys.executable, "-c", "from pathways.cli import main; raise SystemExit(main())"]
    graph = seed_files() if files is None else files
    loaded = subprocess.run([*cli, "load", *map(str, graph)], env=env, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    port = _free_port()
    proc = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    served = Served(port, f"http://127.0.0.1:{port}", pid=proc.pid)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{served.base}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "pathways serve did not start"
                time.sleep(0.2)
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            served.output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            served.output, _ = proc.communicate()
        served.returncode = proc.returncode


def test_pathways_serve_answers_rest_and_graphql(tmp_path: Path, tokens_file: Path) -> None:
    with pathways_serve(tmp_path, tokens_file) as served:
        base = served.base
        health = httpx.get(f"{base}/health", timeout=2)
        assert health.json()["status"] == "ok" and health.json()["nodes"] > 0
        result = httpx.post(f"{base}/evaluate", json={"holdings": THREE_MICRO_COURSES, "as_of": "2026-01-15"}, timeout=10).json()
        assert "UFV:GD157" in [g["node"] for g in result["granted"]]
        gql = httpx.post(f"{base}/graphql", json={"query": '{ node(id: "UFV:GD157") { title } }'}, timeout=10).json()
        assert gql["data"]["node"]["title"]
        denied = httpx.put(f"{base}/nodes/UFV:X", json={"kind": "course", "institution": "UFV", "title": "x"}, timeout=10)
        assert denied.status_code == 401
        written = httpx.put(f"{base}/nodes/UFV:X", json={"kind": "course", "institution": "UFV", "title": "x"},
                            headers={"Authorization": f"Bearer {TOKENS['registrar:UFV']}"}, timeout=10)
        assert written.status_code == 201
    port = served.port
    for line in (f"REST API          http://127.0.0.1:{port}/", f"GraphQL explorer  http://127.0.0.1:{port}/graphql",
                 f"OpenAPI docs      http://127.0.0.1:{port}/docs"):
        assert line in served.output


def test_two_workers_answer_on_kept_alive_connections(tmp_path: Path, tokens_file: Path) -> None:
    with pathways_serve(tmp_path, tokens_file, workers=2) as served, httpx.Client(base_url=served.base, timeout=10) as client:
        answers = [client.post("/evaluate", json={"holdings": THREE_MICRO_COURSES, "as_of": "2026-01-15"}) for _ in range(5)]
        assert all("UFV:GD157" in [g["node"] for g in a.json()["granted"]] for a in answers)
    assert served.returncode == 0  # the supervisor stopped its workers and exited cleanly on Ctrl-C


def test_two_workers_answer_a_kept_alive_client_without_a_delayed_ack(tmp_path: Path, tokens_file: Path) -> None:
    """With Nagle's algorithm on an accepted connection, each small answer waits ~40 ms for the client's delayed ACK."""
    with pathways_serve(tmp_path, tokens_file, workers=2) as served, httpx.Client(base_url=served.base, timeout=10) as client:
        client.get("/health")
        took = []
        for _ in range(40):
            start = time.perf_counter()
            assert client.get("/health").status_code == 200
            took.append(time.perf_counter() - start)
    took.sort()
    assert took[len(took) // 2] < 0.02, f"median {took[len(took) // 2] * 1000:.1f} ms per kept-alive request"


def _count(metrics: str, route: str) -> float:
    line = f'pathways_requests_total{{method="GET",route="{route}",status="200"}} '
    return sum(float(row.removeprefix(line)) for row in metrics.splitlines() if row.startswith(line))


def test_metrics_add_up_every_worker_whichever_answers(tmp_path: Path, tokens_file: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with pathways_serve(tmp_path, tokens_file, workers=2, settings={"TMPDIR": str(temp)}) as served:
        assert [p.name for p in temp.iterdir()][0].startswith("pathways-metrics-")
        before = _count(httpx.get(f"{served.base}/metrics", timeout=10).text, "/health")
        for _ in range(30):  # a new connection each: the kernel spreads them over the two workers
            assert httpx.get(f"{served.base}/health", timeout=10).status_code == 200
        scrapes = [httpx.get(f"{served.base}/metrics", timeout=10).text for _ in range(8)]
        assert [_count(s, "/health") - before for s in scrapes] == [30.0] * 8
        assert all('pathways_request_duration_seconds_count{method="GET",route="/health"}' in s for s in scrapes)
    assert served.returncode == 0
    assert list(temp.iterdir()) == []  # the metrics directory is removed with the server
