"""Observability: one structured access-log line per request, and Prometheus metrics.

:class:`Observe` is an ASGI middleware around the whole app. When a response is complete it
logs one JSON line on the ``pathways.access`` logger (``route`` is the route template, so
``/nodes/{id:entity_id}`` rather than one line shape per node; ``status``; ``duration_ms``;
``role``: the caller's role name, ``anonymous`` without a token, never the token itself) and
counts the request in the app's metrics: ``pathways_requests_total`` by route template,
method and status, and ``pathways_request_duration_seconds``, a histogram by route template
and method. ``GET /metrics`` serves them in the Prometheus text format.

Each app has its own registry (two apps in one process never mix counts). With ``pathways
serve --workers N`` the workers run in prometheus-client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, set by :func:`~pathways.service.server.run`): each keeps its
counts in files there, and ``/metrics`` adds up every worker's (a
:class:`~prometheus_client.multiprocess.MultiProcessCollector`), whichever worker answers.

Example:
    >>> metrics = Metrics()
    >>> metrics.observe("/health", "GET", 200, 0.002)
    >>> b'pathways_requests_total{method="GET",route="/health",status="200"} 1.0' in metrics.exposition()
    True
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACCESS_LOGGER", "UNMATCHED", "Metrics", "Observe", "install_metrics"]

ACCESS_LOGGER = "pathways.access"
"""The logger of the access lines (``pathways serve`` prints it on stdout; ``--no-access-log`` silences it)."""
UNMATCHED = "(unmatched)"
"""The route label of a request no route matched (a 404), so a scan of random paths adds no labels."""

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_log = logging.getLogger(ACCESS_LOGGER)


class Metrics:
    """One app's request counter and latency histogram, in a registry of its own; in
    multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set when the process started) the values
    live in that directory's files and :meth:`exposition` adds up every process's."""

    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        self.registry = CollectorRegistry()
        self.requests = Counter("pathways_requests", "HTTP requests answered, by route template, method and status",
                                ("route", "method", "status"), registry=self.registry)
        self.latency = Histogram("pathways_request_duration_seconds", "time to answer an HTTP request, by route template",
                                 ("route", "method"), buckets=_BUCKETS, registry=self.registry)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric (of every worker, in multiprocess mode)."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]  # untyped upstream
        return generate_latest(every_worker)


class Observe:
    """ASGI middleware: time each HTTP request, then log it and count it once it is answered."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.observe(template, scope["method"], status, seconds)
            if _log.isEnabledFor(logging.INFO):
                state: dict[str, Any] = scope.get("state") or {}
                _log.info(json.dumps({"method": scope["method"], "route": template, "status": status,
                                      "duration_ms": round(seconds * 1000, 2), "role": state.get("role", "anonymous")}))


def install_metrics(app: FastAPI) -> Metrics:
    """Add :class:`Observe` and ``GET /metrics`` to ``app``; returns its metrics."""
    metrics = Metrics()

    @app.get("/metrics", summary="Request counts and latency histograms (Prometheus text format)", tags=["health"],
             response_class=Response)
    def get_metrics(request: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(Observe, metrics=metrics)
    return metrics
