"""Several API replicas on one graph: a write through one is seen by the next evaluation on another.

Two real ``pathways serve`` processes share one database on the Bolt server (ArcadeDB), as
the replicas of ``docker-compose.yml`` share one Neo4j. Each refreshes its in-memory engine
when ``store.version()`` moves; SPEC and the issue ask that a write through one replica is
seen by another within one second.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pathways.model import parse_document
from pathways.store.neo4j import Neo4jStore
from tests.service.conftest import GRAPH, THREE_MICRO_COURSES, bearer, tokens_json
from tests.store.arcadedb import fresh_database_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(store_url: str, tokens: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PATHWAYS_STORE": store_url, "PATHWAYS_TOKENS_FILE": str(tokens)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from pathways.cli import main; raise SystemExit(main())", "serve", "--port", str(port), "--no-access-log"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"replica exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"replica not healthy within {timeout} s: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture
def replicas(bolt_server: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two ``pathways serve`` processes on one freshly loaded graph; their base URLs."""
    url = fresh_database_url(bolt_server)
    store = Neo4jStore.open(url)
    store.import_document(parse_document(GRAPH), actor="fixture", action="load")
    store.close()
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(tokens_json()), encoding="utf-8")
    started = [_serve(url, tokens, tmp_path / f"replica{i}.log") for i in range(2)]
    try:
        for i, (process, base) in enumerate(started):
            _wait_healthy(base, process, tmp_path / f"replica{i}.log")
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _granted(base: str) -> set[str]:
    response = httpx.post(f"{base}/evaluate", json={"holdings": THREE_MICRO_COURSES, "as_of": "2026-01-01"}, timeout=10.0)
    assert response.status_code == 200, response.text
    return {g["node"] for g in response.json()["granted"]}


def test_a_write_through_one_replica_is_seen_by_another_within_a_second(replicas: list[str]) -> None:
    a, b = replicas
    for base in replicas:
        health = httpx.get(f"{base}/health", timeout=5.0).json()
        assert health == {"status": "ok", "store": "neo4j", "nodes": 7, "rules": 3}
    assert _granted(b) == {"UFV:GD157"}  # b has built its engine (P grades do not meet the transfer's C)

    # the agreement ends before the courses were taken (retiring keeps earlier learning)
    retired = httpx.delete(f"{a}/rules/UFV-GD157-PLAR", params={"date": "2025-01-31"}, headers=bearer("admin"), timeout=10.0)
    assert retired.status_code == 200, retired.text
    written = time.monotonic()
    seen_after = None
    while time.monotonic() - written < 5.0:
        if _granted(b) == set():
            seen_after = time.monotonic() - written
            break
    assert seen_after is not None and seen_after < 1.0, f"replica b saw the write after {seen_after} s"
    assert httpx.get(f"{b}/rules/UFV-GD157-PLAR", timeout=5.0).json()["valid_to"] == "2025-01-31"
