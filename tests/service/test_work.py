"""Engine work in a worker process: one computation at a time by default (``PATHWAYS_ENGINE_THREADS``)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio

from pathways.engine import Deadline
from pathways.service.app import create_app
from pathways.service.work import Work
from pathways.settings import Settings


def _most_at_once(tokens: int, requests: int = 4) -> int:
    """How many of ``requests`` computations, started together on one lane of ``tokens``, ran at once at most."""
    lock = threading.Lock()
    inside = most = 0

    def compute() -> None:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)
        with lock:
            inside -= 1

    async def serve() -> None:
        lane = anyio.CapacityLimiter(tokens)
        async with anyio.create_task_group() as group:
            for _ in range(requests):
                group.start_soon(Work(deadline=Deadline.after(5), lane=lane).run, compute)

    anyio.run(serve)
    return most


def test_a_lane_of_one_runs_one_computation_at_a_time() -> None:
    assert _most_at_once(1) == 1


def test_a_wider_lane_runs_as_many_at_once() -> None:
    assert _most_at_once(2) == 2


def test_the_app_lane_is_the_setting(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'lane.db'}"
    assert create_app(Settings(store_url=store_url)).state.engine_lane.total_tokens == 1
    assert create_app(Settings.from_env({"PATHWAYS_STORE": store_url, "PATHWAYS_ENGINE_THREADS": "3"})).state.engine_lane.total_tokens == 3
