"""Deadlines stop the engine's work: evaluation, reach and planning check theirs in their loops."""

from __future__ import annotations

import threading
import time

import pytest

from benchmarks.synthetic import generate, transcripts
from pathways.engine import NEVER, Deadline, Engine, evaluate, plan, reach
from pathways.errors import DeadlineExceeded, InvalidInput
from pathways.model import EvaluationRequest, PlanRequest


@pytest.fixture(scope="module")
def bc() -> tuple[Engine, list[EvaluationRequest]]:
    doc = generate(0.02, seed=3, shape="bc")
    return Engine(doc), transcripts(doc, 40, 3, seed=1)


def test_a_passed_deadline_stops_evaluation_reach_and_plan(bc: tuple[Engine, list[EvaluationRequest]]) -> None:
    engine, requests = bc
    passed = Deadline(time.monotonic() - 1)
    request = requests[0]
    with pytest.raises(DeadlineExceeded, match="evaluation stopped"):
        evaluate(engine, request, deadline=passed)
    node = request.holdings[0].node
    with pytest.raises(DeadlineExceeded, match="reach stopped"):
        reach(engine, node, 3, deadline=passed)
    target = sorted(n for n, v in engine.nodes.items() if v.kind == "credential")[0]
    body = PlanRequest.from_json({"holdings": [{"node": h.node} for h in request.holdings], "as_of": "2025-06-30",
                                  "target": target})
    with pytest.raises(DeadlineExceeded, match="stopped"):
        plan(engine, body, deadline=passed)


def test_a_deadline_cancelled_from_another_thread_stops_a_running_evaluation(bc: tuple[Engine, list[EvaluationRequest]]) -> None:
    engine, requests = bc
    started = time.perf_counter()
    evaluate(engine, requests[1], deadline=NEVER)
    whole = time.perf_counter() - started
    deadline = Deadline.after(3600)
    timer = threading.Timer(whole / 4, deadline.cancel)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(DeadlineExceeded):
        for _ in range(20):  # long enough that the cancel lands mid-evaluation
            evaluate(engine, requests[1], deadline=deadline)
    assert time.perf_counter() - started < whole * 20 / 2


def test_reach_refuses_an_answer_over_its_path_limit_naming_depth(bc: tuple[Engine, list[EvaluationRequest]]) -> None:
    engine, requests = bc
    node = requests[0].holdings[0].node
    paths = sum(len(t.paths) for t in reach(engine, node, 2).targets)
    assert paths > 1
    with pytest.raises(InvalidInput) as caught:
        reach(engine, node, 2, max_paths=1)
    assert caught.value.problems[0].path == "depth"
    assert reach(engine, node, 2, max_paths=10**6) == reach(engine, node, 2)
