"""Engine work off the event loop, under a deadline that also ends when the client leaves.

Evaluation, reach, planning and every GraphQL operation that touches the engine run in a
worker thread (:func:`anyio.to_thread.run_sync`; a short answer's first few milliseconds
excepted, below), so the event loop keeps answering
``/health`` and every other request while they compute. Each request gets one
:class:`~pathways.engine.Deadline`, ``request_time_limit`` seconds from its start, which the
engine checks inside its loops; past it the work stops and the request answers 503 with
``Retry-After``. A watcher task waits for the client's ``http.disconnect`` and cancels the
deadline, so a client that times out or hangs up stops the computation at the engine's
next check instead of leaving it to run for nobody.

The engine calls of one request run one at a time, and a worker process runs at most
``engine_threads`` engine calls at once (the app's *lane*, an :class:`anyio.CapacityLimiter`,
by default 1); the others wait their turn, their deadline running. Python runs one thread
at a time in a process: threads computing together only take turns every
millisecond (:data:`~pathways.service.server.SWITCH_INTERVAL`), and each turn finds the
caches filled by another evaluation's data. On the BC 1.0 graph a shaped ``POST /evaluate``
cost about a third more CPU with two or four evaluations interleaved than one after the other
(docs/benchmarks.md); so one at a time, as a classic synchronous worker serves, and more
processes for more cores.

A short answer is cheaper on the event loop itself: handing work to a thread and back, and
the loop's turns in the middle of it, cost about a fifth of a shaped ``POST /evaluate``'s CPU
on the BC 1.0 graph (docs/limits.md). So ``POST /evaluate`` and ``/destinations`` first compute on
the loop's thread for at most :data:`LOOP_TURN` seconds, when the engine's snapshot can be had
without waiting (:meth:`~pathways.service.engine_cache.EngineCache.fresh`), once its turn in the
lane has come (:func:`on_loop`); past the turn the
computation stops at the engine's next deadline check and starts over in a worker thread,
as above. The loop is held for at most that turn; work known to be long (planning, impact,
GraphQL) never takes one.

The routes that take a JSON body and answer from the engine (``POST /evaluate``,
``/destinations``, ``/plan``, ``/impact``) do all of it in :func:`engine_answer`, reading
what they need off ``app.state`` rather than through a FastAPI dependency each: resolving
four dependencies cost the event loop about as much as the rest of such a request's
handling (0.15 ms of 0.5 ms, an in-process ASGI request with an empty answer), in the loop
that every other request waits on.

Example:
    >>> work = Work(deadline=Deadline.after(5), lane=anyio.CapacityLimiter(1))
    >>> work.deadline.passed()
    False
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import anyio
import anyio.to_thread
from starlette.requests import Request

from ..engine import Deadline
from ..errors import DeadlineExceeded
from .engine_cache import Snapshot
from .errors import parse_json_body
from .limits import Limits
from .responses import FastJSONResponse

__all__ = ["LOOP_TURN", "Compute", "Work", "engine_answer", "on_loop"]

LOOP_TURN = 0.03
"""Seconds a short answer may compute on the event loop before it starts over in a worker
thread: a shaped BC 1.0 evaluation of 10 holdings takes 3 to 12 ms."""

T = TypeVar("T")


class Compute(Protocol):
    """An answer computed from the current snapshot and a request body, within the app's
    limits and the request's deadline (:mod:`~pathways.service.queries`' functions)."""

    def __call__(self, snapshot: Snapshot, body: object, /, *, limits: Limits, deadline: Deadline) -> dict[str, Any]: ...


class Work:
    """One request's engine work: its deadline, its thread, and the watch on its client."""

    def __init__(self, *, deadline: Deadline, lane: anyio.CapacityLimiter, request: Request | None = None) -> None:
        self.deadline = deadline
        self._lane = lane
        self._request = request
        self._one_at_a_time = anyio.Lock()
        self._watcher: asyncio.Task[None] | None = None

    async def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` in a worker thread once the app's lane has room, after this request's earlier
        calls; the client is watched from the first call on (also while it waits its turn)."""
        if self._watcher is None and self._request is not None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch(self._request))
        async with self._one_at_a_time:
            return await anyio.to_thread.run_sync(fn, limiter=self._lane)

    async def _watch(self, request: Request) -> None:
        # once the body is read, the server's next message is http.disconnect: sent when the
        # client goes, or when the response is complete (then the work is already done)
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                self.deadline.cancel()
                return

    def close(self) -> None:
        """Stop watching the client (the response is on its way)."""
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None


def on_loop(snapshot: Snapshot | None, compute: Compute, body: object, *, limits: Limits, deadline: Deadline,
            turn: float = LOOP_TURN) -> FastJSONResponse | None:
    """``compute``'s answer, computed in this thread within ``turn`` seconds (and ``deadline``);
    ``None`` when it did not finish in time, or should not start here: no ``snapshot`` to be
    had at once, or its answer tables not built yet.

    Raises:
        DeadlineExceeded: ``deadline`` itself passed (not only the turn).

    >>> on_loop(None, lambda *a, **k: {}, {}, limits=Limits(), deadline=Deadline.after(5)) is None
    True
    """
    if snapshot is None or not snapshot.answers_ready:
        return None
    try:
        turn_ends = Deadline(min(deadline.at, time.monotonic() + turn))
        return FastJSONResponse(compute(snapshot, body, limits=limits, deadline=turn_ends))
    except DeadlineExceeded:
        if deadline.passed():
            raise
        return None


async def engine_answer(request: Request, compute: Compute, *, short: bool = False) -> FastJSONResponse:
    """The JSON body of ``request`` (422 when it is not JSON), answered by ``compute`` off the
    event loop in the app's lane under the request's deadline, rendered by orjson in the same
    thread; the client is watched meanwhile. A ``short`` answer is tried on the loop first
    (:func:`on_loop`)."""
    state = request.app.state
    body = parse_json_body(await request.body())
    limits: Limits = state.limits
    deadline = limits.deadline()
    if short:
        async with state.engine_lane:  # its turn in the lane, as any engine work
            answer = on_loop(state.engine_cache.fresh(), compute, body, limits=limits, deadline=deadline)
        if answer is not None:
            return answer
    work = Work(deadline=deadline, lane=state.engine_lane, request=request)
    try:
        return await work.run(lambda: FastJSONResponse(compute(state.engine_cache.current(), body, limits=limits,
                                                               deadline=work.deadline)))
    finally:
        work.close()
