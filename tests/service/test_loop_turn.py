"""A short answer's first turn on the event loop (``pathways.service.work.on_loop``): where each
engine computation ran, what a turn that runs out does, and when the loop is not used at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.from_thread
import pytest
from fastapi import Request

from pathways.engine import Deadline
from pathways.model import Document, Institution
from pathways.service import create_app
from pathways.service.engine_cache import Snapshot
from pathways.service.limits import Limits
from pathways.service.responses import FastJSONResponse
from pathways.service.work import LOOP_TURN, engine_answer
from pathways.settings import Settings
from pathways.store import Store, open_store

from .conftest import THREE_MICRO_COURSES, Client


class Probe:
    """An engine computation that records the thread of each attempt and checks its deadline
    every millisecond for ``seconds`` (per attempt)."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.threads: list[int] = []

    def __call__(self, snapshot: Snapshot, body: object, /, *, limits: Limits, deadline: Deadline) -> dict[str, Any]:
        self.threads.append(threading.get_ident())
        ends = time.monotonic() + self.seconds
        while time.monotonic() < ends:
            deadline.check("probe")
            time.sleep(0.001)
        return {"version": snapshot.version, "attempts": len(self.threads)}


@pytest.fixture
def probed(settings: Settings, service_store: Store) -> Iterator[tuple[Client, dict[str, Any]]]:
    """The real app with a ``POST /probe`` route answering a short :class:`Probe` (set in the
    returned dict's ``probe``) through ``engine_answer``; the dict's ``loop`` is the event loop's thread,
    its ``portal`` the portal that loop runs in."""
    app = create_app(settings, store=service_store)
    seen: dict[str, Any] = {"probe": Probe()}

    async def probe(request: Request) -> FastJSONResponse:
        seen["loop"] = threading.get_ident()
        return await engine_answer(request, seen["probe"], short=True)

    app.add_api_route("/probe", probe, methods=["POST"])
    with anyio.from_thread.start_blocking_portal() as portal:
        seen["portal"] = portal
        client = Client(app, portal)
        client.post("/evaluate", json={"holdings": THREE_MICRO_COURSES})  # builds the snapshot and its answer tables
        yield client, seen
        client.close()


def test_a_short_answer_is_computed_on_the_event_loop(probed: tuple[Client, dict[str, Any]]) -> None:
    client, seen = probed
    response = client.post("/probe", json={})
    assert response.status_code == 200, response.text
    assert response.json()["attempts"] == 1
    assert seen["probe"].threads == [seen["loop"]]


def test_an_answer_longer_than_the_turn_starts_over_in_a_worker_thread(probed: tuple[Client, dict[str, Any]]) -> None:
    client, seen = probed
    seen["probe"] = Probe(seconds=LOOP_TURN * 2)
    response = client.post("/probe", json={})
    assert response.status_code == 200, response.text
    assert response.json()["attempts"] == 2
    first, second = seen["probe"].threads
    assert first == seen["loop"] and second != seen["loop"]


def test_the_request_deadline_passing_on_the_loop_is_a_503_not_a_second_attempt(probed: tuple[Client, dict[str, Any]]) -> None:
    client, seen = probed
    client.app.state.limits = Limits(request_time_limit=LOOP_TURN / 3)
    seen["probe"] = Probe(seconds=LOOP_TURN * 2)
    response = client.post("/probe", json={})
    assert response.status_code == 503, response.text
    assert seen["probe"].threads == [seen["loop"]]


def test_a_short_answer_waits_for_the_lane_then_computes_on_the_loop(probed: tuple[Client, dict[str, Any]]) -> None:
    client, seen = probed
    lane: anyio.CapacityLimiter = client.app.state.engine_lane
    seen["portal"].call(lane.acquire_on_behalf_of, "other work")
    answer = client.request_soon("POST", "/probe", json={})
    time.sleep(0.2)
    assert seen["probe"].threads == []  # waiting its turn
    seen["portal"].call(lane.release_on_behalf_of, "other work")
    assert answer.result(timeout=5).status_code == 200
    assert seen["probe"].threads == [seen["loop"]]


def test_no_turn_on_the_loop_while_the_engine_is_stale(probed: tuple[Client, dict[str, Any]]) -> None:
    client, seen = probed
    client.app.state.engine_cache.invalidate()  # what a write through this process does
    assert client.post("/probe", json={}).status_code == 200
    assert len(seen["probe"].threads) == 1 and seen["probe"].threads[0] != seen["loop"]
    assert client.post("/probe", json={}).status_code == 200  # rebuilt by the last one: fresh again
    assert seen["probe"].threads[1] == seen["loop"]


def test_a_write_through_another_process_is_seen_by_the_next_answer(probed: tuple[Client, dict[str, Any]],
                                                                     settings: Settings) -> None:
    client, seen = probed
    before = client.post("/probe", json={}).json()["version"]
    other = open_store(settings.store_url)  # another worker's connection to the same file
    other.import_document(Document(institutions=[Institution(id="TRU", name="Thompson Rivers University")]),
                          actor="admin")
    other.close()
    assert client.post("/probe", json={}).json()["version"] == before + 1
    assert seen["probe"].threads[1] != seen["loop"]  # the engine was rebuilt in a worker thread
